/**
 * The failure policy: what a failed attempt or run means for the next one.
 *
 * - A source that failed through its own fault (error class `source`, see failure.ts) is
 *   blocklisted for its episode; the next attempt takes the next source. Listing and removal:
 *   `GET/DELETE /api/blocklist`.
 * - A run whose every source failed, at least one through the source's or the hoster's fault,
 *   puts the episode into backoff: 1 h, 6 h, 24 h, then "gave up". Runs that failed only through
 *   the network, the provider, our side or a cancel change nothing (an offline night must not
 *   blocklist the library). A completed download clears the episode's backoff.
 * - Automatic downloads (rescans, the watchlist) skip an episode in backoff or given up, unless
 *   its page now lists a source the last failed run did not see (read within the page budget).
 * - A user's retry starts an episode afresh: its backoff and blocklist entries go.
 */
import type { Deps } from '../deps.js';
import type { Page } from '../http/schema.js';
import type { EpisodeSource, Provider } from '../providers/types.js';
import { recordAttempt, type AttemptOf, type AttemptOutcome } from './attemptLog.js';
import type { FailureClass } from './failure.js';
import * as repo from './policyRepo.js';
import { recordHistory } from '../history/service.js';

export const BACKOFF_HOURS = [1, 6, 24] as const;

type Item = AttemptOf['item'];

/** Records the attempt and blocklists its source when it failed through its own fault. */
export async function noteAttempt(deps: Pick<Deps, 'db' | 'clock' | 'log'>, a: AttemptOf, o: AttemptOutcome): Promise<FailureClass | null> {
  const row = await recordAttempt(deps, a, o);
  if (row.error_class === 'source') {
    await repo.addToBlocklist(deps.db, {
      series_key: row.series_key,
      season: row.season,
      episode: row.episode,
      hoster: row.hoster,
      language: row.language,
      source_url: row.source_url,
      reason: row.reason ?? 'failed',
      attempt_id: row.id,
      at: row.finished_at,
    });
    await recordHistory(deps, {
      event: 'blocklisted',
      series_key: row.series_key,
      series_name: row.series_name || null,
      season: row.season,
      episode: row.episode,
      item_id: row.item_id,
      data: { hoster: row.hoster, language: row.language, source_url: row.source_url, reason: row.reason, attempt_id: row.id },
    });
  }
  return row.error_class;
}

/** The sources an item may try: a chosen one alone (blocklisted or not), else the ones not blocklisted. */
export async function usableSources(deps: Pick<Deps, 'db'>, item: Item & { chosen_source: string | null }, ordered: EpisodeSource[]) {
  if (item.chosen_source) return { sources: ordered.filter((s) => s.url === item.chosen_source), blocked: 0 };
  const blocked = new Set(
    (await repo.blocklist(deps.db, { seriesKey: item.serie_id, season: item.season, episode: item.episode })).map((b) => b.source_url),
  );
  const sources = ordered.filter((s) => !blocked.has(s.url));
  return { sources, blocked: ordered.length - sources.length };
}

export interface RunFailure {
  /** Error classes of this run's attempts (plus the run's own error). */
  classes: FailureClass[];
  /** Nothing to try: every source blocklisted, or none listed in the wanted languages. */
  nothingToTry: boolean;
  /** Links the page listed in this run. */
  known: string[];
  error: string;
}

/** A failed run: backoff when the sources or hosters were at fault; nothing otherwise. */
export async function noteRunFailed(deps: Pick<Deps, 'db' | 'clock' | 'log'>, item: Item, f: RunFailure): Promise<repo.BackoffRow | null> {
  const counted = f.nothingToTry || f.classes.some((c) => c === 'source' || c === 'hoster');
  if (!counted) return null;
  const row = await repo.addFailure(deps.db, {
    key: item.serie_id,
    season: item.season,
    episode: item.episode,
    known: f.known,
    error: f.error,
    now: deps.clock.now(),
    hours: BACKOFF_HOURS,
  });
  deps.log.info(
    {
      serie: item.serie_id,
      season: item.season,
      episode: item.episode,
      failures: row.failures,
      next_try_at: row.next_try_at,
      gave_up: row.gave_up,
    },
    row.gave_up
      ? 'every source failed again: given up until a new source appears or a retry'
      : 'every source failed: waiting before the next automatic try',
  );
  return row;
}

export async function noteRunCompleted(deps: Pick<Deps, 'db'>, item: Item): Promise<void> {
  await repo.clearBackoff(deps.db, item.serie_id, item.season, item.episode);
}

/** Page reads left for this rescan or check (upgrades and given-up episodes share them). */
export interface PageBudget {
  left: number;
}

export interface Ineligible {
  season: number;
  episode: number;
  reason: string;
}

/**
 * Which of these episodes an automatic download may queue now, as far as the failure policy is
 * concerned. A waiting or given-up episode whose page lists a link unseen at its last failure
 * (and not blocklisted) is eligible again.
 */
export async function backoffFilter<E extends { season: number; episode: number }>(
  deps: Pick<Deps, 'db' | 'clock' | 'log'>,
  provider: Provider,
  key: string,
  episodes: E[],
  budget: PageBudget,
): Promise<{ eligible: E[]; skipped: Ineligible[] }> {
  const rows = new Map((await repo.backoffOf(deps.db, key)).map((r) => [`${r.season}:${r.episode}`, r]));
  const now = deps.clock.now().getTime();
  const eligible: E[] = [];
  const skipped: Ineligible[] = [];
  for (const e of episodes) {
    const b = rows.get(`${e.season}:${e.episode}`);
    if (!b || (!b.gave_up && b.next_try_at && b.next_try_at.getTime() <= now)) {
      eligible.push(e);
      continue;
    }
    if (budget.left > 0 && (await hasNewSource(deps, provider, key, b, budget))) {
      eligible.push(e);
      continue;
    }
    skipped.push({
      season: e.season,
      episode: e.episode,
      reason: b.gave_up
        ? `gave up after ${b.failures} failed runs (${b.last_error ?? 'every source failed'}); a new source on its page or a retry ` +
          `brings it back`
        : `waiting after ${b.failures} failed run(s) until ${b.next_try_at!.toISOString()}`,
    });
  }
  return { eligible, skipped };
}

async function hasNewSource(
  deps: Pick<Deps, 'db' | 'log'>,
  provider: Provider,
  key: string,
  b: repo.BackoffRow,
  budget: PageBudget,
): Promise<boolean> {
  budget.left--;
  let sources: EpisodeSource[];
  try {
    sources = await provider.episodeSources(key, b.season, b.episode);
  } catch (err) {
    deps.log.debug(
      { key, season: b.season, episode: b.episode, err: (err as Error).message },
      'could not read the page of a waiting episode',
    );
    return false;
  }
  const blocked = new Set(
    (await repo.blocklist(deps.db, { seriesKey: key, season: b.season, episode: b.episode })).map((x) => x.source_url),
  );
  const known = new Set(b.known_sources);
  return sources.some((s) => !known.has(s.url) && !blocked.has(s.url));
}

export const blocklistPage = (deps: Pick<Deps, 'db'>, f: Parameters<typeof repo.blocklistPage>[1], p: Page) =>
  repo.blocklistPage(deps.db, f, p);
export const listBlocklist = (deps: Pick<Deps, 'db'>, f: Parameters<typeof repo.blocklist>[1] = {}) => repo.blocklist(deps.db, f);
export const unblock = (deps: Pick<Deps, 'db'>, ids: number[] | null) => repo.removeFromBlocklist(deps.db, ids);
/** A user's retry: the episodes start afresh (no backoff, their blocklist entries removed). */
export const resetEpisodesOfItems = (deps: Pick<Deps, 'db'>, ids: string[] | null) => repo.resetEpisodesOfItems(deps.db, ids);
export const backoffOf = (deps: Pick<Deps, 'db'>, key: string) => repo.backoffOf(deps.db, key);
