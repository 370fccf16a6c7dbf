import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import {
  run,
  parseCrontab,
  type Runner,
  type LogFunctionFactory,
  type Task,
  type WorkerEvents,
  Logger as WorkerLogger,
} from 'graphile-worker';
import type { Deps } from '../deps.js';
import { isDbUnreachable } from '../db/availability.js';
import type { Logger } from '../log.js';
import { buildCrontab } from './crontab.js';
import { freeDeadPools, PoolLiveness } from './pools.js';

export interface WorkerHandle {
  runner: Runner;
  /** Stops taking jobs, lets running ones finish (or stop at their abort signal), closes the pool. */
  stop(): Promise<void>;
}

/**
 * A pool whose `connect()` waits for an unreachable database instead of failing: Graphile Worker
 * records a job's success or failure without awaiting it, so a refused connection there would be
 * an unhandled rejection (the process would exit) and the job's outcome lost. Waiting, the outcome
 * is written once PostgreSQL is back, and the runner's polling simply pauses meanwhile.
 */
class PatientPool extends pg.Pool {
  private closing = false;
  constructor(
    config: pg.PoolConfig,
    private readonly waitLog: Logger,
    /** A stop asked for while the process starts: the wait ends (the start-up then stops). */
    private readonly stopping?: AbortSignal,
  ) {
    super(config);
  }

  // the promise form (Graphile's); pg's own callback form (pool.query) keeps its behaviour
  connect(): Promise<pg.PoolClient>;
  connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | void {
    if (callback) return super.connect(callback);
    return this.patientConnect();
  }

  private async patientConnect(): Promise<pg.PoolClient> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await super.connect();
      } catch (err) {
        if (this.closing || this.stopping?.aborted || !isDbUnreachable(err)) throw err;
        if (attempt === 0) this.waitLog.warn({ err: (err as Error).message }, 'worker waits for the database');
        await sleep(Math.min(5000, 250 * 2 ** attempt), undefined, { signal: this.stopping });
      }
    }
  }

  async end(): Promise<void> {
    this.closing = true;
    await super.end();
  }
}

/** Starts the Graphile Worker runner in this process with every domain's tasks. */
/** Runs `taskList` (every domain's tasks, assembled by the composition root: worker/taskList.ts). */
export async function startWorker(
  deps: Pick<Deps, 'db' | 'env' | 'log'>,
  url: string,
  taskList: Record<string, Task>,
  stopping?: AbortSignal,
): Promise<WorkerHandle> {
  const log = deps.log.child({ module: 'worker' });
  const logFactory: LogFunctionFactory = (scope) => (level, message, meta) => {
    const lvl = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
    log[lvl]({ scope: { label: scope.label, taskIdentifier: scope.taskIdentifier, jobId: scope.jobId }, meta }, message);
  };
  // Our own pool, so a connection the server drops (restart, shutdown) is logged, never an
  // unhandled 'error' event that would bring the process down.
  const pool = new PatientPool({ connectionString: url, max: deps.env.WORKER_CONCURRENCY + 2 }, log, stopping);
  const lost = (err: Error) => log.warn({ err: err.message }, 'worker database connection lost');
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));
  // the pool's id (what Graphile writes into jobs.locked_by) is only told through this event
  const events: WorkerEvents = new EventEmitter();
  let poolId: string | null = null;
  events.once('pool:create', ({ workerPool }) => {
    poolId = workerPool.id;
  });
  // a failed start (the database away) leaves no pool behind: the caller may try again
  const runner = await run({
    events,
    pgPool: pool,
    concurrency: deps.env.WORKER_CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList,
    parsedCronItems: parseCrontab(buildCrontab()),
    logger: new WorkerLogger(logFactory),
  }).catch(async (err: unknown) => {
    await pool.end().catch(() => undefined);
    throw err;
  });
  const liveness = poolId ? new PoolLiveness(url, poolId, log) : null;
  await liveness?.start();
  // jobs locked by worker processes that died (SIGKILL, a crash) run again: checked now and every 10 s
  const freeDead = () =>
    freeDeadPools(deps.db, log).catch((err) =>
      log.warn({ err: (err as Error).message }, 'could not check for worker processes that are gone'),
    );
  await freeDead();
  const timer = setInterval(() => void freeDead(), 10_000);
  timer.unref();
  log.info({ tasks: Object.keys(taskList), concurrency: deps.env.WORKER_CONCURRENCY, pool: poolId }, 'worker started');
  return {
    runner,
    stop: async () => {
      clearInterval(timer);
      // graceful: running jobs finish or are released (unlocked) by Graphile before this returns
      await runner.stop();
      await liveness?.stop();
      await pool.end();
    },
  };
}
