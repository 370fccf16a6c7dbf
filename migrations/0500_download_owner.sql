-- Who queued a download item: the account that may change or remove it besides an administrator.
-- Null: queued by the system (rescan, watchlist check) or before owners were recorded (admin only).
alter table download_items add column added_by integer references users(id) on delete set null;
