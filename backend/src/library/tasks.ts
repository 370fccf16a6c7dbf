import { z } from 'zod';
import { sql } from '../db/pool.js';
import type { Deps } from '../deps.js';
import type { TaskFactory } from '../worker/types.js';
import { JOB_PAYLOADS } from '../worker/jobs.js';
import { runRescan } from './rescan.js';
import { findSeries, scanSeries } from './service.js';
import { queueUnknownLanguages } from './languagesJob.js';

/**
 * Library jobs:
 *   library_rescan {auto_download?, trigger?}: always added with jobKey 'library_rescan' (see
 *     queueRescan), and guarded by an advisory lock so two never run at once. With
 *     auto_download it adds `downloads_queue_missing {keys}` at the end.
 *   series_scan {key}: disk + provider scan of one series.
 * Both add `episode_languages` (languagesJob.ts) for missing episodes of unknown languages.
 */
export const RescanPayload = JOB_PAYLOADS.library_rescan;
export const SeriesScanPayload = JOB_PAYLOADS.series_scan;

const LOCK_ID = 0x616e6931; // 'ani1'

/**
 * Adds a rescan. jobKey 'library_rescan' keeps at most one waiting; mode 'replace' never
 * interrupts a running one (Graphile Worker only clears its key), and the new job waits for the
 * running one through the advisory lock (it puts itself back a few seconds later).
 * 'unsafe_dedupe' is avoided on purpose: a permanently failed job would block every later rescan.
 */
export async function queueRescan(deps: Pick<Deps, 'jobs'>, payload: z.infer<typeof RescanPayload>, runAt?: Date) {
  return deps.jobs.add('library_rescan', payload, { jobKey: 'library_rescan', jobKeyMode: 'replace', maxAttempts: 8, runAt });
}

/** How long a rescan that found another one running waits before it looks again. */
const WAIT_FOR_RUNNING_MS = 10_000;

export const tasks: TaskFactory = (deps) => ({
  library_rescan: async (payload) => {
    const p = RescanPayload.parse(payload ?? {});
    await deps.db.connect(async (conn) => {
      const got = await conn.oneFirst(sql.type(z.object({ ok: z.boolean() }))`select pg_try_advisory_lock(${LOCK_ID}) as ok`);
      if (!got) {
        deps.log.info('a library rescan is already running; this one runs after it');
        await queueRescan(deps, p, new Date(Date.now() + WAIT_FOR_RUNNING_MS));
        return;
      }
      try {
        await runRescan(deps, { auto_download: p.auto_download, trigger: p.trigger });
        // the languages of the missing episodes found, read in the background
        await queueUnknownLanguages(deps);
      } finally {
        await conn.query(sql.unsafe`select pg_advisory_unlock(${LOCK_ID})`);
      }
    });
  },
  series_scan: async (payload) => {
    const { key } = SeriesScanPayload.parse(payload);
    if (!(await findSeries(deps, key))) return; // removed meanwhile
    await scanSeries(deps, key);
  },
});
