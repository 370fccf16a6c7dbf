import type { Deps } from '../deps.js';
import { Conflict, NotFound } from '../errors.js';
import { buildCrontab } from '../worker/crontab.js';
import { nextDailyRun } from './nextRun.js';
import { taskRunning } from '../worker/repo.js';
import { SCHEDULE, startRescan } from './service.js';
import { TRACKED } from './taskRuns.js';
import { listRuns, type TaskRun } from './taskRunsRepo.js';
import type { ScheduleCode } from './scheduleCodes.js';

/**
 * One task of the Tasks view. The scheduler defines the rescan and housekeeping views; the backup
 * and the watchlist define theirs beside their schedules, and the composition root (app.ts) lists
 * them all for the routes (taskRoutes.ts), in the order the view shows them.
 */
/** What the views may use (a view that needs more adds the field here). */
export type TaskViewCtx = Pick<Deps, 'clock' | 'db' | 'env' | 'jobs' | 'settings'>;

/**
 * A task's schedule as a code and its figures, for the UI to say in the user's language (`schedule` is
 * the same in an English sentence). `days`/`weekday`: mon … sun; `time`: HH:MM (server time, UTC for
 * `daily_at_utc`).
 */
export interface TaskSchedule {
  code: ScheduleCode;
  time?: string;
  days?: string[];
  minutes?: number;
  weekday?: string;
}

export interface TaskView {
  name: string;
  identifier: string;
  title: string;
  description: string;
  schedule(deps: TaskViewCtx): string;
  scheduleInfo(deps: TaskViewCtx): TaskSchedule;
  nextRun(deps: TaskViewCtx): Promise<Date | null>;
  runNow(deps: TaskViewCtx): Promise<void>;
}

const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Graphile Worker's crontab runs in UTC: "M H * * * task" lines give a daily UTC time. */
function cronDailyTime(identifier: string): string | null {
  const line = buildCrontab()
    .split('\n')
    .find((l) => l.trim().split(/\s+/)[5] === identifier);
  const m = line && /^(\d{1,2})\s+(\d{1,2})\s+\*\s+\*\s+\*\s/.exec(line.trim());
  return m ? `${m[2].padStart(2, '0')}:${m[1].padStart(2, '0')}` : null;
}

export const rescanView: TaskView = {
  name: 'rescan',
  identifier: 'library_rescan',
  title: 'Library rescan',
  description: 'Scans the anime folder and the providers for missing episodes (auto-downloads them when configured)',
  schedule: (deps) => {
    const s = deps.settings.get().scheduler;
    if (!s.enabled) return 'off';
    return s.schedule_time ? `${s.schedule_time} on ${s.schedule_days.join(', ') || 'no days'}` : `every ${s.interval_minutes} min`;
  },
  scheduleInfo: (deps) => {
    const s = deps.settings.get().scheduler;
    if (!s.enabled) return { code: 'off' };
    return s.schedule_time
      ? { code: 'days_at', time: s.schedule_time, days: [...s.schedule_days] }
      : { code: 'every_minutes', minutes: s.interval_minutes };
  },
  nextRun: (deps) => SCHEDULE.nextRun(deps.db),
  runNow: async (deps) => {
    const { started, message } = await startRescan(deps, 'manual', deps.settings.get().scheduler.auto_download_after_rescan);
    if (!started) throw new Conflict(message);
  },
};

export const housekeepingView: TaskView = {
  name: 'housekeeping',
  identifier: 'housekeeping',
  title: 'Housekeeping',
  description: 'Prunes expired token revocations and old failed jobs',
  schedule: () => {
    const t = cronDailyTime('housekeeping');
    return t ? `daily at ${t} UTC` : 'crontab';
  },
  scheduleInfo: () => {
    const t = cronDailyTime('housekeeping');
    return t ? { code: 'daily_at_utc', time: t } : { code: 'crontab' };
  },
  nextRun: async (deps) => {
    const t = cronDailyTime('housekeeping');
    return t ? nextDailyRun(deps.clock.now(), t, ALL_DAYS, 'UTC') : null;
  },
  runNow: async (deps) => {
    await deps.jobs.add('housekeeping', {}, { jobKey: 'housekeeping_now', maxAttempts: 1 });
  },
};

/** The views are the tasks whose runs are recorded (taskRuns.ts TRACKED): throws when the two differ. */
export function checkViews(views: readonly TaskView[]): void {
  for (const v of views) if (TRACKED[v.identifier] !== v.name) throw new Error(`task view ${v.name} is not tracked`);
  const named = new Set(views.map((v) => v.name));
  for (const name of Object.values(TRACKED)) if (!named.has(name)) throw new Error(`tracked task ${name} has no view`);
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function listTasks(deps: TaskViewCtx, views: readonly TaskView[]) {
  const runs = new Map<string, TaskRun>((await listRuns(deps.db)).map((r) => [r.name, r]));
  return Promise.all(
    views.map(async (v) => {
      const run = runs.get(v.name);
      return {
        name: v.name,
        title: v.title,
        description: v.description,
        schedule: v.schedule(deps),
        schedule_info: v.scheduleInfo(deps),
        running: await taskRunning(deps.db, v.identifier),
        last_run: iso(run?.started_at ?? null),
        last_finished: iso(run?.finished_at ?? null),
        duration_ms: run?.duration_ms ?? null,
        outcome: run?.outcome ?? null,
        error: run?.error ?? null,
        runs: run?.runs ?? 0,
        next_run: iso(await v.nextRun(deps)),
      };
    }),
  );
}

export async function runTask(deps: TaskViewCtx, views: readonly TaskView[], name: string): Promise<void> {
  const view = views.find((v) => v.name === name);
  if (!view) throw new NotFound(`No task '${name}'`, { available: views.map((v) => v.name) });
  await view.runNow(deps);
}
