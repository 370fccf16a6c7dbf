-- A failed queue item's reason as a stable code (downloads/failure.ts DownloadFailureCode) beside
-- its English `error`, so the UI can show the reason in the user's language.
alter table download_items add column error_code text;
