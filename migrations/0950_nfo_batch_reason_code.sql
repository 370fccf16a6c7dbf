-- A batch item's outcome as a stable code and its figures (TMDB_NO_MATCH with the title searched, ...)
-- beside its English `message`, so the UI can say it in the user's language.
alter table nfo_batch_items add column code text, add column params jsonb not null default '{}';
