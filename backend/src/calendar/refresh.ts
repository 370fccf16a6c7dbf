import type { Deps } from '../deps.js';
import { listSeries, seriesFolderPath } from '../library/service.js';
import { tmdbIdFromNfo } from '../metadata/match.js';
import * as repo from './repo.js';

export const REFRESH_TASK = 'calendar_refresh';

/** Seasons read per series: the newest two (older seasons' dates do not change). */
const RECENT_SEASONS = 2;

/**
 * The daily `calendar_refresh` job: for every series whose tvshow.nfo names its TMDB id, the air
 * dates of its newest seasons (TMDB answers are cached for a day, the NFO writer shares them).
 * A series that fails is logged and the rest go on.
 */
export async function refreshCalendar(
  deps: Pick<Deps, 'log' | 'db' | 'settings' | 'tmdb'>,
): Promise<{ series: number; episodes: number; failed: number }> {
  const log = deps.log.child({ module: 'calendar' });
  if (!deps.settings.get().tmdb.api_key) return { series: 0, episodes: 0, failed: 0 };
  const tmdb = deps.tmdb;
  let series = 0;
  let episodes = 0;
  let failed = 0;
  for (const row of await listSeries(deps)) {
    try {
      const id = await tmdbIdFromNfo(seriesFolderPath(deps, row), log);
      if (!id) continue;
      const tv = await tmdb.tv(id);
      const seasons = (tv.seasons ?? [])
        .map((s) => s.season_number)
        .filter((n) => n > 0)
        .sort((a, b) => b - a)
        .slice(0, RECENT_SEASONS);
      const dated: repo.AirDate[] = [];
      for (const n of seasons) {
        for (const e of (await tmdb.season(id, n)).episodes) {
          if (e.air_date && /^\d{4}-\d{2}-\d{2}$/.test(e.air_date))
            dated.push({ season: n, episode: e.episode_number, title: e.name || null, air_date: e.air_date });
        }
      }
      await repo.upsertTmdb(deps.db, row.key, dated);
      series++;
      episodes += dated.length;
    } catch (err) {
      failed++;
      log.warn({ key: row.key, err: (err as Error).message }, 'air dates not refreshed');
    }
  }
  log.info({ series, episodes, failed }, 'calendar refreshed');
  return { series, episodes, failed };
}
