-- The failure policy. A source that failed through its own fault is blocklisted for its episode;
-- an episode whose every source failed waits (1 h, 6 h, 24 h), then is given up until a new
-- source appears on its page or a user retries it.
create table download_blocklist (
  id bigserial primary key,
  series_key text not null,
  season integer not null,
  episode integer not null,
  hoster text not null,
  language text not null,
  source_url text not null,
  reason text not null,
  attempt_id bigint,                        -- the attempt that failed (download_attempts.id)
  created_at timestamptz not null default now(),
  unique (series_key, season, episode, source_url)
);
create index download_blocklist_created on download_blocklist (created_at desc);

create table download_backoff (
  series_key text not null,
  season integer not null,
  episode integer not null,
  failures integer not null default 0,       -- runs that failed through the sources' or hosters' fault
  next_try_at timestamptz,                   -- automatic downloads wait until then; null once given up
  gave_up boolean not null default false,
  known_sources text[] not null default '{}', -- the links the page listed at the last failure
  last_error text,
  updated_at timestamptz not null default now(),
  primary key (series_key, season, episode)
);

-- Queue items: a source the user chose, a file on disk to replace once the new one is verified,
-- and (upgrades) the language of the file being replaced.
alter table download_items
  add column chosen_source text,
  add column replace_existing boolean not null default false,
  add column upgrade_from text;

-- one failed row per episode: older duplicates of the failed list go (the newest stays)
delete from download_items d where d.status in ('failed', 'cancelled') and exists (
  select 1 from download_items n where n.serie_id = d.serie_id and n.season = d.season and n.episode = d.episode
    and n.status in ('failed', 'cancelled') and (n.added_at, n.id) > (d.added_at, d.id));
