import type { EventEmitter } from 'node:events';
import type { Deps } from '../deps.js';
import { ensureSchedule, watchSchedulerConfig } from './service.js';
import { ensureBackupSchedule, watchBackupConfig } from '../backup/schedule.js';
import { ensureWatchSchedule } from '../watchlist/scheduler.js';
import { trackTaskRuns } from './taskRuns.js';

/**
 * Called once by a worker process at start-up: makes sure the keyed schedule jobs exist (an
 * overdue one runs once, now), follows config changes, and records task
 * runs for the Tasks view.
 */
export async function startSchedules(deps: Deps, workerEvents: EventEmitter): Promise<() => void> {
  trackTaskRuns(deps, workerEvents);
  await ensureSchedule(deps);
  await ensureBackupSchedule(deps);
  await ensureWatchSchedule(deps);
  const offs = [watchSchedulerConfig(deps), watchBackupConfig(deps)];
  return () => offs.forEach((off) => off());
}
