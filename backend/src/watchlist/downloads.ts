import type { Deps } from '../deps.js';
import type { JobPayload } from '../worker/jobs.js';
import * as repo from './repo.js';
import { notifyDownloaded } from './notify.js';
import { queueCheck } from './scheduler.js';

/**
 * The `watchlist_download_finished` job, queued by the download queue in the transaction that
 * marks a watchlist download completed or failed: a completed one is recorded on the items that
 * queued it and announced to their owners (once: the update wins only once), and either frees an
 * auto-download slot, so items with deferred episodes are checked again.
 */
export async function followFinishedDownload(
  deps: Pick<Deps, 'db' | 'bus' | 'jobs' | 'clock'>,
  p: JobPayload<'watchlist_download_finished'>,
): Promise<void> {
  if (p.completed) {
    for (const row of await repo.markDownloaded(deps.db, p.key, p.season, p.episode)) {
      if (p.season > 0) await repo.raiseLastDownloaded(deps.db, row.item_id, p.episode);
      const item = await repo.getItem(deps.db, row.item_id, null);
      if (item) await notifyDownloaded(deps, item, { season: p.season, episode: p.episode, title: p.title ?? null });
    }
  }
  for (const itemId of await repo.itemsWithDeferred(deps.db)) await queueCheck(deps, itemId);
}
