import { z } from 'zod';
import type { TaskFactory } from '../worker/types.js';
import { NotifyEvent } from './event.js';
import { deliver, SEND_TASK } from './service.js';

const SendPayload = z.object({ channel_id: z.string(), event: NotifyEvent });

export const tasks: TaskFactory = (deps) => ({
  [SEND_TASK]: async (payload) => {
    const p = SendPayload.parse(payload);
    await deliver(deps, p.channel_id, p.event);
  },
});
