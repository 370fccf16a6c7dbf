import type { Deps } from '../deps.js';
import { findUserByName, listUsers } from '../auth/repo.js';
import * as repo from './repo.js';
import type { HistoryType } from '../rules/history.js';

const ATTEMPT_TYPES: HistoryType[] = ['download_started', 'download_completed', 'download_failed', 'download_cancelled'];

export interface HistoryRow {
  id: string;
  at: string;
  event: HistoryType;
  series_key: string | null;
  series_name: string | null;
  season: number | null;
  episode: number | null;
  user: string | null;
  data: Record<string, unknown>;
}

/** A download attempt as the history shows it (the downloads' AttemptRow, downloads/attemptsRepo.ts). */
export interface HistoryAttempt {
  id: number;
  item_id: string | null;
  series_key: string;
  series_name: string;
  season: number;
  episode: number;
  hoster: string;
  language: string;
  source_url: string;
  trigger: string;
  outcome: 'completed' | 'failed' | 'cancelled';
  error_class: string | null;
  reason: string | null;
  bytes: number;
  duration_ms: number;
  file_path: string | null;
  upgraded_from: string | null;
  started_at: Date;
  finished_at: Date;
}

/**
 * The downloads' attempts, which the history shows beside its own events (downloads/attemptLog.ts:
 * `attemptSteps`, `attemptsOf`); the composition root (app.ts) hands them to the history's routes.
 */
export interface AttemptSource {
  /** The attempts as steps `(ref, at)`: `a<id>s` when one started, `a<id>e` when it ended. */
  steps(f: {
    seriesKey?: string;
    itemIds?: readonly string[];
    since?: Date;
    until?: Date;
    starts: boolean;
    outcomes: readonly HistoryAttempt['outcome'][];
  }): repo.Step[];
  /** The attempts with these ids. */
  byIds(ids: number[]): Promise<readonly HistoryAttempt[]>;
}

/** Records events; a failure is logged, never passed on (history must not break the work it describes). */
export async function recordHistory(deps: Pick<Deps, 'db' | 'log'>, ...events: repo.NewEvent[]): Promise<void> {
  await repo
    .insertEvents(deps.db, events)
    .catch((err) => deps.log.error({ module: 'history', err: (err as Error).message }, 'history event not recorded'));
}

/** An attempt is two steps: the source chosen and started, then how it ended. */
function attemptRows(a: HistoryAttempt): HistoryRow[] {
  const base = { series_key: a.series_key, series_name: a.series_name || null, season: a.season, episode: a.episode, user: null };
  const source = { hoster: a.hoster, language: a.language, source_url: a.source_url, queued_by: a.trigger, item_id: a.item_id };
  const seconds = a.duration_ms / 1000;
  return [
    { ...base, id: `a${a.id}s`, at: a.started_at.toISOString(), event: 'download_started', data: source },
    {
      ...base,
      id: `a${a.id}e`,
      at: a.finished_at.toISOString(),
      event: `download_${a.outcome}` as HistoryType,
      data: {
        ...source,
        file: a.file_path,
        bytes: a.bytes,
        duration_seconds: seconds,
        bytes_per_second: a.outcome === 'completed' && seconds > 0 ? Math.round(a.bytes / seconds) : null,
        reason: a.reason,
        error_class: a.error_class,
        upgraded_from: a.upgraded_from,
      },
    },
  ];
}

export interface HistoryQuery {
  page: number;
  perPage: number;
  seriesKey?: string;
  events?: HistoryType[];
  user?: string;
  since?: Date;
  until?: Date;
  sort: 'newest' | 'oldest';
}

/**
 * One page of the history, newest (or oldest) first, and how many rows match: history_events and
 * the downloads domain's attempts (two steps each) ordered together in one query. Rows older than
 * the retention are not shown.
 */
export async function listHistory(
  deps: Pick<Deps, 'db' | 'settings' | 'clock'>,
  attempts: AttemptSource,
  q: HistoryQuery,
): Promise<{ items: HistoryRow[]; total: number; has_more: boolean }> {
  const retention = deps.settings.get().history.retention_days;
  const floor = retention ? new Date(deps.clock.now().getTime() - retention * 86_400_000) : undefined;
  const since = floor && (!q.since || q.since < floor) ? floor : q.since;
  const users = new Map((await listUsers(deps.db)).map((u) => [u.id, u.username]));
  let userId: number | undefined;
  let itemIds: readonly string[] | undefined;
  if (q.user) {
    const u = await findUserByName(deps.db, q.user);
    if (!u) return { items: [], total: 0, has_more: false };
    userId = u.id;
    itemIds = await repo.itemsQueuedBy(deps.db, u.id);
  }
  const wanted = (e: HistoryType) => !q.events || q.events.includes(e);
  const eventTypes = q.events?.filter((e) => !ATTEMPT_TYPES.includes(e));
  const steps = [];
  if (!eventTypes || eventTypes.length)
    steps.push(repo.eventSteps({ seriesKey: q.seriesKey, events: eventTypes, userId, itemIds, since, until: q.until }));
  if (!itemIds || itemIds.length) {
    steps.push(
      ...attempts.steps({
        seriesKey: q.seriesKey,
        itemIds,
        since,
        until: q.until,
        starts: wanted('download_started'),
        outcomes: (['completed', 'failed', 'cancelled'] as const).filter((o) => wanted(`download_${o}`)),
      }),
    );
  }
  const [refs, total] = await Promise.all([
    repo.pageSteps(deps.db, steps, q.sort === 'oldest', q.perPage, (q.page - 1) * q.perPage),
    repo.countSteps(deps.db, steps),
  ]);
  const eventIds = refs.filter((r) => r.startsWith('e')).map((r) => Number(r.slice(1)));
  const attemptIds = [...new Set(refs.filter((r) => r.startsWith('a')).map((r) => Number(r.slice(1, -1))))];
  const byRef = new Map<string, HistoryRow>();
  for (const e of eventIds.length ? await repo.eventsByIds(deps.db, eventIds) : []) {
    byRef.set(`e${e.id}`, {
      id: `e${e.id}`,
      at: e.at.toISOString(),
      event: e.event,
      series_key: e.series_key,
      series_name: e.series_name,
      season: e.season,
      episode: e.episode,
      user: e.user_id === null ? null : (users.get(e.user_id) ?? `#${e.user_id}`),
      data: { ...e.data, ...(e.item_id ? { item_id: e.item_id } : {}) },
    });
  }
  for (const a of attemptIds.length ? await attempts.byIds(attemptIds) : []) {
    for (const r of attemptRows(a)) byRef.set(r.id, r);
  }
  const items = refs.map((r) => byRef.get(r)).filter((r): r is HistoryRow => r !== undefined);
  return { items, total, has_more: q.page * q.perPage < total };
}

/** Housekeeping: events older than `history.retention_days` are removed (nothing while it is unset). */
export async function pruneHistory(deps: Pick<Deps, 'db' | 'settings' | 'clock'>): Promise<number> {
  const days = deps.settings.get().history.retention_days;
  if (!days) return 0;
  return repo.pruneBefore(deps.db, new Date(deps.clock.now().getTime() - days * 86_400_000));
}
