-- The payload a Graphile Worker job was added with, for the jobs whose payload the application reads
-- back (worker/jobs.ts `keepPayload`: the recurring schedules' fingerprint, the rescan's trigger),
-- written in the add's transaction. Graphile Worker's public `jobs` view has no payload and its
-- tables are private. Rows of jobs that are gone are pruned by housekeeping.
create table job_payloads (
  job_id bigint primary key,
  payload jsonb not null,
  updated_at timestamptz not null default now()
);
comment on table job_payloads is 'aniworld:not-backed-up payloads of waiting jobs (the jobs are not backed up either)';
