import { z } from 'zod';
import type { Deps } from '../deps.js';
import { getState, setState } from '../scheduler/repo.js';
import { RecurringJob } from '../worker/recurring.js';
import type { TaskView } from '../scheduler/taskViews.js';
import { dueItemIds } from './repo.js';
import { getSettings } from './settings.js';

/**
 * The watchlist scheduler: a job keyed `watchlist_check_all` that runs every
 * `check_interval_hours`, adds one check job per due item and schedules its successor.
 * Checks run in a few named queues, so at most CHECK_QUEUES run at once and one slow
 * provider never blocks the rest.
 */
export const WATCH_TASK = 'watchlist_check_all';
export const WATCH = new RecurringJob('watchlist_check_all');
export const CHECK_TASK = 'watchlist_check_item';
export const CHECK_QUEUES = 3;
const STATE_KEY = 'watchlist_scheduler';
const HOUR = 3_600_000;

/** What (re)planning the scheduler's next run needs. */
type WatchScheduleCtx = Pick<Deps, 'db' | 'jobs' | 'clock'>;

const State = z.object({
  running: z.boolean().default(true),
  last_run: z.string().nullable().default(null),
});

export const schedulerState = (deps: Pick<Deps, 'db'>) => getState(deps.db, STATE_KEY, State);

function queueFor(itemId: string): string {
  let h = 0;
  for (const ch of itemId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `watchlist_check_${h % CHECK_QUEUES}`;
}

/** Adds a check job for an item (deduplicated per item). */
export async function queueCheck(deps: Pick<Deps, 'jobs'>, itemId: string): Promise<void> {
  await deps.jobs.add(
    CHECK_TASK,
    { item_id: itemId },
    { jobKey: `watchlist_check:${itemId}`, queueName: queueFor(itemId), maxAttempts: 1 },
  );
}

/** Queues a check of every due item (of one user, or all); returns how many. */
export async function queueDueChecks(deps: Pick<Deps, 'db' | 'jobs'>, userId: number | null): Promise<number> {
  const s = await getSettings(deps);
  const ids = await dueItemIds(deps.db, s.check_interval_hours, s.include_completed_anime, userId);
  for (const id of ids) await queueCheck(deps, id);
  return ids.length;
}

export async function applyWatchSchedule(deps: WatchScheduleCtx): Promise<Date | null> {
  const state = await schedulerState(deps);
  if (!state.running) {
    await WATCH.plan(deps, null, { scheduled: true });
    return null;
  }
  const { check_interval_hours } = await getSettings(deps);
  const now = deps.clock.now().getTime();
  const base = state.last_run ? new Date(state.last_run).getTime() : now;
  const next = new Date(Math.max(now, base + check_interval_hours * HOUR));
  await WATCH.plan(deps, next, { scheduled: true });
  return next;
}

/** At start-up: keep the waiting job (an overdue one runs once now), else schedule one. */
export async function ensureWatchSchedule(deps: WatchScheduleCtx): Promise<void> {
  const state = await schedulerState(deps);
  await WATCH.ensure(
    deps.db,
    () => state.running,
    () => applyWatchSchedule(deps),
  );
}

/** The `watchlist_check_all` task. */
export async function runCheckAll(deps: WatchScheduleCtx & Pick<Deps, 'log'>, scheduled: boolean): Promise<void> {
  if (scheduled) {
    const state = await schedulerState(deps);
    if (!state.running) return;
    await setState(deps.db, STATE_KEY, { last_run: deps.clock.now().toISOString() });
  }
  const n = await queueDueChecks(deps, null);
  deps.log.info({ module: 'watchlist', queued: n }, 'watchlist check queued');
  if (scheduled) await applyWatchSchedule(deps);
}

export async function setRunning(deps: WatchScheduleCtx, running: boolean): Promise<void> {
  await setState(deps.db, STATE_KEY, { running });
  await applyWatchSchedule(deps);
}

export async function watchSchedulerStatus(deps: Pick<Deps, 'db'>) {
  const [state, job, settings] = await Promise.all([schedulerState(deps), WATCH.current(deps.db), getSettings(deps)]);
  return {
    running: state.running,
    next_run: state.running && job && !job.locked_at ? job.run_at.toISOString() : null,
    last_run: state.last_run,
    settings,
  };
}

/** The watchlist check in the Tasks view (scheduler/taskViews.ts). */
export const watchTaskView: TaskView = {
  name: 'watchlist_check',
  identifier: WATCH_TASK,
  title: 'Watchlist check',
  description: 'Checks the watchlist items that are due for new episodes',
  schedule: () => 'every check_interval_hours (watchlist settings) while the watchlist scheduler runs',
  scheduleInfo: () => ({ code: 'watchlist_interval' }),
  nextRun: (deps) => WATCH.nextRun(deps.db),
  runNow: async (deps) => {
    await deps.jobs.add(WATCH_TASK, { scheduled: false });
  },
};
