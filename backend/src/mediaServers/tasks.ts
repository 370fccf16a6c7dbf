import type { Deps } from '../deps.js';
import type { TaskFactory } from '../worker/types.js';
import { JOB_PAYLOADS } from '../worker/jobs.js';
import { REFRESH_TASK, runRefresh } from './service.js';

const Payload = JOB_PAYLOADS.media_refresh;

export const tasks: TaskFactory = (deps: Pick<Deps, 'db' | 'log' | 'outbound' | 'settings'>) => ({
  [REFRESH_TASK]: async (payload) => runRefresh(deps, Payload.parse(payload).server_id),
});
