import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { routeSpecs } from '../../backend/src/http/route.js';
import { domainRouters } from '../../backend/src/app.js';
import type { ErrorBody } from '../helpers/http.js';

let srv: TestServer;
let api: ReturnType<typeof client>;
beforeAll(async () => {
  srv = await startTestServer();
  ({ api } = await adminClient(srv.url));
});
afterAll(async () => {
  await srv?.stop();
});

function expectEnvelope(res: { status: number; body: ErrorBody; headers: Headers }, status: number, error: string) {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ success: false, error });
  expect(Object.keys(res.body).sort()).toEqual(expect.arrayContaining(['details', 'error', 'message', 'request_id', 'success']));
  expect(res.body.message.length).toBeGreaterThan(0);
  expect(res.body.request_id).toBe(res.headers.get('x-request-id'));
}

describe('errors: one envelope for everything', () => {
  it('404 for unknown API routes, with or without a token', async () => {
    expectEnvelope(await api.get('/api/no-such-thing'), 404, 'NOT_FOUND_ERROR');
    expectEnvelope(await api.get('/api/config/nope/deeper'), 404, 'NOT_FOUND_ERROR');
    expectEnvelope(await client(srv.url).get('/health/nope'), 404, 'NOT_FOUND_ERROR');
  });

  it('405 for a known path with the wrong method', async () => {
    const res = await api.del('/api/config');
    expectEnvelope(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.get('allow')).toMatch(/GET/);
    expectEnvelope(await client(srv.url).call('PUT', '/api/auth/login', {}), 405, 'METHOD_NOT_ALLOWED');
    expectEnvelope(await client(srv.url).call('DELETE', '/health'), 405, 'METHOD_NOT_ALLOWED');
  });

  it('X-Request-Id on every response, echoed when the client sends a sane one', async () => {
    for (const res of [
      await api.get('/api/config'),
      await client(srv.url).get('/health'),
      await client(srv.url).get('/'),
      await api.get('/api/nope'),
    ]) {
      expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]{8,}$/);
    }
    const echoed = await api.get('/api/config', { 'X-Request-Id': 'my-trace-12345' });
    expect(echoed.headers.get('x-request-id')).toBe('my-trace-12345');
    const unsafe = await api.get('/api/config', { 'X-Request-Id': 'bad id <script>' });
    expect(unsafe.headers.get('x-request-id')).not.toContain('<');
  });

  it('422 VALIDATION_ERROR naming each bad field of body, query and path', async () => {
    const res = await client(srv.url).post('/api/auth/login', { password: 42, remember: 'yes', username: '' });
    expectEnvelope(res, 422, 'VALIDATION_ERROR');
    expect(Object.keys(res.body.details).sort()).toEqual(['body.password', 'body.remember', 'body.username']);
    expect(res.body.message).toContain('body.password');
    const missing = await client(srv.url).post('/api/auth/login', {});
    expectEnvelope(missing, 422, 'VALIDATION_ERROR');
    expect(missing.body.details).toHaveProperty(['body.password']);
    const path = await api.del('/api/users/not-a-number');
    expectEnvelope(path, 422, 'VALIDATION_ERROR');
    expect(path.body.details).toHaveProperty(['path.id']);
    const query = await api.post('/api/config/backups?name=' + 'x'.repeat(300));
    expectEnvelope(query, 422, 'VALIDATION_ERROR');
    expect(query.body.details).toHaveProperty(['query.name']);
  });

  it('malformed JSON gives 400; a body over the limit gives 413; nothing changes', async () => {
    const before = (await api.get('/api/config')).body;
    expectEnvelope(await api.call('PUT', '/api/config', '{"name": "x",'), 400, 'BAD_REQUEST');
    expectEnvelope(await client(srv.url).call('POST', '/api/auth/login', '{password'), 400, 'BAD_REQUEST');
    const huge = JSON.stringify({ providers: { hoster_domains: { blob: ['x'.repeat(2 * 1024 * 1024)] } } });
    expectEnvelope(await api.call('PUT', '/api/config', huge), 413, 'PAYLOAD_TOO_LARGE');
    expect((await api.get('/api/config')).body).toEqual(before);
  });

  it('an array or scalar where an object belongs is a 422, not a crash', async () => {
    expectEnvelope(await api.put('/api/config', [1, 2]), 422, 'VALIDATION_ERROR');
    expectEnvelope(await client(srv.url).call('POST', '/api/auth/login', '"just a string"'), 400, 'BAD_REQUEST');
  });
});

describe('security headers', () => {
  it('CSP without unsafe-eval, nosniff and frame-ancestors on API, UI, docs and errors', async () => {
    for (const p of ['/api/config', '/', '/api/docs', '/api/nope', '/health']) {
      const res = await api.get(p);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, p).toContain("frame-ancestors 'none'");
      // JSON answers get the strictest policy; documents the one the UI needs
      expect(csp, p).toMatch(res.headers.get('content-type')?.includes('json') ? /default-src 'none'/ : /default-src 'self'/);
      expect(csp, p).not.toContain('unsafe-eval');
      expect(csp, p).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(res.headers.get('x-content-type-options'), p).toBe('nosniff');
    }
    for (const p of ['/', '/api/docs', '/api/redoc']) {
      const res = await api.get(p);
      expect(res.headers.get('content-security-policy'), p).toContain("script-src 'self'");
      expect(res.headers.get('x-frame-options'), p).toBe('DENY');
    }
  });
});

describe('OpenAPI and API docs', () => {
  it('serves an OpenAPI 3.1.0 document listing every registered route', async () => {
    const res = await client(srv.url).get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const doc = JSON.parse(res.text);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    const specs = routeSpecs(domainRouters(srv.deps));
    expect(specs.length).toBeGreaterThan(15);
    for (const r of specs) {
      const p = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
      const op = doc.paths[p]?.[r.method];
      expect(op, `${r.method} ${r.path}`).toBeTruthy();
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
    // request bodies come from the zod schemas
    const login = doc.paths['/api/auth/login'].post;
    expect(login.requestBody.content['application/json'].schema.properties).toHaveProperty('password');
    expect(login.security).toEqual([]);
    expect(doc.paths['/api/users/{id}'].delete.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
  });

  it('Swagger UI and ReDoc load their assets from this server (offline)', async () => {
    const anon = client(srv.url);
    for (const page of ['/api/docs', '/api/redoc']) {
      const html = await anon.get(page);
      expect(html.status).toBe(200);
      expect(html.headers.get('content-type')).toMatch(/html/);
      const refs = [...html.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        expect(ref.startsWith('/'), `${page} refers to ${ref}`).toBe(true);
        const asset = await fetch(srv.url + ref);
        expect(asset.status, ref).toBe(200);
        expect((await asset.arrayBuffer()).byteLength, ref).toBeGreaterThan(100);
      }
    }
  });
});
