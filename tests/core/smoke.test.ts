import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, adminClient } from '../helpers/http.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.stop();
});

describe('smoke', () => {
  it('answers health and auth', async () => {
    const anon = client(srv.url);
    const h = await anon.get('/health');
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('healthy');
    const { api } = await adminClient(srv.url);
    const st = await api.get('/api/auth/status');
    expect(st.body).toMatchObject({ configured: true, authenticated: true });
  });
});
