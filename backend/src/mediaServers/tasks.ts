import { z } from 'zod';
import type { TaskFactory } from '../worker/types.js';
import { REFRESH_TASK, runRefresh } from './service.js';

const Payload = z.object({ server_id: z.string() });

export const tasks: TaskFactory = (deps) => ({
  [REFRESH_TASK]: async (payload) => runRefresh(deps, Payload.parse(payload).server_id),
});
