/**
 * The realtime link: one Socket.IO connection carrying the token in its handshake, joined to every
 * room; messages `{type, timestamp, data}` fan out to listeners by type. No polling anywhere.
 */
import { ref } from 'vue';
import type { Socket } from 'socket.io-client';
import { ROOMS, type RealtimeMessageOf, type RealtimeType } from './events.gen.ts';

export { ROOMS };

/** `link_connected`: sent by this module itself after each (re)connect. */
type LinkConnected = { type: 'link_connected'; timestamp: string; data: Record<string, never> };
/** Any message the server sends (types generated from its event map), or `link_connected`. */
export type AnyMessage = { [T in RealtimeType]: RealtimeMessageOf<T> }[RealtimeType] | LinkConnected;
/** The message of one type. */
export type MessageOf<T extends RealtimeType | 'link_connected'> = T extends RealtimeType ? RealtimeMessageOf<T> : LinkConnected;

export type LinkState = 'connected' | 'connecting' | 'disconnected';
export const linkState = ref<LinkState>('disconnected');

type Listener = (msg: AnyMessage) => void;
const listeners = new Map<string, Set<Listener>>();

let socket: Socket | null = null;
let currentToken: string | null = null;

/** Answers a fresh token after the server ended the socket's session (expired, revoked), or null: logged out. */
let renewToken: () => Promise<string | null> = async () => null;
export function setTokenRenewer(fn: () => Promise<string | null>): void {
  renewToken = fn;
}

/** Subscribes to one message type, its `data` typed from the server's event map; returns the unsubscribe function. */
export function onMessage<T extends RealtimeType | 'link_connected'>(type: T, fn: (msg: MessageOf<T>) => void): () => void;
/** Every message. */
export function onMessage(type: '*', fn: Listener): () => void;
export function onMessage(type: string, fn: (msg: never) => void): () => void {
  let set = listeners.get(type);
  if (!set) listeners.set(type, (set = new Set()));
  const listener = fn as Listener;
  set.add(listener);
  return () => set!.delete(listener);
}

/** Delivers one message to its listeners (the socket calls this; so can anything replaying messages). */
export function dispatch(msg: AnyMessage): void {
  if (!msg || typeof msg.type !== 'string') return;
  for (const key of [msg.type, '*']) {
    for (const fn of listeners.get(key) ?? []) {
      try {
        fn(msg);
      } catch (err) {
        console.error('realtime listener failed', err);
      }
    }
  }
}

/** The Socket.IO client is loaded apart from the page's code: the first page renders without waiting for it. */
let loading: Promise<void> | null = null;

export function connectRealtime(token: string): void {
  if (socket || loading) {
    currentToken = token; // a renewed token: the next (re)connect presents it
    return;
  }
  currentToken = token;
  linkState.value = 'connecting';
  loading = import('socket.io-client')
    .then(({ io }) => {
      if (currentToken !== null && !socket) open(io);
    })
    .catch((err) => {
      console.error('the realtime link could not be loaded', err);
      linkState.value = 'disconnected';
    })
    .finally(() => (loading = null));
}

function open(io: typeof import('socket.io-client').io): void {
  // auth as a function: every reconnect presents the newest token
  const s = io({
    path: '/socket.io',
    auth: (cb) => cb({ token: currentToken }),
    transports: ['websocket', 'polling'],
    reconnectionDelayMax: 10_000,
  });
  socket = s;
  s.on('connect', () => {
    linkState.value = 'connected';
    for (const room of ROOMS) s.emit('message', { action: 'join', data: { room } });
    dispatch({ type: 'link_connected', timestamp: new Date().toISOString(), data: {} });
  });
  // the server ended the session (token expired or revoked) or took a stale token as no login:
  // reconnect with a fresh token, if the login session goes on
  let renewed: string | null = null;
  const renew = () => {
    void renewToken().then((fresh) => {
      if (!fresh || socket !== s) return;
      currentToken = renewed = fresh;
      linkState.value = 'connecting';
      if (s.connected) s.disconnect();
      s.connect();
    });
  };
  s.on('disconnect', (reason) => {
    linkState.value = s.active ? 'connecting' : 'disconnected';
    if (reason === 'io server disconnect') renew();
  });
  s.on('connect_error', () => {
    linkState.value = s.active ? 'connecting' : 'disconnected';
  });
  s.io.on('reconnect_attempt', () => {
    linkState.value = 'connecting';
  });
  s.on('message', (msg: AnyMessage) => {
    // (once per token: a fresh token the server still refuses is not asked for again and again)
    if (msg?.type === 'connected' && msg.data?.authenticated === false && currentToken && currentToken !== renewed) renew();
    dispatch(msg);
  });
}

/** Joins a room that is not joined by default (the admin's `logs`); rejoin after `link_connected`. */
export function joinRoom(room: string): void {
  socket?.emit('message', { action: 'join', data: { room } });
}

export function leaveRoom(room: string): void {
  socket?.emit('message', { action: 'leave', data: { room } });
}

export function disconnectRealtime(): void {
  if (socket) {
    socket.removeAllListeners();
    socket.disconnect();
  }
  socket = null;
  currentToken = null;
  linkState.value = 'disconnected';
}
