import type { Deps } from '../deps.js';
import { BadRequest } from '../errors.js';
import { episodeStates, listSeries } from '../library/service.js';
import { timeZone } from '../scheduler/service.js';
import * as repo from './repo.js';
import { addDays, localDay } from './day.js';

export { addDays, localDay };

export type CalendarStatus = 'downloaded' | 'missing' | 'airing_today' | 'upcoming';

export interface CalendarEntry {
  series_key: string;
  series_name: string;
  season: number;
  episode: number;
  title: string | null;
  air_date: string;
  status: CalendarStatus;
  source: 'tmdb' | 'provider';
}

export const MAX_RANGE_DAYS = 400;

/**
 * Dated episodes of library series between two days (inclusive) with their status: the file is
 * there (downloaded), aired without a file (missing), airs today (airing_today), or later
 * (upcoming). Unmonitored series and episodes only with `unmonitored`.
 */
export async function calendar(
  deps: Pick<Deps, 'env' | 'db' | 'clock'>,
  start: string,
  end: string,
  unmonitored = false,
): Promise<CalendarEntry[]> {
  if (end < start) throw new BadRequest('end is before start', { end: 'must not be before start' });
  if (addDays(start, MAX_RANGE_DAYS) < end)
    throw new BadRequest(`at most ${MAX_RANGE_DAYS} days at once`, { end: `at most ${MAX_RANGE_DAYS} days after start` });
  const today = localDay(deps.clock.now(), timeZone(deps));
  const rows = await repo.between(deps.db, start, end);
  if (!rows.length) return [];
  const all = await listSeries(deps);
  const names = new Map(all.filter((s) => unmonitored || s.monitored).map((s) => [s.key, s.name]));
  const keys = [...new Set(rows.map((r) => r.series_key))].filter((k) => names.has(k));
  const states = new Map((await episodeStates(deps, keys)).map((e) => [`${e.key}/${e.season}/${e.episode}`, e]));
  const out: CalendarEntry[] = [];
  for (const r of rows) {
    const name = names.get(r.series_key);
    if (!name) continue; // the series left the library (or is not monitored)
    const have = states.get(`${r.series_key}/${r.season}/${r.episode}`);
    if (have && !have.monitored && !unmonitored) continue;
    const status: CalendarStatus = have?.is_downloaded
      ? 'downloaded'
      : r.air_date < today
        ? 'missing'
        : r.air_date === today
          ? 'airing_today'
          : 'upcoming';
    out.push({
      series_key: r.series_key,
      series_name: name,
      season: r.season,
      episode: r.episode,
      title: r.title ?? have?.title ?? null,
      air_date: r.air_date,
      status,
      source: r.source,
    });
  }
  return out;
}

export function today(deps: Pick<Deps, 'env' | 'clock'>): string {
  return localDay(deps.clock.now(), timeZone(deps));
}
