-- Watchlist: per-user tracked anime, checked on a schedule for new episodes.
create table watchlist_items (
  id uuid primary key default gen_random_uuid(),
  user_id integer not null references users(id) on delete cascade,
  anime_title text not null,
  anime_url text not null,
  anime_key text not null,                   -- the provider slug, same as series.key
  provider_id text not null,
  lang text,
  auto_download boolean not null default true,
  quality_preference text not null default 'auto' check (quality_preference in ('auto', '1080p', '720p', '480p')),
  status text not null default 'active' check (status in ('active', 'paused', 'completed', 'archived')),
  last_episode_downloaded integer not null default 0 check (last_episode_downloaded >= 0),
  poster_image text,
  synopsis text,
  genres text[] not null default '{}',
  series_id integer references series(id) on delete set null,
  last_checked_at timestamptz,
  last_check_status text check (last_check_status in ('ok', 'error')),
  last_check_error text,
  last_check_new_episodes integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, provider_id, anime_key)
);
create index watchlist_items_due on watchlist_items (status, last_checked_at);

-- Episodes a check found (new on the provider, not in the library yet) and what became of them.
create table watchlist_episodes (
  id serial primary key,
  item_id uuid not null references watchlist_items(id) on delete cascade,
  season integer not null check (season >= 0),
  episode integer not null check (episode >= 0),
  title text,
  found_at timestamptz not null default now(),
  queued boolean not null default false,
  queue_error text,
  unique (item_id, season, episode)
);

-- The Tasks view: last run of each scheduled task (written from the worker's job events).
create table task_runs (
  name text primary key,
  running boolean not null default false,
  started_at timestamptz,
  finished_at timestamptz,
  duration_ms integer,
  outcome text check (outcome in ('success', 'failed')),
  error text,
  runs integer not null default 0
);
