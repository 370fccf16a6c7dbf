import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { RealtimeEvent } from './bus.js';
import { DIRECT, MESSAGE_TYPES, ROOMS } from './events.js';
import type { AuthUser } from '../auth/tokens.js';
import { clientAddress } from '../http/clientIp.js';
import { LOGS_ROOM, startLiveTail } from '../logs/live.js';
import { API_KEY_PATTERN, API_KEY_REVOKED_CHANNEL, verifyApiKey } from '../auth/apiKeys.js';

/** Sockets without a valid token one address may hold open at once. */
export const ANONYMOUS_SOCKETS_PER_ADDRESS = 20;

/** Every message type (GET /ws/status): the server's own and every one of realtime/events.ts. */
export const SUPPORTED_MESSAGE_TYPES: readonly string[] = MESSAGE_TYPES;

const ClientMessage = z.union([
  z.object({ action: z.enum(['join', 'leave']), data: z.object({ room: z.string().max(50) }) }),
  z.object({ type: z.literal('ping'), data: z.unknown().optional() }),
  z.object({ action: z.literal('ping'), data: z.unknown().optional() }),
]);

/** A message the server sends one socket itself (realtime/events.ts DIRECT). */
const message = <T extends keyof typeof DIRECT>(type: T, data: z.input<(typeof DIRECT)[T]>) => ({
  type,
  timestamp: new Date().toISOString(),
  data,
});

function endSession(socket: Socket, reason: string): void {
  socket.emit('message', message('error', { message: reason, code: 'AUTHENTICATION_ERROR' }));
  socket.disconnect(true);
}

/** The handshake's token or API key: `auth.token`, or the `?token=` query (never logged: Socket.IO requests bypass the access log). */
function handshakeToken(socket: Socket): string | null {
  const fromAuth = socket.handshake.auth?.token;
  if (typeof fromAuth === 'string' && fromAuth) return fromAuth;
  const fromQuery = socket.handshake.query?.token;
  return typeof fromQuery === 'string' && fromQuery ? fromQuery : null;
}

/**
 * Socket.IO on the HTTP server's port. The token (optional) goes in the handshake `auth` or the
 * `?token=` query; without a valid one a socket joins the public room only, and one address may
 * hold at most ANONYMOUS_SOCKETS_PER_ADDRESS of those. A socket with a token is disconnected when the
 * token expires or is revoked (the UI reconnects with a fresh one). Messages use the spec's `{type, timestamp, data}` shape on the
 * `message` event; clients send `{action: 'join'|'leave', data: {room}}` or `{type: 'ping'}`.
 */
export function startRealtime(
  deps: Pick<Deps, 'env' | 'log' | 'logging' | 'db' | 'notifier' | 'bus' | 'sessions' | 'hooks'>,
  httpServer: http.Server,
  authenticate: (token: string | null) => AuthUser | null,
) {
  const io = new Server(httpServer, { path: '/socket.io', serveClient: false, cors: { origin: false } });
  const log = deps.log.child({ module: 'realtime' });

  const anonymousPerAddress = new Map<string, number>();
  /** A login token, or an API key (looked up in PostgreSQL: a revoked one is refused at once). */
  const identify = async (token: string | null): Promise<AuthUser | null> =>
    token && API_KEY_PATTERN.test(token) ? verifyApiKey(deps, token).catch(() => null) : authenticate(token);

  io.use(async (socket, next) => {
    const token = handshakeToken(socket);
    const user = await identify(token);
    socket.data.token = token;
    socket.data.user = user;
    if (user) return next();
    const address = clientAddress(socket.request, deps.env.TRUSTED_PROXIES);
    const open = anonymousPerAddress.get(address) ?? 0;
    if (open >= ANONYMOUS_SOCKETS_PER_ADDRESS) return next(new Error('Too many connections without a login from this address'));
    anonymousPerAddress.set(address, open + 1);
    socket.once('disconnect', () => {
      const n = (anonymousPerAddress.get(address) ?? 1) - 1;
      if (n > 0) anonymousPerAddress.set(address, n);
      else anonymousPerAddress.delete(address);
    });
    return next();
  });

  io.on('connection', (socket: Socket) => {
    const user = socket.data.user as AuthUser | null;
    socket.join('public');
    if (user) {
      socket.join(`user:${user.id}`);
      if (!user.apiKeyId) {
        // the token's end is the socket's end (an API key lives until it is revoked)
        const expiry = setTimeout(() => endSession(socket, 'Session expired'), Math.max(user.exp * 1000 - Date.now(), 0));
        socket.once('disconnect', () => clearTimeout(expiry));
      }
    }
    socket.emit(
      'message',
      message('connected', { authenticated: !!user, rooms: user ? [...ROOMS] : [], message: 'Connected to Aniworld' }),
    );

    const handle = (raw: unknown) => {
      const parsed = ClientMessage.safeParse(raw);
      if (!parsed.success) {
        socket.emit(
          'message',
          message('error', { message: 'Unknown message; send {action: "join"|"leave", data: {room}} or {type: "ping"}' }),
        );
        return;
      }
      const msg = parsed.data;
      if ('type' in msg || msg.action === 'ping') {
        socket.emit('message', message('pong', {}));
        return;
      }
      const room = msg.data.room;
      if (room === LOGS_ROOM && socket.data.user?.role !== 'admin') {
        socket.emit('message', message('error', { message: 'Only an administrator can follow the logs' }));
        return;
      }
      if (!(ROOMS as readonly string[]).includes(room) && room !== LOGS_ROOM) {
        socket.emit('message', message('error', { message: `Unknown room '${room}'` }));
        return;
      }
      if (!socket.data.user) {
        socket.emit('message', message('error', { message: 'Authentication required to join rooms' }));
        return;
      }
      if (msg.action === 'join') socket.join(room);
      else socket.leave(room);
      socket.emit(
        'message',
        message('system_info', { message: `${msg.action === 'join' ? 'Joined' : 'Left'} room ${room}`, room, action: msg.action }),
      );
      // the room's current state, when it has one: a client tells by it whether it missed something before it joined
      if (msg.action === 'join')
        deps.hooks.roomJoined(room).then(
          (state) => state && socket.emit('message', { ...state, timestamp: new Date().toISOString() }),
          (err: unknown) => log.warn({ err, room }, 'the state of a joined room could not be read'),
        );
    };
    socket.on('message', handle);
    socket.on('join', (data: unknown) => handle({ action: 'join', data }));
    socket.on('leave', (data: unknown) => handle({ action: 'leave', data }));
    socket.on('ping', () => handle({ type: 'ping' }));
  });

  const offTail = startLiveTail(deps, io);
  const offBus = deps.bus.on((event: RealtimeEvent) => {
    const { room, ...msg } = event;
    io.to(room).emit('message', msg);
  });

  // A logout, revocation, password change or deleted user disconnects the sockets whose token or key is no longer valid.
  deps.sessions.onChange(() => {
    for (const socket of io.of('/').sockets.values()) {
      const user = socket.data.user as AuthUser | null;
      if (!user) continue;
      if (!user.apiKeyId) {
        if (!authenticate(socket.data.token)) endSession(socket, 'Session ended');
      } else {
        void identify(socket.data.token).then((still) => {
          if (!still) endSession(socket, 'API key revoked');
        });
      }
    }
  });
  // a revoked API key (on any process) ends its sockets here
  void deps.notifier.listen(API_KEY_REVOKED_CHANNEL, (payload) => {
    const id = (payload as { id?: unknown }).id;
    for (const socket of io.of('/').sockets.values()) {
      if ((socket.data.user as AuthUser | null)?.apiKeyId === id) endSession(socket, 'API key revoked');
    }
  });

  log.info('realtime server ready');
  return {
    io,
    activeConnections: () => io.of('/').sockets.size,
    close: async () => {
      offBus();
      offTail();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
