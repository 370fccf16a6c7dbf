import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, adminClient, client } from '../helpers/http.js';
import { sql } from '../../backend/src/db/pool.js';
import type { ErrorBody } from '../helpers/http.js';

const servers: TestServer[] = [];
async function server(env: Record<string, string>) {
  const s = await startTestServer({ env });
  servers.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const from = (ip: string) => ({ 'X-Forwarded-For': ip });
/** Behind TRUSTED_PROXIES no client is local: setup needs the code from the log (here: its file). */
const setupCode = (srv: TestServer) => fs.readFileSync(path.join(srv.dataDir, 'setup_code'), 'utf8');

function expect429(res: { status: number; body: ErrorBody & { detail?: string }; headers: Headers }) {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({ success: false, error: 'RATE_LIMIT_ERROR' });
  expect(res.body.detail).toBe(res.body.message);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(res.body.request_id).toBeTruthy();
}

describe(
  'authentication limits (setup 5 per 60 s per address; login delays per account and address, 100 failures an hour per ' + 'account)',
  () => {
    it('limits setup attempts; login failures hold back that address for that account only, with growing delays', async () => {
      const srv = await server({ TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '10000' });
      const anon = client(srv.url);

      // setup: 5 attempts from one address, the 6th is refused even with a good password
      const setup_code = setupCode(srv);
      for (let i = 0; i < 5; i++)
        expect((await anon.post('/api/auth/setup', { master_password: 'weak', setup_code }, from('10.0.0.1'))).status).toBe(400);
      const sixth = await anon.post('/api/auth/setup', { master_password: ADMIN_PASSWORD, setup_code }, from('10.0.0.1'));
      expect429(sixth);
      expect(sixth.body.detail).toBe('Too many authentication attempts, try again later');
      expect((await anon.get('/api/auth/status')).body.configured).toBe(false);
      expect((await anon.post('/api/auth/setup', { master_password: ADMIN_PASSWORD, setup_code }, from('10.0.0.2'))).status).toBe(201);

      // per (account, address): 5 failures, then that address waits, even with the right password
      for (let i = 0; i < 5; i++) {
        expect((await anon.post('/api/auth/login', { username: 'admin', password: 'Wrong-pass1!' }, from('10.0.1.1'))).status).toBe(401);
      }
      const held = await anon.post('/api/auth/login', { password: ADMIN_PASSWORD }, from('10.0.1.1'));
      expect429(held);
      expect(held.body.details.retry_after).toBeLessThanOrEqual(30);
      // ... but not the administrator on another address, nor other accounts on this one
      expect((await anon.post('/api/auth/login', { password: ADMIN_PASSWORD }, from('10.0.1.2'))).status).toBe(200);
      expect((await anon.post('/api/auth/login', { username: 'someone', password: 'Wrong-pass1!' }, from('10.0.1.1'))).status).toBe(401);
      // the delay grows: once it passed (the failure moved 31 s back), one more try, then 60 s
      await srv.deps.db.query(
        sql.unsafe`update login_failures set last_at = last_at - interval '31 seconds' where key = 'pair:admin|10.0.1.1'`,
      );
      expect((await anon.post('/api/auth/login', { password: 'Wrong-pass1!' }, from('10.0.1.1'))).status).toBe(401);
      const longer = await anon.post('/api/auth/login', { password: ADMIN_PASSWORD }, from('10.0.1.1'));
      expect429(longer);
      expect(longer.body.details.retry_after).toBeGreaterThan(30);
      expect(longer.body.details.retry_after).toBeLessThanOrEqual(60);
    });

    it('an account collects at most 100 failures an hour; an address that logged in before still gets in', async () => {
      const srv = await server({ TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '100000' });
      await adminClient(srv.url, setupCode(srv)); // logs in from 127.0.0.1: a known address
      const anon = client(srv.url);
      for (let i = 0; i < 100; i++) {
        expect((await anon.post('/api/auth/login', { password: 'Wrong-pass1!' }, from(`10.9.${i >> 8}.${i & 255}`))).status).toBe(401);
      }
      expect429(await anon.post('/api/auth/login', { password: ADMIN_PASSWORD }, from('10.9.9.9')));
      expect((await anon.post('/api/auth/login', { password: ADMIN_PASSWORD })).status).toBe(200);
    });

    it('six bad logins from one client give 429 with the spec body inside the envelope', async () => {
      const srv = await server({});
      await adminClient(srv.url);
      const anon = client(srv.url);
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await anon.post('/api/auth/login', { password: `Wrong-pass${i}!` })).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      const res = await anon.post('/api/auth/login', { password: ADMIN_PASSWORD });
      expect429(res);
      expect(res.body.detail).toBe('Too many authentication attempts, try again later');
      expect(res.body).not.toHaveProperty('access_token');
    });
  },
);

describe('general per-origin limit for requests without a valid token', () => {
  it('counts only unauthenticated API calls; X-Forwarded-For is ignored from an untrusted peer', async () => {
    const srv = await server({ RATE_LIMIT_PER_MINUTE: '5' });
    const { api } = await adminClient(srv.url); // setup + login: 2 counted requests
    const anon = client(srv.url);
    for (let i = 0; i < 20; i++) {
      expect((await api.get('/api/config')).status).toBe(200);
      expect((await anon.get('/health')).status).toBe(200);
    }
    for (let i = 0; i < 5; i++) {
      expect((await anon.get('/api/health')).status).toBe(200);
      expect((await anon.get('/')).status).toBe(200); // static UI
    }
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await anon.get('/api/config', from(`192.0.2.${i}`))).status);
    expect(results).toEqual([401, 401, 401, 429]);
    expect429(await anon.get('/api/auth/status', from('192.0.2.77')));
    // a bad token is no token
    expect429(await client(srv.url, 'not.a.token').get('/api/config'));
    // the signed-in UI is never limited
    expect((await api.get('/api/config')).status).toBe(200);
    expect((await api.get('/api/auth/status')).status).toBe(200);
    expect((await anon.get('/health/detailed')).status).toBe(200);
  });

  it('believes X-Forwarded-For from a trusted proxy (a CIDR range): each client has its own budget', async () => {
    const srv = await server({ RATE_LIMIT_PER_MINUTE: '3', TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.0/8' });
    const anon = client(srv.url);
    const a = [];
    for (let i = 0; i < 4; i++) a.push((await anon.get('/api/config', from('203.0.113.1'))).status);
    expect(a).toEqual([401, 401, 401, 429]);
    expect((await anon.get('/api/config', from('203.0.113.2'))).status).toBe(401);
    // the nearest untrusted hop counts, not whatever the client wrote first
    expect((await anon.get('/api/config', from('198.51.100.9, 203.0.113.1'))).status).toBe(429);
    // a hop inside a trusted range is skipped too (a second proxy on the Docker network)
    expect((await anon.get('/api/config', from('203.0.113.1, 10.1.2.3'))).status).toBe(429);
    expect((await anon.get('/api/config', from('203.0.113.7, 10.1.2.3'))).status).toBe(401);
  });

  it('refuses a TRUSTED_PROXIES entry that is not an address or range', async () => {
    await expect(server({ TRUSTED_PROXIES: '127.0.0.1, docker-net' })).rejects.toThrow(/TRUSTED_PROXIES/);
  });
});
