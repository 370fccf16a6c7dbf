-- Every download attempt of one source (episode × hoster × language × link): what happened and
-- why. The one store the queue's failure policy, the history and the hoster health read.
-- No foreign keys: attempts outlive their queue item and their series (history keeps them).
create table download_attempts (
  id bigserial primary key,
  item_id uuid,                                 -- the queue item that made the attempt
  series_key text not null,
  series_name text not null default '',
  season integer not null,
  episode integer not null,
  hoster text not null,
  language text not null,
  source_url text not null,                     -- the provider's link (/redirect/{id}) or the embed URL
  trigger text not null default 'manual',       -- the item's source: manual | rescan | watchlist | upgrade
  outcome text not null check (outcome in ('completed', 'failed', 'cancelled')),
  -- failed only: whose fault. source: the link itself (resolution failed, 404/410/deleted page,
  -- verification failed, wrong content): blocklisted. hoster: the hoster is temporarily unwell
  -- (5xx, 429). network / provider / local / cancelled: never the source's fault.
  error_class text check (error_class in ('source', 'hoster', 'network', 'provider', 'local', 'cancelled')),
  reason text,
  bytes bigint not null default 0,
  duration_ms integer not null default 0,
  file_path text,                               -- completed: the placed file
  upgraded_from text,                           -- completed upgrade: the language of the file it replaced
  started_at timestamptz not null,
  finished_at timestamptz not null default now()
);
create index download_attempts_episode on download_attempts (series_key, season, episode, finished_at desc);
create index download_attempts_finished on download_attempts (finished_at desc);
create index download_attempts_hoster on download_attempts (hoster, finished_at desc);
