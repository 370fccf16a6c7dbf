import type { Deps } from '../deps.js';
import { episodeCode } from '../notifications/event.js';
import { notify } from '../notifications/service.js';
import type { ItemRow } from './repo.js';

/** Jobs of this name were queued by earlier versions (one per webhook, the URL in the payload). */
export const LEGACY_NOTIFY_TASK = 'watchlist_notify';

interface Episode {
  season: number;
  episode: number;
  title: string | null;
}

const list = (episodes: Episode[]) =>
  episodes.map((ep) => `${episodeCode(ep.season, ep.episode)}${ep.title ? ` ${ep.title}` : ''}`).join(', ');

/**
 * Tells the owner's sockets about new episodes and, when notifications are on, announces
 * `new_episodes` to the channels that chose it.
 */
export async function notifyNewEpisodes(
  deps: Pick<Deps, 'log' | 'bus' | 'settings' | 'jobs' | 'clock'>,
  item: ItemRow,
  episodes: Episode[],
  queued: number,
  webhooks: boolean,
) {
  const data = {
    anime_title: item.anime_title,
    anime_key: item.anime_key,
    provider_id: item.provider_id,
    item_id: item.id,
    episodes,
    queued,
    timestamp: deps.clock.now().toISOString(),
  };
  await deps.bus.publishToUser(item.user_id, 'watchlist_new_episodes', { ...data, series_key: item.series_key });
  if (!webhooks) return;
  const n = episodes.length;
  await notify(deps, 'new_episodes', {
    title: `New episodes: ${item.anime_title}`,
    message:
      `${n} new episode${n === 1 ? '' : 's'} of ${item.anime_title}: ${list(episodes)}` +
      (queued > 0 ? ` (${queued} queued for download)` : ''),
    data: { source: 'watchlist', series_key: item.series_key, series_name: item.anime_title, ...data, owner: item.owner_name },
  });
}

/** Tells the owner that a watchlist episode was downloaded (channels hear of every download as `download_completed`). */
export async function notifyDownloaded(deps: Pick<Deps, 'bus' | 'clock'>, item: ItemRow, ep: Episode) {
  await deps.bus.publishToUser(item.user_id, 'watchlist_episode_downloaded', {
    anime_title: item.anime_title,
    anime_key: item.anime_key,
    provider_id: item.provider_id,
    item_id: item.id,
    episodes: [ep],
    queued: 0,
    timestamp: deps.clock.now().toISOString(),
    series_key: item.series_key,
  });
}
