import type pg from 'pg';
import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

/**
 * The `worker_pools` table and the session advisory lock each pool holds (worker/pools.ts holds
 * the logic). A pool's lock is held on a plain `pg.Client` of its own, outside the slonik pool, so
 * that it lives exactly as long as that connection: those queries take the client.
 */

const lockKey = (id: string) => `worker_pool:${id}`;

/** Takes the pool's lock on its own connection (held until that connection ends). */
export const lockPool = (client: pg.Client, id: string) => client.query('select pg_advisory_lock(hashtextextended($1, 0))', [lockKey(id)]);

export const registerPool = (client: pg.Client, p: { id: string; hostname: string; pid: number }) =>
  client.query('insert into worker_pools (id, hostname, pid) values ($1, $2, $3) on conflict (id) do nothing', [p.id, p.hostname, p.pid]);

export const forgetPool = (client: pg.Client, id: string) => client.query('delete from worker_pools where id = $1', [id]);

/**
 * The pools whose lock is free, locked now by `c` (a live pool's lock is held by its own
 * connection: the try fails for it). Call `unlockPools` on the same connection afterwards.
 */
export const lockDeadPools = (c: Conn) =>
  c.anyFirst(sql.type(z.object({ id: z.string() }))`select id from worker_pools
      where pg_try_advisory_lock(hashtextextended('worker_pool:' || id, 0))`);

/** Frees the job rows these pools had locked (Graphile Worker's own function). */
export const forceUnlockWorkers = (c: Conn, ids: readonly string[]) =>
  c.query(sql.unsafe`select graphile_worker.force_unlock_workers(${sql.array(ids, 'text')})`);

export const deletePools = (c: Conn, ids: readonly string[]) =>
  c.query(sql.unsafe`delete from worker_pools where id = any(${sql.array(ids, 'text')})`);

export const unlockPools = (c: Conn, ids: readonly string[]) =>
  c.query(sql.unsafe`select pg_advisory_unlock(hashtextextended('worker_pool:' || id, 0)) from unnest(${sql.array(ids, 'text')}) as id`);
