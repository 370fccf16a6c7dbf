import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

/** The `task_runs` table: the Tasks view's record of each tracked task's last run (scheduler/taskRuns.ts records them). */

export const TaskRun = z.object({
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

export const runStarted = (c: Conn, name: string) =>
  c.query(sql.unsafe`insert into task_runs (name, running, started_at)
  values (${name}, true, now()) on conflict (name) do update set running = true, started_at = now()`);

/** Records the end of a run (`error` null: it succeeded); answers how long it took. */
export const runFinished = (c: Conn, name: string, error: string | null) =>
  c.oneFirst(sql.type(z.object({ duration_ms: z.number().nullable() }))`insert into task_runs
  (name, running, started_at, finished_at, duration_ms, outcome, error, runs)
  values (${name}, false, now(), now(), 0, ${error ? 'failed' : 'success'}, ${error}, 1)
  on conflict (name) do update set running = false, finished_at = now(),
    duration_ms = greatest(0, (extract(epoch from now() - coalesce(task_runs.started_at, now())) * 1000)::int),
    outcome = excluded.outcome, error = excluded.error, runs = task_runs.runs + 1
  returning duration_ms`);
