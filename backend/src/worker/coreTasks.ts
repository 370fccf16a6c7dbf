import { sql } from '../db/pool.js';
import type { TaskFactory } from './types.js';
import { pruneRefreshSessions, pruneRevocations } from '../auth/repo.js';
import { LoginThrottle } from '../auth/throttle.js';
import { pruneHistory } from '../history/service.js';
import { freeDeadPools } from './pools.js';

/** Frees jobs left locked by worker processes that are gone; prunes expired token revocations and login sessions, old login failures, old finished Graphile Worker jobs and history beyond its retention. */
export const tasks: TaskFactory = (deps) => ({
  housekeeping: async () => {
    const { db, sessions, log } = deps;
    await freeDeadPools(db, log);
    await pruneRevocations(db);
    await pruneRefreshSessions(db);
    sessions.prune();
    await new LoginThrottle(db, deps.env.AUTH_RATE_LIMIT).prune();
    // permanently failed jobs older than 14 days
    const res = await db.query(sql.unsafe`delete from graphile_worker._private_jobs
      where attempts >= max_attempts and updated_at < now() - interval '14 days'`);
    const prunedHistory = await pruneHistory(deps);
    log.info({ pruned_jobs: res.rowCount, pruned_history: prunedHistory }, 'housekeeping done');
  },
});
