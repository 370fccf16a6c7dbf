import { z } from 'zod';
import { sql } from '../db/pool.js';
import type { Db } from '../db/pool.js';
import type { Deps } from '../deps.js';
import type { JobPayload } from '../worker/jobs.js';
import { runningJob, taskRunning } from '../worker/repo.js';

/**
 * The one answer to "is a library rescan running", and the only ways to start one. A rescan runs
 * only as the `library_rescan` job, always keyed `library_rescan` (at most one waits), and only
 * while it holds the rescan's advisory lock (so two never run at once, on any process):
 *   - `rescanRunning` / `runningRescan`: a `library_rescan` job is running (Graphile's public view);
 *   - `requestRescan`: adds the job unless one is running (a job that started between the check
 *     and the add counts too: add_job leaves a running keyed job alone and answers no id);
 *   - `withRescanLock`: the task's side; a job that finds the lock taken puts itself back.
 */
export const RESCAN_TASK = 'library_rescan';
const RESCAN_KEY = 'library_rescan';
const LOCK_ID = 0x616e6931; // 'ani1'

type RescanPayload = JobPayload<'library_rescan'>;

export const rescanRunning = (db: Db): Promise<boolean> => taskRunning(db, RESCAN_TASK);

/** The running rescan: when it started and what triggered it. */
export async function runningRescan(db: Db): Promise<{ started_at: Date; trigger: string | null } | null> {
  const job = await runningJob(db, RESCAN_TASK);
  if (!job) return null;
  const trigger = (job.payload as { trigger?: unknown } | null)?.trigger;
  return { started_at: job.locked_at, trigger: typeof trigger === 'string' ? trigger : null };
}

/**
 * Adds a rescan. Mode 'replace' moves a waiting one and never interrupts a running one (its job
 * id is then null). 'unsafe_dedupe' is avoided on purpose: a permanently failed job would block
 * every later rescan.
 */
export async function queueRescan(deps: Pick<Deps, 'jobs'>, payload: RescanPayload, runAt?: Date) {
  return deps.jobs.add(RESCAN_TASK, payload, { jobKey: RESCAN_KEY, jobKeyMode: 'replace', maxAttempts: 8, runAt, keepPayload: true });
}

/** Adds a rescan unless one is running: true when it was added. */
export async function requestRescan(deps: Pick<Deps, 'db' | 'jobs'>, payload: RescanPayload): Promise<boolean> {
  if (await rescanRunning(deps.db)) return false;
  const job = await queueRescan(deps, payload);
  return job.id !== null;
}

/** Runs `fn` holding the rescan lock; false (and `fn` not run) when another rescan holds it. */
export async function withRescanLock(deps: Pick<Deps, 'db'>, fn: () => Promise<void>): Promise<boolean> {
  return deps.db.connect(async (conn) => {
    const got = await conn.oneFirst(sql.type(z.object({ ok: z.boolean() }))`select pg_try_advisory_lock(${LOCK_ID}) as ok`);
    if (!got) return false;
    try {
      await fn();
    } finally {
      await conn.query(sql.unsafe`select pg_advisory_unlock(${LOCK_ID})`);
    }
    return true;
  });
}
