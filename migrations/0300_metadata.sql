-- Metadata (issue 5): TMDB response cache and NFO batch runs.

-- TMDB answers by request (path + query without credentials), kept until expires_at.
create table tmdb_cache (
  cache_key text primary key,
  body jsonb not null,
  fetched_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index tmdb_cache_expires_at on tmdb_cache (expires_at);

-- One batch creation request; each series is one nfo_create job that reports into nfo_batch_items.
create table nfo_batches (
  id uuid primary key,
  total integer not null,
  download_media boolean not null default true,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);

create table nfo_batch_items (
  batch_id uuid not null references nfo_batches(id) on delete cascade,
  position integer not null,
  serie_id text not null,
  serie_folder text,
  status text not null check (status in ('queued', 'running', 'success', 'failed', 'skipped')),
  message text not null,
  nfo_path text,
  updated_at timestamptz not null default now(),
  primary key (batch_id, position)
);
