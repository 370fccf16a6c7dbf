import type { TaskFactory } from '../worker/types.js';
import { JOB_PAYLOADS } from '../worker/jobs.js';
import { runRescan } from './rescan.js';
import { findSeries, scanSeries } from './service.js';
import { queueUnknownLanguages } from './languagesJob.js';
import { queueRescan, withRescanLock } from '../scheduler/rescanGuard.js';

export { queueRescan } from '../scheduler/rescanGuard.js';

/**
 * Library jobs:
 *   library_rescan {auto_download?, trigger?}: keyed and guarded by the rescan guard
 *     (scheduler/rescanGuard.ts) so two never run at once. With
 *     auto_download it adds `downloads_queue_missing {keys}` at the end.
 *   series_scan {key}: disk + provider scan of one series.
 * Both add `episode_languages` (languagesJob.ts) for missing episodes of unknown languages.
 */
export const RescanPayload = JOB_PAYLOADS.library_rescan;
export const SeriesScanPayload = JOB_PAYLOADS.series_scan;

/** How long a rescan that found another one running waits before it looks again. */
const WAIT_FOR_RUNNING_MS = 10_000;

export const tasks: TaskFactory = (deps) => ({
  library_rescan: async (payload) => {
    const p = RescanPayload.parse(payload ?? {});
    const ran = await withRescanLock(deps, async () => {
      await runRescan(deps, { auto_download: p.auto_download, trigger: p.trigger });
      // the languages of the missing episodes found, read in the background
      await queueUnknownLanguages(deps);
    });
    if (!ran) {
      deps.log.info('a library rescan is already running; this one runs after it');
      await queueRescan(deps, p, new Date(Date.now() + WAIT_FOR_RUNNING_MS));
    }
  },
  series_scan: async (payload) => {
    const { key } = SeriesScanPayload.parse(payload);
    if (!(await findSeries(deps, key))) return; // removed meanwhile
    await scanSeries(deps, key);
  },
});
