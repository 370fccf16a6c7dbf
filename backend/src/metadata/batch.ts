import crypto from 'node:crypto';
import type { Deps } from '../deps.js';
import { exists } from './files.js';
import { batchItems, findBatch, finishBatchIfDone, insertBatch, lockBatch, setBatchItem, type BatchItem } from './repo.js';
import { seriesDir } from './service.js';
import { AppError, NotFound } from '../errors.js';
import { AmbiguousMatch, NoTmdbMatch } from './match.js';

/**
 * Batch NFO creation: one `nfo_create` job per series. Concurrency is bounded with Graphile
 * Worker named queues (a queue runs one job at a time): job i of a batch goes to queue
 * `nfo_slot_<i mod max_concurrent>`, so at most `max_concurrent` series are in flight, and two
 * batches started together share the same slots instead of adding up.
 */

export const MAX_SLOTS = 10;

export interface BatchRequest {
  serie_ids: string[];
  download_media: boolean;
  skip_existing: boolean;
  max_concurrent: number;
}

export interface BatchResult {
  serie_id: string;
  serie_folder: string | null;
  success: boolean;
  message: string;
  code: string | null;
  params: BatchItem['params'];
  nfo_path: string | null;
  status: BatchItem['status'];
}

export function summarise(batchId: string, items: BatchItem[], finished: boolean) {
  const results: BatchResult[] = items.map((i) => ({
    serie_id: i.serie_id,
    serie_folder: i.serie_folder,
    success: i.status === 'success' || i.status === 'queued' || i.status === 'running',
    message: i.message,
    code: i.code,
    params: i.params,
    nfo_path: i.status === 'skipped' || i.status === 'failed' ? null : i.nfo_path,
    status: i.status,
  }));
  const count = (s: BatchItem['status'][]) => items.filter((i) => s.includes(i.status)).length;
  const open = count(['queued', 'running']);
  const statusUrl = `/api/nfo/batch/status/${batchId}`;
  return {
    batch_id: batchId,
    finished,
    message: finished
      ? `Batch finished: ${count(['success'])} created, ${count(['failed'])} failed, ${count(['skipped'])} skipped`
      : `${open} of ${items.length} series still to do: the totals follow in ${statusUrl} (and the nfo room); successful counts only ` +
        `finished series`,
    status_url: statusUrl,
    total: items.length,
    successful: count(['success']),
    failed: count(['failed']),
    skipped: count(['skipped']),
    queued: count(['queued', 'running']),
    results,
  };
}

/**
 * Why a series failed, as a code and its figures: no TMDB match or several (with the title searched), another
 * error by its code (SERVICE_UNAVAILABLE, ...), anything else NFO_FAILED.
 */
export function batchReason(err: unknown): Pick<BatchItem, 'code' | 'params'> {
  if (err instanceof NoTmdbMatch) return { code: 'TMDB_NO_MATCH', params: { title: err.title } };
  if (err instanceof AmbiguousMatch) return { code: 'AMBIGUOUS_MATCH', params: { title: err.title } };
  if (err instanceof AppError) return { code: err.code, params: {} };
  return { code: 'NFO_FAILED', params: {} };
}

/** `userId`: who started it (the history's `user` of the NFO writes). */
export async function startBatch(
  deps: Pick<Deps, 'bus' | 'db' | 'jobs' | 'settings' | 'tmdb'>,
  req: BatchRequest,
  userId: number | null = null,
) {
  deps.tmdb.requireKey();
  const id = crypto.randomUUID();
  const items: BatchItem[] = [];
  for (const key of [...new Set(req.serie_ids)]) {
    const position = items.length;
    try {
      const sd = await seriesDir(deps, key);
      const present = await exists(sd.nfoPath);
      if (present && req.skip_existing) {
        items.push({
          position,
          serie_id: key,
          serie_folder: sd.row.folder,
          status: 'skipped',
          message: 'Skipped - NFO already exists',
          code: 'NFO_EXISTS',
          params: {},
          nfo_path: null,
        });
      } else {
        items.push({
          position,
          serie_id: key,
          serie_folder: sd.row.folder,
          status: 'queued',
          message: 'NFO creation queued',
          code: null,
          params: {},
          nfo_path: sd.nfoPath,
        });
      }
    } catch (err) {
      const message = err instanceof NotFound ? 'Series not found' : (err as Error).message;
      const { code, params } = err instanceof NotFound ? { code: 'SERIES_NOT_FOUND', params: {} } : batchReason(err);
      items.push({ position, serie_id: key, serie_folder: null, status: 'failed', message, code, params, nfo_path: null });
    }
  }
  const slots = Math.min(MAX_SLOTS, Math.max(1, req.max_concurrent));
  await deps.db.transaction(async (tx) => {
    await insertBatch(tx, id, req.download_media, items);
    let n = 0;
    for (const it of items.filter((i) => i.status === 'queued')) {
      await deps.jobs.add(
        'nfo_create',
        {
          key: it.serie_id,
          overwrite: !req.skip_existing,
          download_media: req.download_media,
          batch_id: id,
          position: it.position,
          user_id: userId,
        },
        { queueName: `nfo_slot_${n++ % slots}`, maxAttempts: 1 },
        tx,
      );
    }
  });
  const done = await finishBatchIfDone(deps.db, id);
  if (done) await publishComplete(deps, id);
  return summarise(id, items, done);
}

export async function batchStatus(deps: Pick<Deps, 'db'>, id: string) {
  const batch = await findBatch(deps.db, id);
  if (!batch) throw new NotFound(`Batch ${id} not found`);
  return summarise(id, await batchItems(deps.db, id), batch.finished_at !== null);
}

async function publishComplete(deps: Pick<Deps, 'bus' | 'db'>, id: string) {
  const s = summarise(id, await batchItems(deps.db, id), true);
  await deps.bus.publish('nfo', 'nfo_complete', {
    batch_id: id,
    total: s.total,
    successful: s.successful,
    failed: s.failed,
    skipped: s.skipped,
  });
}

/** A batch job reports its outcome: the item row, a progress event, and the completion event once. */
export async function reportBatchItem(
  deps: Pick<Deps, 'bus' | 'db'>,
  id: string,
  position: number,
  patch: Pick<BatchItem, 'status' | 'message' | 'nfo_path'> & Partial<Pick<BatchItem, 'code' | 'params'>>,
) {
  const { items, finished } = await deps.db.transaction(async (tx) => {
    await lockBatch(tx, id);
    await setBatchItem(tx, id, position, patch);
    return { items: await batchItems(tx, id), finished: await finishBatchIfDone(tx, id) };
  });
  const item = items.find((i) => i.position === position);
  const done = items.filter((i) => !['queued', 'running'].includes(i.status)).length;
  if (patch.status !== 'running') {
    await deps.bus.publish('nfo', 'nfo_progress', {
      batch_id: id,
      serie_id: item?.serie_id ?? null,
      serie_folder: item?.serie_folder ?? null,
      status: patch.status,
      success: patch.status === 'success',
      message: patch.message,
      code: patch.code ?? null,
      params: patch.params ?? {},
      nfo_path: patch.nfo_path,
      done,
      total: items.length,
    });
  }
  if (finished) await publishComplete(deps, id);
}
