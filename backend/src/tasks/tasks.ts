import { z } from 'zod';
import type { TaskFactory } from '../worker/types.js';
import { runScheduledBackup } from '../backup/schedule.js';

const Payload = z.object({ scheduled: z.boolean().default(false) }).passthrough();

export const tasks: TaskFactory = (deps) => ({
  config_backup: async (payload) => runScheduledBackup(deps, Payload.parse(payload ?? {}).scheduled),
});
