import os from 'node:os';
import pg from 'pg';
import type { Db } from '../db/pool.js';
import type { Logger } from '../log.js';
import * as repo from './poolsRepo.js';

/**
 * Which Graphile Worker pools are alive. Each worker process registers its pool in `worker_pools`
 * and holds a session advisory lock on it on a connection of its own; the lock vanishes with that
 * connection when the process dies (SIGKILL, a crash, a lost machine once TCP gives up). Any
 * worker process frees the job rows locked by pools whose lock is free (Graphile's
 * `force_unlock_workers`), so their jobs run again instead of waiting out Graphile's 4 h expiry.
 */
export class PoolLiveness {
  private client: pg.Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private url: string,
    readonly poolId: string,
    private log: Logger,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('error', (err) => this.log.warn({ err: err.message }, 'worker pool registration connection lost'));
    client.on('end', () => {
      if (this.client === client) this.client = null;
      if (!this.stopped) this.schedule(1000);
    });
    try {
      await client.connect();
      await repo.lockPool(client, this.poolId);
      await repo.registerPool(client, { id: this.poolId, hostname: os.hostname(), pid: process.pid });
      this.client = client;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (this.stopped) return;
      this.log.warn({ err: (err as Error).message }, 'could not register the worker pool; retrying');
      this.schedule(2000);
    }
  }

  private schedule(ms: number) {
    if (this.retry || this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, ms);
    this.retry.unref();
  }

  /** After the runner stopped (its jobs released): the pool is forgotten. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    if (!c) return;
    await repo.forgetPool(c, this.poolId).catch(() => undefined);
    await c.end().catch(() => undefined);
  }
}

/** Frees the jobs locked by pools that are gone and forgets those pools; answers their ids. */
export async function freeDeadPools(db: Db, log: Logger): Promise<string[]> {
  return db.connect(async (c) => {
    // a live pool's lock is held by its own connection: the try fails for it
    const dead = [...(await repo.lockDeadPools(c))];
    if (dead.length === 0) return [];
    try {
      await repo.forceUnlockWorkers(c, dead);
      await repo.deletePools(c, dead);
    } finally {
      await repo.unlockPools(c, dead);
    }
    log.warn({ pools: dead }, 'freed the jobs left locked by worker processes that are gone');
    return dead;
  });
}
