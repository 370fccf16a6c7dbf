/**
 * Monitoring and language profiles of library series (what automatic downloads may fetch):
 *
 *   updateSeries(deps, key, {monitored?, monitor_specials?, languages?, language_cutoff?, upgrades_enabled?})
 *   setSeasonMonitored(deps, key, season, monitored)      → the season and all its episodes
 *   setEpisodeMonitored(deps, key, season, episode, monitored)
 *   setManyMonitored(deps, keys, monitored)               → bulk (the library page)
 *   monitorOnlyFuture(deps, key)                          → what the provider lists now is unmonitored
 *   missingSplit(deps, key)                               → missing episodes: monitored / unmonitored
 *   upgradeCandidates(deps, series)                       → monitored files below the cutoff (upgrades on)
 *   markUpgradeChecked(deps, seriesId, season, episode)
 *
 * An episode is wanted by automatic downloads when its series and the episode are monitored
 * (a season's flag is copied to its episodes, and new episodes take their season's flag).
 */
import type { Deps } from '../deps.js';
import { NotFound, ValidationFailed } from '../errors.js';
import * as repo from './repo.js';
import type { SeriesRow } from './repo.js';
import { requireSeries, type MissingEpisode } from './service.js';
import { belowCutoff, profileOf } from './languageProfile.js';

export interface SeriesPatch {
  monitored?: boolean;
  monitor_specials?: boolean;
  /** null: back to the config's */
  languages?: string[] | null;
  language_cutoff?: string | null;
  upgrades_enabled?: boolean;
}

export async function updateSeries(deps: Pick<Deps, 'db' | 'settings'>, key: string, p: SeriesPatch): Promise<SeriesRow> {
  const row = await requireSeries(deps, key);
  const languages = p.languages !== undefined ? p.languages : row.languages;
  const cutoff = p.language_cutoff !== undefined ? p.language_cutoff : row.language_cutoff;
  const effective = languages?.length ? languages : deps.settings.get().downloads.language_preference;
  if (cutoff && !effective.includes(cutoff)) {
    throw new ValidationFailed(`language_cutoff ${cutoff} is not one of the profile's languages (${effective.join(', ')})`, {
      'body.language_cutoff': 'not one of the languages',
    });
  }
  await deps.db.transaction(async (tx) => {
    if (p.monitored !== undefined) await repo.setSeriesMonitored(tx, row.id, p.monitored);
    await repo.setProfile(tx, row.id, {
      languages: p.languages,
      cutoff: p.language_cutoff,
      upgrades: p.upgrades_enabled,
      monitorSpecials: p.monitor_specials,
    });
    // specials and movies (season 0) take the new flag, the ones listed now and the ones to come
    if (p.monitor_specials !== undefined) await repo.setSeasonMonitored(tx, row.id, 0, p.monitor_specials);
  });
  return (await repo.seriesById(deps.db, row.id))!;
}

export async function setSeasonMonitored(deps: Pick<Deps, 'db'>, key: string, season: number, monitored: boolean): Promise<void> {
  const row = await requireSeries(deps, key);
  if (!(await repo.seasonsOf(deps.db, row.id)).some((s) => s.season === season))
    throw new NotFound(`${key} has no season ${season}`, { key, season });
  await deps.db.transaction((tx) => repo.setSeasonMonitored(tx, row.id, season, monitored));
}

export async function setEpisodeMonitored(
  deps: Pick<Deps, 'db'>,
  key: string,
  season: number,
  episode: number,
  monitored: boolean,
): Promise<void> {
  const row = await requireSeries(deps, key);
  if ((await repo.setEpisodeMonitored(deps.db, row.id, season, episode, monitored)) === 0)
    throw new NotFound(`${key} has no episode S${season}E${episode}`, { key, season, episode });
}

export async function setManyMonitored(
  deps: Pick<Deps, 'db'>,
  keys: string[],
  monitored: boolean,
): Promise<{ updated: string[]; not_found: string[] }> {
  const updated: string[] = [];
  const notFound: string[] = [];
  for (const key of keys) {
    const row = await repo.seriesByKey(deps.db, key);
    if (!row) notFound.push(key);
    else {
      await repo.setSeriesMonitored(deps.db, row.id, monitored);
      updated.push(key);
    }
  }
  return { updated, not_found: notFound };
}

export async function monitorOnlyFuture(deps: Pick<Deps, 'db'>, key: string): Promise<void> {
  const row = await requireSeries(deps, key);
  await repo.unmonitorListed(deps.db, row.id);
}

/** Missing episodes, the monitored ones (wanted) apart from the unmonitored ones. */
export async function missingSplit(
  deps: Pick<Deps, 'db'>,
  key: string,
): Promise<{ monitored: MissingEpisode[]; unmonitored: MissingEpisode[] }> {
  const row = await requireSeries(deps, key);
  const all = await repo.missingWithFlags(deps.db, row.id);
  const strip = ({ season, episode, title }: MissingEpisode) => ({ season, episode, title });
  return { monitored: all.filter((e) => e.monitored).map(strip), unmonitored: all.filter((e) => !e.monitored).map(strip) };
}

/** Monitored episodes on disk below the series' cutoff, the longest unchecked first (none when upgrades are off). */
export async function upgradeCandidates(deps: Pick<Deps, 'db' | 'settings'>, series: SeriesRow) {
  const p = profileOf(deps.settings.get().downloads, series);
  if (!p.upgrades || !series.monitored) return [];
  const below = [...new Set([...p.languages, ...deps.settings.get().downloads.language_preference])].filter((l) => belowCutoff(p, l));
  if (!below.length) return [];
  return repo.upgradeCandidates(deps.db, series.id, below);
}

export function markUpgradeChecked(deps: Pick<Deps, 'db' | 'clock'>, seriesId: number, season: number, episode: number): Promise<void> {
  return repo.markUpgradeChecked(deps.db, seriesId, season, episode, deps.clock.now());
}
