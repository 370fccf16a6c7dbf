import type { Deps } from '../deps.js';
import { Conflict, NotFound } from '../errors.js';
import { MAX_PER_PAGE, type Page } from '../http/schema.js';
import * as repo from './repo.js';
import type { DownloadFailureCode } from './schema.js';
import { ffmpegUsable } from './runtime.js';
import { checkSpaceHold } from './spaceHold.js';

/** Queue mechanics shared by the service and the jobs: claiming, recovery, the API shapes. */

export function toApiItem(r: repo.ItemRow) {
  return {
    id: r.id,
    serie_id: r.serie_id,
    serie_folder: r.serie_folder,
    serie_name: r.serie_name,
    episode: { season: r.season, episode: r.episode, title: r.title },
    status: r.status,
    priority: r.priority,
    added_at: r.added_at.toISOString(),
    started_at: r.started_at?.toISOString() ?? null,
    completed_at: r.completed_at?.toISOString() ?? null,
    progress: (r.progress as Record<string, number | null> | null) ?? null,
    error: r.error,
    error_code: r.error_code as DownloadFailureCode | null,
    retry_count: r.retry_count,
    source_url: r.source_url,
    source: r.source,
    language: r.chosen_language ?? r.language,
    hoster: r.hoster,
    hoster_errors: r.hoster_errors,
    file_path: r.file_path,
    added_by: r.added_by,
    attempts: r.retry_count + 1,
    upgrade_from: r.upgrade_from,
    replace: r.replace_existing,
  };
}
export type ApiItem = ReturnType<typeof toApiItem>;

/** Claims the next items (queue order, at most max_parallel_downloads across processes) and adds their jobs. */
export async function dispatch(deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'ffmpeg' | 'jobs' | 'log' | 'settings'>): Promise<string[]> {
  if (!(await ffmpegUsable(deps))) return []; // downloads disabled: items wait (see /health/detailed)
  if (await checkSpaceHold(deps)) return []; // low disk space: items wait (held_reason in the queue status)
  const max = deps.settings.get().downloads.max_parallel_downloads;
  return deps.db.transaction(async (tx) => {
    const ids = await repo.claimNext(tx, max);
    for (const id of ids) await deps.jobs.add('download_episode', { id }, { jobKey: `download:${id}`, maxAttempts: 1 }, tx);
    return ids;
  });
}

/**
 * Active items whose process is gone (no one holds their advisory lock: it died with its
 * connection) get a new job; it resumes from the partial files.
 */
export async function recoverOrphans(deps: Pick<Deps, 'db' | 'downloads' | 'ffmpeg' | 'jobs' | 'log'>): Promise<string[]> {
  if (!(await ffmpegUsable(deps))) return [];
  const rt = deps.downloads;
  const recovered: string[] = [];
  for (const id of await repo.activeIds(deps.db)) {
    if (rt.active.has(id)) continue;
    if (!(await rt.locks.tryLock(id))) continue;
    await rt.locks.unlock(id);
    await deps.jobs.add('download_episode', { id }, { jobKey: `download:${id}`, maxAttempts: 1 });
    recovered.push(id);
  }
  if (recovered.length) deps.log.info({ items: recovered }, 'resuming downloads whose process stopped');
  return recovered;
}

/** The statistics of `GET /api/queue/status` (and `queue_status`): counts, bytes, speed, ETA, from SQL alone. */
function statisticsOf(s: repo.Snapshot) {
  const speed = s.live_speed > 0 ? s.live_speed : s.avg_speed !== null ? s.avg_speed / 1048576 : 0;
  const remainingBytes = s.remaining_active + s.pending * (s.avg_size ?? 0);
  const eta = speed > 0 && remainingBytes > 0 ? Math.round(remainingBytes / 1048576 / speed) : null;
  return {
    total_items: s.active + s.pending + s.completed + s.failed,
    pending_count: s.pending,
    active_count: s.active,
    completed_count: s.completed,
    failed_count: s.failed,
    total_downloaded_mb: Math.round(((s.completed_bytes + s.active_bytes) / 1048576) * 100) / 100,
    average_speed_mbps: Math.round(speed * 100) / 100,
    estimated_time_remaining: eta,
  };
}

/**
 * The spec's envelope; each of the four lists holds one page (`page`/`per_page`, at most 500 items
 * each), the counts in `statistics` are the totals. One statement: PostgreSQL builds the items in
 * their API shape (repo.snapshot), so a page costs the same with ten or ten thousand waiting items.
 */
export async function queueStatus(deps: Pick<Deps, 'db'>, paging: Page = { page: 1, per_page: MAX_PER_PAGE }) {
  const s = await repo.snapshot(deps.db, { limit: paging.per_page, offset: (paging.page - 1) * paging.per_page });
  const lists = s.lists as Record<repo.ListKey, ApiItem[]>;
  return {
    status: {
      is_running: s.is_running,
      is_paused: s.is_paused,
      held_reason: s.held_reason,
      active_downloads: lists.active,
      pending_queue: lists.pending,
      completed_downloads: lists.completed,
      failed_downloads: lists.failed,
    },
    statistics: statisticsOf(s),
  };
}

/**
 * `queue_status` with the statistics only (whole lists can exceed a NOTIFY payload). `extra`
 * travels along: `{item, order_changed: true}` after a priority change (the pending order moved).
 */
export async function publishQueueStatus(deps: Pick<Deps, 'bus' | 'db'>, extra: Record<string, unknown> = {}): Promise<void> {
  await deps.bus.publish('downloads', 'queue_status', { ...(await queueStatusEvent(deps)), ...extra });
}

/** The `queue_status` message's data: the queue's state and statistics (also sent to a socket joining `downloads`). */
export async function queueStatusEvent(deps: Pick<Deps, 'db'>) {
  const s = await repo.snapshot(deps.db, null);
  return { is_running: s.is_running, is_paused: s.is_paused, held_reason: s.held_reason, statistics: statisticsOf(s) };
}

/** PATCH /api/queue/{id}: a waiting item's priority, which moves it in the order the dispatcher claims. */
export async function changePriority(deps: Pick<Deps, 'bus' | 'db'>, id: string, priority: repo.ItemRow['priority']): Promise<ApiItem> {
  const row = await repo.setPriority(deps.db, id, priority);
  if (!row) {
    const now = await repo.itemById(deps.db, id);
    if (!now) throw new NotFound(`Download item ${id} not found`);
    throw new Conflict(`Only a pending item can change its priority; this one is ${now.status}`, { status: now.status });
  }
  const item = toApiItem(row);
  await publishQueueStatus(deps, { item, order_changed: true });
  return item;
}

/** POST /api/queue/move: a waiting item in front of another (or to the end of its priority). */
export async function moveItem(deps: Pick<Deps, 'bus' | 'db'>, id: string, beforeId: string | null): Promise<ApiItem> {
  const row = await deps.db.transaction((tx) => repo.moveBefore(tx, id, beforeId));
  if (!row) {
    for (const which of [id, beforeId]) {
      if (which === null) continue;
      const now = await repo.itemById(deps.db, which);
      if (!now) throw new NotFound(`Download item ${which} not found`);
      if (now.status !== 'pending' && now.status !== 'paused')
        throw new Conflict(`Only waiting items can be moved; ${which} is ${now.status}`, { status: now.status });
    }
    throw new Conflict('The queue changed meanwhile; try again');
  }
  const item = toApiItem(row);
  await publishQueueStatus(deps, { item, order_changed: true });
  return item;
}
