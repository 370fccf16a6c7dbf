-- Download queue: one row per queued episode. Processing is done by Graphile Worker jobs
-- (`download_episode`, one per item); `downloads_dispatch` claims items in queue order.
create table download_items (
  id uuid primary key default gen_random_uuid(),
  serie_id text not null,                    -- series key (provider slug)
  serie_folder text not null default '',
  serie_name text not null default '',
  season integer not null check (season >= 0),
  episode integer not null check (episode >= 0),
  title text,
  status text not null default 'pending'
    check (status in ('pending', 'downloading', 'paused', 'completed', 'failed', 'cancelled')),
  priority text not null default 'NORMAL' check (priority in ('LOW', 'NORMAL', 'HIGH')),
  position bigserial,                        -- manual order inside a priority (POST /reorder)
  source text not null default 'manual',     -- manual | rescan | watchlist
  language text,                             -- wanted language; null = config preference order
  quality text,                              -- wanted quality; null = config
  added_at timestamptz not null default now(),
  started_at timestamptz,
  completed_at timestamptz,
  progress jsonb,
  error text,
  retry_count integer not null default 0,
  source_url text,
  hoster text,
  chosen_language text,
  hoster_errors jsonb not null default '[]',
  part_dir text,                             -- absolute folder of partial files while active
  file_path text,                            -- absolute path of the placed file
  downloaded_bytes bigint not null default 0,
  total_bytes bigint,
  expected_duration double precision,
  heartbeat_at timestamptz,
  updated_at timestamptz not null default now()
);
-- The same episode cannot be queued twice while pending or active.
create unique index download_items_one_active on download_items (serie_id, season, episode)
  where status in ('pending', 'downloading', 'paused');
create index download_items_order on download_items (status, position);

-- One row: is the queue processing? Also the lock that serialises claims across processes.
create table download_queue_state (
  id boolean primary key default true check (id),
  is_running boolean not null default true,
  is_paused boolean not null default false,
  updated_at timestamptz not null default now()
);
insert into download_queue_state (id) values (true);
