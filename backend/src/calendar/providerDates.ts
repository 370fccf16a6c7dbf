import type { Deps } from '../deps.js';
import { insertProvider } from './repo.js';

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
