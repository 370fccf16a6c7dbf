import { z } from 'zod';
import type { Deps } from '../deps.js';
import { route, ApiRouter } from '../http/route.js';
import { SUPPORTED_MESSAGE_TYPES } from './server.js';

const WsStatus = z.object({
  status: z.enum(['operational', 'unavailable']),
  active_connections: z.number(),
  supported_message_types: z.array(z.string()),
});

/** GET /ws/status: the realtime service's state (public, like the spec's). */
export function realtimeRoutes(deps: Pick<Deps, 'realtime'>): ApiRouter {
  const r = new ApiRouter();
  route(
    r,
    {
      method: 'get',
      path: '/ws/status',
      access: 'public',
      summary: 'Realtime (Socket.IO) service status',
      tags: ['realtime'],
      responses: { 200: WsStatus },
    },
    () => ({
      status: deps.realtime.operational ? ('operational' as const) : ('unavailable' as const),
      active_connections: deps.realtime.activeConnections(),
      supported_message_types: [...SUPPORTED_MESSAGE_TYPES],
    }),
  );
  return r;
}
