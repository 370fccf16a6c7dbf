import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { ADMIN_PASSWORD, client } from '../helpers/http.js';
import { connectSocket, startNode, stopAllNodes, type Node } from './cluster.js';
import { until } from '../helpers/poll.js';

/**
 * Two processes of the product on one database and one /config, as the compose file's app and
 * worker containers run: what one process does reaches the other through PostgreSQL.
 */
let databaseUrl = '';
let a: Node;
let b: Node;
const sockets: { socket: { close(): void } }[] = [];

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  const config = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-shared-config-'));
  [a, b] = await Promise.all([startNode('a', databaseUrl, { ROLE: 'all' }, config), startNode('b', databaseUrl, { ROLE: 'all' }, config)]);
  const setup = await client(a.url).post('/api/auth/setup', { master_password: ADMIN_PASSWORD });
  expect(setup.status).toBe(201);
}, 180_000);

afterAll(async () => {
  for (const s of sockets) s.socket.close();
  await Promise.all([a?.stop(), b?.stop()]);
  await stopAllNodes();
});

async function login(node: Node): Promise<string> {
  const res = await client(node.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
  expect(res.status).toBe(200);
  return res.body.access_token;
}

describe('two processes on one database', () => {
  it('a user set up on A logs in on B, and a logout on A is refused by B at once', async () => {
    const token = await login(b);
    expect((await client(a.url, token).get('/api/auth/status')).body.authenticated).toBe(true);
    expect((await client(b.url, token).get('/api/auth/status')).body.authenticated).toBe(true);
    const onB = await connectSocket(b.url, token);
    sockets.push(onB);

    expect((await client(a.url, token).post('/api/auth/logout')).status).toBe(200);
    await until(async () => (await client(b.url, token).get('/api/scheduler/config')).status === 401, 'B refuses the revoked token');
    expect((await client(b.url, token).get('/api/auth/status')).body.authenticated).toBe(false);
    // B's socket that used the token is dropped
    expect(await onB.disconnected).toBe('io server disconnect');
  });

  it('an event raised in process B reaches a browser socket connected to process A', async () => {
    const onA = await connectSocket(a.url, await login(a), ['scheduler']);
    sockets.push(onA);
    const res = await client(b.url, await login(b)).post('/api/scheduler/config', { enabled: false });
    expect(res.status).toBe(200);
    const msg = await onA.waitFor((m) => m.type === 'scheduler_status', 'scheduler_status from B');
    expect(msg.data).toMatchObject({ is_running: false, next_run: null });
  });

  it('a settings change on A reaches B through the shared config.json', async () => {
    const onA = client(a.url, await login(a));
    const onB = client(b.url, await login(b));
    const before = (await onB.get('/api/config')).body.downloads.max_parallel_downloads;
    const wanted = before === 5 ? 4 : 5;
    expect((await onA.put('/api/config', { downloads: { max_parallel_downloads: wanted } })).status).toBe(200);
    await until(
      async () => (await onB.get('/api/config')).body.downloads.max_parallel_downloads === wanted,
      'B reloads the shared config.json',
    );
  });

  it('a ROLE=web process hands its jobs to a ROLE=worker process, whose events reach the web sockets', async () => {
    // compose's web + worker split, on a database of their own (no ROLE=all process to take the job)
    const db2 = await createTestDatabase();
    const [web, worker] = await Promise.all([startNode('web', db2, { ROLE: 'web' }), startNode('wrk', db2, { ROLE: 'worker' })]);
    try {
      await until(async () => /"msg":"worker started"/.test(worker.proc.output()), 'worker started', 60_000);
      // the worker serves no HTTP on its port
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect(Number(new URL(worker.url).port), '127.0.0.1');
        s.on('connect', () => (s.destroy(), resolve(false)));
        s.on('error', () => resolve(true));
      });
      expect(refused).toBe(true);
      expect((await client(web.url).post('/api/auth/setup', { master_password: ADMIN_PASSWORD })).status).toBe(201);
      const token = await login(web);
      const onWeb = await connectSocket(web.url, token, ['library']);
      sockets.push(onWeb);
      expect((await client(web.url, token).post('/api/scheduler/trigger-rescan')).status).toBe(200);
      const done = await onWeb.waitFor((m) => m.type === 'scan_complete', 'scan_complete from the worker', 60_000);
      expect(done.data.trigger).toBe('manual');
      // its log line follows the event
      await until(async () => /"msg":"library rescan done"/.test(worker.proc.output()), 'the worker logs the rescan');
      expect(web.proc.output()).not.toMatch(/"msg":"library rescan done"/);
      expect(web.proc.output()).not.toMatch(/"msg":"worker started"/);
    } finally {
      await Promise.all([web.stop(), worker.stop()]);
    }
  }, 150_000);
});
