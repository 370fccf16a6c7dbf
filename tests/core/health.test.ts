import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { createTestDatabase } from '../helpers/db.js';
import { until } from '../helpers/poll.js';

const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
});

describe('health', () => {
  it('/health and /health/detailed report a healthy product', async () => {
    const srv = await startTestServer();
    servers.push(srv);
    const anon = client(srv.url);
    const basic = await anon.get('/health');
    expect(basic.status).toBe(200);
    expect(basic.body).toEqual({ status: 'healthy', timestamp: expect.any(String), version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(Math.abs(Date.parse(basic.body.timestamp) - Date.now())).toBeLessThan(60_000);
    expect((await anon.get('/api/health')).body.status).toBe('healthy');
    // the same answer for every spelling a monitor may use, with the caller's trace id kept
    for (const p of ['/health?probe=1', '/health/', '/api/health']) {
      const res = await anon.get(p, { 'X-Request-Id': 'monitor-probe-42' });
      expect(res.status, p).toBe(200);
      expect(Object.keys(res.body).sort(), p).toEqual(['status', 'timestamp', 'version']);
      expect(res.headers.get('x-request-id'), p).toBe('monitor-probe-42');
      expect(res.headers.get('content-type'), p).toBe('application/json; charset=utf-8');
    }
    const head = await fetch(srv.url + '/health', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');

    // anonymous: the verdicts only, nothing about paths, ffmpeg, figures or errors
    const res = await anon.get('/health/detailed');
    expect(res.status).toBe(200);
    const { dependencies: pub, ...top } = res.body;
    expect(top.status).toBe('healthy');
    expect(Date.parse(top.startup_time)).toBeLessThanOrEqual(Date.now());
    expect(Object.keys(pub).sort()).toEqual(['database', 'filesystem']);
    expect(pub.database).toMatchObject({ status: 'healthy', message: 'Database connection successful' });
    expect(pub.filesystem).toEqual({ status: 'healthy', data_dir_writable: true, logs_dir_writable: true });
    expect(res.text).not.toContain(srv.dataDir);
    expect(res.text).not.toMatch(/ffmpeg|ffprobe/);
    // logged in: the full figures
    const { api } = await adminClient(srv.url);
    const full = await api.get('/api/health/detailed');
    const d = full.body.dependencies;
    expect(d.database.connection_time_ms).toBeGreaterThan(0);
    for (const k of ['cpu_percent', 'memory_percent', 'disk_percent']) {
      expect(d.system[k], k).toBeGreaterThanOrEqual(0);
      expect(d.system[k], k).toBeLessThanOrEqual(100);
    }
    expect(d.system.memory_available_mb).toBeGreaterThan(0);
    expect(d.system.disk_free_mb).toBeGreaterThan(0);
    expect(d.system.uptime_seconds).toBeGreaterThan(0);
    // HTTP answers before the job runner has started; once startApp resolved it runs
    expect(d.worker).toEqual({ status: 'running' });
    // the probe files are cleaned up
    expect(fs.readdirSync(srv.dataDir).filter((f) => f.startsWith('.health'))).toEqual([]);
  });

  it('reports unhealthy with 503 when the logs folder is not writable', async () => {
    {
      // a file where the logs folder belongs (permissions would not stop root)
      const srv = await startTestServer({ env: { LOG_FILE: 'false' } });
      servers.push(srv);
      fs.rmSync(path.join(srv.dataDir, 'logs'), { recursive: true, force: true });
      fs.writeFileSync(path.join(srv.dataDir, 'logs'), 'not a folder');
      const res = await client(srv.url).get('/health/detailed');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('unhealthy');
      expect(res.body.dependencies.filesystem).toMatchObject({ data_dir_writable: true, logs_dir_writable: false });
    }
  });

  it('reports unhealthy with 503 when the database is gone', async () => {
    const databaseUrl = await createTestDatabase();
    const srv = await startTestServer({ databaseUrl });
    servers.push(srv);
    expect((await client(srv.url).get('/health/detailed')).status).toBe(200);
    const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await admin.connect();
    await admin.query(`drop database "${new URL(databaseUrl).pathname.slice(1)}" with (force)`);
    await admin.end();
    const res = await client(srv.url).get('/health/detailed');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('unhealthy');
    expect(res.body.dependencies.database).toMatchObject({ status: 'unhealthy', connection_time_ms: null });
    expect(res.body.dependencies.database.message).toBe('Database unreachable'); // no error text for anonymous callers
    // the basic check answers from the last known state (no query): unhealthy too
    await until(async () => (await client(srv.url).get('/health')).status === 503, 'health 503', 10_000);
    expect((await client(srv.url).get('/health')).body.status).toBe('unhealthy');
  });
});
