import { z } from 'zod';
import type { Deps } from '../deps.js';
import { getState, setState } from '../scheduler/repo.js';

/** Global watchlist settings, stored in Postgres (app_state). */
export const WatchlistSettings = z.object({
  check_interval_hours: z
    .number()
    .int()
    .min(1, 'check_interval_hours must be between 1 and 168')
    .max(168, 'check_interval_hours must be between 1 and 168')
    .default(6),
  auto_download_enabled: z.boolean().default(true),
  max_concurrent_auto_downloads: z
    .number()
    .int()
    .min(1, 'max_concurrent_auto_downloads must be between 1 and 10')
    .max(10, 'max_concurrent_auto_downloads must be between 1 and 10')
    .default(2),
  notify_on_new_episodes: z.boolean().default(false),
  include_completed_anime: z.boolean().default(false),
});
export type WatchlistSettings = z.infer<typeof WatchlistSettings>;

const KEY = 'watchlist_settings';

export async function getSettings(deps: Pick<Deps, 'db'>): Promise<WatchlistSettings> {
  return getState(deps.db, KEY, WatchlistSettings);
}

export async function updateSettings(deps: Pick<Deps, 'db'>, patch: Partial<WatchlistSettings>): Promise<WatchlistSettings> {
  const next = WatchlistSettings.parse({ ...(await getSettings(deps)), ...patch });
  await setState(deps.db, KEY, next);
  return next;
}
