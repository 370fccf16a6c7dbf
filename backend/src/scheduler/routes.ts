import { z } from 'zod';
import { route, ApiRouter } from '../http/route.js';
import { SchedulerConfig } from './configSchema.js';
import { applySchedule, schedulerStatus, startRescan, type ScheduleCtx } from './service.js';

const Status = z.object({
  is_running: z.boolean(),
  next_run: z.string().nullable(),
  last_run: z.string().nullable(),
  scan_in_progress: z.boolean(),
  time_zone: z.string(),
});
const Envelope = z.object({ success: z.boolean(), config: SchedulerConfig, status: Status });

export function schedulerRoutes(deps: ScheduleCtx): ApiRouter {
  const r = new ApiRouter();
  const tags = ['scheduler'];
  const envelope = async () => ({ success: true, config: deps.settings.get().scheduler, status: await schedulerStatus(deps) });

  route(
    r,
    {
      method: 'get',
      path: '/api/scheduler/config',
      access: 'user',
      summary: 'Scheduler configuration and runtime status',
      tags,
      responses: { 200: Envelope },
    },
    envelope,
  );

  // As in the reference: the body is a SchedulerConfig, fields left out take the model defaults.
  route(
    r,
    {
      method: 'post',
      path: '/api/scheduler/config',
      access: 'admin',
      summary: 'Update the scheduler configuration; applies at once',
      tags,
      body: SchedulerConfig.strict(),
      responses: { 200: Envelope },
    },
    async ({ body }) => {
      await deps.settings.update({ scheduler: body });
      await applySchedule(deps);
      return envelope();
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/scheduler/trigger-rescan',
      access: 'admin',
      summary: 'Start a library rescan now (and auto-download if configured)',
      tags,
      description:
        'While a rescan runs, answers 200 with a message naming it ("A rescan is already running ...") and starts no second one.',
      responses: { 200: z.object({ message: z.string() }) },
    },
    async () => {
      const { message } = await startRescan(deps, 'manual', deps.settings.get().scheduler.auto_download_after_rescan);
      return { message };
    },
  );

  return r;
}
