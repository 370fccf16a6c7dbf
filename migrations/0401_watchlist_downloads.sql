-- Watchlist episodes: waiting for a free auto-download slot (max_concurrent_auto_downloads), and
-- when their download completed (set once, so the "downloaded" notification is sent once).
alter table watchlist_episodes
  add column deferred boolean not null default false,
  add column downloaded_at timestamptz;
