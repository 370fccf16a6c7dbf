-- GET /api/queue/status reads one page of each of the queue's four lists in queue order. Without an
-- index in that order every request sorted the whole list (10,000 waiting items: a top-N sort of
-- all of them per page). The expressions are exactly the ones downloads/repo.ts queries with
-- (LIST, then ORDER): the list an item belongs to, its priority rank, its position.
create index download_items_list_order on download_items (
  (case status when 'downloading' then 0 when 'pending' then 1 when 'paused' then 1 when 'completed' then 2 else 3 end),
  (case priority when 'HIGH' then 0 when 'NORMAL' then 1 else 2 end),
  position,
  added_at
);
