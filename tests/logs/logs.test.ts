/**
 * Logs: the configured level applies at once, files rotate by size keeping backup_count + 1 per
 * process role, and the Logs page's API (admins) filters, searches, follows live and downloads,
 * with secrets redacted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { createTestDatabase } from '../helpers/db.js';
import { until } from '../helpers/poll.js';
import type { LogEntry, LogsAnswer } from '../../frontend/src/api/types.ts';
import type { Loose } from '../helpers/http.js';

let srv: TestServer;
let api: ReturnType<typeof client>;
let token: string;
const extra: TestServer[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  // no LOG_LEVEL: the configuration decides the level
  srv = await startTestServer({ env: { LOG_LEVEL: '' } });
  ({ api, token } = await adminClient(srv.url));
});
afterAll(async () => {
  for (const s of sockets) s.close();
  for (const s of extra) await s.stop();
  await srv?.stop();
});

/** A read whose access line (logged at debug) can be found by its request id. */
async function tracedRead(id: string) {
  expect((await api.get('/api/config', { 'X-Request-Id': id })).status).toBe(200);
  expect(
    (await api.put('/api/config', { providers: { hoster_domains: { marker: [id] } } }, { 'X-Request-Id': `${id}-change` })).status,
  ).toBe(200);
}
const logged = (id: string) => srv.logs().includes(`"request_id":"${id}"`);

describe('log level', () => {
  it('the level set in the configuration changes what is written at once', async () => {
    expect((await api.get('/api/config')).body.logging.level).toBe('INFO');
    await tracedRead('lvl-info');
    // a change is logged at info, a successful read at debug
    await until(async () => logged('lvl-info-change'), 'the change logged');
    expect(logged('lvl-info')).toBe(false);

    expect((await api.put('/api/config', { logging: { level: 'DEBUG' } })).status).toBe(200);
    await tracedRead('lvl-debug');
    await until(async () => logged('lvl-debug') && logged('lvl-debug-change'), 'the read logged at debug');

    expect((await api.put('/api/config', { logging: { level: 'ERROR' } })).status).toBe(200);
    await tracedRead('lvl-error');
    expect((await api.get('/api/nope', { 'X-Request-Id': 'lvl-error-404' })).status).toBe(404);
    expect(logged('lvl-error')).toBe(false);
    expect(logged('lvl-error-change')).toBe(false);
    expect((await api.put('/api/config', { logging: { level: 'INFO' } })).status).toBe(200);
  });
});

describe('Logs page API', () => {
  it('shows the newest entries first, filtered by level and text; secrets redacted', async () => {
    srv.deps.log
      .child({ module: 'test' })
      .warn({ password: 'hunter2-Secret', url: 'http://bob:pw1234@host/x?token=abc123' }, 'marker-warn one');
    srv.deps.log.child({ module: 'test' }).info('marker-info two');
    srv.deps.log.child({ module: 'test' }).warn('marker-warn three http://alice:s3cret@example.org/feed');
    const all = await until(async () => {
      const res = await api.get('/api/logs?q=marker-&level=info');
      return res.body.entries.length === 3 ? res.body : null;
    }, 'the three lines');
    expect(all.entries.map((e: LogEntry) => e.msg)).toEqual([
      'marker-warn three http://[redacted]@example.org/feed',
      'marker-info two',
      'marker-warn one',
    ]);
    expect(all.file).toBe(path.basename(srv.deps.logging!.currentFile()!));
    expect(all.files.map((f: LogsAnswer['files'][number]) => f.name)).toContain(all.file);
    const warn = (await api.get('/api/logs?q=MARKER-&level=warn')).body.entries;
    expect(warn.map((e: LogEntry) => e.level)).toEqual(['warn', 'warn']);
    expect(warn[0].module).toBe('test');
    const text = JSON.stringify(all);
    for (const secret of ['hunter2-Secret', 'pw1234', 'abc123', 's3cret']) expect(text).not.toContain(secret);
    expect(warn[1].line).toContain('[redacted]');
  });

  it('downloads the current file; other users and bad file names are refused', async () => {
    const res = await fetch(`${srv.url}/api/logs/download`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="aniworld-all\.\d+\.log"$/);
    expect(await res.text()).toContain('marker-warn one');
    expect((await api.post('/api/users', { username: 'viewer', password: 'Viewer-Pass!42' })).status).toBe(201);
    const viewer = client(
      srv.url,
      (await client(srv.url).post('/api/auth/login', { username: 'viewer', password: 'Viewer-Pass!42' })).body.access_token,
    );
    expect((await viewer.get('/api/logs')).status).toBe(403);
    expect((await viewer.get('/api/logs/download')).status).toBe(403);
    for (const name of ['../config.json', '..%2Fconfig.json', 'config.json', '.hidden.log']) {
      expect([400, 404, 422], name).toContain((await api.get(`/api/logs?file=${name}`)).status);
    }
  });

  it('follows new lines live over Socket.IO (admins only)', async () => {
    const connect = (t: string) => {
      const s = io(srv.url, { auth: { token: t }, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(s);
      const seen: { type: string; data: Loose }[] = [];
      s.on('message', (m) => seen.push(m));
      return { s, seen };
    };
    const admin = connect(token);
    await until(async () => admin.seen.some((m) => m.type === 'connected'), 'connected');
    admin.s.emit('message', { action: 'join', data: { room: 'logs' } });
    await until(async () => admin.seen.some((m) => m.type === 'system_info' && m.data.room === 'logs'), 'joined');
    // the lines go through the typed event bus (delivered on this process only), like every message
    const viaBus: string[] = [];
    const offBus = srv.deps.bus.on((e) => {
      if (e.type === 'log_entries') viaBus.push(e.room);
    });
    srv.deps.log.warn({ api_key: 'live-key-123' }, 'live-marker');
    const msg = await until(
      async () => admin.seen.find((m) => m.type === 'log_entries' && m.data.entries.some((e: LogEntry) => e.msg === 'live-marker')),
      'the live line',
    );
    offBus();
    expect(viaBus).toContain('logs');
    const entry = msg.data.entries.find((e: LogEntry) => e.msg === 'live-marker');
    expect(entry).toMatchObject({ level: 'warn' });
    expect(entry.line).not.toContain('live-key-123');

    const viewerToken = (await client(srv.url).post('/api/auth/login', { username: 'viewer', password: 'Viewer-Pass!42' })).body
      .access_token;
    const viewer = connect(viewerToken);
    await until(async () => viewer.seen.some((m) => m.type === 'connected'), 'viewer connected');
    viewer.s.emit('message', { action: 'join', data: { room: 'logs' } });
    await until(async () => viewer.seen.some((m) => m.type === 'error'), 'refused');
    expect(viewer.seen.find((m) => m.type === 'error')!.data.message).toMatch(/administrator/);
  });
});

describe('log files', () => {
  it('rotate by size and keep backup_count + 1 files per process role', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-rot-'));
    fs.writeFileSync(
      path.join(dataDir, 'config.json'),
      JSON.stringify({ logging: { level: 'DEBUG', max_bytes: 16_384, backup_count: 2 } }),
    );
    const databaseUrl = await createTestDatabase();
    const web = await startTestServer({ dataDir, databaseUrl, env: { LOG_LEVEL: '', ROLE: 'web' } });
    extra.push(web);
    const worker = await startTestServer({ dataDir, databaseUrl, env: { LOG_LEVEL: '', ROLE: 'worker' } });
    extra.push(worker);
    const files = (role: string) =>
      fs
        .readdirSync(path.join(dataDir, 'logs'))
        .filter((f) => f.startsWith(`aniworld-${role}.`))
        .sort();
    // about 300 bytes a line, in batches of 20 as a busy server writes them: some 180 KB, eleven files' worth
    const read = (f: string) => {
      try {
        return fs.readFileSync(path.join(dataDir, 'logs', f), 'utf8');
      } catch {
        return '';
      }
    };
    const written = (batch: number) => files('web').some((f) => read(f).includes(`"batch":${batch},`));
    for (let batch = 0; batch < 30; batch++) {
      for (let i = 0; i < 20; i++) web.deps.log.debug({ batch, i, pad: 'x'.repeat(200) }, 'filler');
      await until(async () => written(batch), `batch ${batch} written`);
    }
    const number = (f: string) => Number(/\.(\d+)\.log$/.exec(f)![1]);
    expect(Math.max(...files('web').map(number))).toBeGreaterThanOrEqual(8);
    // at most backup_count (2) rotated files besides the current one, none of the early ones
    expect(files('web').length).toBeLessThanOrEqual(3);
    expect(files('web').length).toBeGreaterThanOrEqual(2);
    expect(
      files('web')
        .map(number)
        .every((n) => n >= 6),
    ).toBe(true);
    // pino-roll switches files once the writes in flight are done: a file ends a batch or two past max_bytes
    for (const f of files('web')) expect(fs.statSync(path.join(dataDir, 'logs', f)).size).toBeLessThan(16_384 + 13_000);
    // the worker writes its own file, never the web process's
    expect(files('worker').length).toBeGreaterThanOrEqual(1);
    expect(fs.readFileSync(path.join(dataDir, 'logs', files('worker')[0]), 'utf8')).toContain('"role":"worker"');
  });
});
