import type { Deps } from '../deps.js';
import { nextDailyRun } from '../scheduler/nextRun.js';
import { RecurringJob } from '../worker/recurring.js';
import { timeZone } from '../scheduler/service.js';
import type { TaskSchedule, TaskView } from '../scheduler/taskViews.js';
import { createBackup, pruneBackups, type BackupCtx } from './service.js';

/**
 * The scheduled backup: daily or weekly (`backup.frequency`, `backup.weekday`) at `backup.time`
 * server time while `backup.enabled`; after each, `keep_days`/`keep_count` are applied.
 */
export const BACKUP = new RecurringJob('config_backup');
const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** What planning the backup job needs: its settings, the server time zone, the clock and the job queue. */
export type BackupScheduleCtx = Pick<Deps, 'settings' | 'env' | 'clock' | 'jobs'>;

export function backupScheduleText(deps: Pick<Deps, 'settings'>): string {
  const b = deps.settings.get().backup;
  if (!b.enabled) return 'off (backup.enabled is false)';
  return b.frequency === 'daily' ? `daily at ${b.time}` : `weekly, ${b.weekday} at ${b.time}`;
}

export function backupSchedule(deps: Pick<Deps, 'settings'>): TaskSchedule {
  const b = deps.settings.get().backup;
  if (!b.enabled) return { code: 'backup_off' };
  return b.frequency === 'daily' ? { code: 'daily_at', time: b.time } : { code: 'weekly_at', weekday: b.weekday, time: b.time };
}

export function nextBackupRun(deps: Pick<Deps, 'settings' | 'env' | 'clock'>): Date | null {
  const b = deps.settings.get().backup;
  if (!b.enabled) return null;
  return nextDailyRun(deps.clock.now(), b.time, b.frequency === 'daily' ? ALL_DAYS : [b.weekday], timeZone(deps));
}

const fingerprint = (deps: Pick<Deps, 'settings' | 'env'>) => {
  const b = deps.settings.get().backup;
  return [b.enabled, b.frequency, b.weekday, b.time, timeZone(deps)].join('|');
};

export async function applyBackupSchedule(deps: BackupScheduleCtx): Promise<void> {
  await BACKUP.plan(deps, nextBackupRun(deps), { scheduled: true, fingerprint: fingerprint(deps) });
}

/** At start-up keep a waiting job of the same schedule (an overdue one runs once now), else schedule one. */
export async function ensureBackupSchedule(deps: BackupScheduleCtx & Pick<Deps, 'db'>): Promise<void> {
  const fp = fingerprint(deps);
  await BACKUP.ensure(
    deps.db,
    (p) => deps.settings.get().backup.enabled && p?.fingerprint === fp,
    () => applyBackupSchedule(deps),
  );
}

/** The task (on time, or run early from the Tasks page): a scheduled backup, retention, and the next run. */
export async function runScheduledBackup(deps: BackupScheduleCtx & BackupCtx, scheduled: boolean): Promise<void> {
  const b = deps.settings.get().backup;
  await createBackup(deps, { kind: 'scheduled', includeSecrets: b.include_secrets });
  await pruneBackups(deps);
  if (scheduled) await applyBackupSchedule(deps);
}

export function watchBackupConfig(deps: BackupScheduleCtx & Pick<Deps, 'log'>): () => void {
  let last = fingerprint(deps);
  return deps.settings.onChange(() => {
    const now = fingerprint(deps);
    if (now === last) return;
    last = now;
    applyBackupSchedule(deps).catch((err) => deps.log.error({ err, module: 'backup' }, 'could not schedule the backup'));
  });
}

/** The backup in the Tasks view (scheduler/taskViews.ts). */
export const backupTaskView: TaskView = {
  name: 'config_backup',
  identifier: BACKUP.task,
  title: 'Backup',
  description: 'Backs up the configuration and the database; removes scheduled backups beyond backup.keep_days and backup.keep_count',
  schedule: backupScheduleText,
  scheduleInfo: backupSchedule,
  nextRun: (deps) => BACKUP.nextRun(deps.db),
  runNow: async (deps) => {
    await deps.jobs.add(BACKUP.task, { scheduled: false }, { maxAttempts: 1 });
  },
};
