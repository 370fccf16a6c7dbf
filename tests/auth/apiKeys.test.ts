import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { verifyApiKey } from '../../backend/src/auth/apiKeys.js';
import { sql } from '../../backend/src/db/pool.js';
import type { ApiKey } from '../../frontend/src/api/types.ts';

let srv: TestServer;
let api: Awaited<ReturnType<typeof adminClient>>['api'];
let kid: ReturnType<typeof client>;

beforeAll(async () => {
  srv = await startTestServer();
  ({ api } = await adminClient(srv.url));
  await api.post('/api/users', { username: 'kid', password: 'Kid-pass-123!' });
  kid = client(srv.url, (await client(srv.url).post('/api/auth/login', { username: 'kid', password: 'Kid-pass-123!' })).body.access_token);
});
afterAll(async () => {
  await srv?.stop();
});

describe('API keys', () => {
  it('shown once, listed by name and prefix, read the library with X-Api-Key or Bearer', async () => {
    const created = await kid.post('/api/auth/api-keys', { name: 'Home Assistant' });
    expect(created.status).toBe(201);
    const { key, prefix, id } = created.body;
    expect(key).toMatch(/^aw_[0-9a-f]{8}_/);
    expect(key.startsWith(prefix)).toBe(true);
    const list = await kid.get('/api/auth/api-keys');
    expect(list.body).toEqual([{ id, name: 'Home Assistant', prefix, created_at: expect.any(String), last_used_at: null }]);
    expect(list.text).not.toContain(key);

    const anon = client(srv.url);
    expect((await anon.get('/api/anime', { 'X-Api-Key': key })).status).toBe(200);
    expect((await client(srv.url, key).get('/api/queue/status')).status).toBe(200);
    // the owner's role: a user's key is no administrator
    const denied = await anon.get('/api/config', { 'X-Api-Key': key });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe('FORBIDDEN');
    expect((await kid.get('/api/auth/api-keys')).body[0].last_used_at).not.toBeNull();
    // the stored value is a hash: the key is nowhere in the database
    const rows = JSON.stringify(await srv.deps.db.any(sql.unsafe`select * from api_keys`));
    expect(rows).not.toContain(key.slice(12));
    expect((await verifyApiKey(srv.deps, key))?.username).toBe('kid');
    expect(await verifyApiKey(srv.deps, key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'))).toBeNull();
  });

  it('a wrong key is 401; revoking works at once; another user cannot revoke it', async () => {
    const { key, id } = (await kid.post('/api/auth/api-keys', { name: 'script' })).body;
    const wrong = await client(srv.url).get('/api/anime', { 'X-Api-Key': 'aw_00000000_' + 'x'.repeat(43) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('AUTHENTICATION_ERROR');
    expect((await api.del(`/api/auth/api-keys/${id}`)).status).toBe(404); // the admin's own list has no such key
    expect((await kid.del(`/api/auth/api-keys/${id}`)).status).toBe(204);
    expect((await client(srv.url).get('/api/anime', { 'X-Api-Key': key })).status).toBe(401);
    expect((await kid.get('/api/auth/api-keys')).body.map((k: ApiKey) => k.name)).toEqual(['Home Assistant']);
  });

  it('is documented as a security scheme', async () => {
    const doc = (await client(srv.url).get('/api/openapi.json')).body;
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Api-Key' });
    expect(doc.security).toContainEqual({ apiKey: [] });
  });
});
