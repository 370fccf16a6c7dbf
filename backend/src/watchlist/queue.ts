import type { Deps } from '../deps.js';

export interface QueueRequest {
  serie_id: number;
  episodes: { season: number; episode: number; title?: string }[];
  source: 'watchlist';
  language?: string;
  quality?: string;
}
export interface QueueOutcome {
  added_items: unknown[];
  failed_items: { season: number; episode: number; error: string }[];
}

/** Queues episodes in the download queue (downloads/service.ts `queueEpisodes`). */
export async function queueForDownload(deps: Deps, req: QueueRequest): Promise<QueueOutcome> {
  const path = '../downloads/service.js'; // TEMP until downloads/service.ts lands
  const mod = (await import(path)) as { queueEpisodes(deps: Deps, req: QueueRequest): Promise<QueueOutcome> };
  return mod.queueEpisodes(deps, req);
}
