import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

export const HISTORY_EVENTS = [
  'queued',
  'series_added',
  'series_removed',
  'file_imported',
  'file_deleted',
  'nfo_written',
  'blocklisted',
] as const;
export type HistoryEventType = (typeof HISTORY_EVENTS)[number];

export const EventRow = z.object({
  id: z.number(),
  at: z.date(),
  event: z.enum(HISTORY_EVENTS),
  series_key: z.string().nullable(),
  series_name: z.string().nullable(),
  season: z.number().nullable(),
  episode: z.number().nullable(),
  user_id: z.number().nullable(),
  item_id: z.string().nullable(),
  data: z.record(z.unknown()),
});
export type EventRow = z.infer<typeof EventRow>;

export interface NewEvent {
  event: HistoryEventType;
  series_key?: string | null;
  series_name?: string | null;
  season?: number | null;
  episode?: number | null;
  user_id?: number | null;
  item_id?: string | null;
  data?: Record<string, unknown>;
}

export async function insertEvents(c: Conn, rows: NewEvent[]): Promise<void> {
  if (!rows.length) return;
  await c.query(sql.unsafe`insert into history_events (event, series_key, series_name, season, episode, user_id, item_id, data)
    select * from unnest(${sql.array(
      rows.map((r) => r.event),
      'text',
    )}, ${sql.array(
      rows.map((r) => r.series_key ?? null),
      'text',
    )},
      ${sql.array(
        rows.map((r) => r.series_name ?? null),
        'text',
      )}, ${sql.array(
        rows.map((r) => r.season ?? null),
        'int4',
      )},
      ${sql.array(
        rows.map((r) => r.episode ?? null),
        'int4',
      )}, ${sql.array(
        rows.map((r) => r.user_id ?? null),
        'int4',
      )},
      ${sql.array(
        rows.map((r) => r.item_id ?? null),
        'uuid',
      )}, ${sql.array(
        rows.map((r) => JSON.stringify(r.data ?? {})),
        'jsonb',
      )})`);
}

export interface EventFilter {
  seriesKey?: string;
  events?: readonly string[];
  userId?: number;
  /** With userId: also events of these queue items (what happened to that user's downloads). */
  itemIds?: readonly string[];
  since?: Date;
  until?: Date;
  oldestFirst?: boolean;
  limit: number;
}

function eventWhere(f: Omit<EventFilter, 'limit' | 'oldestFirst'>) {
  const parts = [sql.fragment`true`];
  if (f.seriesKey !== undefined) parts.push(sql.fragment`series_key = ${f.seriesKey}`);
  if (f.events !== undefined) parts.push(sql.fragment`event = any(${sql.array([...f.events], 'text')})`);
  if (f.userId !== undefined)
    parts.push(sql.fragment`(user_id = ${f.userId} or item_id = any(${sql.array([...(f.itemIds ?? [])], 'uuid')}))`);
  if (f.since) parts.push(sql.fragment`at >= ${f.since.toISOString()}::timestamptz`);
  if (f.until) parts.push(sql.fragment`at < ${f.until.toISOString()}::timestamptz`);
  return sql.join(parts, sql.fragment` and `);
}

const COLS = sql.fragment`id::int8 as id, at, event, series_key, series_name, season, episode, user_id, item_id::text, data`;

export function listEvents(c: Conn, f: EventFilter): Promise<readonly EventRow[]> {
  return c.any(sql.type(EventRow)`select ${COLS} from history_events where ${eventWhere(f)}
    order by ${f.oldestFirst ? sql.fragment`at, id` : sql.fragment`at desc, id desc`} limit ${f.limit}`);
}

export const eventsByIds = (c: Conn, ids: readonly number[]) =>
  c.any(sql.type(EventRow)`select ${COLS} from history_events where id = any(${sql.array([...ids], 'int8')})`);

/** The events as history steps `(ref, at)`, `e<id>`, for one ordered query with the attempts' steps. */
export const eventSteps = (f: Omit<EventFilter, 'limit' | 'oldestFirst'>) =>
  sql.fragment`select 'e' || id as ref, at from history_events where ${eventWhere(f)}`;

/** One query's part answering `(ref, at)` rows: the events' and (from the downloads) the attempts'. */
export type Step = ReturnType<typeof eventSteps>;
type Steps = Step[];
const union = (steps: Steps) => sql.join(steps, sql.fragment` union all `);

/** One page of the steps' refs, newest (or oldest) first; ties in time ordered by ref. */
export async function pageSteps(c: Conn, steps: Steps, oldestFirst: boolean, limit: number, offset: number): Promise<readonly string[]> {
  if (!steps.length) return [];
  return c.anyFirst(sql.type(z.object({ ref: z.string() }))`select ref from (${union(steps)}) s
    order by ${oldestFirst ? sql.fragment`at, ref collate "C"` : sql.fragment`at desc, ref collate "C" desc`} limit ${limit} offset
      ${offset}`);
}

export async function countSteps(c: Conn, steps: Steps): Promise<number> {
  if (!steps.length) return 0;
  return c.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from (${union(steps)}) s`);
}

/** The queue items a user queued (their attempts are that user's history too). */
export const itemsQueuedBy = (c: Conn, userId: number) =>
  c.anyFirst(sql.type(z.object({ item_id: z.string() }))`select item_id::text from history_events
    where event = 'queued' and user_id = ${userId} and item_id is not null`);

/** Retention: events older than the cutoff go. */
export async function pruneBefore(c: Conn, cutoff: Date): Promise<number> {
  const r = await c.query(sql.unsafe`delete from history_events where at < ${cutoff.toISOString()}::timestamptz`);
  return r.rowCount;
}
