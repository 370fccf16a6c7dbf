import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';
import { pageSql } from '../http/paging.js';
import type { Page } from '../http/schema.js';

/** SQL of the failure policy: the blocklist and the per-episode backoff (migrations/0601). */
export const BlockRow = z.object({
  id: z.number(),
  series_key: z.string(),
  season: z.number(),
  episode: z.number(),
  hoster: z.string(),
  language: z.string(),
  source_url: z.string(),
  reason: z.string(),
  created_at: z.date(),
});
export type BlockRow = z.infer<typeof BlockRow>;
const BLOCK_COLS = sql.fragment`id::int8 as id, series_key, season, episode, hoster, language, source_url, reason, created_at`;

export async function addToBlocklist(
  c: Conn,
  b: Omit<BlockRow, 'id' | 'created_at'> & { attempt_id: number | null; at: Date },
): Promise<void> {
  await c.query(sql.unsafe`insert into download_blocklist (series_key, season, episode, hoster, language, source_url, reason,
    attempt_id, created_at)
    values (${b.series_key}, ${b.season}, ${b.episode}, ${b.hoster}, ${b.language}, ${b.source_url}, ${b.reason.slice(0, 2000)},
      ${b.attempt_id},
      ${b.at.toISOString()}::timestamptz)
    on conflict (series_key, season, episode, source_url) do update set reason = excluded.reason, attempt_id = excluded.attempt_id,
      created_at = excluded.created_at`);
}

type BlockFilter = { seriesKey?: string; season?: number; episode?: number };
function blockWhere(f: BlockFilter) {
  const parts = [sql.fragment`true`];
  if (f.seriesKey !== undefined) parts.push(sql.fragment`series_key = ${f.seriesKey}`);
  if (f.season !== undefined) parts.push(sql.fragment`season = ${f.season}`);
  if (f.episode !== undefined) parts.push(sql.fragment`episode = ${f.episode}`);
  return sql.join(parts, sql.fragment` and `);
}

export function blocklist(c: Conn, f: BlockFilter & { limit?: number }): Promise<readonly BlockRow[]> {
  return c.any(sql.type(BlockRow)`select ${BLOCK_COLS} from download_blocklist where ${blockWhere(f)}
    order by created_at desc, id desc limit ${f.limit ?? 10_000}`);
}

/** One page of the blocklist (newest first) and how many entries match. */
export async function blocklistPage(c: Conn, f: BlockFilter, p: Page) {
  const [items, total] = await Promise.all([
    c.any(
      sql.type(
        BlockRow,
      )`select ${BLOCK_COLS} from download_blocklist where ${blockWhere(f)} order by created_at desc, id desc ${pageSql(p)}`,
    ),
    c.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from download_blocklist where ${blockWhere(f)}`),
  ]);
  return { items, total };
}

export function removeFromBlocklist(c: Conn, ids: number[] | null): Promise<readonly BlockRow[]> {
  const filter = ids ? sql.fragment`id = any(${sql.array(ids, 'int8')})` : sql.fragment`true`;
  return c.any(sql.type(BlockRow)`delete from download_blocklist where ${filter} returning ${BLOCK_COLS}`);
}

export const BackoffRow = z.object({
  series_key: z.string(),
  season: z.number(),
  episode: z.number(),
  failures: z.number(),
  next_try_at: z.date().nullable(),
  gave_up: z.boolean(),
  known_sources: z.array(z.string()),
  last_error: z.string().nullable(),
});
export type BackoffRow = z.infer<typeof BackoffRow>;
const BACKOFF_COLS = sql.fragment`series_key, season, episode, failures, next_try_at, gave_up, known_sources, last_error`;

/**
 * One more failed run: the n-th waits `hours[n-1]` hours from `now`; past the list it is given up
 * (no next try until a new source appears or a user retries).
 */
export function addFailure(
  c: Conn,
  f: { key: string; season: number; episode: number; known: string[]; error: string; now: Date; hours: readonly number[] },
): Promise<BackoffRow> {
  const now = sql.fragment`${f.now.toISOString()}::timestamptz`;
  const hours = sql.array([...f.hours], 'int4');
  return c.one(sql.type(
    BackoffRow,
  )`insert into download_backoff as b (series_key, season, episode, failures, next_try_at, gave_up, known_sources, last_error, updated_at)
    values (${f.key}, ${f.season}, ${f.episode}, 1, ${now} + make_interval(hours => (${hours})[1]), cardinality(${hours}) < 1,
      ${sql.array(f.known, 'text')}, ${f.error.slice(0, 2000)}, ${now})
    on conflict (series_key, season, episode) do update set failures = b.failures + 1,
      next_try_at = ${now} + make_interval(hours => (${hours})[b.failures + 1]),
      gave_up = b.failures + 1 > cardinality(${hours}), known_sources = excluded.known_sources, last_error = excluded.last_error,
        updated_at = ${now}
    returning ${BACKOFF_COLS}`);
}

export function backoffOf(c: Conn, key: string): Promise<readonly BackoffRow[]> {
  return c.any(sql.type(BackoffRow)`select ${BACKOFF_COLS} from download_backoff where series_key = ${key}`);
}

export async function clearBackoff(c: Conn, key: string, season: number, episode: number): Promise<void> {
  await c.query(sql.unsafe`delete from download_backoff where series_key = ${key} and season = ${season} and episode = ${episode}`);
}

/** The episodes of these failed queue items (all when null) start afresh: no backoff, no blocklist entries (a user's retry). */
export async function resetEpisodesOfItems(c: Conn, itemIds: string[] | null): Promise<void> {
  const filter = itemIds ? sql.fragment`and d.id = any(${sql.array(itemIds, 'uuid')})` : sql.fragment``;
  await c.query(sql.unsafe`delete from download_backoff b using download_items d where d.serie_id = b.series_key
    and d.season = b.season and d.episode = b.episode and d.status in ('failed', 'cancelled') ${filter}`);
  await c.query(sql.unsafe`delete from download_blocklist b using download_items d where d.serie_id = b.series_key
    and d.season = b.season and d.episode = b.episode and d.status in ('failed', 'cancelled') ${filter}`);
}
