import { z } from 'zod';
import { sql } from '../../backend/src/db/pool.js';
import type { TestServer } from '../helpers/server.js';

const JobRow = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  task_identifier: z.string(),
  run_at: z.date(),
  locked_at: z.date().nullable(),
  attempts: z.number(),
  payload: z.unknown(),
});

/** The waiting/running Graphile Worker jobs with this key (what the scheduler really scheduled). */
export const jobsByKey = (srv: TestServer, key: string) =>
  srv.deps.db.any(sql.type(JobRow)`select j.id, t.identifier as task_identifier, j.run_at, j.locked_at, j.attempts, j.payload
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    where j.key = ${key} and j.attempts < j.max_attempts order by j.id`);

export const jobsByTask = (srv: TestServer, task: string) =>
  srv.deps.db.any(sql.type(JobRow)`select j.id, t.identifier as task_identifier, j.run_at, j.locked_at, j.attempts, j.payload
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = ${task} order by j.id`);

/** Wall-clock weekday and HH:MM of an instant in a time zone. */
export function localWhen(iso: string, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(iso),
  );
}
