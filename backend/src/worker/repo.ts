import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

/**
 * What the application reads of Graphile Worker: its public `jobs` view (no payloads) and the
 * payloads it keeps itself (`job_payloads`, by job id). Never its `_private_*` tables
 * (tests/core/workerPrivate.test.ts keeps it so).
 */

const KeyedJob = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  run_at: z.date(),
  locked_at: z.date().nullable(),
  attempts: z.number(),
  max_attempts: z.number(),
  payload: z.unknown(),
});
export type KeyedJob = z.infer<typeof KeyedJob>;

/** Graphile Worker takes a job's lock as stale after 4 hours. */
const LIVE_LOCK = sql.fragment`j.locked_at is not null and j.locked_at > now() - interval '4 hours'`;

/** Records the payload a job was added with (in the add's transaction; a keyed job replaced in place keeps its id). */
export const savePayload = (c: Conn, jobId: string, payload: unknown) =>
  c.query(sql.unsafe`insert into job_payloads (job_id, payload) values (${jobId}::bigint, ${JSON.stringify(payload ?? {})}::jsonb)
    on conflict (job_id) do update set payload = excluded.payload, updated_at = now()`);

/** Planning the job that holds `key` is one at a time: `run` holds a lock on `c`'s session (another connection plans). */
export async function whilePlanning<T>(c: Conn, key: string, run: () => Promise<T>): Promise<T> {
  const lock = sql.fragment`hashtext(${'aniworld:job:' + key})`;
  await c.query(sql.unsafe`select pg_advisory_lock(${lock})`);
  try {
    return await run();
  } finally {
    await c.query(sql.unsafe`select pg_advisory_unlock(${lock})`);
  }
}

/** The job that holds `key`, waiting or running (a permanently failed one does not count), with the payload it was added with. */
export const keyedJob = (c: Conn, key: string) =>
  c.maybeOne(sql.type(KeyedJob)`select j.id, j.run_at, j.locked_at, j.attempts, j.max_attempts, p.payload
    from graphile_worker.jobs j left join job_payloads p on p.job_id = j.id
    where j.key = ${key} and (j.attempts < j.max_attempts or j.locked_at is not null)
    order by j.id desc limit 1`);

/** A job of this task is running right now (its lock is younger than Graphile's 4 h lock timeout). */
export const taskRunning = (c: Conn, identifier: string) =>
  c.oneFirst(sql.type(z.object({ running: z.boolean() }))`select exists(select 1 from graphile_worker.jobs j
    where j.task_identifier = ${identifier} and ${LIVE_LOCK}) as running`);

/** The running job of this task (the oldest lock), with when it started and its payload when it was kept. */
export const runningJob = (c: Conn, identifier: string) =>
  c.maybeOne(sql.type(z.object({ locked_at: z.date(), payload: z.unknown() }))`select j.locked_at, p.payload
    from graphile_worker.jobs j left join job_payloads p on p.job_id = j.id
    where j.task_identifier = ${identifier} and ${LIVE_LOCK}
    order by j.locked_at limit 1`);

/** Forgets the payloads of jobs that are gone; answers how many. */
export async function prunePayloads(c: Conn): Promise<number> {
  const res = await c.query(sql.unsafe`delete from job_payloads p
    where not exists (select 1 from graphile_worker.jobs j where j.id = p.job_id)`);
  return res.rowCount;
}

/**
 * Deletes the permanently failed jobs not updated for `days` (complete_jobs: Graphile Worker's own way to delete jobs); answers how many.
 */
export async function pruneFailedJobs(c: Conn, days: number): Promise<number> {
  const res = await c.query(sql.unsafe`select graphile_worker.complete_jobs(array(select id from graphile_worker.jobs
    where attempts >= max_attempts and locked_at is null and updated_at < now() - make_interval(days => ${days})))`);
  return res.rowCount;
}
