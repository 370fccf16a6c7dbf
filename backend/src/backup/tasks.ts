import type { TaskFactory } from '../worker/types.js';
import { JOB_PAYLOADS } from '../worker/jobs.js';
import { runScheduledBackup, type BackupScheduleCtx } from './schedule.js';
import type { BackupCtx } from './service.js';
import { notifySafely } from '../notifications/service.js';

const Payload = JOB_PAYLOADS.config_backup;

export const tasks: TaskFactory = (deps: BackupScheduleCtx & BackupCtx) => ({
  config_backup: async (payload, helpers) => {
    try {
      await runScheduledBackup(deps, Payload.parse(payload ?? {}).scheduled);
    } catch (err) {
      // announced once, when the last attempt failed
      if (helpers.job.attempts >= helpers.job.max_attempts) {
        const error = (err as Error).message;
        await notifySafely(deps, 'backup_failed', { title: 'Configuration backup failed', message: error.slice(0, 1500), data: { error } });
      }
      throw err;
    }
  },
});
