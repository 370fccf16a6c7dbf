import type { TaskFactory } from '../worker/types.js';
import { REFRESH_TASK, refreshCalendar } from './refresh.js';

export const tasks: TaskFactory = (deps) => ({
  [REFRESH_TASK]: async () => {
    await refreshCalendar(deps);
  },
});
