import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

/** How long a large event's row is kept for the processes to read it. */
const KEEP = '5 minutes';

/**
 * Stores a large event and notifies its id on `channel` (one statement: the NOTIFY is sent when
 * the row is committed, so every listener finds it); rows older than KEEP go at the same time.
 */
export async function notifyStored(c: Conn, channel: string, body: string): Promise<void> {
  await c.query(sql.unsafe`with gone as (delete from realtime_payloads where created_at < now() - ${KEEP}::interval),
    stored as (insert into realtime_payloads (body) values (${body}) returning id)
    select pg_notify(${channel}, json_build_object('ref', id::text)::text) from stored`);
}

/** The stored event `id`, or null when it is gone already. */
export const storedBody = (c: Conn, id: string) =>
  c.maybeOneFirst(sql.type(z.object({ body: z.string() }))`select body from realtime_payloads where id = ${id}::bigint`);
