import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { startTestServer, type TestServer, publishRaw } from '../helpers/server.js';
import { ADMIN_PASSWORD, adminClient, client } from '../helpers/http.js';

// Two app instances on one database stand for two processes: an event published on one reaches
// the sockets of the other through PostgreSQL only.
let a: TestServer;
let b: TestServer;
const sockets: Socket[] = [];
beforeAll(async () => {
  a = await startTestServer();
  await adminClient(a.url);
  b = await startTestServer({ databaseUrl: a.databaseUrl });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await b?.stop();
  await a?.stop();
});

interface Msg {
  type: string;
  data: Record<string, unknown>;
}

/** A socket on `srv` in the library room, recording every message in arrival order. */
async function librarySocket(srv: TestServer) {
  const token = (await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token as string;
  const socket = io(srv.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  const seen: Msg[] = [];
  let wake = () => {};
  socket.on('message', (m: Msg) => {
    seen.push(m);
    wake();
  });
  /** Resolves with the messages once one of `type` has arrived. */
  const until = (type: string) =>
    new Promise<Msg[]>((resolve) => {
      const check = () => seen.some((m) => m.type === type) && resolve(seen);
      wake = check;
      check();
    });
  await until('connected');
  socket.emit('message', { action: 'join', data: { room: 'library' } });
  await until('system_info');
  return { until };
}

describe('events larger than a NOTIFY payload', () => {
  it('reach a socket connected to another process, whole and in order', async () => {
    const s = await librarySocket(b);
    // 40 KB: five times what a NOTIFY can carry
    const episodes = Array.from({ length: 400 }, (_, i) => ({
      season: 1,
      episode: i + 1,
      languages: ['de-sub', 'ger-dub-padding-'.repeat(4)],
    }));
    expect(Buffer.byteLength(JSON.stringify(episodes))).toBeGreaterThan(8000 * 4);
    await publishRaw(a, 'library', 'scan_progress', { current: 'before', done: 0, total: 2 });
    await publishRaw(a, 'library', 'episode_languages', { key: 'big-one', episodes });
    await publishRaw(a, 'library', 'scan_complete', { probe: 'after' });
    const seen = await s.until('scan_complete');
    const types = seen.map((m) => m.type).filter((t) => t !== 'connected' && t !== 'system_info');
    expect(types).toEqual(['scan_progress', 'episode_languages', 'scan_complete']);
    const big = seen.find((m) => m.type === 'episode_languages')!;
    expect(big.data).toEqual({ key: 'big-one', episodes });
  });
});
