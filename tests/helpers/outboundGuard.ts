/**
 * Test setup (vitest `setupFiles`): the suite talks to nothing but this machine. Every TCP
 * connection of the test process (undici's fetch, node:http, pg, socket.io-client, TLS: all go
 * through net.Socket#connect) to a host other than 127.0.0.1, localhost or ::1 is refused at once
 * (the product sees a connection error, no packet leaves) and fails the test that made it, even
 * when the product swallows the error and retries. Unix sockets are allowed.
 */
import net from 'node:net';
import { afterAll, afterEach } from 'vitest';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']);
const blocked: string[] = [];

type ConnectArgs = Parameters<net.Socket['connect']>;

/** host:port (or null for a unix socket) of what Socket#connect was asked for, in any of its forms. */
function destination(args: unknown[]): { host: string; port: unknown } | null {
  // net.connect() hands Socket#connect its normalised arguments as one array
  const a = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const first = a[0];
  if (first && typeof first === 'object') {
    const o = first as { path?: string; host?: string; port?: unknown };
    if (o.path) return null;
    return { host: o.host ?? 'localhost', port: o.port };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return null; // a unix socket path
  return { host: typeof a[1] === 'string' ? a[1] : 'localhost', port: first };
}

const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: ConnectArgs) {
  const to = destination(args);
  if (to && !LOOPBACK.has(to.host)) {
    const what = `${to.host}:${String(to.port)}`;
    const err = new Error(`outbound connection to ${what} blocked: tests may only connect to 127.0.0.1, localhost or ::1`);
    blocked.push(`${what}\n${new Error('connected from').stack?.split('\n').slice(2, 8).join('\n')}`);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return original.apply(this, args);
} as typeof net.Socket.prototype.connect;

/**
 * Counts a request refused outside this process (the test browser's proxy: tests/e2e/loopbackProxy.ts)
 * as blocked: it fails the test it happened in like a connection from here.
 */
export function reportBlocked(what: string, how: string): void {
  blocked.push(`${what}\n${how}`);
}

/** Answers (and forgets) the connections refused so far: for the test that shows the guard works. */
export function takeBlocked(): string[] {
  return blocked.splice(0);
}

function failIfBlocked() {
  if (blocked.length === 0) return;
  const list = blocked.splice(0);
  throw new Error(`this test tried to reach ${list.length} host(s) outside 127.0.0.1 (tests use fakes on 127.0.0.1):\n${list.join('\n')}`);
}

afterEach(failIfBlocked);
afterAll(failIfBlocked);
