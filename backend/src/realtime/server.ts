import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { ROOMS, type RealtimeEvent } from './bus.js';
import type { AuthUser } from '../auth/tokens.js';

export const SUPPORTED_MESSAGE_TYPES = [
  'connected', 'ping', 'pong', 'error', 'system_info',
  'download_progress', 'download_complete', 'download_failed', 'download_added', 'download_removed',
  'queue_status', 'queue_started', 'queue_stopped', 'scan_progress', 'scan_complete',
  'nfo_progress', 'nfo_complete', 'watchlist_new_episodes', 'watchlist_episode_downloaded', 'watchlist_check_complete', 'scheduler_status',
  'task_started', 'task_complete', 'task_failed',
];

const ClientMessage = z.union([
  z.object({ action: z.enum(['join', 'leave']), data: z.object({ room: z.string().max(50) }) }),
  z.object({ type: z.literal('ping'), data: z.unknown().optional() }),
  z.object({ action: z.literal('ping'), data: z.unknown().optional() }),
]);

const message = (type: string, data: Record<string, unknown> = {}) => ({ type, timestamp: new Date().toISOString(), data });

/**
 * Socket.IO on the HTTP server's port. The token goes in the handshake `auth`; without one a socket
 * receives public messages only. Messages use the spec's `{type, timestamp, data}` shape on the
 * `message` event; clients send `{action: 'join'|'leave', data: {room}}` or `{type: 'ping'}`.
 */
export function startRealtime(deps: Deps, httpServer: http.Server, authenticate: (token: string | null) => AuthUser | null) {
  const io = new Server(httpServer, { path: '/socket.io', serveClient: false, cors: { origin: false } });
  const log = deps.log.child({ module: 'realtime' });

  io.on('connection', (socket: Socket) => {
    const token = typeof socket.handshake.auth?.token === 'string' ? socket.handshake.auth.token : null;
    const user = authenticate(token);
    socket.data.token = token;
    socket.data.user = user;
    socket.join('public');
    if (user) socket.join(`user:${user.id}`);
    socket.emit('message', message('connected', { authenticated: !!user, rooms: user ? [...ROOMS] : [], message: 'Connected to Aniworld' }));

    const handle = (raw: unknown) => {
      const parsed = ClientMessage.safeParse(raw);
      if (!parsed.success) {
        socket.emit('message', message('error', { message: 'Unknown message; send {action: "join"|"leave", data: {room}} or {type: "ping"}' }));
        return;
      }
      const msg = parsed.data;
      if ('type' in msg || msg.action === 'ping') {
        socket.emit('message', message('pong', {}));
        return;
      }
      const room = msg.data.room;
      if (!(ROOMS as readonly string[]).includes(room)) {
        socket.emit('message', message('error', { message: `Unknown room '${room}'` }));
        return;
      }
      if (!socket.data.user) {
        socket.emit('message', message('error', { message: 'Authentication required to join rooms' }));
        return;
      }
      if (msg.action === 'join') socket.join(room);
      else socket.leave(room);
      socket.emit('message', message('system_info', { message: `${msg.action === 'join' ? 'Joined' : 'Left'} room ${room}`, room, action: msg.action }));
    };
    socket.on('message', handle);
    socket.on('join', (data: unknown) => handle({ action: 'join', data }));
    socket.on('leave', (data: unknown) => handle({ action: 'leave', data }));
    socket.on('ping', () => handle({ type: 'ping' }));
  });

  const offBus = deps.bus.on((event: RealtimeEvent) => {
    const { room, ...msg } = event;
    io.to(room).emit('message', msg);
  });

  // A logout or password change disconnects the sockets whose token is no longer valid.
  deps.sessions.onChange(() => {
    for (const socket of io.of('/').sockets.values()) {
      if (socket.data.user && !authenticate(socket.data.token)) {
        socket.emit('message', message('error', { message: 'Session ended', code: 'AUTHENTICATION_ERROR' }));
        socket.disconnect(true);
      }
    }
  });

  log.info('realtime server ready');
  return {
    io,
    activeConnections: () => io.of('/').sockets.size,
    close: async () => {
      offBus();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
