-- History events that are not download attempts (issue 17): an episode queued (by whom), a series
-- added or removed, files imported from disk or deleted, NFOs written. Download attempts live in
-- download_attempts (0600); the history API reads both.
create table history_events (
  id bigserial primary key,
  at timestamptz not null default now(),
  event text not null check (event in ('queued', 'series_added', 'series_removed', 'file_imported', 'file_deleted', 'nfo_written', 'blocklisted')),
  series_key text,
  series_name text,
  season integer,
  episode integer,
  user_id integer,                             -- who did it (null: the system)
  item_id uuid,                                -- queued: the queue item (its attempts follow)
  data jsonb not null default '{}'
);
create index history_events_at on history_events (at desc);
create index history_events_series on history_events (series_key, at desc);
create index history_events_user on history_events (user_id, at desc) where user_id is not null;
