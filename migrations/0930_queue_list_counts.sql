-- The queue's per-list counts (GET /api/queue/status, queue_status) without counting the lists: a
-- 10,000-item queue made every status read scan 10,000 index entries (about half of the page's
-- statement). Each statement that adds, removes or moves items between lists appends one row per
-- list it changed (+n / -n), in its own transaction, so the counts commit with the items; no row is
-- updated in place, so writers never wait for each other here. A read sums the rows; queue_trim
-- folds them into one row per list (downloads/repo.ts compactListCounts). Lists as in 0910: 0
-- active, 1 waiting (pending, paused), 2 completed, 3 failed (failed, cancelled).
create function download_list(status text) returns smallint language sql immutable parallel safe
  return (case status when 'downloading' then 0 when 'pending' then 1 when 'paused' then 1 when 'completed' then 2 else 3 end);

create table download_list_counts (
  list smallint not null,
  n integer not null
);
comment on table download_list_counts is 'aniworld:not-backed-up counts of download_items per list, kept by its triggers';

create function download_list_counts_insert() returns trigger language plpgsql as $$
begin
  insert into download_list_counts (list, n) select download_list(status), count(*) from new_rows group by 1;
  return null;
end $$;

create function download_list_counts_delete() returns trigger language plpgsql as $$
begin
  insert into download_list_counts (list, n) select download_list(status), -count(*) from old_rows group by 1;
  return null;
end $$;

-- an update that keeps every row in its list (progress, priority, position) adds nothing
create function download_list_counts_update() returns trigger language plpgsql as $$
begin
  insert into download_list_counts (list, n)
    select list, sum(d) from (
      select download_list(status) as list, -1 as d from old_rows
      union all select download_list(status), 1 from new_rows
    ) c group by list having sum(d) <> 0;
  return null;
end $$;

create function download_list_counts_truncate() returns trigger language plpgsql as $$
begin
  delete from download_list_counts;
  return null;
end $$;

create trigger download_list_counts_insert after insert on download_items
  referencing new table as new_rows for each statement execute function download_list_counts_insert();
create trigger download_list_counts_delete after delete on download_items
  referencing old table as old_rows for each statement execute function download_list_counts_delete();
create trigger download_list_counts_update after update on download_items
  referencing old table as old_rows new table as new_rows for each statement execute function download_list_counts_update();
create trigger download_list_counts_truncate after truncate on download_items
  for each statement execute function download_list_counts_truncate();

insert into download_list_counts (list, n) select download_list(status), count(*) from download_items group by 1;
