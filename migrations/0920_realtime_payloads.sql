-- Realtime events larger than NOTIFY's payload limit (8000 bytes): the event is stored here and
-- NOTIFY carries only its id; every process reads the row and relays the event to its sockets.
-- Rows are deleted a few minutes later by the next large event (nothing else reads them).
create table realtime_payloads (
  id bigserial primary key,
  body text not null,
  created_at timestamptz not null default now()
);
create index realtime_payloads_created_at on realtime_payloads (created_at);
comment on table realtime_payloads is 'aniworld:not-backed-up: large realtime events in flight between processes';
