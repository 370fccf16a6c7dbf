import type { TaskFactory } from '../worker/types.js';
import { runScheduledRescan } from './service.js';

export const tasks: TaskFactory = (deps) => ({
  scheduled_rescan: async () => runScheduledRescan(deps),
});
