import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { RealtimeEvent } from '../realtime/bus.js';
import * as repo from './repo.js';
import { notifyDownloaded } from './notify.js';
import { queueCheck } from './scheduler.js';

const Finished = z.object({
  key: z.string(),
  item: z
    .object({ source: z.string(), episode: z.object({ season: z.number(), episode: z.number(), title: z.string().nullable() }) })
    .nullable(),
});

/**
 * Follows the download queue's events (in worker processes): a watchlist download that completed
 * is announced to its owner (once, whichever process wins the update), and a finished or failed
 * one frees an auto-download slot, so items with deferred episodes are checked again.
 */
export function followWatchlistDownloads(deps: Deps): () => void {
  const log = deps.log.child({ module: 'watchlist' });
  return deps.bus.on((event: RealtimeEvent) => {
    if (event.room !== 'downloads' || (event.type !== 'download_complete' && event.type !== 'download_failed')) return;
    const parsed = Finished.safeParse(event.data);
    if (!parsed.success || parsed.data.item?.source !== 'watchlist') return;
    handle(deps, event.type === 'download_complete', parsed.data.key, parsed.data.item.episode).catch((err) =>
      log.warn({ err: (err as Error).message, key: parsed.data.key }, 'could not follow a watchlist download'),
    );
  });
}

async function handle(deps: Deps, completed: boolean, key: string, ep: { season: number; episode: number; title: string | null }) {
  if (completed) {
    for (const row of await repo.markDownloaded(deps.db, key, ep.season, ep.episode)) {
      if (ep.season > 0) await repo.raiseLastDownloaded(deps.db, row.item_id, ep.episode);
      const item = await repo.getItem(deps.db, row.item_id, null);
      if (item) await notifyDownloaded(deps, item, ep);
    }
  }
  for (const itemId of await repo.itemsWithDeferred(deps.db)) await queueCheck(deps, itemId);
}
