import Router from '@koa/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SITE, startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { domainRouters } from '../../backend/src/app.js';
import { accessOf, type Access } from '../../backend/src/http/access.js';
import { ApiRouter, route, routeSpecs } from '../../backend/src/http/route.js';
import { openApiDocument } from '../../backend/src/http/openapi.js';
import { REFRESH_PATH } from '../../backend/src/auth/refreshCookie.js';
import type { ErrorBody } from '../helpers/http.js';

/** One operation of the route registry: the routers the app serves, layer by layer. */
interface Operation {
  method: string;
  path: string;
  access: Access | undefined;
}

function operationsOf(routers: Router[]): Operation[] {
  const ops: Operation[] = [];
  for (const router of routers) {
    for (const layer of router.stack) {
      for (const method of layer.methods) {
        if (method === 'HEAD') continue; // Koa answers HEAD with the GET route
        ops.push({ method, path: String(layer.path), access: accessOf(layer.stack) });
      }
    }
  }
  return ops;
}

const SAMPLE: Record<string, string> = {
  item_id: '00000000-0000-4000-8000-000000000000',
  batch_id: '00000000-0000-4000-8000-000000000000',
  id: '999999',
  kind: 'poster',
  file: 'swagger-ui.css',
};
const concrete = (p: string) => p.replace(/:(\w+)/g, (_m, name: string) => SAMPLE[name] ?? 'no-such-thing');

let srv: TestServer;
let ops: Operation[];
let adminToken: () => string;
let userToken: () => string;
let refreshCookie: string;

beforeAll(async () => {
  srv = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: '100000', ANIWORLD_URL: NO_SITE, ANIMESAMA_URL: NO_SITE } });
  const { api } = await adminClient(srv.url);
  const created = await api.post('/api/users', { username: 'kid', password: 'Kid-pass-123!', role: 'user' });
  expect(created.status, created.text).toBe(201);
  const admin = { id: 1, username: 'admin', role: 'admin' as const };
  // a fresh token per call: the walk runs logout too, which revokes the token it is called with
  adminToken = () => srv.deps.signer.sign(admin, crypto.randomUUID()).token;
  userToken = () => srv.deps.signer.sign({ id: created.body.id, username: 'kid', role: 'user' }, crypto.randomUUID()).token;
  // the refresh route's own credential: an anonymous caller with a login's refresh cookie
  const login = await client(srv.url).post('/api/auth/login', { password: 'Sup3r-Secret!pw' });
  refreshCookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  ops = operationsOf(domainRouters(srv.deps));
});
afterAll(async () => {
  await srv?.stop();
});

describe('the route registry', () => {
  it('every operation the app serves declares who may call it', () => {
    expect(ops.length).toBeGreaterThan(60);
    expect(ops.filter((o) => !o.access).map((o) => `${o.method} ${o.path}`)).toEqual([]);
    // the OpenAPI document says the same, in each operation's description
    const specs = routeSpecs(domainRouters(srv.deps));
    const doc = openApiDocument('test', specs) as {
      paths: Record<string, Record<string, { description: string; 'x-access': string }>>;
    };
    for (const spec of specs) {
      const op = doc.paths[spec.path.replace(/:(\w+)/g, '{$1}')]![spec.method]!;
      expect(op['x-access'], `${spec.method} ${spec.path}`).toBe(spec.access);
      expect(op.description).toMatch(/(^|\n)Access: (public|any logged-in|administrators only)/);
    }
  });

  it('a route without a declared role is found by the walk, and route() refuses one', () => {
    const r = new Router();
    r.get('/api/forgotten', (ctx) => {
      ctx.body = 'x';
    });
    expect(operationsOf([r])).toEqual([{ method: 'GET', path: '/api/forgotten', access: undefined }]);
    const spec = { method: 'get', path: '/api/forgotten2', summary: 'x', tags: [], responses: { 200: null } } as unknown as Parameters<
      typeof route
    >[1];
    expect(() => route(new ApiRouter(), spec, () => null)).toThrow(/access/);
  });

  it('anonymous, user and admin callers get 401 / 403 / through, as each operation declares', async () => {
    const wrong: string[] = [];
    const expect401 = (s: number, b: Partial<ErrorBody> | null) => s === 401 && b?.error === 'AUTHENTICATION_ERROR' && !!b.request_id;
    const expect403 = (s: number, b: Partial<ErrorBody> | null) => s === 403 && b?.error === 'FORBIDDEN' && !!b.request_id;
    const through = (s: number) => s !== 401 && s !== 403;
    for (const op of ops) {
      const p = concrete(op.path);
      const body = op.method === 'GET' ? undefined : {};
      const headers: Record<string, string> = op.path === REFRESH_PATH ? { Cookie: refreshCookie } : {};
      const anon = await client(srv.url).call(op.method, p, body, headers);
      const asUser = await client(srv.url, userToken()).call(op.method, p, body, headers);
      const asAdmin = await client(srv.url, adminToken()).call(op.method, p, body, headers);
      const ok =
        op.access === 'public'
          ? through(anon.status) && through(asUser.status) && through(asAdmin.status)
          : op.access === 'user'
            ? expect401(anon.status, anon.body) && through(asUser.status) && through(asAdmin.status)
            : expect401(anon.status, anon.body) && expect403(asUser.status, asUser.body) && through(asAdmin.status);
      if (!ok)
        wrong.push(`${op.method} ${op.path} (${op.access}): anonymous ${anon.status}, user ${asUser.status}, admin ${asAdmin.status}`);
    }
    expect(wrong).toEqual([]);
  });
});
