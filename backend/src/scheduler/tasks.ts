import type { TaskFactory } from '../worker/types.js';
import { runScheduledRescan, type ScheduleCtx } from './service.js';

export const tasks: TaskFactory = (deps: ScheduleCtx) => ({
  scheduled_rescan: async () => runScheduledRescan(deps),
});
