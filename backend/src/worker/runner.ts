import pg from 'pg';
import { run, parseCrontab, type Runner, type LogFunctionFactory, Logger as WorkerLogger } from 'graphile-worker';
import type { Deps } from '../deps.js';
import { buildTaskList, buildCrontab } from './taskList.js';

export interface WorkerHandle {
  runner: Runner;
  /** Stops taking jobs, lets running ones finish (or stop at their abort signal), closes the pool. */
  stop(): Promise<void>;
}

/** Starts the Graphile Worker runner in this process with every domain's tasks. */
export async function startWorker(deps: Deps, url: string): Promise<WorkerHandle> {
  const log = deps.log.child({ module: 'worker' });
  const logFactory: LogFunctionFactory = (scope) => (level, message, meta) => {
    const lvl = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
    log[lvl]({ scope: { label: scope.label, taskIdentifier: scope.taskIdentifier, jobId: scope.jobId }, meta }, message);
  };
  const taskList = buildTaskList(deps);
  // Our own pool, so a connection the server drops (restart, shutdown) is logged, never an
  // unhandled 'error' event that would bring the process down.
  const pool = new pg.Pool({ connectionString: url, max: deps.env.WORKER_CONCURRENCY + 2 });
  const lost = (err: Error) => log.warn({ err: err.message }, 'worker database connection lost');
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));
  const runner = await run({
    pgPool: pool,
    concurrency: deps.env.WORKER_CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList,
    parsedCronItems: parseCrontab(buildCrontab()),
    logger: new WorkerLogger(logFactory),
  });
  log.info({ tasks: Object.keys(taskList), concurrency: deps.env.WORKER_CONCURRENCY }, 'worker started');
  return {
    runner,
    stop: async () => {
      await runner.stop();
      await pool.end();
    },
  };
}
