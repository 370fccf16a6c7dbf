-- The disk scanner keeps the series' scan state (folders, fingerprints) in memory between scans.
-- This counter says whether that state is still current: every statement that inserts or deletes
-- series, or changes a folder or fingerprint, bumps it (once per statement).
create table library_scan_generation (
  id boolean primary key default true check (id),
  value bigint not null
);
insert into library_scan_generation (value) values (0);

create function library_scan_generation_bump() returns trigger language plpgsql as $$
begin
  update library_scan_generation set value = value + 1;
  return null;
end $$;

create trigger series_scan_generation
  after insert or delete or update of folder, dir_fingerprint, disk_signature on series
  for each statement execute function library_scan_generation_bump();
create trigger series_scan_generation_truncate
  after truncate on series
  for each statement execute function library_scan_generation_bump();
