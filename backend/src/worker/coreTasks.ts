import type { Deps } from '../deps.js';
import type { TaskFactory } from './types.js';
import { pruneRefreshSessions, pruneRevocations } from '../auth/repo.js';
import { LoginThrottle } from '../auth/throttle.js';
import { pruneHistory } from '../history/service.js';
import { freeDeadPools } from './pools.js';
import { pruneFailedJobs, prunePayloads } from './repo.js';

/**
 * Frees jobs left locked by worker processes that are gone; prunes expired token revocations and login sessions, old login failures, old
 * finished Graphile Worker jobs and history beyond its retention.
 */
export const tasks: TaskFactory = (deps: Pick<Deps, 'clock' | 'db' | 'env' | 'log' | 'sessions' | 'settings'>) => ({
  housekeeping: async () => {
    const { db, sessions, log } = deps;
    await freeDeadPools(db, log);
    await pruneRevocations(db);
    await pruneRefreshSessions(db);
    sessions.prune();
    await new LoginThrottle(db, deps.env.AUTH_RATE_LIMIT).prune();
    // permanently failed jobs older than 14 days
    const prunedJobs = await pruneFailedJobs(db, 14);
    await prunePayloads(db);
    const prunedHistory = await pruneHistory(deps);
    log.info({ pruned_jobs: prunedJobs, pruned_history: prunedHistory }, 'housekeeping done');
  },
});
