import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, adminClient, client } from '../helpers/http.js';
import { sql } from '../../backend/src/db/pool.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;

/** A login as a browser makes it: the access token from the body, the refresh cookie from Set-Cookie. */
async function login(base: string, body: Record<string, unknown> = {}) {
  const res = await client(base).post('/api/auth/login', { password: ADMIN_PASSWORD, ...body });
  expect(res.status, res.text).toBe(200);
  const setCookie = res.headers.getSetCookie();
  expect(setCookie).toHaveLength(1);
  return {
    token: res.body.access_token as string,
    expiresAt: res.body.expires_at as string,
    setCookie: setCookie[0]!,
    cookie: setCookie[0]!.split(';')[0]!,
  };
}

const refresh = (base: string, cookie?: string) => client(base).post('/api/auth/refresh', undefined, cookie ? { Cookie: cookie } : {});
const claimsOf = (token: string) => jwt.decode(token, { complete: true }) as { header: { kid: string }; payload: jwt.JwtPayload };
const attributes = (setCookie: string) =>
  setCookie
    .split(';')
    .slice(1)
    .map((a) => a.trim().toLowerCase());

beforeAll(async () => {
  srv = await startTestServer();
  await adminClient(srv.url);
});
afterAll(async () => {
  await srv?.stop();
});

describe('access tokens and the refresh cookie', () => {
  it(
    'the login answers the spec shape with a 15-minute token and sets an HttpOnly, SameSite=Strict session cookie on the refresh path ' +
      'only',
    async () => {
      const before = Date.now();
      const l = await login(srv.url);
      const { header, payload } = claimsOf(l.token);
      expect(payload.exp! - payload.iat!).toBe(15 * 60);
      expect(typeof header.kid).toBe('string');
      expect(new Date(l.expiresAt).getTime()).toBeGreaterThanOrEqual(before + 15 * 60_000 - 1000);
      expect(new Date(l.expiresAt).getTime()).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
      expect(l.cookie).toMatch(/^aniworld_refresh=[\w-]{40,}$/);
      const attrs = attributes(l.setCookie);
      expect(attrs).toEqual(expect.arrayContaining(['path=/api/auth/refresh', 'samesite=strict', 'httponly']));
      // without "remember me": a session cookie, gone with the browser
      expect(attrs.some((a) => a.startsWith('expires=') || a.startsWith('max-age='))).toBe(false);
      // not Secure over plain HTTP (the browser would drop it), and the token is nowhere but the cookie
      expect(attrs).not.toContain('secure');
      expect(JSON.stringify(await srv.deps.db.any(sql.unsafe`select * from refresh_sessions`))).not.toContain(l.cookie.split('=')[1]);
    },
  );

  it('with "remember me" the cookie persists for 30 days; behind a TLS proxy it is Secure', async () => {
    const l = await login(srv.url, { remember: true });
    const expires = attributes(l.setCookie).find((a) => a.startsWith('expires='))!;
    const days = (new Date(expires.slice('expires='.length)).getTime() - Date.now()) / 86400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    const proxied = await startTestServer({ databaseUrl: srv.databaseUrl, env: { TRUSTED_PROXIES: '127.0.0.1' } });
    try {
      const res = await client(proxied.url).post('/api/auth/login', { password: ADMIN_PASSWORD }, { 'X-Forwarded-Proto': 'https' });
      expect(attributes(res.headers.getSetCookie()[0]!)).toContain('secure');
    } finally {
      await proxied.stop();
    }
  });

  it('the cookie gives new access tokens for the session; without it (or with a made-up one) 401', async () => {
    const l = await login(srv.url);
    const r = await refresh(srv.url, l.cookie);
    expect(r.status, r.text).toBe(200);
    // the login's shape, and the account (a page load restores its session in one round trip)
    expect(Object.keys(r.body).sort()).toEqual(['access_token', 'expires_at', 'token_type', 'user']);
    expect(r.body.user).toEqual({ id: expect.any(Number), username: 'admin', role: 'admin' });
    expect(r.body.token_type).toBe('bearer');
    expect(claimsOf(r.body.access_token).payload.sid).toBe(claimsOf(l.token).payload.sid);
    expect((await client(srv.url, r.body.access_token).get('/api/config')).status).toBe(200);
    const none = await refresh(srv.url);
    expect(none.status).toBe(401);
    expect(none.body.error).toBe('AUTHENTICATION_ERROR');
    const madeUp = await refresh(srv.url, 'aniworld_refresh=' + 'A'.repeat(43));
    expect(madeUp.status).toBe(401);
    // the access log: a signed-out browser's refresh (no cookie, every page load) at debug; a refused cookie warns
    const logLevel = (requestId: string | null) =>
      srv
        .logs()
        .split('\n')
        .filter((l) => l.includes(`"request_id":"${requestId}"`) && l.includes('"msg":"request"'))
        .map((l) => JSON.parse(l).level as number);
    expect(logLevel(none.headers.get('x-request-id'))).toEqual([20]);
    expect(logLevel(madeUp.headers.get('x-request-id'))).toEqual([40]);
    // a bearer token is no refresh credential
    expect((await client(srv.url, l.token).post('/api/auth/refresh')).status).toBe(401);
  });

  it('logout revokes every token of the session, the cookie stops refreshing and is cleared', async () => {
    const l = await login(srv.url);
    const other = (await refresh(srv.url, l.cookie)).body.access_token as string; // a second tab's token
    const out = await client(srv.url, l.token).post('/api/auth/logout');
    expect(out.status).toBe(200);
    const cleared = out.headers.getSetCookie()[0]!;
    expect(cleared).toMatch(/^aniworld_refresh=;/);
    expect(attributes(cleared)).toEqual(expect.arrayContaining(['path=/api/auth/refresh', 'expires=thu, 01 jan 1970 00:00:00 gmt']));
    expect((await client(srv.url, l.token).get('/api/config')).status).toBe(401);
    expect((await client(srv.url, other).get('/api/config')).status).toBe(401);
    expect((await refresh(srv.url, l.cookie)).status).toBe(401);
    // another login session is untouched
    const second = await login(srv.url);
    expect((await refresh(srv.url, second.cookie)).status).toBe(200);
  });

  it("a password change ends the other sessions but keeps the caller's", async () => {
    const created = await client(srv.url, (await login(srv.url)).token).post('/api/users', {
      username: 'mia',
      password: 'Mia-pass-123!',
      role: 'user',
    });
    expect(created.status, created.text).toBe(201);
    const mine = await login(srv.url, { username: 'mia', password: 'Mia-pass-123!' });
    const elsewhere = await login(srv.url, { username: 'mia', password: 'Mia-pass-123!' });
    const changed = await client(srv.url, mine.token).put('/api/users/me/password', {
      current_password: 'Mia-pass-123!',
      new_password: 'Mia-pass-456!',
    });
    expect(changed.status, changed.text).toBe(200);
    expect((await refresh(srv.url, elsewhere.cookie)).status).toBe(401);
    expect((await client(srv.url, elsewhere.token).get('/api/anime')).status).toBe(401);
    const again = await refresh(srv.url, mine.cookie);
    expect(again.status).toBe(200);
    expect((await client(srv.url, again.body.access_token).get('/api/anime')).status).toBe(200);
  });

  it('tokens signed with a rotated-out key verify for their lifetime, on every process, and not after', async () => {
    const other = await startTestServer({ databaseUrl: srv.databaseUrl });
    try {
      const old = await login(srv.url);
      const oldKid = claimsOf(old.token).header.kid;
      await srv.deps.keyring.rotate();
      const fresh = await login(srv.url);
      const newKid = claimsOf(fresh.token).header.kid;
      expect(newKid).not.toBe(oldKid);
      // the other process heard of the new key (NOTIFY): both tokens pass on both
      await until(
        async () => (await client(other.url, fresh.token).get('/api/config')).status === 200,
        'the other process accepting the new key',
      );
      for (const base of [srv.url, other.url]) {
        expect((await client(base, old.token).get('/api/config')).status, base).toBe(200);
        expect((await client(base, fresh.token).get('/api/config')).status, base).toBe(200);
      }
      // the keys live in the database, never in the log
      const secrets = await srv.deps.db.anyFirst(sql.unsafe`select secret from signing_keys`);
      for (const s of secrets) expect(srv.logs() + other.logs()).not.toContain(String(s));

      // 16 minutes after the new key took over, no token of the old one can be alive: it is refused
      await srv.deps.db.query(sql.unsafe`update signing_keys set created_at = now() - interval '1 day' where kid <> ${newKid}`);
      await srv.deps.db.query(sql.unsafe`update signing_keys set created_at = now() - interval '17 minutes' where kid = ${newKid}`);
      await srv.deps.keyring.reload();
      await other.deps.keyring.reload();
      for (const base of [srv.url, other.url]) {
        expect((await client(base, old.token).get('/api/config')).status, base).toBe(401);
        expect((await client(base, fresh.token).get('/api/config')).status, base).toBe(200);
      }
      // the next rotation deletes it
      await srv.deps.keyring.rotate();
      expect(await srv.deps.db.anyFirst(sql.unsafe`select kid from signing_keys`)).not.toContain(oldKid);
    } finally {
      await other.stop();
    }
  });

  it('a second start keeps the keyring: tokens survive a restart', async () => {
    const l = await login(srv.url);
    srv = await srv.restart();
    expect((await client(srv.url, l.token).get('/api/config')).status).toBe(200);
    expect((await refresh(srv.url, l.cookie)).status).toBe(200);
  });
});
