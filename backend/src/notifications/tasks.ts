import type { TaskFactory } from '../worker/types.js';
import { JOB_PAYLOADS } from '../worker/jobs.js';
import { deliver, SEND_TASK } from './service.js';

const SendPayload = JOB_PAYLOADS.notify_send;

export const tasks: TaskFactory = (deps) => ({
  [SEND_TASK]: async (payload) => {
    const p = SendPayload.parse(payload);
    await deliver(deps, p.channel_id, p.event);
  },
});
