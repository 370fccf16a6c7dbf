import type { EventEmitter } from 'node:events';
import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';

/** Graphile task identifier → the Tasks view entry its runs are recorded under. */
export const TRACKED: Record<string, string> = {
  library_rescan: 'rescan',
  watchlist_check_all: 'watchlist_check',
  housekeeping: 'housekeeping',
  config_backup: 'config_backup',
};

const TaskRun = z.object({
  name: z.string(),
  running: z.boolean(),
  started_at: z.date().nullable(),
  finished_at: z.date().nullable(),
  duration_ms: z.number().nullable(),
  outcome: z.enum(['success', 'failed']).nullable(),
  error: z.string().nullable(),
  runs: z.number(),
});
export type TaskRun = z.infer<typeof TaskRun>;

export const listRuns = (c: Conn) => c.any(sql.type(TaskRun)`select * from task_runs`);

const started = (c: Conn, name: string) =>
  c.query(sql.unsafe`insert into task_runs (name, running, started_at)
  values (${name}, true, now()) on conflict (name) do update set running = true, started_at = now()`);

const finished = (c: Conn, name: string, error: string | null) =>
  c.oneFirst(sql.type(z.object({ duration_ms: z.number().nullable() }))`insert into task_runs
  (name, running, started_at, finished_at, duration_ms, outcome, error, runs)
  values (${name}, false, now(), now(), 0, ${error ? 'failed' : 'success'}, ${error}, 1)
  on conflict (name) do update set running = false, finished_at = now(),
    duration_ms = greatest(0, (extract(epoch from now() - coalesce(task_runs.started_at, now())) * 1000)::int),
    outcome = excluded.outcome, error = excluded.error, runs = task_runs.runs + 1
  returning duration_ms`);

interface JobEvent {
  job: { task_identifier: string };
  error?: unknown;
}

/**
 * Records start, duration and outcome of the tracked tasks from the worker's job events and
 * announces them in the 'tasks' room (task_started, task_complete, task_failed).
 */
export function trackTaskRuns(deps: Deps, events: EventEmitter): void {
  const log = deps.log.child({ module: 'tasks' });
  // One write at a time, in event order: a quick job's "finished" must not overtake its "started".
  let chain: Promise<unknown> = Promise.resolve();
  const record = (write: () => Promise<unknown>) => {
    chain = chain.then(write).catch((err) => log.warn({ err: (err as Error).message }, 'could not record a task run'));
  };
  events.on('job:start', ({ job }: JobEvent) => {
    const task = TRACKED[job.task_identifier];
    if (task)
      record(async () => {
        await started(deps.db, task);
        deps.bus.emit('tasks', 'task_started', { task });
      });
  });
  events.on('job:success', ({ job }: JobEvent) => {
    const task = TRACKED[job.task_identifier];
    if (task)
      record(async () => {
        const duration_ms = await finished(deps.db, task, null);
        deps.bus.emit('tasks', 'task_complete', { task, duration_ms });
      });
  });
  events.on('job:error', ({ job, error }: JobEvent) => {
    const task = TRACKED[job.task_identifier];
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    if (task)
      record(async () => {
        const duration_ms = await finished(deps.db, task, message);
        deps.bus.emit('tasks', 'task_failed', {
          task,
          duration_ms,
          error: message,
          code: error instanceof AppError ? error.code : 'TASK_FAILED',
        });
      });
  });
}
