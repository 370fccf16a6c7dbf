-- The placement of a verified download, recorded before its rename (source file, target, size,
-- the source it came from): a process killed while placing finishes it on resume instead of
-- downloading the episode again.
alter table download_items add column placement jsonb;
