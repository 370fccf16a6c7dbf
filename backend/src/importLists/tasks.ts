import type { TaskFactory } from '../worker/types.js';
import { SYNC_TASK, syncAll } from './service.js';

export const tasks: TaskFactory = (deps) => ({
  [SYNC_TASK]: async () => {
    await syncAll(deps);
  },
});
