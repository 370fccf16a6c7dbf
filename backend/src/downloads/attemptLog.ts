/**
 * The attempts table's API for every domain (history, hoster health, the failure policy):
 *
 *   recordAttempt(deps, {...})             → one row per source tried (the download job calls it)
 *   attemptsOf(deps, filter)               → attempts, newest first: by series / episode / hoster /
 *                                            outcome / time window (since, until) / ids, paged by beforeId
 *   attemptSteps(filter)                   → SQL of the attempts as history steps (start, end) that
 *                                            the history pages together with its own events
 *   episodeAttempts(deps, key, s, e)       → every attempt of one episode, newest first
 *   hosterHealth(deps, {since?, until?, provider?}) → per hoster (of one site's series, or all): attempts, completed, failed, failures by
 *                                            error class, bytes, average duration and speed, last
 *                                            success/failure and the last error
 *
 * Rows: see attemptsRepo.ts (AttemptRow); columns are described in docs/DESIGN.md.
 */
import type { Deps } from '../deps.js';
import type { EpisodeSource } from '../providers/types.js';
import { seriesKeysOfProvider } from '../library/readRepo.js';
import * as repo from './attemptsRepo.js';
import { classifyFailure, type FailureClass } from './failure.js';

export type { AttemptRow, AttemptFilter, HosterStatsRow, StepFilter } from './attemptsRepo.js';
export { attemptSteps } from './attemptsRepo.js';

export interface AttemptOf {
  item: { id: string; serie_id: string; serie_name: string; season: number; episode: number; source: string };
  source: Pick<EpisodeSource, 'hoster' | 'language' | 'url'>;
  startedAt: Date;
}

export interface AttemptOutcome {
  outcome: 'completed' | 'failed' | 'cancelled';
  error?: unknown;
  bytes?: number;
  filePath?: string | null;
  upgradedFrom?: string | null;
}

/** Stores one attempt; answers its error class (null when it completed). */
export async function recordAttempt(deps: Pick<Deps, 'db' | 'clock'>, a: AttemptOf, o: AttemptOutcome): Promise<repo.AttemptRow> {
  const finished = deps.clock.now();
  const errorClass: FailureClass | null =
    o.outcome === 'completed' ? null : o.outcome === 'cancelled' ? 'cancelled' : classifyFailure(o.error);
  return repo.insertAttempt(deps.db, {
    item_id: a.item.id,
    series_key: a.item.serie_id,
    series_name: a.item.serie_name,
    season: a.item.season,
    episode: a.item.episode,
    hoster: a.source.hoster,
    language: a.source.language,
    source_url: a.source.url,
    trigger: a.item.source,
    outcome: o.outcome,
    error_class: errorClass,
    reason: o.error === undefined ? null : o.error instanceof Error ? o.error.message : String(o.error),
    bytes: o.bytes ?? 0,
    duration_ms: Math.max(0, finished.getTime() - a.startedAt.getTime()),
    file_path: o.filePath ?? null,
    upgraded_from: o.upgradedFrom ?? null,
    started_at: a.startedAt,
    finished_at: finished,
  });
}

export function attemptsOf(deps: Pick<Deps, 'db'>, filter: repo.AttemptFilter): Promise<readonly repo.AttemptRow[]> {
  return repo.listAttempts(deps.db, filter);
}

export function episodeAttempts(deps: Pick<Deps, 'db'>, seriesKey: string, season: number, episode: number, limit = 500) {
  return repo.listAttempts(deps.db, { seriesKey, season, episode, limit });
}

export async function hosterHealth(
  deps: Pick<Deps, 'db'>,
  window: { since?: Date; until?: Date; seriesKey?: string; provider?: string } = {},
): Promise<readonly repo.HosterStatsRow[]> {
  const { provider, ...rest } = window;
  const seriesKeys = provider === undefined ? undefined : await seriesKeysOfProvider(deps.db, provider);
  return repo.hosterStats(deps.db, { ...rest, seriesKeys });
}
