import { z } from 'zod';
import { UniqueIntegrityConstraintViolationError } from 'slonik';
import { sql, type Conn } from '../db/pool.js';

/** The only place with SQL for the download queue. */

/** A verified file about to take its place in the library (recorded before the rename). */
export const Placement = z.object({
  /** The verified file in the item's partial folder. */
  file: z.string(),
  /** Its final name (absolute, inside the series folder) and the series-relative one. */
  target: z.string(),
  rel: z.string(),
  bytes: z.number(),
  /** The file this download replaces (upgrade, `replace: true`), removed once the new one is in place. */
  old: z.string().nullable(),
  source: z.object({ hoster: z.string(), language: z.string(), url: z.string() }),
  started_at: z.string(),
});
export type Placement = z.infer<typeof Placement>;

export const ItemRow = z.object({
  id: z.string(),
  serie_id: z.string(),
  serie_folder: z.string(),
  serie_name: z.string(),
  season: z.number(),
  episode: z.number(),
  title: z.string().nullable(),
  status: z.enum(['pending', 'downloading', 'paused', 'completed', 'failed', 'cancelled']),
  priority: z.enum(['LOW', 'NORMAL', 'HIGH']),
  position: z.number(),
  source: z.string(),
  language: z.string().nullable(),
  quality: z.string().nullable(),
  added_at: z.date(),
  started_at: z.date().nullable(),
  completed_at: z.date().nullable(),
  progress: z.record(z.unknown()).nullable(),
  error: z.string().nullable(),
  error_code: z.string().nullable(),
  retry_count: z.number(),
  source_url: z.string().nullable(),
  hoster: z.string().nullable(),
  chosen_language: z.string().nullable(),
  hoster_errors: z.array(z.string()),
  part_dir: z.string().nullable(),
  file_path: z.string().nullable(),
  downloaded_bytes: z.number(),
  total_bytes: z.number().nullable(),
  added_by: z.number().nullable(),
  chosen_source: z.string().nullable(),
  replace_existing: z.boolean(),
  upgrade_from: z.string().nullable(),
  placement: Placement.nullable(),
});
export type ItemRow = z.infer<typeof ItemRow>;

const COLS = sql.fragment`id::text, serie_id, serie_folder, serie_name, season, episode, title, status, priority, position,
  source, language, quality, added_at, started_at, completed_at, progress, error, error_code, retry_count, source_url, hoster,
  chosen_language, hoster_errors, part_dir, file_path, downloaded_bytes, total_bytes, added_by, chosen_source, replace_existing,
    upgrade_from, placement`;

/** Queue order: priority, then the manual order. */
const ORDER = sql.fragment`case priority when 'HIGH' then 0 when 'NORMAL' then 1 else 2 end, position`;

export interface NewItem {
  serie_id: string;
  serie_folder: string;
  serie_name: string;
  season: number;
  episode: number;
  title: string | null;
  priority: 'LOW' | 'NORMAL' | 'HIGH';
  source: string;
  language: string | null;
  quality: string | null;
  /** The account that queued it; null for the system (rescan, watchlist). */
  added_by?: number | null;
  chosen_source?: string | null;
  replace_existing?: boolean;
  upgrade_from?: string | null;
}

/**
 * Queues an episode unless it is already pending or active (then null). An earlier failed row of
 * the episode is taken up again (retry_count + 1) instead of adding one: the failed list holds one
 * row per episode.
 */
export async function insertItem(conn: Conn, i: NewItem): Promise<ItemRow | null> {
  const revived = await conn
    .maybeOne(
      sql.type(ItemRow)`update download_items d set status = 'pending', retry_count = retry_count + 1,
      title = coalesce(${i.title}, title), priority = ${i.priority}, source = ${i.source}, language = ${i.language}, quality = ${i.quality},
      chosen_source = ${i.chosen_source ?? null}, replace_existing = ${i.replace_existing ?? false}, upgrade_from =
        ${i.upgrade_from ?? null},
      added_by = ${i.added_by ?? null}, error = null, error_code = null, hoster_errors = '[]', progress = null, started_at = null,
        completed_at = null,
        downloaded_bytes = 0, total_bytes = null,
      source_url = null, hoster = null, chosen_language = null, file_path = null, placement = null,
      position = nextval(pg_get_serial_sequence('download_items', 'position')), added_at = now(), updated_at = now()
    where d.id = (select id from download_items where serie_id = ${i.serie_id} and season = ${i.season} and episode = ${i.episode}
        and status in ('failed', 'cancelled') order by added_at desc limit 1 for update)
      and not exists (select 1 from download_items o where o.serie_id = d.serie_id and o.season = d.season
        and o.episode = d.episode and o.status in ('pending', 'downloading', 'paused'))
    returning ${COLS}`,
    )
    .catch((err) => {
      if (err instanceof UniqueIntegrityConstraintViolationError) return null; // queued meanwhile
      throw err;
    });
  if (revived) return revived;
  return conn.maybeOne(sql.type(ItemRow)`insert into download_items
      (serie_id, serie_folder, serie_name, season, episode, title, priority, source, language, quality, added_by, chosen_source,
        replace_existing, upgrade_from)
    values (${i.serie_id}, ${i.serie_folder}, ${i.serie_name}, ${i.season}, ${i.episode}, ${i.title}, ${i.priority},
      ${i.source}, ${i.language}, ${i.quality}, ${i.added_by ?? null}, ${i.chosen_source ?? null}, ${i.replace_existing ?? false},
        ${i.upgrade_from ?? null})
    on conflict (serie_id, season, episode) where status in ('pending', 'downloading', 'paused') do nothing
    returning ${COLS}`);
}

export function itemById(conn: Conn, id: string): Promise<ItemRow | null> {
  return conn.maybeOne(sql.type(ItemRow)`select ${COLS} from download_items where id = ${id}::uuid`);
}

/**
 * The list of the queue's status an item belongs to (0 active, 1 pending, 2 completed, 3 failed)
 * and the queue order: exactly the expressions of the index download_items_list_order (0910), so a
 * page of a list is read in order from the index instead of sorting the whole list.
 */
const LIST = sql.fragment`(case status when 'downloading' then 0 when 'pending' then 1 when 'paused' then 1 when 'completed' then 2 else
  3 end)`;
const LIST_ORDER = sql.fragment`(case priority when 'HIGH' then 0 when 'NORMAL' then 1 else 2 end), position, added_at`;
export type ListKey = 'active' | 'pending' | 'completed' | 'failed';
const LIST_NUMBER: Record<ListKey, number> = { active: 0, pending: 1, completed: 2, failed: 3 };

/** toISOString's form (UTC, milliseconds), so items built here read like queue.ts's toApiItem. */
const iso = (col: string) => sql.fragment`to_char(${sql.identifier(['d', col])} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** An item in the API's shape (queue.ts toApiItem), built by PostgreSQL: no per-row work in JavaScript. */
const API_ITEM = sql.fragment`json_build_object('id', d.id::text, 'serie_id', d.serie_id, 'serie_folder', d.serie_folder,
  'serie_name', d.serie_name, 'episode', json_build_object('season', d.season, 'episode', d.episode, 'title', d.title),
  'status', d.status, 'priority', d.priority, 'added_at', ${iso('added_at')}, 'started_at', ${iso('started_at')},
  'completed_at', ${iso('completed_at')}, 'progress', d.progress, 'error', d.error, 'error_code', d.error_code,
  'retry_count', d.retry_count,
  'source_url', d.source_url, 'source', d.source, 'language', coalesce(d.chosen_language, d.language), 'hoster', d.hoster,
  'hoster_errors', d.hoster_errors, 'file_path', d.file_path, 'added_by', d.added_by, 'attempts', d.retry_count + 1,
  'upgrade_from', d.upgrade_from, 'replace', d.replace_existing)`;

const listPage = (list: ListKey, limit: number, offset: number) =>
  sql.fragment`(select coalesce(json_agg(${API_ITEM} order by ${LIST_ORDER}), '[]') from
    (select * from download_items where ${LIST} = ${LIST_NUMBER[list]} order by ${LIST_ORDER} limit ${limit} offset ${offset}) d)`;

const Snapshot = z.object({
  is_running: z.boolean(),
  is_paused: z.boolean(),
  held_reason: z.string().nullable(),
  active: z.number(),
  pending: z.number(),
  completed: z.number(),
  failed: z.number(),
  completed_bytes: z.number(),
  active_bytes: z.number(),
  avg_speed: z.number().nullable(),
  avg_size: z.number().nullable(),
  remaining_active: z.number(),
  live_speed: z.number(),
  lists: z.record(z.array(z.unknown())).nullable(),
});
export type Snapshot = z.infer<typeof Snapshot>;

/**
 * The queue's state, per-list counts and transfer statistics in one statement, and with `page`
 * one page of each list already in the API's shape. The counts are the sums of
 * download_list_counts (kept by download_items' triggers, 0930: not a count of the lists); the
 * byte statistics only touch active and completed items (the completed ones are trimmed:
 * downloads.completed_keep_*).
 */
export function snapshot(conn: Conn, page: { limit: number; offset: number } | null): Promise<Snapshot> {
  return conn.one(snapshotQuery(page));
}

/** The statement of `snapshot` (bench:scale explains it on its seeded queue). */
export function snapshotQuery(page: { limit: number; offset: number } | null) {
  const lists = page
    ? sql.fragment`json_build_object('active', ${listPage('active', page.limit, page.offset)},
        'pending', ${listPage('pending', page.limit, page.offset)}, 'completed', ${listPage('completed', page.limit, page.offset)},
        'failed', ${listPage('failed', page.limit, page.offset)})`
    : sql.fragment`null::json`;
  return sql.type(Snapshot)`select q.is_running, q.is_paused, q.held_reason, c.*, s.*, ${lists} as lists
    from download_queue_state q,
    (select coalesce(sum(n) filter (where list = 0), 0)::int as active, coalesce(sum(n) filter (where list = 1), 0)::int as pending,
      coalesce(sum(n) filter (where list = 2), 0)::int as completed, coalesce(sum(n) filter (where list = 3), 0)::int as failed
      from download_list_counts) c,
    (select coalesce(sum(downloaded_bytes) filter (where status = 'completed'), 0)::bigint as completed_bytes,
      coalesce(sum(downloaded_bytes) filter (where status = 'downloading'), 0)::bigint as active_bytes,
      avg(downloaded_bytes / greatest(extract(epoch from completed_at - started_at), 0.001))
        filter (where status = 'completed' and started_at is not null and downloaded_bytes > 0)::float8 as avg_speed,
      avg(downloaded_bytes) filter (where status = 'completed' and downloaded_bytes > 0)::float8 as avg_size,
      coalesce(sum(greatest(coalesce(total_bytes, 0) - downloaded_bytes, 0)) filter (where status = 'downloading'), 0)::bigint as
        remaining_active,
      coalesce(sum(case when jsonb_typeof(progress -> 'speed_mbps') = 'number' then (progress ->> 'speed_mbps')::float8 else 0 end)
        filter (where status = 'downloading'), 0)::float8 as live_speed
      from download_items where status in ('completed', 'downloading')) s`;
}

/**
 * Moves and reorders take their rows in different orders (X before Y, Y before X): one at a time,
 * so they never deadlock (PostgreSQL would abort one after a second and the transaction be retried).
 */
const lockQueueOrder = (conn: Conn) => conn.query(sql.unsafe`select pg_advisory_xact_lock(hashtext('aniworld:queue_order'))`);

/**
 * Puts a waiting item in front of another waiting one (taking its priority), or at the end of its
 * priority when `beforeId` is null: the items from the target's position on move one down.
 * Null when either is not waiting (any more).
 */
export async function moveBefore(conn: Conn, id: string, beforeId: string | null): Promise<ItemRow | null> {
  const waiting = sql.fragment`status in ('pending', 'paused')`;
  await lockQueueOrder(conn);
  if (beforeId === null) {
    return conn.maybeOne(sql.type(
      ItemRow,
    )`update download_items set position = nextval(pg_get_serial_sequence('download_items', 'position')),
      updated_at = now() where id = ${id}::uuid and ${waiting} returning ${COLS}`);
  }
  const target = await conn.maybeOne(sql.type(
    z.object({ position: z.number(), priority: ItemRow.shape.priority }),
  )`select position, priority
    from download_items where id = ${beforeId}::uuid and ${waiting} for update`);
  const self = await conn.maybeOneFirst(
    sql.type(z.object({ id: z.string() }))`select id::text from download_items where id = ${id}::uuid and ${waiting} for update`,
  );
  if (!target || !self) return null;
  if (id === beforeId) return itemById(conn, id);
  await conn.query(
    sql.unsafe`update download_items set position = position + 1 where position >= ${target.position} and id <> ${id}::uuid`,
  );
  return conn.maybeOne(sql.type(
    ItemRow,
  )`update download_items set position = ${target.position}, priority = ${target.priority}, updated_at = now()
    where id = ${id}::uuid returning ${COLS}`);
}

const State = z.object({ is_running: z.boolean(), is_paused: z.boolean() });
export async function setQueueState(conn: Conn, running: boolean, paused: boolean): Promise<void> {
  await conn.query(sql.unsafe`update download_queue_state set is_running = ${running}, is_paused = ${paused}, updated_at = now()`);
}

/**
 * Claims the next pending items in queue order, at most `max` active in total across every
 * process: the state row lock serialises claimers, SKIP LOCKED keeps them from blocking.
 */
export async function claimNext(conn: Conn, max: number): Promise<string[]> {
  const state = await conn.one(sql.type(State)`select is_running, is_paused from download_queue_state for update`);
  if (!state.is_running) return [];
  const active = await conn.oneFirst(
    sql.type(z.object({ n: z.number() }))`select count(*)::int as n from download_items where status = 'downloading'`,
  );
  const free = max - active;
  if (free <= 0) return [];
  const ids = await conn.anyFirst(sql.type(z.object({ id: z.string() }))`select id::text from download_items where status = 'pending'
    order by ${ORDER} limit ${free} for update skip locked`);
  if (ids.length === 0) return [];
  await conn.query(sql.unsafe`update download_items set status = 'downloading', started_at = now(), heartbeat_at = now(),
    error = null, error_code = null, updated_at = now() where id = any(${sql.array(ids as string[], 'uuid')})`);
  return [...ids];
}

export async function activeIds(conn: Conn): Promise<string[]> {
  return [
    ...(await conn.anyFirst(sql.type(z.object({ id: z.string() }))`select id::text from download_items where status = 'downloading'`)),
  ];
}

/** Stores progress; answers whether the item still exists and is active (else the download stops). */
export async function saveProgress(
  conn: Conn,
  id: string,
  p: { downloaded: number; total: number | null; progress: Record<string, unknown> },
): Promise<boolean> {
  const r = await conn.query(sql.unsafe`update download_items set downloaded_bytes = ${p.downloaded}, total_bytes = ${p.total},
    progress = ${sql.jsonb(p.progress as never)}, heartbeat_at = now(), updated_at = now()
    where id = ${id}::uuid and status = 'downloading'`);
  return r.rowCount > 0;
}

export async function setAttempt(
  conn: Conn,
  id: string,
  a: { source_url: string; hoster: string; language: string; part_dir: string },
): Promise<void> {
  await conn.query(sql.unsafe`update download_items set source_url = ${a.source_url}, hoster = ${a.hoster},
    chosen_language = ${a.language}, part_dir = ${a.part_dir}, updated_at = now() where id = ${id}::uuid`);
}

export async function setHosterErrors(conn: Conn, id: string, errors: string[]): Promise<void> {
  await conn.query(sql.unsafe`update download_items set hoster_errors = ${sql.jsonb(errors)}, updated_at = now() where id = ${id}::uuid`);
}

export async function markCompleted(conn: Conn, id: string, f: { file_path: string; bytes: number }): Promise<ItemRow | null> {
  return conn.maybeOne(sql.type(ItemRow)`update download_items set status = 'completed', completed_at = now(), file_path = ${f.file_path},
    downloaded_bytes = ${f.bytes}, total_bytes = ${f.bytes}, part_dir = null, placement = null, error = null, error_code = null,
    updated_at = now(),
    progress = ${sql.jsonb({ percent: 100, downloaded_mb: f.bytes / 1048576, total_mb: f.bytes / 1048576, speed_mbps: 0, eta_seconds: 0 })}
    where id = ${id}::uuid and status = 'downloading' returning ${COLS}`);
}

export async function markFailed(conn: Conn, id: string, error: string, code: string): Promise<ItemRow | null> {
  return conn.maybeOne(sql.type(
    ItemRow,
  )`update download_items set status = 'failed', completed_at = now(), error = ${error}, error_code = ${code},
    part_dir = null, placement = null, updated_at = now() where id = ${id}::uuid and status = 'downloading' returning ${COLS}`);
}

/** Records (or with null, forgets) the placement about to happen; false when the item is no longer active. */
export async function setPlacement(conn: Conn, id: string, p: Placement | null): Promise<boolean> {
  const r = await conn.query(sql.unsafe`update download_items set placement = ${p ? sql.jsonb(p as never) : null}, updated_at = now()
    where id = ${id}::uuid and status = 'downloading'`);
  return r.rowCount > 0;
}

/** Who queued each of these items (ids that do not exist are left out). */
export function ownersOf(conn: Conn, ids: string[]) {
  return conn.any(sql.type(z.object({ id: z.string(), added_by: z.number().nullable() }))`select id::text, added_by from download_items
    where id = any(${sql.array(ids, 'uuid')})`);
}

/** The failed items one account queued (a `user`'s "retry all"). */
export function failedIdsOf(conn: Conn, userId: number): Promise<readonly string[]> {
  return conn.anyFirst(sql.type(z.object({ id: z.string() }))`select id::text from download_items
    where added_by = ${userId} and status in ('failed', 'cancelled')`);
}

export function deleteItems(conn: Conn, ids: string[]): Promise<readonly ItemRow[]> {
  return conn.any(sql.type(ItemRow)`delete from download_items where id = any(${sql.array(ids, 'uuid')}) returning ${COLS}`);
}

export function deleteByStatus(conn: Conn, status: 'completed' | 'failed' | 'pending'): Promise<readonly ItemRow[]> {
  const statuses = status === 'failed' ? ['failed', 'cancelled'] : [status];
  return conn.any(sql.type(ItemRow)`delete from download_items where status = any(${sql.array(statuses, 'text')}) returning ${COLS}`);
}

/**
 * Folds download_list_counts into one row per list (its triggers append a row per change). Rows
 * appended meanwhile by other transactions are not in this statement's snapshot and stay.
 */
export async function compactListCounts(conn: Conn): Promise<void> {
  await conn.query(sql.unsafe`with gone as (delete from download_list_counts returning list, n)
    insert into download_list_counts (list, n) select list, sum(n) from gone group by list having sum(n) <> 0`);
}

/** Completed items that finished before `before` or are beyond the newest `keep`; returns how many went. */
export async function trimCompleted(conn: Conn, o: { before: Date | null; keep: number | null }): Promise<number> {
  if (o.before === null && o.keep === null) return 0;
  const old = o.before ? sql.fragment`completed_at < ${o.before.toISOString()}::timestamptz` : sql.fragment`false`;
  const res = await conn.query(sql.unsafe`delete from download_items where id in (
    select id from (select id, completed_at, row_number() over (order by completed_at desc, id desc) as n
      from download_items where status = 'completed') c
    where ${old} or n > ${o.keep ?? 2_147_483_647})`);
  return res.rowCount;
}

/** The listed pending items take the listed order, reusing their own positions (others stay put). */
export async function reorder(conn: Conn, ids: string[]): Promise<number> {
  await lockQueueOrder(conn);
  const rows = await conn.any(sql.type(z.object({ id: z.string(), position: z.number() }))`select id::text, position from download_items
    where id = any(${sql.array(ids, 'uuid')}) and status = 'pending' order by position for update`);
  // sorted here: under a concurrent reorder, FOR UPDATE returns the other one's new positions in the old order
  const positions = rows.map((r) => r.position).sort((a, b) => a - b);
  const ordered = ids.filter((id) => rows.some((r) => r.id === id));
  for (let i = 0; i < ordered.length; i++) {
    await conn.query(sql.unsafe`update download_items set position = ${positions[i]!}, updated_at = now() where id = ${ordered[i]!}::uuid`);
  }
  return ordered.length;
}

/** A new priority for a waiting item (pending or paused); null when it is not waiting (any more). */
export function setPriority(conn: Conn, id: string, priority: ItemRow['priority']): Promise<ItemRow | null> {
  return conn.maybeOne(sql.type(ItemRow)`update download_items set priority = ${priority}, updated_at = now()
    where id = ${id}::uuid and status in ('pending', 'paused') returning ${COLS}`);
}

/** Failed items go back to pending with retry_count + 1 (not when the episode is queued again already). */
export async function retry(conn: Conn, ids: string[] | null): Promise<string[]> {
  const filter = ids ? sql.fragment`and d.id = any(${sql.array(ids, 'uuid')})` : sql.fragment``;
  return [
    ...(await conn.anyFirst(sql.type(
      z.object({ id: z.string() }),
    )`update download_items d set status = 'pending', retry_count = retry_count + 1,
      error = null, error_code = null, hoster_errors = '[]', progress = null, started_at = null, completed_at = null, downloaded_bytes = 0,
      total_bytes = null, placement = null, position = nextval(pg_get_serial_sequence('download_items', 'position')), updated_at = now()
    where d.status in ('failed', 'cancelled') ${filter}
      and not exists (select 1 from download_items o where o.serie_id = d.serie_id and o.season = d.season
        and o.episode = d.episode and o.status in ('pending', 'downloading', 'paused'))
    returning d.id::text`)),
  ];
}

/** After a restore: items that were downloading when the backup was taken wait again (their jobs are derived anew). */
export async function requeueInterrupted(conn: Conn): Promise<number> {
  const r = await conn.query(sql.unsafe`update download_items set status = 'pending', started_at = null, heartbeat_at = null,
    updated_at = now() where status = 'downloading'`);
  return r.rowCount;
}

/** The reason new downloads are held (low disk space), shared by every process; null when they are not. */
/** Sets or clears the hold; answers what it was before, or undefined when nothing changed. */
export async function setHeldReason(conn: Conn, reason: string | null): Promise<{ before: string | null } | undefined> {
  const row = await conn.maybeOne(sql.type(z.object({ before: z.string().nullable() }))`update download_queue_state s
    set held_reason = ${reason}, updated_at = now() from (select held_reason as before from download_queue_state for update) old
    where s.held_reason is distinct from ${reason} returning old.before`);
  return row ?? undefined;
}

/** Watchlist downloads waiting or running in the queue (the watchlist's auto-download slots in use). */
export const activeWatchlistDownloads = (c: Conn) =>
  c.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from download_items
    where source = 'watchlist' and status in ('pending', 'downloading', 'paused')`);
