import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { route } from '../http/route.js';
import { clientIp, isLoopback, viaTrustedProxy } from '../http/clientIp.js';
import { BadRequest } from '../http/errors.js';
import { setTotal } from '../http/paging.js';
import { PageQuery } from '../http/schema.js';
import { AuthService } from './service.js';
import { createApiKey, listApiKeys, revokeApiKey } from './apiKeys.js';
import { AuthStatus, LoginBody, LoginResponse, SetupBody } from './schema.js';

export function authRoutes(deps: Deps, service = new AuthService(deps)): Router {
  const r = new Router();
  const tags = ['auth'];

  route(r, { method: 'post', path: '/api/auth/setup', access: 'public', summary: 'Set the master password (once)', tags, body: SetupBody,
    responses: { 201: z.object({ status: z.literal('ok') }) } },
  async ({ body, ctx }) => {
    const local = isLoopback(ctx.req.socket.remoteAddress) && !viaTrustedProxy(ctx.req, deps.env.TRUSTED_PROXIES);
    await service.setup(clientIp(ctx, deps.env.TRUSTED_PROXIES), local, body);
    return { status: 'ok' };
  });

  route(r, { method: 'post', path: '/api/auth/login', access: 'public', summary: 'Log in and get a bearer token', tags, body: LoginBody,
    responses: { 200: LoginResponse } },
  ({ body, ctx }) => service.login(clientIp(ctx, deps.env.TRUSTED_PROXIES), body));

  route(r, { method: 'post', path: '/api/auth/logout', access: 'user', summary: 'Revoke the current token', tags,
    responses: { 200: z.object({ status: z.string(), message: z.string() }) } },
  async ({ user }) => {
    if (user.apiKeyId) throw new BadRequest('An API key is revoked, not logged out: DELETE /api/auth/api-keys/{id}');
    await service.logout(user);
    return { status: 'ok', message: 'Logged out successfully' };
  });

  route(r, { method: 'get', path: '/api/auth/status', access: 'public', summary: 'Is the product set up, and is the caller logged in', tags,
    responses: { 200: AuthStatus } },
  async ({ user }) => ({
    configured: await service.isConfigured(),
    authenticated: user !== null,
    user: user ? { id: user.id, username: user.username, role: user.role } : null,
  }));

  const ApiKey = z.object({ id: z.number(), name: z.string(), prefix: z.string().describe('The first characters, to tell keys apart'),
    created_at: z.string(), last_used_at: z.string().nullable() });
  route(r, { method: 'get', path: '/api/auth/api-keys', access: 'user', summary: 'Your API keys (never the keys themselves); the total in X-Total-Count', tags,
    query: PageQuery, responses: { 200: z.array(ApiKey) } },
  async ({ user, query, ctx }) => {
    const { items, total } = await listApiKeys(deps.db, user.id, query);
    setTotal(ctx, total);
    return items;
  });

  route(r, { method: 'post', path: '/api/auth/api-keys', access: 'user', summary: 'Create an API key (the key is in this answer only)', tags,
    description: 'The key acts with your role. Send it as `X-Api-Key: <key>` or `Authorization: Bearer <key>`.',
    body: z.object({ name: z.string().trim().min(1).max(100) }), responses: { 201: ApiKey.extend({ key: z.string() }) } },
  ({ user, body }) => createApiKey(deps.db, user.id, body.name));

  route(r, { method: 'delete', path: '/api/auth/api-keys/:id', access: 'user', summary: 'Revoke one of your API keys (at once, on every process)', tags,
    params: z.object({ id: z.coerce.number().int().positive() }), responses: { 204: null, 404: null } },
  async ({ user, params }) => {
    await revokeApiKey(deps.db, user.id, params.id);
  });

  return r;
}
