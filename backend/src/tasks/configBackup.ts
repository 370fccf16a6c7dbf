import type { Deps } from '../deps.js';
import { createBackup, pruneBackups } from '../settings/backups.js';
import { nextDailyRun } from '../scheduler/nextRun.js';
import { keyedJob } from '../scheduler/repo.js';
import { timeZone } from '../scheduler/service.js';

/** The weekly configuration backup: Sundays at 03:30 server time, while `backup.enabled` is on. */
export const BACKUP_JOB = 'config_backup';
const WEEKLY = { time: '03:30', days: ['sun'] };

export function nextBackupRun(deps: Deps): Date | null {
  if (!deps.settings.get().backup.enabled) return null;
  return nextDailyRun(deps.clock.now(), WEEKLY.time, WEEKLY.days, timeZone(deps));
}

export async function applyBackupSchedule(deps: Deps): Promise<void> {
  const next = nextBackupRun(deps);
  if (next) await deps.jobs.add(BACKUP_JOB, { scheduled: true }, { jobKey: BACKUP_JOB, runAt: next, maxAttempts: 3 });
  else await deps.jobs.remove(BACKUP_JOB);
}

/** At start-up keep a waiting backup job (an overdue one runs once now), else schedule one. */
export async function ensureBackupSchedule(deps: Deps): Promise<void> {
  const job = await keyedJob(deps.db, BACKUP_JOB);
  if (job && deps.settings.get().backup.enabled) return;
  await applyBackupSchedule(deps);
}

/** Writes a backup and keeps the newest `backup.keep_count`; a scheduled run also schedules the next one. */
export async function runConfigBackup(deps: Deps, scheduled: boolean): Promise<void> {
  const { settings } = deps;
  const name = await createBackup(settings.backupsDir, settings.file, deps.clock.now());
  const removed = await pruneBackups(settings.backupsDir, settings.get().backup.keep_count);
  deps.log.info({ module: 'tasks', backup: name, removed }, 'configuration backed up');
  if (scheduled) await applyBackupSchedule(deps);
}

export function watchBackupConfig(deps: Deps): () => void {
  let last = deps.settings.get().backup.enabled;
  return deps.settings.onChange((cfg) => {
    if (cfg.backup.enabled === last) return;
    last = cfg.backup.enabled;
    applyBackupSchedule(deps).catch((err) => deps.log.error({ err, module: 'tasks' }, 'could not schedule the config backup'));
  });
}
