import { z } from 'zod';
import type { Deps } from '../deps.js';
import { route, ApiRouter } from '../http/route.js';
import { NOTIFY_EVENTS } from './configSchema.js';
import { NotifyEvent } from './event.js';
import { testChannel } from './service.js';

const EXAMPLE: NotifyEvent = {
  event: 'download_completed',
  timestamp: '2026-01-01T12:00:00.000Z',
  title: 'Downloaded: Frieren S01E02',
  message: 'Frieren S01E02 (Departure): 312.4 MB from VOE (german_dub) in 95 s',
  data: {
    series_key: 'frieren',
    series_name: 'Frieren',
    season: 1,
    episode: 2,
    title: 'Departure',
    file: '/anime/Frieren/Frieren - S01E02 - Departure.mkv',
    bytes: 327577190,
    hoster: 'VOE',
    language: 'german_dub',
    duration_seconds: 95,
    bytes_per_second: 3448181,
    queued_by: 'manual',
  },
};

export function notificationRoutes(deps: Pick<Deps, 'log' | 'settings' | 'clock' | 'outbound'>): ApiRouter {
  const r = new ApiRouter();
  const tags = ['notifications'];

  route(
    r,
    {
      method: 'post',
      path: '/api/notifications/channels/:id/test',
      tags,
      access: 'admin',
      summary: 'Send a test message through a saved channel (notifications.webhooks[].id); 502 names what the channel answered',
      params: z.object({ id: z.string().min(1).max(40) }),
      responses: { 200: z.object({ delivered: z.literal(true), target: z.string() }) },
    },
    ({ params }) => testChannel(deps, params.id),
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/notifications/events',
      tags,
      access: 'user',
      summary: 'The events a channel can choose; `example` is the JSON a generic webhook receives (POST, application/json)',
      responses: { 200: z.object({ events: z.array(z.string()), example: NotifyEvent }) },
    },
    () => ({ events: [...NOTIFY_EVENTS], example: EXAMPLE }),
  );

  return r;
}
