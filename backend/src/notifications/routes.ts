import Router from '@koa/router';
import { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import type { Deps } from '../deps.js';
import { route } from '../http/route.js';
import { NOTIFY_EVENTS } from './configSchema.js';
import { NotifyEvent } from './event.js';
import { testChannel } from './service.js';

const webhookSchema = zodToJsonSchema(NotifyEvent, { $refStrategy: 'none' }) as Record<string, unknown>;

export function notificationRoutes(deps: Deps): Router {
  const r = new Router();
  const tags = ['notifications'];

  route(r, {
    method: 'post', path: '/api/notifications/channels/:id/test', tags, access: 'admin',
    summary: 'Send a test message through a saved channel (notifications.webhooks[].id); 502 names what the channel answered',
    params: z.object({ id: z.string().min(1).max(40) }),
    responses: { 200: z.object({ delivered: z.literal(true), target: z.string() }) },
  }, ({ params }) => testChannel(deps, params.id));

  route(r, {
    method: 'get', path: '/api/notifications/events', tags, access: 'user',
    summary: 'The events a channel can choose, and the JSON a generic webhook receives (POST, application/json)',
    responses: { 200: z.object({ events: z.array(z.string()), webhook_body: z.record(z.unknown()) }) },
  }, () => ({ events: [...NOTIFY_EVENTS], webhook_body: webhookSchema }));

  return r;
}
