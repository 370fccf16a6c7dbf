import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { route } from '../http/route.js';
import { clientIp } from '../http/clientIp.js';
import { AuthService } from './service.js';
import { AuthStatus, LoginBody, LoginResponse, SetupBody } from './schema.js';

export function authRoutes(deps: Deps, service = new AuthService(deps)): Router {
  const r = new Router();
  const tags = ['auth'];

  route(r, { method: 'post', path: '/api/auth/setup', access: 'public', summary: 'Set the master password (once)', tags, body: SetupBody,
    responses: { 201: z.object({ status: z.literal('ok') }) } },
  async ({ body, ctx }) => {
    await service.setup(clientIp(ctx, deps.env.TRUSTED_PROXIES), body);
    return { status: 'ok' };
  });

  route(r, { method: 'post', path: '/api/auth/login', access: 'public', summary: 'Log in and get a bearer token', tags, body: LoginBody,
    responses: { 200: LoginResponse } },
  ({ body, ctx }) => service.login(clientIp(ctx, deps.env.TRUSTED_PROXIES), body));

  route(r, { method: 'post', path: '/api/auth/logout', access: 'user', summary: 'Revoke the current token', tags,
    responses: { 200: z.object({ status: z.string(), message: z.string() }) } },
  async ({ user }) => {
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

  return r;
}
