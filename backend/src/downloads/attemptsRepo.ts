import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';
import type { FailureClass } from './failure.js';

/** SQL of the attempts table (migrations/0600_download_attempts.sql). */
export const AttemptRow = z.object({
  id: z.number(),
  item_id: z.string().nullable(),
  series_key: z.string(),
  series_name: z.string(),
  season: z.number(),
  episode: z.number(),
  hoster: z.string(),
  language: z.string(),
  source_url: z.string(),
  trigger: z.string(),
  outcome: z.enum(['completed', 'failed', 'cancelled']),
  error_class: z.enum(['source', 'hoster', 'network', 'provider', 'local', 'cancelled']).nullable(),
  reason: z.string().nullable(),
  bytes: z.number(),
  duration_ms: z.number(),
  file_path: z.string().nullable(),
  upgraded_from: z.string().nullable(),
  started_at: z.date(),
  finished_at: z.date(),
});
export type AttemptRow = z.infer<typeof AttemptRow>;

const COLS = sql.fragment`id::int8 as id, item_id::text, series_key, series_name, season, episode, hoster, language, source_url, trigger,
  outcome, error_class, reason, bytes, duration_ms, file_path, upgraded_from, started_at, finished_at`;

export interface NewAttempt {
  item_id: string | null;
  series_key: string;
  series_name: string;
  season: number;
  episode: number;
  hoster: string;
  language: string;
  source_url: string;
  trigger: string;
  outcome: AttemptRow['outcome'];
  error_class: FailureClass | null;
  reason: string | null;
  bytes: number;
  duration_ms: number;
  file_path: string | null;
  upgraded_from: string | null;
  started_at: Date;
  finished_at: Date;
}

export function insertAttempt(c: Conn, a: NewAttempt): Promise<AttemptRow> {
  return c.one(sql.type(AttemptRow)`insert into download_attempts (item_id, series_key, series_name, season, episode, hoster, language,
      source_url, trigger, outcome, error_class, reason, bytes, duration_ms, file_path, upgraded_from, started_at, finished_at)
    values (${a.item_id}::uuid, ${a.series_key}, ${a.series_name}, ${a.season}, ${a.episode}, ${a.hoster}, ${a.language}, ${a.source_url},
      ${a.trigger}, ${a.outcome}, ${a.error_class}, ${a.reason?.slice(0, 2000) ?? null}, ${a.bytes}, ${Math.round(a.duration_ms)},
      ${a.file_path}, ${a.upgraded_from}, ${a.started_at.toISOString()}::timestamptz, ${a.finished_at.toISOString()}::timestamptz)
    returning ${COLS}`);
}

export interface AttemptFilter {
  seriesKey?: string;
  /** Only attempts of these series (e.g. one provider's: the library's seriesKeysOfProvider). */
  seriesKeys?: readonly string[];
  season?: number;
  episode?: number;
  hoster?: string;
  outcome?: AttemptRow['outcome'];
  /** finished_at >= since */
  since?: Date;
  /** finished_at < until */
  until?: Date;
  /** Paging backwards: only attempts with a smaller id. */
  beforeId?: number;
  /** Only attempts of these queue items. */
  itemIds?: readonly string[];
  /** Only these attempts. */
  ids?: readonly number[];
  /** Oldest first instead of newest first. */
  oldestFirst?: boolean;
  limit?: number;
}

function where(f: AttemptFilter) {
  const parts = [sql.fragment`true`];
  if (f.seriesKey !== undefined) parts.push(sql.fragment`series_key = ${f.seriesKey}`);
  if (f.seriesKeys !== undefined) parts.push(sql.fragment`series_key = any(${sql.array([...f.seriesKeys], 'text')})`);
  if (f.season !== undefined) parts.push(sql.fragment`season = ${f.season}`);
  if (f.episode !== undefined) parts.push(sql.fragment`episode = ${f.episode}`);
  if (f.hoster !== undefined) parts.push(sql.fragment`lower(hoster) = lower(${f.hoster})`);
  if (f.outcome !== undefined) parts.push(sql.fragment`outcome = ${f.outcome}`);
  if (f.since) parts.push(sql.fragment`finished_at >= ${f.since.toISOString()}::timestamptz`);
  if (f.until) parts.push(sql.fragment`finished_at < ${f.until.toISOString()}::timestamptz`);
  if (f.beforeId !== undefined) parts.push(sql.fragment`id < ${f.beforeId}`);
  if (f.itemIds !== undefined) parts.push(sql.fragment`item_id = any(${sql.array([...f.itemIds], 'uuid')})`);
  if (f.ids !== undefined) parts.push(sql.fragment`id = any(${sql.array([...f.ids], 'int8')})`);
  return sql.join(parts, sql.fragment` and `);
}

export interface StepFilter {
  seriesKey?: string;
  itemIds?: readonly string[];
  /** at >= since, at < until: each step by its own time (the start by started_at, the end by finished_at). */
  since?: Date;
  until?: Date;
  /** The starts of attempts as steps. */
  starts: boolean;
  /** The ends of attempts with these outcomes as steps. */
  outcomes: readonly AttemptRow['outcome'][];
}

/**
 * The attempts as history steps `(ref, at)`: `a<id>s` when it started and `a<id>e` when it ended.
 * The history pages them together with its own events in one ordered query.
 */
export function attemptSteps(f: StepFilter) {
  const base = [sql.fragment`true`];
  if (f.seriesKey !== undefined) base.push(sql.fragment`series_key = ${f.seriesKey}`);
  if (f.itemIds !== undefined) base.push(sql.fragment`item_id = any(${sql.array([...f.itemIds], 'uuid')})`);
  const window = (col: 'started_at' | 'finished_at') => {
    const parts = [...base];
    const c = sql.identifier([col]);
    if (f.since) parts.push(sql.fragment`${c} >= ${f.since.toISOString()}::timestamptz`);
    if (f.until) parts.push(sql.fragment`${c} < ${f.until.toISOString()}::timestamptz`);
    return sql.join(parts, sql.fragment` and `);
  };
  const steps = [];
  if (f.starts)
    steps.push(sql.fragment`select 'a' || id || 's' as ref, started_at as at from download_attempts where ${window('started_at')}`);
  if (f.outcomes.length) {
    steps.push(sql.fragment`select 'a' || id || 'e' as ref, finished_at as at from download_attempts
      where ${window('finished_at')} and outcome = any(${sql.array([...f.outcomes], 'text')})`);
  }
  return steps;
}

/** Newest first. */
export function listAttempts(c: Conn, f: AttemptFilter): Promise<readonly AttemptRow[]> {
  return c.any(sql.type(AttemptRow)`select ${COLS} from download_attempts where ${where(f)}
    order by ${f.oldestFirst ? sql.fragment`finished_at, id` : sql.fragment`finished_at desc, id desc`} limit
      ${Math.min(Math.max(f.limit ?? 100, 1), 10_000)}`);
}

export const HosterStatsRow = z.object({
  hoster: z.string(),
  attempts: z.number(),
  completed: z.number(),
  failed: z.number(),
  cancelled: z.number(),
  /** failed attempts per error class */
  failures_by_class: z.record(z.number()),
  bytes: z.number(),
  avg_duration_ms: z.number().nullable(),
  /** average speed of completed attempts, bytes per second */
  avg_bytes_per_second: z.number().nullable(),
  last_success_at: z.date().nullable(),
  last_failure_at: z.date().nullable(),
  last_error: z.string().nullable(),
});
export type HosterStatsRow = z.infer<typeof HosterStatsRow>;

/** Per hoster over the filtered attempts (hoster names compared case-insensitively). */
export function hosterStats(
  c: Conn,
  f: Pick<AttemptFilter, 'since' | 'until' | 'seriesKey' | 'seriesKeys'>,
): Promise<readonly HosterStatsRow[]> {
  return c.any(sql.type(HosterStatsRow)`select min(hoster) as hoster, count(*)::int as attempts,
      count(*) filter (where outcome = 'completed')::int as completed,
      count(*) filter (where outcome = 'failed')::int as failed,
      count(*) filter (where outcome = 'cancelled')::int as cancelled,
      coalesce((select jsonb_object_agg(k, n) from (select error_class as k, count(*)::int as n from download_attempts d2
        where lower(d2.hoster) = lower(min(d.hoster)) and d2.outcome = 'failed' and ${where({ ...f, hoster: undefined })}
        group by error_class) x), '{}'::jsonb) as failures_by_class,
      coalesce(sum(bytes) filter (where outcome = 'completed'), 0)::int8 as bytes,
      avg(duration_ms)::float8 as avg_duration_ms,
      (sum(bytes) filter (where outcome = 'completed') / nullif(sum(duration_ms) filter (where outcome = 'completed'), 0) *
        1000)::float8 as avg_bytes_per_second,
      max(finished_at) filter (where outcome = 'completed') as last_success_at,
      max(finished_at) filter (where outcome = 'failed') as last_failure_at,
      (array_agg(reason order by finished_at desc) filter (where outcome = 'failed'))[1] as last_error
    from download_attempts d where ${where(f)} group by lower(hoster) order by lower(hoster)`);
}
