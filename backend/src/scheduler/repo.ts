import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

const KeyedJob = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  run_at: z.date(),
  locked_at: z.date().nullable(),
  attempts: z.number(),
  max_attempts: z.number(),
  payload: z.unknown(),
});
export type KeyedJob = z.infer<typeof KeyedJob>;

/** The job that holds `key`, waiting or running (a permanently failed one does not count). The public view hides payloads. */
export const keyedJob = (c: Conn, key: string) =>
  c.maybeOne(sql.type(KeyedJob)`select id, run_at, locked_at, attempts, max_attempts, payload
    from graphile_worker._private_jobs where key = ${key} and (attempts < max_attempts or locked_at is not null)
    order by id desc limit 1`);

/** A job of this task is running right now (its lock is younger than Graphile's 4 h lock timeout). */
export const taskRunning = (c: Conn, identifier: string) =>
  c.oneFirst(sql.type(z.object({ running: z.boolean() }))`select exists(select 1 from graphile_worker.jobs
    where task_identifier = ${identifier} and locked_at is not null and locked_at > now() - interval '4 hours') as running`);

/** The running job of this task (the oldest lock), with when it started and its payload. */
export const runningJob = (c: Conn, identifier: string) =>
  c.maybeOne(sql.type(z.object({ locked_at: z.date(), payload: z.unknown() }))`select j.locked_at, j.payload
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = ${identifier} and j.locked_at is not null and j.locked_at > now() - interval '4 hours'
    order by j.locked_at limit 1`);

/** A job of this task is waiting or running. */
export const taskQueuedOrRunning = (c: Conn, identifier: string) =>
  c.oneFirst(sql.type(z.object({ queued: z.boolean() }))`select exists(select 1 from graphile_worker.jobs
    where task_identifier = ${identifier} and (attempts < max_attempts or locked_at is not null)) as queued`);

export async function getState<T extends z.ZodTypeAny>(c: Conn, key: string, schema: T): Promise<z.infer<T>> {
  const value = await c.maybeOneFirst(sql.type(z.object({ value: z.unknown() }))`select value from app_state where key = ${key}`);
  const parsed = schema.safeParse(value ?? {});
  return parsed.success ? parsed.data : schema.parse({});
}

export async function setState(c: Conn, key: string, value: Record<string, unknown>): Promise<void> {
  await c.query(sql.unsafe`insert into app_state (key, value) values (${key}, ${sql.jsonb(value as never)})
    on conflict (key) do update set value = app_state.value || excluded.value, updated_at = now()`);
}
