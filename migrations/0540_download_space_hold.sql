-- Why new downloads are held (the library's disk has less than min_free_space_mb free); null = not held.
alter table download_queue_state add column held_reason text;
