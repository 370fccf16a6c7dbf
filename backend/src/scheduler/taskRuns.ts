import type { EventEmitter } from 'node:events';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { runFinished, runStarted } from './taskRunsRepo.js';

/** Graphile task identifier → the Tasks view entry its runs are recorded under. */
export const TRACKED: Record<string, string> = {
  library_rescan: 'rescan',
  watchlist_check_all: 'watchlist_check',
  housekeeping: 'housekeeping',
  config_backup: 'config_backup',
};

interface JobEvent {
  job: { task_identifier: string };
  error?: unknown;
}

/**
 * Records start, duration and outcome of the tracked tasks from the worker's job events and
 * announces them in the 'tasks' room (task_started, task_complete, task_failed).
 */
export function trackTaskRuns(deps: Pick<Deps, 'bus' | 'db' | 'log'>, events: EventEmitter): void {
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
        await runStarted(deps.db, task);
        deps.bus.emit('tasks', 'task_started', { task });
      });
  });
  events.on('job:success', ({ job }: JobEvent) => {
    const task = TRACKED[job.task_identifier];
    if (task)
      record(async () => {
        const duration_ms = await runFinished(deps.db, task, null);
        deps.bus.emit('tasks', 'task_complete', { task, duration_ms });
      });
  });
  events.on('job:error', ({ job, error }: JobEvent) => {
    const task = TRACKED[job.task_identifier];
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    if (task)
      record(async () => {
        const duration_ms = await runFinished(deps.db, task, message);
        deps.bus.emit('tasks', 'task_failed', {
          task,
          duration_ms,
          error: message,
          code: error instanceof AppError ? error.code : 'TASK_FAILED',
        });
      });
  });
}
