import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { SchedulerConfig } from './configSchema.js';
import { nextRun, serverTimeZone } from './nextRun.js';
import { getState, setState } from './repo.js';
import { RecurringJob } from '../worker/recurring.js';
import { requestRescan, rescanRunning, runningRescan } from './rescanGuard.js';

/**
 * The rescan schedule: one Graphile Worker job keyed `scheduled_rescan` whose run_at is the next
 * due time. When it runs it starts `library_rescan` and adds its successor. Being one keyed job,
 * a run missed while the server was down runs once at start-up, never once per missed slot.
 */
export const SCHEDULE = new RecurringJob('scheduled_rescan');
const STATE_KEY = 'scheduler';

type Config = z.infer<typeof SchedulerConfig>;

/** What planning the rescan job needs (it also announces the new status in the scheduler room). */
export type ScheduleCtx = Pick<Deps, 'bus' | 'clock' | 'db' | 'env' | 'jobs' | 'log' | 'settings'>;

const State = z.object({
  last_run: z.string().nullable().default(null),
  last_outcome: z.string().nullable().default(null),
  runs: z.number().default(0),
});

export const timeZone = (deps: Pick<Deps, 'env'>) => serverTimeZone(deps.env.TZ);

/** What the job carries so a restart can tell whether it was scheduled from the same config. */
const fingerprint = (cfg: Config, tz: string) =>
  JSON.stringify([cfg.enabled, cfg.interval_minutes, cfg.schedule_time || '', [...cfg.schedule_days].sort(), tz]);

export async function schedulerState(deps: Pick<Deps, 'db'>) {
  return getState(deps.db, STATE_KEY, State);
}

/** (Re)schedules the keyed job from the current config; removes it when the schedule is off. */
export async function applySchedule(deps: ScheduleCtx, lastRun?: Date): Promise<Date | null> {
  const cfg = deps.settings.get().scheduler;
  const tz = timeZone(deps);
  const state = await schedulerState(deps);
  const last = lastRun ?? (state.last_run ? new Date(state.last_run) : null);
  const fp = fingerprint(cfg, tz);
  const next = await SCHEDULE.planFrom(deps, fp, () => nextRun(cfg, deps.clock.now(), tz, last), { fingerprint: fp });
  if (!next) deps.log.info({ module: 'scheduler' }, 'scheduled rescans are off');
  else deps.log.info({ module: 'scheduler', next_run: next.toISOString(), tz }, 'next scheduled rescan');
  deps.bus.emit('scheduler', 'scheduler_status', await schedulerStatus(deps));
  return next;
}

/**
 * At start-up: keep a waiting job scheduled from the same config (an overdue one then runs once,
 * now); otherwise schedule from the config.
 */
export async function ensureSchedule(deps: ScheduleCtx): Promise<void> {
  const cfg = deps.settings.get().scheduler;
  const fp = fingerprint(cfg, timeZone(deps));
  await SCHEDULE.ensure(
    deps.db,
    (p) => cfg.enabled && p?.fingerprint === fp,
    () => applySchedule(deps),
  );
}

export interface RescanRequest {
  started: boolean;
  message: string;
}

/** "A rescan is already running (started 14:03:07 UTC, trigger 'schedule')". */
async function alreadyRunning(deps: Pick<Deps, 'db'>): Promise<RescanRequest> {
  const job = await runningRescan(deps.db);
  const what = job
    ? ` (started ${job.started_at.toISOString().slice(11, 19)} UTC${job.trigger !== null ? `, trigger '${job.trigger}'` : ''})`
    : '';
  return { started: false, message: `A rescan is already running${what}` };
}

/** Adds a library rescan unless one is running (rescanGuard.ts). Any number of requests at once get an answer, never an error. */
export async function startRescan(deps: Pick<Deps, 'db' | 'jobs'>, trigger: string, autoDownload: boolean): Promise<RescanRequest> {
  if (!(await requestRescan(deps, { auto_download: autoDownload, trigger }))) return alreadyRunning(deps);
  return { started: true, message: 'Rescan started successfully' };
}

/** The `scheduled_rescan` task: start the rescan, record the run, schedule the next one. */
export async function runScheduledRescan(deps: ScheduleCtx): Promise<void> {
  const cfg = deps.settings.get().scheduler;
  if (!cfg.enabled) return;
  const now = deps.clock.now();
  const { started } = await startRescan(deps, 'schedule', cfg.auto_download_after_rescan);
  // the next run is scheduled before the outcome is recorded: a recorded run always has its successor
  await applySchedule(deps, now);
  const state = await schedulerState(deps);
  await setState(deps.db, STATE_KEY, {
    last_run: now.toISOString(),
    last_outcome: started ? 'rescan started' : 'skipped: a rescan was already running',
    runs: state.runs + 1,
  });
  if (!started) deps.log.warn({ module: 'scheduler' }, 'scheduled rescan skipped: a rescan is already running');
}

export async function schedulerStatus(deps: Pick<Deps, 'db' | 'env' | 'settings'>) {
  const cfg = deps.settings.get().scheduler;
  const [job, state, scanning] = await Promise.all([SCHEDULE.current(deps.db), schedulerState(deps), rescanRunning(deps.db)]);
  return {
    is_running: cfg.enabled && job !== null,
    next_run: cfg.enabled && job && !job.locked_at ? job.run_at.toISOString() : null,
    last_run: state.last_run,
    scan_in_progress: scanning,
    time_zone: timeZone(deps),
  };
}

/** Applies scheduler config changes (from any route or process) at once. */
export function watchSchedulerConfig(deps: ScheduleCtx): () => void {
  let last = JSON.stringify(deps.settings.get().scheduler);
  return deps.settings.onChange((cfg) => {
    const now = JSON.stringify(cfg.scheduler);
    if (now === last) return;
    last = now;
    applySchedule(deps).catch((err) => deps.log.error({ err, module: 'scheduler' }, 'could not apply the new schedule'));
  });
}
