-- Media-server refreshes waiting for their batch (issue 17): one row per server and series
-- folder; the `media_refresh` job of a server (keyed per server, delayed) takes them all at once.
create table media_refresh_pending (
  server_id text not null,
  folder text not null,                      -- absolute local path of the series folder
  added_at timestamptz not null default now(),
  primary key (server_id, folder)
);
