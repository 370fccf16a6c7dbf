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
  [a, b] = await Promise.all([startNode('web-a', databaseUrl, { ROLE: 'web' }), startNode('web-b', databaseUrl, { ROLE: 'web' })]);
  expect((await client(a.url).post('/api/auth/setup', { master_password: ADMIN_PASSWORD })).status).toBe(201);
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
});
