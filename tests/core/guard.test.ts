import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import type { DocOperation } from '../helpers/http.js';

let srv: TestServer;
let token: string;
let revoked: string;
let key: { kid: string; key: import('node:crypto').KeyObject };
const protectedRoutes: { method: string; path: string }[] = [];

/** A request with its path exactly as written (fetch resolves dot segments first). */
function rawRequest(method: string, p: string, bearer: string | null): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    const req = http.request({ host: '127.0.0.1', port: srv.port, path: p, method, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

beforeAll(async () => {
  // many unauthenticated requests from one address: lift the per-origin limit for this file
  srv = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: '100000' } });
  ({ token } = await adminClient(srv.url));
  const anon = client(srv.url);
  revoked = (await anon.post('/api/auth/login', { password: 'Sup3r-Secret!pw' })).body.access_token;
  expect((await client(srv.url, revoked).post('/api/auth/logout')).status).toBe(200);
  key = srv.deps.keyring.signingKey();
  const doc = (await anon.get('/api/openapi.json')).body;
  for (const [p, ops] of Object.entries<Record<string, DocOperation>>(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      if (!isPublic && p.startsWith('/api/')) protectedRoutes.push({ method: method.toUpperCase(), path: p.replace(/\{[^}]+\}/g, '1') });
    }
  }
});
afterAll(async () => {
  await srv?.stop();
});

function badTokens(): Record<string, string> {
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  const without = (c: object, claim: string) => Object.fromEntries(Object.entries(c).filter(([k]) => k !== claim));
  // signed with the ring's current key and kid unless the case is about those
  const signed = (c: object, algorithm: jwt.Algorithm = 'HS256') =>
    jwt.sign({ ...c, jti: crypto.randomUUID() }, key.key, { algorithm, keyid: key.kid, noTimestamp: !('iat' in c) });
  return {
    'wrong signature': jwt.sign({ ...claims, exp: now + 600 }, 'some-other-secret-of-enough-length', { keyid: key.kid }),
    'alg none': `${b64({ alg: 'none', typ: 'JWT', kid: key.kid })}.${b64({ ...claims, exp: now + 600 })}.`,
    'no key id': jwt.sign({ ...claims, jti: crypto.randomUUID() }, key.key, { algorithm: 'HS256' }),
    'unknown key id': jwt.sign({ ...claims, jti: crypto.randomUUID() }, key.key, { algorithm: 'HS256', keyid: 'no-such-key' }),
    expired: signed({ ...claims, exp: now - 10 }),
    'longer life than 15 minutes': signed({ ...claims, iat: now, exp: now + 15 * 60 + 1 }),
    'issued in the future': signed({ ...claims, iat: now + 3600, exp: now + 3600 + 600 }),
    'no iat': signed(without(claims, 'iat')),
    'no session id': signed(without(claims, 'sid')),
    'wrong audience': signed({ ...claims, aud: 'someone-else' }),
    'HS512 instead of HS256': signed(claims, 'HS512'),
    'no expiry': signed(without(claims, 'exp')),
    'no issuer': signed(without(claims, 'iss')),
    'wrong issuer': signed({ ...claims, iss: 'evil' }),
    'unknown user': signed({ ...claims, sub: '999' }),
    revoked,
    garbage: 'not.a.token',
  };
}

describe('every protected route refuses callers without a valid token', () => {
  it('the OpenAPI document lists protected routes (sanity: the loop below is not empty)', () => {
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(10);
    expect(protectedRoutes).toContainEqual({ method: 'GET', path: '/api/config' });
    expect(protectedRoutes).toContainEqual({ method: 'GET', path: '/api/users' });
  });

  it('answers 401 in the envelope for no token and for each bad token', async () => {
    const variants: Record<string, string | null> = { 'no token': null, ...badTokens() };
    const failures: string[] = [];
    // a route's variants go at once (the server answers them side by side; each answer is checked alone)
    for (const r of protectedRoutes) {
      await Promise.all(
        Object.entries(variants).map(async ([name, t]) => {
          const headers: Record<string, string> = t ? { Authorization: `Bearer ${t}` } : {};
          const res = await client(srv.url).call(r.method, r.path, r.method === 'GET' || r.method === 'DELETE' ? undefined : {}, headers);
          if (res.status !== 401 || res.body?.error !== 'AUTHENTICATION_ERROR' || res.body?.success !== false || !res.body?.request_id) {
            failures.push(`${r.method} ${r.path} with ${name}: ${res.status} ${res.text.slice(0, 80)}`);
          }
        }),
      );
    }
    expect(failures.sort()).toEqual([]);
  }, 240_000);

  it('the good token passes on the same routes (the 401s above are about the token)', async () => {
    const api = client(srv.url, token);
    for (const p of ['/api/config', '/api/users', '/api/config/backups', '/api/users/me']) {
      expect((await api.get(p)).status, p).toBe(200);
    }
    // and a token forged the way the bad ones are, with nothing wrong, passes too
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    const forged = jwt.sign({ ...claims, jti: crypto.randomUUID() }, key.key, { algorithm: 'HS256', keyid: key.kid });
    expect((await client(srv.url, forged).get('/api/config')).status).toBe(200);
  });

  it('the login requirement is decided on the matched route, never on the path or the query string', async () => {
    const probes = [
      '/api/config?x=/api/auth/login',
      '/api/config?/api/auth/login',
      '/api/config#/api/auth/login',
      '/api/auth/login/../../config',
      '/api/auth/login/%2e%2e/%2e%2e/config',
      '/api/auth/%2e%2e/config',
      '/api/health/..%2f..%2fconfig',
      '/api/docs/%2e%2e/%2e%2e/api/config',
      '//api/config',
      '/api//config',
      '/api/config/',
      '/api/config//',
      '/API/config',
      '/Api/Config',
      '/api/users/',
      '/API/USERS',
      '/api/config/backups/',
      '/api/auth/status/../../users',
    ];
    for (const p of probes) {
      const res = await fetch(srv.url + p);
      const body = await res.json().catch(() => null);
      expect([400, 401, 404], p).toContain(res.status);
      if (res.status === 401) expect(body.error, p).toBe('AUTHENTICATION_ERROR');
      // nothing protected leaks: never a config or user list
      expect(JSON.stringify(body), p).not.toMatch(/anime_directory|password_hash|"username"/);
    }
    // the spellings Koa routes to a protected route are 401 (not merely "not found")
    for (const p of ['/api/config?x=/api/auth/login', '/API/config', '/api/config/', '/Api/Config', '/api/users/', '/API/USERS']) {
      expect((await fetch(srv.url + p)).status, p).toBe(401);
    }
  });

  it('encoded separators and dot segments in a path parameter are a 400 before any handler runs', async () => {
    const sentinel = path.join(srv.animeDir, '..', 'sentinel');
    fs.mkdirSync(sentinel, { recursive: true });
    fs.writeFileSync(path.join(sentinel, 'keep.txt'), "not the product's");
    const probes: [string, string][] = [
      ['GET', '/api/nfo/..%2f..%2fx/check'],
      ['DELETE', '/api/anime/..%2f..%2fx'],
      ['DELETE', '/api/anime/..%2fsentinel?delete_files=true'],
      ['DELETE', '/api/anime/%2e%2e?delete_files=true'], // sent as written (fetch would resolve it)
      ['GET', '/api/anime/..%5c..%5cx'],
      ['GET', '/api/anime/a%2fb/artwork/poster'],
      ['POST', '/api/nfo/%2e%2e/create'],
    ];
    for (const [method, p] of probes) {
      for (const t of [null, token]) {
        const res = await rawRequest(method, p, t);
        expect(res.status, `${method} ${p} ${t ? 'admin' : 'anonymous'}`).toBe(400);
        expect(JSON.parse(res.body)).toMatchObject({ success: false, error: 'BAD_REQUEST' });
      }
    }
    expect(fs.readdirSync(sentinel)).toEqual(['keep.txt']);
  });

  it('public endpoints stay reachable without a token', async () => {
    const anon = client(srv.url);
    expect((await anon.get('/api/auth/status')).status).toBe(200);
    expect((await anon.get('/api/health')).status).toBe(200);
    expect((await anon.get('/health')).status).toBe(200);
    expect((await anon.get('/api/openapi.json')).status).toBe(200);
    expect((await anon.get('/api/docs')).status).toBe(200);
    expect((await anon.get('/ws/status')).status).toBe(200);
  });
});
