/**
 * The downloads domain's API (routes, the watchlist and the library call these):
 *
 *   queueEpisodes(deps, {serie_id, serie_folder?, serie_name?, episodes: [{season, episode, title?}],
 *                 priority?: 'LOW'|'NORMAL'|'HIGH', source?: 'manual'|'rescan'|'watchlist'|'upgrade',
 *                 language?, quality?, source_url?, replace?, upgrade_from?, auto?: PageBudget})
 *       → {added_items: string[], failed_items: {season, episode, reason, file?}[]}
 *     An episode already pending or active is listed in failed_items with the reason; so is
 *     every episode of a series that is not in the library, and one whose file is on disk (with
 *     the file name) unless `replace` (the new file replaces it once verified). With `auto`
 *     (rescans, the watchlist): only monitored episodes that are not waiting after failures.
 *   queueMissing(deps, keys?)  → auto.ts: monitored missing episodes and language upgrades of
 *     those series (all when absent); the Graphile Worker task `downloads_queue_missing {keys?}`.
 *   startQueue / stopQueue(deps, paused?) / removeItems / clearItems / reorderItems / retryItems
 *
 * Jobs: `download_episode {id}` (one per item, added by the dispatcher in queue order),
 * `downloads_queue_missing {keys?}`.
 */
import path from 'node:path';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { sql } from '../db/pool.js';
import { episodeList, findSeries } from '../library/service.js';
import { episodeTitle } from '../library/readRepo.js';
import { getProvider } from '../providers/registry.js';
import { backoffFilter, resetEpisodesOfItems, type PageBudget } from './policy.js';
import * as repo from './repo.js';
import { removePartFolder } from './partFolder.js';
import { dispatch, publishQueueStatus, toApiItem } from './queue.js';
import { CANCEL_CHANNEL } from './runtime.js';
import { recordHistory } from '../history/service.js';

export { moveItem, queueStatus } from './queue.js';

export interface QueueEpisodesInput {
  serie_id: string;
  serie_folder?: string;
  serie_name?: string;
  episodes: { season: number; episode: number; title?: string | null }[];
  priority?: 'LOW' | 'NORMAL' | 'HIGH';
  source?: 'manual' | 'rescan' | 'watchlist' | 'upgrade';
  language?: string | null;
  quality?: string | null;
  /** The account that queued them (null: the system). */
  added_by?: number | null;
  /** A source the user chose (its link, from GET .../sources): only that one is tried. */
  source_url?: string | null;
  /** Queue episodes whose file is on disk too; the new file replaces the old once verified. */
  replace?: boolean;
  /** A language upgrade of a file in this language (implies replace). */
  upgrade_from?: string | null;
  /** Automatic (rescan, watchlist): monitored episodes only, none waiting after failures; page reads left. */
  auto?: PageBudget;
}

export interface QueueEpisodesResult {
  added_items: string[];
  failed_items: { season: number; episode: number; reason: string; file?: string }[];
}

export async function queueEpisodes(
  deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'ffmpeg' | 'jobs' | 'log' | 'providers' | 'settings'>,
  input: QueueEpisodesInput,
): Promise<QueueEpisodesResult> {
  const result: QueueEpisodesResult = { added_items: [], failed_items: [] };
  const series = await findSeries(deps, input.serie_id);
  if (!series) {
    for (const e of input.episodes)
      result.failed_items.push({ season: e.season, episode: e.episode, reason: `series ${input.serie_id} is not in the library` });
    return result;
  }
  const added: repo.ItemRow[] = [];
  const seen = new Set<string>();
  const known = new Map((await episodeList(deps, series.id)).map((e) => [`${e.season}:${e.episode}`, e]));
  const replace = input.replace === true || !!input.upgrade_from;
  let wanted = input.episodes;
  if (input.auto) {
    const monitored = wanted.filter((e) => series.monitored && known.get(`${e.season}:${e.episode}`)?.monitored !== false);
    for (const e of wanted)
      if (!monitored.includes(e))
        result.failed_items.push({ season: e.season, episode: e.episode, reason: `S${e.season}E${e.episode} is not monitored` });
    const f = await backoffFilter(deps, getProvider(deps, series.provider), series.key, monitored, input.auto);
    result.failed_items.push(...f.skipped);
    wanted = f.eligible;
  }
  for (const e of wanted) {
    const k = `${e.season}:${e.episode}`;
    if (seen.has(k)) {
      result.failed_items.push({ season: e.season, episode: e.episode, reason: 'listed twice in this request' });
      continue;
    }
    seen.add(k);
    const onDisk = known.get(k);
    if (onDisk?.is_downloaded && !replace) {
      const file = path.basename(onDisk.file_path ?? '');
      result.failed_items.push({
        season: e.season,
        episode: e.episode,
        reason: `S${e.season}E${e.episode} is already on disk (${file}); queue it with replace: true to download it again`,
        file,
      });
      continue;
    }
    const row = await repo.insertItem(deps.db, {
      serie_id: series.key,
      serie_folder: input.serie_folder || series.folder,
      serie_name: input.serie_name || series.name,
      season: e.season,
      episode: e.episode,
      title: e.title || (await episodeTitle(deps.db, series.key, e.season, e.episode)),
      priority: input.priority ?? 'NORMAL',
      source: input.source ?? 'manual',
      language: input.language ?? null,
      quality: input.quality ?? null,
      added_by: input.added_by ?? null,
      chosen_source: input.source_url ?? null,
      replace_existing: replace && !!onDisk?.is_downloaded,
      upgrade_from: input.upgrade_from ?? null,
    });
    if (!row) {
      result.failed_items.push({
        season: e.season,
        episode: e.episode,
        reason: `S${e.season}E${e.episode} is already in the queue (pending or downloading)`,
      });
      continue;
    }
    added.push(row);
    result.added_items.push(row.id);
  }
  await recordHistory(
    deps,
    ...added.map((row) => ({
      event: 'queued' as const,
      series_key: row.serie_id,
      series_name: row.serie_name,
      season: row.season,
      episode: row.episode,
      user_id: input.added_by ?? null,
      item_id: row.id,
      data: { queued_by: row.source, priority: row.priority, language: row.language },
    })),
  );
  for (const row of added)
    await deps.bus.publish('downloads', 'download_added', {
      download_id: row.id,
      key: row.serie_id,
      folder: row.serie_folder,
      item: toApiItem(row),
    });
  if (added.length) {
    await dispatch(deps);
    await publishQueueStatus(deps);
  }
  return result;
}

export async function startQueue(deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'ffmpeg' | 'jobs' | 'log' | 'settings'>): Promise<void> {
  await repo.setQueueState(deps.db, true, false);
  await deps.bus.publish('downloads', 'queue_started', {});
  await dispatch(deps);
  await publishQueueStatus(deps);
}

export async function stopQueue(deps: Pick<Deps, 'bus' | 'db'>, paused = false): Promise<void> {
  await repo.setQueueState(deps.db, false, paused);
  await deps.bus.publish('downloads', 'queue_stopped', { paused });
  await publishQueueStatus(deps);
}

/** Deletes items; active ones are cancelled wherever they run (NOTIFY) and their partial files removed. */
export async function removeItems(
  deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'ffmpeg' | 'jobs' | 'log' | 'settings'>,
  ids: string[],
): Promise<number> {
  const rows = await repo.deleteItems(deps.db, ids);
  for (const r of rows) {
    if (r.status === 'downloading') {
      await deps.db.query(sql.unsafe`select pg_notify(${CANCEL_CHANNEL}, ${JSON.stringify({ id: r.id })})`);
      await removeOrphanedPartials(deps, r);
    }
    await deps.bus.publish('downloads', 'download_removed', {
      download_id: r.id,
      key: r.serie_id,
      folder: r.serie_folder,
      status: r.status,
    });
  }
  if (rows.length) {
    await dispatch(deps);
    await publishQueueStatus(deps);
  }
  return rows.length;
}

/** When no process runs the item (its process died), nobody else will remove its partial files. */
async function removeOrphanedPartials(deps: Pick<Deps, 'db' | 'settings'>, r: repo.ItemRow): Promise<void> {
  if (!r.part_dir || path.basename(r.part_dir) !== r.id || path.basename(path.dirname(r.part_dir)) !== '.part') return;
  const free = await deps.db.transaction((tx) =>
    tx.oneFirst(
      sql.type(z.object({ ok: z.boolean() }))`select pg_try_advisory_xact_lock(hashtextextended(${'download:' + r.id}, 0)) as ok`,
    ),
  );
  if (!free) return;
  await removePartFolder(deps, r.part_dir);
}

export async function clearItems(deps: Pick<Deps, 'bus' | 'db'>, status: 'completed' | 'failed' | 'pending'): Promise<number> {
  const rows = await repo.deleteByStatus(deps.db, status);
  for (const r of rows)
    await deps.bus.publish('downloads', 'download_removed', {
      download_id: r.id,
      key: r.serie_id,
      folder: r.serie_folder,
      status: r.status,
    });
  if (rows.length) await publishQueueStatus(deps);
  return rows.length;
}

/**
 * Completed items leave the queue for the history (`downloads.completed_keep_hours` after they
 * finished, beyond the newest `downloads.completed_keep_count`): the queue_trim job, hourly.
 */
export async function trimCompletedItems(deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'settings'>): Promise<number> {
  const { completed_keep_hours: hours, completed_keep_count: keep } = deps.settings.get().downloads;
  const before = hours === null ? null : new Date(deps.clock.now().getTime() - hours * 3_600_000);
  const n = await repo.trimCompleted(deps.db, { before, keep });
  await repo.compactListCounts(deps.db); // the hourly job keeps the counts' rows few
  if (n) {
    // one message without an id: a client reloads its page of the queue
    await deps.bus.publish('downloads', 'download_removed', { trimmed: n, status: 'completed' });
    await publishQueueStatus(deps);
  }
  return n;
}

export async function reorderItems(deps: Pick<Deps, 'bus' | 'db'>, ids: string[]): Promise<number> {
  const n = await deps.db.transaction((tx) => repo.reorder(tx, ids));
  await publishQueueStatus(deps);
  return n;
}

export async function retryItems(
  deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'ffmpeg' | 'jobs' | 'log' | 'settings'>,
  ids: string[],
): Promise<string[]> {
  // a user's retry starts the episodes afresh: no waiting, not given up, every source tried again
  await resetEpisodesOfItems(deps, ids.length ? ids : null);
  const retried = await repo.retry(deps.db, ids.length ? ids : null);
  if (retried.length) {
    await dispatch(deps);
    await publishQueueStatus(deps);
  }
  return retried;
}
