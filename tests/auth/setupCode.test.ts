import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, client } from '../helpers/http.js';

const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

describe('first-run setup code', () => {
  it('is printed to the log and required from a client behind a trusted proxy (a reverse proxy on this host is not local)', async () => {
    const srv = await startTestServer({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
    servers.push(srv);
    const code = /"setup_code":"([A-Za-z0-9_-]{12})"/.exec(srv.logs())?.[1];
    expect(code).toBeTruthy();
    expect(fs.statSync(path.join(srv.dataDir, 'setup_code')).mode & 0o777).toBe(0o600);
    const anon = client(srv.url);
    for (const setup_code of [undefined, 'wrong-code-1']) {
      const res = await anon.post('/api/auth/setup', { master_password: ADMIN_PASSWORD, setup_code }, { 'X-Forwarded-For': '203.0.113.9' });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: 'FORBIDDEN', details: { setup_code: expect.any(String) } });
    }
    // the proxy itself (loopback peer, no X-Forwarded-For) is not local either
    expect((await anon.post('/api/auth/setup', { master_password: ADMIN_PASSWORD })).status).toBe(403);
    expect((await anon.get('/api/auth/status')).body.configured).toBe(false);
    const ok = await anon.post(
      '/api/auth/setup',
      { master_password: ADMIN_PASSWORD, setup_code: code },
      { 'X-Forwarded-For': '203.0.113.9' },
    );
    expect(ok.status).toBe(201);
    expect(fs.existsSync(path.join(srv.dataDir, 'setup_code'))).toBe(false); // one time
  });

  it('is not needed from a loopback client that no proxy forwarded', async () => {
    const srv = await startTestServer();
    servers.push(srv);
    expect((await client(srv.url).post('/api/auth/setup', { master_password: ADMIN_PASSWORD })).status).toBe(201);
  });
});
