-- Library scanner state: skip unchanged folders on a rescan, and the import of existing folders.
alter table series add column dir_fingerprint text;      -- mtimes of the folder and its subfolders at the last disk scan
alter table series add column disk_signature text;       -- hash of the episode files seen at the last disk scan
alter table series add column last_disk_scan_at timestamptz;
create index series_name_lower on series (lower(name));

-- Folders under the anime directory that are not series yet, with what the import found for them.
create table library_unmatched (
  folder text primary key,
  status text not null default 'new' check (status in ('new', 'ambiguous', 'not_found', 'failed')),
  candidates jsonb not null default '[]',
  error text,
  updated_at timestamptz not null default now()
);
