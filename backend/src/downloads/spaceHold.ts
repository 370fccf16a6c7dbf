import type { Deps } from '../deps.js';
import { notifySafely } from '../notifications/service.js';
import { freeBytes } from './place.js';
import * as repo from './repo.js';

const MB = 1048576;

/**
 * `min_free_space_mb` measured on the library's disk before new downloads start: below it nothing
 * new starts (running ones finish or fail on their own checks), the queue shows why, a
 * `disk_space_low` notification goes out once; when space is back the hold ends by itself (the
 * queue is checked every few seconds and on every config change).
 */
export async function checkSpaceHold(deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'jobs' | 'log' | 'settings'>): Promise<string | null> {
  const minMb = deps.settings.get().downloads.min_free_space_mb;
  const dir = deps.settings.animeDirectory();
  let reason: string | null = null;
  if (minMb > 0) {
    const free = await freeBytes(dir).catch(() => null);
    if (free !== null && free < minMb * MB) {
      reason =
        `Low disk space: ${Math.floor(free / MB)} MB free on the library's disk (${dir}), ${minMb} MB required ` +
        `(min_free_space_mb); new downloads wait until space is freed`;
    }
  }
  const changed = await repo.setHeldReason(deps.db, reason);
  if (changed && (changed.before === null || reason === null)) {
    const log = deps.log.child({ module: 'downloads' });
    if (reason) {
      log.warn({ dir, min_free_space_mb: minMb }, 'new downloads held: low disk space');
      await notifySafely(deps, 'disk_space_low', {
        title: 'Disk space low: downloads held',
        message: reason,
        data: { directory: dir, min_free_space_mb: minMb },
        dedupeKey: 'disk_space_low',
      });
    } else {
      log.info({ dir }, 'disk space is back: new downloads start again');
    }
    await deps.bus.publish('downloads', 'queue_status', { held_reason: reason });
  }
  return reason;
}
