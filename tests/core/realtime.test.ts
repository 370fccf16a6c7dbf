import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { io, type Socket } from 'socket.io-client';
import { ANONYMOUS_SOCKETS_PER_ADDRESS } from '../../backend/src/realtime/server.js';
import { startTestServer, type TestServer, publishRaw } from '../helpers/server.js';
import { ADMIN_PASSWORD, adminClient, client } from '../helpers/http.js';
import type { Loose } from '../helpers/http.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let api: ReturnType<typeof client>;
const sockets: Socket[] = [];
beforeAll(async () => {
  srv = await startTestServer();
  ({ api } = await adminClient(srv.url));
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await srv?.stop();
});

interface Msg {
  type: string;
  timestamp: string;
  data: Loose;
}

/** A socket that records every `message`; `next(type)` waits for the next one of that type. */
async function connect(token?: string) {
  const socket = io(srv.url, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  const seen: Msg[] = [];
  const waiters: { type: string; resolve: (m: Msg) => void }[] = [];
  socket.on('message', (m: Msg) => {
    const w = waiters.findIndex((x) => x.type === m.type);
    if (w >= 0) waiters.splice(w, 1)[0].resolve(m);
    else seen.push(m);
  });
  const next = (type: string, ms = 3000) =>
    new Promise<Msg>((resolve, reject) => {
      const i = seen.findIndex((m) => m.type === type);
      if (i >= 0) return resolve(seen.splice(i, 1)[0]);
      const t = setTimeout(() => reject(new Error(`no ${type} message within ${ms} ms`)), ms);
      waiters.push({ type, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });
  const disconnected = new Promise<string>((r) => socket.on('disconnect', (reason) => r(reason)));
  const connected = await next('connected');
  return { socket, seen, next, connected, disconnected };
}

const login = async () => (await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token as string;

describe('realtime over Socket.IO', () => {
  it('greets with connected in the spec shape; ping gets pong', async () => {
    const c = await connect(await login());
    expect(c.connected.data.authenticated).toBe(true);
    expect(Date.parse(c.connected.timestamp)).toBeGreaterThan(0);
    c.socket.emit('message', { type: 'ping' });
    const pong = await c.next('pong');
    expect(Object.keys(pong).sort()).toEqual(['data', 'timestamp', 'type']);
    c.socket.emit('message', { action: 'dance' });
    expect((await c.next('error')).data.message).toMatch(/unknown message/i);
  });

  it('a joined socket receives bus events; leave stops them; unknown rooms are refused', async () => {
    const c = await connect(await login());
    c.socket.emit('message', { action: 'join', data: { room: 'downloads' } });
    expect((await c.next('system_info')).data).toMatchObject({ room: 'downloads', action: 'join' });
    await publishRaw(srv, 'downloads', 'download_progress', { download_id: 'abc', percent: 45.2 });
    const msg = await c.next('download_progress');
    expect(msg).toEqual({ type: 'download_progress', timestamp: expect.any(String), data: { download_id: 'abc', percent: 45.2 } });
    c.socket.emit('message', { action: 'leave', data: { room: 'downloads' } });
    await c.next('system_info');
    await publishRaw(srv, 'downloads', 'download_progress', { download_id: 'after-leave' });
    await publishRaw(srv, 'public', 'system_info', { marker: 'sync' }); // public reaches every socket
    expect((await c.next('system_info')).data.marker).toBe('sync');
    expect(c.seen.filter((m) => m.type === 'download_progress')).toEqual([]);
    c.socket.emit('message', { action: 'join', data: { room: 'secret-room' } });
    expect((await c.next('error')).data.message).toMatch(/unknown room/i);
  });

  it(
    'joining downloads answers with the queue statistics: a client that loaded the queue before sees by the counts whether it missed a ' +
      'change',
    async () => {
      const c = await connect(await login());
      c.socket.emit('message', { action: 'join', data: { room: 'tasks' } });
      c.socket.emit('message', { action: 'join', data: { room: 'downloads' } });
      const state = await c.next('queue_status');
      expect(state.data).toMatchObject({
        is_running: expect.any(Boolean),
        held_reason: null,
        statistics: { pending_count: 0, total_items: 0 },
      });
      expect(c.seen.filter((m) => m.type === 'queue_status')).toEqual([]); // once, and not for the other room
    },
  );

  it('without a token: connected, public messages only, cannot join rooms', async () => {
    const c = await connect();
    expect(c.connected.data.authenticated).toBe(false);
    c.socket.emit('message', { action: 'join', data: { room: 'downloads' } });
    expect((await c.next('error')).data.message).toMatch(/authentication required/i);
    await publishRaw(srv, 'downloads', 'download_complete', { download_id: 'x' });
    await publishRaw(srv, 'public', 'system_info', { marker: 'public-1' });
    expect((await c.next('system_info')).data.marker).toBe('public-1');
    expect(c.seen.filter((m) => m.type === 'download_complete')).toEqual([]);
    // a bad token is the same as none
    const bad = await connect('not.a.token');
    expect(bad.connected.data.authenticated).toBe(false);
  });

  it('GET /ws/status counts live connections and lists the message types', async () => {
    const before = (await client(srv.url).get('/ws/status')).body;
    expect(before.status).toBe('operational');
    expect(before.supported_message_types).toEqual(
      expect.arrayContaining(['connected', 'ping', 'pong', 'error', 'download_progress', 'queue_status']),
    );
    const c = await connect(await login());
    expect((await client(srv.url).get('/ws/status')).body.active_connections).toBe(before.active_connections + 1);
    c.socket.close();
    await until(
      async () => (await client(srv.url).get('/ws/status')).body.active_connections === before.active_connections,
      'the closed connection no longer counted',
    );
  });

  it('logout disconnects the sockets of that token only', async () => {
    const t1 = await login();
    const t2 = await login();
    const a = await connect(t1);
    const b = await connect(t2);
    await client(srv.url, t1).post('/api/auth/logout');
    expect(await a.disconnected).toBe('io server disconnect');
    expect(a.seen.some((m) => m.type === 'error' && /session ended/i.test(m.data.message))).toBe(true);
    expect(b.socket.connected).toBe(true);
    b.socket.emit('message', { type: 'ping' });
    await b.next('pong');
  });

  it("a password change disconnects the user's other sockets", async () => {
    await api.post('/api/users', { username: 'dave', password: 'Dave-Pass1!' });
    const daveLogin = async () =>
      (await client(srv.url).post('/api/auth/login', { username: 'dave', password: 'Dave-Pass1!' })).body.access_token;
    const keep = await daveLogin();
    const other = await connect(await daveLogin());
    const same = await connect(keep);
    const adminSocket = await connect(await login());
    const res = await client(srv.url, keep).put('/api/users/me/password', { current_password: 'Dave-Pass1!', new_password: 'Dave-Pass2!' });
    expect(res.status).toBe(200);
    expect(await other.disconnected).toBe('io server disconnect');
    same.socket.emit('message', { type: 'ping' });
    await same.next('pong');
    adminSocket.socket.emit('message', { type: 'ping' });
    await adminSocket.next('pong');
  });

  it('takes the token from the ?token= query too', async () => {
    const token = await login();
    const socket = io(srv.url, { query: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    const hello = await new Promise<Msg>((resolve) => socket.once('message', resolve));
    expect(hello.data.authenticated).toBe(true);
    socket.close();
  });

  it('an address holds at most ANONYMOUS_SOCKETS_PER_ADDRESS sockets without a login; logged-in ones are not counted', async () => {
    for (const s of sockets) s.close(); // the earlier tests' sockets: gone on the server too before counting
    await until(async () => (await client(srv.url).get('/ws/status')).body.active_connections === 0, 'no open connections');
    const open: Socket[] = [];
    for (let i = 0; i < ANONYMOUS_SOCKETS_PER_ADDRESS; i++) open.push((await connect()).socket);
    const refused = io(srv.url, { transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(refused);
    const err = await new Promise<Error>((resolve) => refused.once('connect_error', resolve));
    expect(err.message).toMatch(/too many connections without a login/i);
    expect((await connect(await login())).connected.data.authenticated).toBe(true);
    // one closes: room for one more
    const closed = new Promise<void>((resolve) => open[0]!.once('disconnect', () => resolve()));
    open[0]!.close();
    await closed;
    await until(async () => {
      const again = io(srv.url, { transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(again);
      return new Promise<boolean>((resolve) => {
        again.once('connect', () => resolve(true));
        again.once('connect_error', () => resolve(false));
      });
    }, 'a new connection accepted once one closed');
    for (const s of open) s.close();
  });

  it('disconnects a socket when its token expires', async () => {
    const { kid, key } = srv.deps.keyring.signingKey();
    const claims = JSON.parse(Buffer.from((await login()).split('.')[1]!, 'base64url').toString());
    const shortLived = jwt.sign({ ...claims, jti: crypto.randomUUID(), exp: Math.floor(Date.now() / 1000) + 2 }, key, {
      algorithm: 'HS256',
      keyid: kid,
    });
    const c = await connect(shortLived);
    expect(c.connected.data.authenticated).toBe(true);
    expect(await c.disconnected).toBe('io server disconnect');
    expect(c.seen.some((m) => m.type === 'error' && /session expired/i.test(m.data.message))).toBe(true);
  });
});

describe('API keys on Socket.IO', () => {
  it('a key in auth.token or ?token= authenticates like a login; the query is never logged; a revoke ends the socket at once', async () => {
    const created = await api.post('/api/auth/api-keys', { name: 'dashboard' });
    const { key, id } = created.body;
    const viaAuth = await connect(key);
    expect(viaAuth.connected.data.authenticated).toBe(true);
    // the query form, as the spec's ?token=
    const viaQuery = io(srv.url, { query: { token: key }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(viaQuery);
    const greeting = await new Promise<Msg>((resolve) => viaQuery.once('message', resolve));
    expect(greeting.data.authenticated).toBe(true);
    expect(srv.logs()).not.toContain(key);
    // it receives private events (the library room)
    viaAuth.socket.emit('message', { action: 'join', data: { room: 'library' } });
    await viaAuth.next('system_info');
    void publishRaw(srv, 'library', 'scan_complete', { probe: 'api-key' });
    expect((await viaAuth.next('scan_complete')).data.probe).toBe('api-key');

    const queryGone = new Promise<string>((r) => viaQuery.on('disconnect', (reason) => r(reason)));
    expect((await api.del(`/api/auth/api-keys/${id}`)).status).toBe(204);
    expect(await viaAuth.disconnected).toBe('io server disconnect');
    expect(await queryGone).toBe('io server disconnect');
    expect(viaAuth.seen.some((m) => m.type === 'error' && /api key revoked/i.test(m.data.message))).toBe(true);
    // and the revoked key connects as nobody
    expect((await connect(key)).connected.data.authenticated).toBe(false);
  });

  it('a key whose owner is deleted ends its socket', async () => {
    await api.post('/api/users', { username: 'sockkid', password: 'Kid-pass-123!' });
    const kid = client(
      srv.url,
      (await client(srv.url).post('/api/auth/login', { username: 'sockkid', password: 'Kid-pass-123!' })).body.access_token,
    );
    const { key } = (await kid.post('/api/auth/api-keys', { name: 'ha' })).body;
    const c = await connect(key);
    expect(c.connected.data.authenticated).toBe(true);
    const kidId = (await kid.get('/api/users/me')).body.id;
    expect((await api.del(`/api/users/${kidId}`)).status).toBe(204);
    expect(await c.disconnected).toBe('io server disconnect');
  });
});
