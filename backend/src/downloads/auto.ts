/**
 * Automatic downloads after a rescan (`downloads_queue_missing {keys?}`) and for the watchlist:
 *
 *   queueMissing(deps, keys?)                → per series: its monitored missing episodes that are
 *                                              not waiting after failures, then its language upgrades
 *   queueUpgrades(deps, series, budget)      → reads the pages of monitored files below the series'
 *                                              cutoff (the longest unchecked first, within the budget)
 *                                              and queues those whose page lists a better language
 *
 * One page budget (`downloads.page_reads_per_rescan`) covers a whole run: upgrades and the pages
 * of given-up episodes share it. Realtime, room 'downloads': `auto_queue_complete {trigger, series,
 * added, upgrades, skipped: [{key, season, episode, reason}] (first 50), skipped_count, pages_read}`.
 */
import type { Deps } from '../deps.js';
import { findSeries, type SeriesRow } from '../library/service.js';
import { allSeriesKeys } from '../library/readRepo.js';
import { markUpgradeChecked, missingSplit, upgradeCandidates } from '../library/monitoring.js';
import { getProvider } from '../providers/registry.js';
import { queueEpisodes } from './service.js';
import type { PageBudget } from './policy.js';
import { wantedLanguages } from './sources.js';

export interface AutoResult {
  added: number;
  upgrades: number;
  skipped: { key: string; season: number; episode: number; reason: string }[];
  pages_read: number;
}

export function newBudget(deps: Pick<Deps, 'settings'>): PageBudget {
  return { left: deps.settings.get().downloads.page_reads_per_rescan };
}

/** Every monitored missing episode (and upgrade) of the given series, all series when absent. */
export async function queueMissing(
  deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'ffmpeg' | 'jobs' | 'log' | 'providers' | 'settings'>,
  keys?: string[],
  trigger = 'rescan',
): Promise<AutoResult> {
  const all = keys ?? [...(await allSeriesKeys(deps.db))];
  const budget = newBudget(deps);
  const start = budget.left;
  const out: AutoResult = { added: 0, upgrades: 0, skipped: [], pages_read: 0 };
  for (const key of all) {
    const series = await findSeries(deps, key);
    if (!series) continue;
    const { monitored } = await missingSplit(deps, key);
    if (monitored.length) {
      const r = await queueEpisodes(deps, { serie_id: key, episodes: monitored, source: 'rescan', auto: budget });
      out.added += r.added_items.length;
      out.skipped.push(...r.failed_items.map((f) => ({ key, season: f.season, episode: f.episode, reason: f.reason })));
    }
    out.upgrades += await queueUpgrades(deps, series, budget);
  }
  out.pages_read = start - budget.left;
  deps.log.info(
    { series: all.length, added: out.added, upgrades: out.upgrades, skipped: out.skipped.length, pages_read: out.pages_read, trigger },
    'queued missing episodes',
  );
  await deps.bus.publish('downloads', 'auto_queue_complete', {
    trigger,
    series: all.length,
    added: out.added,
    upgrades: out.upgrades,
    skipped: out.skipped.slice(0, 50),
    skipped_count: out.skipped.length,
    pages_read: out.pages_read,
  });
  return out;
}

/** Queues the upgrades whose better language the episode page lists now; answers how many. */
export async function queueUpgrades(
  deps: Pick<Deps, 'bus' | 'clock' | 'db' | 'ffmpeg' | 'jobs' | 'log' | 'providers' | 'settings'>,
  series: SeriesRow,
  budget: PageBudget,
): Promise<number> {
  if (budget.left <= 0) return 0;
  const candidates = await upgradeCandidates(deps, series);
  const provider = getProvider(deps, series.provider);
  let queued = 0;
  for (const c of candidates) {
    if (budget.left <= 0) break;
    budget.left--;
    let languages: string[];
    try {
      languages = (await provider.episodeSources(series.key, c.season, c.episode)).map((s) => s.language);
    } catch (err) {
      deps.log.debug(
        { key: series.key, season: c.season, episode: c.episode, err: (err as Error).message },
        'could not read an episode page for an upgrade',
      );
      continue;
    }
    await markUpgradeChecked(deps, series.id, c.season, c.episode);
    const better = wantedLanguages(deps, series, { language: null, upgrade_from: c.file_language });
    if (!languages.some((l) => better.includes(l))) continue;
    const r = await queueEpisodes(deps, { serie_id: series.key, episodes: [c], source: 'upgrade', upgrade_from: c.file_language });
    queued += r.added_items.length;
  }
  return queued;
}
