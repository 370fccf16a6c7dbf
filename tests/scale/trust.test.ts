import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { ADMIN_PASSWORD, client } from '../helpers/http.js';
import { startNode, stopAllNodes, type Node } from './cluster.js';

/** Two `ROLE=web` processes on one database: what the trust boundary decides holds on both. */
let a: Node;
let b: Node;
let admin: ReturnType<typeof client>;

beforeAll(async () => {
  const databaseUrl = await createTestDatabase();
  const env = { ROLE: 'web', RATE_LIMIT_PER_MINUTE: '10', TRUSTED_PROXIES: '127.0.0.1' };
  [a, b] = await Promise.all([startNode('web-a', databaseUrl, env), startNode('web-b', databaseUrl, env)]);
  // behind TRUSTED_PROXIES no client is local: the setup code from the log (here: its file)
  const setup_code = fs.readFileSync(path.join(a.dataDir, 'setup_code'), 'utf8');
  expect((await client(a.url).post('/api/auth/setup', { master_password: ADMIN_PASSWORD, setup_code })).status).toBe(201);
  admin = client(a.url, (await client(a.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token);
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await stopAllNodes();
});

describe('two web processes', () => {
  it('an API key made on A reads the library on B, and is refused by B as soon as A revoked it', async () => {
    const { key, id } = (await admin.post('/api/auth/api-keys', { name: 'dashboard' })).body;
    expect((await client(b.url).get('/api/anime', { 'X-Api-Key': key })).status).toBe(200);
    expect((await admin.del(`/api/auth/api-keys/${id}`)).status).toBe(204);
    const after = await client(b.url).get('/api/anime', { 'X-Api-Key': key });
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('AUTHENTICATION_ERROR');
  });

  it('together allow no more anonymous requests a minute than one process', async () => {
    const from = { 'X-Forwarded-For': '198.51.100.20' };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await client(i % 2 ? b.url : a.url).get('/api/anime', from)).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    // another address has its own budget on both
    expect((await client(b.url).get('/api/anime', { 'X-Forwarded-For': '198.51.100.21' })).status).toBe(401);
  });

  it('share the login throttle: failures on A and B add up; the administrator still logs in from another address', async () => {
    const attacker = { 'X-Forwarded-For': '203.0.113.66' };
    for (let i = 0; i < 5; i++) {
      const res = await client(i % 2 ? b.url : a.url).post('/api/auth/login', { password: 'Wrong-pass1!' }, attacker);
      expect(res.status).toBe(401);
    }
    expect((await client(a.url).post('/api/auth/login', { password: ADMIN_PASSWORD }, attacker)).status).toBe(429);
    expect((await client(b.url).post('/api/auth/login', { password: ADMIN_PASSWORD }, attacker)).status).toBe(429);
    expect((await client(b.url).post('/api/auth/login', { password: ADMIN_PASSWORD }, { 'X-Forwarded-For': '192.0.2.10' })).status).toBe(
      200,
    );
  });
});
