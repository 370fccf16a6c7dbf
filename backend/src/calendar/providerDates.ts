import type { Deps } from '../deps.js';
import { insertProvider, providerSeasonFirstSeen } from './repo.js';
import { localDay } from './day.js';
import { serverTimeZone } from '../scheduler/nextRun.js';

/** Episodes a provider newly lists: dated the day they appeared, unless TMDB already knows them. */
export function recordProviderDates(
  deps: Pick<Deps, 'db'>,
  day: string,
  eps: { series_key: string; season: number; episode: number; title: string | null }[],
): Promise<void> {
  return insertProvider(
    deps.db,
    eps.map((e) => ({ ...e, air_date: day })),
  );
}

/** Episodes a rescan found newly listed, dated today in the server's time zone (hooks.episodesListed). */
export function recordNewlyListed(
  deps: Pick<Deps, 'db' | 'clock' | 'env'>,
  eps: { series_key: string; season: number; episode: number; title: string | null }[],
): Promise<void> {
  return recordProviderDates(deps, localDay(deps.clock.now(), serverTimeZone(deps.env.TZ)), eps);
}

/**
 * The day each provider season's episode 1 was first listed (known only when a rescan saw it
 * arrive): the episode mapping's air-date hint for seasons the user gave no start date.
 */
export async function providerSeasonStarts(deps: Pick<Deps, 'db'>, key: string): Promise<{ season: number; date: string }[]> {
  return (await providerSeasonFirstSeen(deps.db, key)).map((r) => ({ season: r.season, date: r.air_date }));
}
