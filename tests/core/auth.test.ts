import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, client } from '../helpers/http.js';
import type { User } from '../../frontend/src/api/types.ts';
import type { ErrorBody } from '../helpers/http.js';

let srv: TestServer;
beforeAll(async () => {
  // 10 concurrent setups from one address must not be cut short by the setup limit here
  srv = await startTestServer({ env: { AUTH_RATE_LIMIT: '20' } });
});
afterAll(async () => {
  await srv?.stop();
});

const expectEnvelope = (body: ErrorBody, error: string) => {
  expect(body).toMatchObject({ success: false, error });
  expect(typeof body.message).toBe('string');
  expect(typeof body.request_id).toBe('string');
  expect(body.details).toBeTypeOf('object');
};

describe('auth: setup, login, logout, status', () => {
  it('reports not configured before setup', async () => {
    const st = await client(srv.url).get('/api/auth/status');
    expect(st.status).toBe(200);
    expect(st.body).toMatchObject({ configured: false, authenticated: false });
  });

  it('refuses passwords that break the policy, naming what is missing', async () => {
    const anon = client(srv.url);
    for (const [pw, missing] of [
      ['Sh0rt!', '8 characters'],
      ['alllower1!', 'upper-case'],
      ['ALLUPPER1!', 'lower-case'],
      ['NoDigits!!', 'digit'],
      ['NoSpecial123', 'special'],
    ] as const) {
      const res = await anon.post('/api/auth/setup', { master_password: pw });
      expect(res.status, pw).toBe(400);
      expectEnvelope(res.body, 'BAD_REQUEST');
      expect(res.body.message).toContain(missing);
    }
    const relative = await anon.post('/api/auth/setup', { master_password: ADMIN_PASSWORD, anime_directory: 'relative/dir' });
    expect(relative.status).toBe(400);
    expect(relative.body.details).toHaveProperty('anime_directory');
    expect((await anon.get('/api/auth/status')).body.configured).toBe(false);
  });

  it('lets exactly one of 10 concurrent setups win', async () => {
    const anon = client(srv.url);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => anon.post('/api/auth/setup', { master_password: `${ADMIN_PASSWORD}${i}` })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(9);
    const winner = results.findIndex((r) => r.status === 201);
    expect(results[winner].body).toEqual({ status: 'ok' });
    // only the winner's password logs in
    const ok = await anon.post('/api/auth/login', { password: `${ADMIN_PASSWORD}${winner}` });
    expect(ok.status).toBe(200);
    const other = await anon.post('/api/auth/login', { password: `${ADMIN_PASSWORD}${(winner + 1) % 10}` });
    expect(other.status).toBe(401);
    // a later setup is refused too
    const again = await anon.post('/api/auth/setup', { master_password: ADMIN_PASSWORD });
    expect(again.status).toBe(400);
    expect(again.body.message).toMatch(/already configured/i);
    // keep the known password for the rest of the file
    const token = ok.body.access_token;
    const users = await client(srv.url, token).get('/api/users');
    const res = await client(srv.url, token).put(`/api/users/${users.body[0].id}/password`, { password: ADMIN_PASSWORD });
    expect(res.status).toBe(200);
  });

  it(
    'logs in with token type and a 15-minute expiry; "remember me" makes the refresh cookie persistent, not the token ' + 'longer',
    async () => {
      const anon = client(srv.url);
      const t0 = Date.now();
      const short = await anon.post('/api/auth/login', { password: ADMIN_PASSWORD });
      expect(short.status).toBe(200);
      expect(short.body.token_type).toBe('bearer');
      expect(short.body.access_token.split('.')).toHaveLength(3);
      const long = await anon.post('/api/auth/login', { password: ADMIN_PASSWORD, remember: true });
      const shortExp = Date.parse(short.body.expires_at);
      const longExp = Date.parse(long.body.expires_at);
      for (const exp of [shortExp, longExp]) {
        expect(exp).toBeGreaterThan(t0 + 14 * 60_000);
        expect(exp).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
      }
      expect(short.headers.getSetCookie()[0]).not.toMatch(/expires=/i);
      expect(long.headers.getSetCookie()[0]).toMatch(/expires=/i);
      // login by name works as well
      const named = await anon.post('/api/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
      expect(named.status).toBe(200);
      const st = await client(srv.url, short.body.access_token).get('/api/auth/status');
      expect(st.body).toMatchObject({ configured: true, authenticated: true, user: { username: 'admin', role: 'admin' } });
    },
  );

  it('rejects a wrong password with 401 in the envelope', async () => {
    const res = await client(srv.url).post('/api/auth/login', { password: 'Wrong-Password1!' });
    expect(res.status).toBe(401);
    expectEnvelope(res.body, 'AUTHENTICATION_ERROR');
    expect(res.body).not.toHaveProperty('access_token');
  });

  it('logout revokes the token and only that one', async () => {
    const anon = client(srv.url);
    const a = (await anon.post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token;
    const b = (await anon.post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token;
    expect((await client(srv.url, a).get('/api/config')).status).toBe(200);
    const out = await client(srv.url, a).post('/api/auth/logout');
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ status: 'ok', message: 'Logged out successfully' });
    const after = await client(srv.url, a).get('/api/config');
    expect(after.status).toBe(401);
    expectEnvelope(after.body, 'AUTHENTICATION_ERROR');
    expect((await client(srv.url, a).get('/api/auth/status')).body.authenticated).toBe(false);
    expect((await client(srv.url, b).get('/api/config')).status).toBe(200);
    // logging out without a token is refused
    expect((await anon.post('/api/auth/logout')).status).toBe(401);
  });
});

describe('users', () => {
  let admin: ReturnType<typeof client>;
  beforeAll(async () => {
    const login = await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
    admin = client(srv.url, login.body.access_token);
  });

  it('admin creates, lists and deletes users; names are unique; policy applies', async () => {
    const created = await admin.post('/api/users', { username: 'alice', password: 'Alice-Pass1!' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'alice', role: 'user' });
    expect(created.body).not.toHaveProperty('password_hash');
    expect((await admin.post('/api/users', { username: 'ALICE', password: 'Alice-Pass1!' })).status).toBe(409);
    const weak = await admin.post('/api/users', { username: 'bob', password: 'weak' });
    expect(weak.status).toBe(400);
    expect(weak.body.details).toHaveProperty('password');
    const bad = await admin.post('/api/users', { username: 'no spaces/allowed', password: 'Alice-Pass1!' });
    expect(bad.status).toBe(422);
    expect(bad.body.details).toHaveProperty(['body.username']);
    const list = await admin.get('/api/users');
    expect(list.body.map((u: User) => u.username)).toEqual(['admin', 'alice']);
    const temp = await admin.post('/api/users', { username: 'temp', password: 'Temp-Pass1!' });
    const tempToken = (await client(srv.url).post('/api/auth/login', { username: 'temp', password: 'Temp-Pass1!' })).body.access_token;
    expect((await client(srv.url, tempToken).get('/api/anime/status')).status).toBe(200);
    expect((await admin.del(`/api/users/${temp.body.id}`)).status).toBe(204);
    expect((await admin.del(`/api/users/${temp.body.id}`)).status).toBe(404);
    // a deleted user's token stops working at once
    expect((await client(srv.url, tempToken).get('/api/anime/status')).status).toBe(401);
    expect((await client(srv.url).post('/api/auth/login', { username: 'temp', password: 'Temp-Pass1!' })).status).toBe(401);
  });

  it('a non-admin gets 403 on user management but uses the rest', async () => {
    const login = await client(srv.url).post('/api/auth/login', { username: 'alice', password: 'Alice-Pass1!' });
    expect(login.status).toBe(200);
    const alice = client(srv.url, login.body.access_token);
    for (const res of [
      await alice.get('/api/users'),
      await alice.post('/api/users', { username: 'mallory', password: 'Mallory-Pass1!' }),
      await alice.del('/api/users/1'),
      await alice.put('/api/users/1/password', { password: 'Hacked-Pass1!' }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ success: false, error: 'FORBIDDEN' });
    }
    expect((await alice.get('/api/anime/status')).status).toBe(200);
    expect((await alice.get('/api/users/me')).body).toMatchObject({ username: 'alice', role: 'user' });
    expect((await alice.get('/api/auth/status')).body.user).toMatchObject({ username: 'alice', role: 'user' });
    // the admin still logs in with the unchanged password
    expect((await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).status).toBe(200);
  });

  it('changing your own password revokes your other tokens but keeps the current one', async () => {
    const anon = client(srv.url);
    const login = () => anon.post('/api/auth/login', { username: 'alice', password: 'Alice-Pass1!' });
    const current = client(srv.url, (await login()).body.access_token);
    const other = client(srv.url, (await login()).body.access_token);
    const wrong = await current.put('/api/users/me/password', { current_password: 'nope', new_password: 'Alice-Pass2!' });
    expect(wrong.status).toBe(400);
    const res = await current.put('/api/users/me/password', { current_password: 'Alice-Pass1!', new_password: 'Alice-Pass2!' });
    expect(res.status).toBe(200);
    expect((await current.get('/api/users/me')).status).toBe(200);
    expect((await other.get('/api/users/me')).status).toBe(401);
    expect((await login()).status).toBe(401);
    expect((await anon.post('/api/auth/login', { username: 'alice', password: 'Alice-Pass2!' })).status).toBe(200);
  });

  it('admin resets a password: the user logs in with the new one, old tokens die', async () => {
    const anon = client(srv.url);
    const old = client(srv.url, (await anon.post('/api/auth/login', { username: 'alice', password: 'Alice-Pass2!' })).body.access_token);
    const list = await admin.get('/api/users');
    const alice = list.body.find((u: User) => u.username === 'alice');
    expect((await admin.put(`/api/users/${alice.id}/password`, { password: 'short' })).status).toBe(400);
    expect((await admin.put(`/api/users/${alice.id}/password`, { password: 'Reset-Pass1!' })).status).toBe(200);
    expect((await old.get('/api/users/me')).status).toBe(401);
    expect((await anon.post('/api/auth/login', { username: 'alice', password: 'Reset-Pass1!' })).status).toBe(200);
    expect((await admin.put('/api/users/9999/password', { password: 'Reset-Pass1!' })).status).toBe(404);
    // the last admin cannot delete itself
    const me = (await admin.get('/api/users/me')).body;
    expect((await admin.del(`/api/users/${me.id}`)).status).toBe(400);
  });
});
