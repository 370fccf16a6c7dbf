import { z } from 'zod';
import { route, ApiRouter } from '../http/route.js';
import { SCHEDULE_CODES } from './scheduleCodes.js';
import { checkViews, listTasks, runTask, type TaskView, type TaskViewCtx } from './taskViews.js';

const Task = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  schedule: z.string(),
  schedule_info: z
    .object({
      code: z.enum(SCHEDULE_CODES),
      time: z.string().optional(),
      days: z.array(z.string()).optional(),
      minutes: z.number().optional(),
      weekday: z.string().optional(),
    })
    .describe('The schedule as a code and its figures (time HH:MM, days/weekday mon … sun), for a UI to say in its language'),
  running: z.boolean(),
  last_run: z.string().nullable(),
  last_finished: z.string().nullable(),
  duration_ms: z.number().nullable(),
  outcome: z.enum(['success', 'failed']).nullable(),
  error: z.string().nullable(),
  runs: z.number(),
  next_run: z.string().nullable(),
});

/** `views`: every task of the view, in its order (app.ts lists them). */
export function tasksRoutes(deps: TaskViewCtx, views: readonly TaskView[]): ApiRouter {
  checkViews(views);
  const r = new ApiRouter();
  const tags = ['tasks'];

  route(
    r,
    {
      method: 'get',
      path: '/api/tasks',
      access: 'user',
      summary: 'Scheduled work: last run, duration, outcome, next run',
      tags,
      responses: { 200: z.object({ tasks: z.array(Task) }) },
    },
    async () => ({ tasks: await listTasks(deps, views) }),
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/tasks/:name/run',
      access: 'admin',
      summary: 'Run a task now (admin)',
      tags,
      params: z.object({ name: z.string().max(64) }),
      responses: { 202: z.object({ message: z.string(), task: z.string() }), 404: null, 409: null },
    },
    async ({ params }) => {
      await runTask(deps, views, params.name);
      return { message: `Task '${params.name}' started`, task: params.name };
    },
  );

  return r;
}
