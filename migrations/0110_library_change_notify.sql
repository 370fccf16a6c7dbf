-- Every change to the library's rows tells each process (NOTIFY library_changed), so an in-memory
-- copy of the library list is dropped the moment it could be stale. Statement-level: one
-- notification per statement, and Postgres folds identical ones within a transaction.
create or replace function notify_library_changed() returns trigger
language plpgsql as $$
begin
  perform pg_notify('library_changed', '1');
  return null;
end
$$;

create trigger series_changed after insert or update or delete or truncate on series
  for each statement execute function notify_library_changed();
create trigger episodes_changed after insert or update or delete or truncate on episodes
  for each statement execute function notify_library_changed();
