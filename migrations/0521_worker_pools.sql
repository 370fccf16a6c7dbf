-- The Graphile Worker pools (one per worker process) that run now. Each process holds a session
-- advisory lock on its pool for as long as it lives; a pool whose lock is free is gone (its
-- process died, SIGKILL included), and any worker process frees the job rows it left locked.
create table worker_pools (
  id text primary key,            -- Graphile Worker's pool id (what jobs.locked_by holds)
  hostname text not null,
  pid integer not null,
  started_at timestamptz not null default now()
);
