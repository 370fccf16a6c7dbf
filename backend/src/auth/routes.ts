import { z } from 'zod';
import { route, ApiRouter } from '../http/route.js';
import { clientIp, isLoopback, viaTrustedProxy } from '../http/clientIp.js';
import { BadRequest, Unauthorized } from '../errors.js';
import { setTotal } from '../http/paging.js';
import { Int4Id, PageQuery } from '../http/schema.js';
import { AuthService, REMEMBER_DAYS, type AuthCtx } from './service.js';
import { ACCESS_TOKEN_SECONDS } from './keyring.js';
import { clearRefreshCookie, REFRESH_COOKIE, REFRESH_PATH, refreshCookie, setRefreshCookie } from './refreshCookie.js';
import { createApiKey, listApiKeys, revokeApiKey } from './apiKeys.js';
import { AuthStatus, LoginBody, LoginResponse, RefreshResponse, SetupBody } from './schema.js';

export function authRoutes(deps: AuthCtx, service = new AuthService(deps)): ApiRouter {
  const r = new ApiRouter();
  const tags = ['auth'];

  route(
    r,
    {
      method: 'post',
      path: '/api/auth/setup',
      access: 'public',
      summary: 'Set the master password (once)',
      tags,
      body: SetupBody,
      responses: { 201: z.object({ status: z.literal('ok') }) },
    },
    async ({ body, ctx }) => {
      const local = isLoopback(ctx.req.socket.remoteAddress) && !viaTrustedProxy(ctx.req, deps.env.TRUSTED_PROXIES);
      await service.setup(clientIp(ctx, deps.env.TRUSTED_PROXIES), local, body);
      return { status: 'ok' };
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/auth/login',
      access: 'public',
      summary: 'Log in and get a bearer token',
      tags,
      body: LoginBody,
      description:
        `The access token lives ${ACCESS_TOKEN_SECONDS / 60} minutes. The answer also sets the HttpOnly, SameSite=Strict cookie ` +
        `\`${REFRESH_COOKIE}\` ` +
        `(path ${REFRESH_PATH}) with which POST ${REFRESH_PATH} gives new access tokens: a session cookie, or with \`remember\` one kept ` +
        `${REMEMBER_DAYS} days.`,
      responses: { 200: LoginResponse },
    },
    async ({ body, ctx }) => {
      const issued = await service.login(clientIp(ctx, deps.env.TRUSTED_PROXIES), body);
      setRefreshCookie(ctx, deps.env.TRUSTED_PROXIES, issued.refresh.token, issued.refresh.persistentUntil);
      return issued.body;
    },
  );

  route(
    r,
    {
      method: 'post',
      path: REFRESH_PATH,
      access: 'public',
      summary: 'A new access token for the login session in the refresh cookie',
      tags,
      description:
        `Sends no body; the browser sends the \`${REFRESH_COOKIE}\` cookie the login set. 401 when the session ended (logout, ` +
        `expiry, password change).`,
      responses: { 200: RefreshResponse, 401: null },
    },
    async ({ ctx }) => {
      const cookie = refreshCookie(ctx);
      // every page load of a signed-out browser asks: without a cookie that is no warning in the log
      if (!cookie) ctx.state.quietRefusal = true;
      const issued = await service.refresh(cookie);
      if (!issued) {
        clearRefreshCookie(ctx, deps.env.TRUSTED_PROXIES);
        throw new Unauthorized('No login session: sign in again');
      }
      return issued;
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/auth/logout',
      access: 'user',
      summary: 'End the login session: revoke its tokens and clear the refresh cookie',
      tags,
      responses: { 200: z.object({ status: z.string(), message: z.string() }) },
    },
    async ({ user, ctx }) => {
      if (user.apiKeyId) throw new BadRequest('An API key is revoked, not logged out: DELETE /api/auth/api-keys/{id}');
      await service.logout(user);
      clearRefreshCookie(ctx, deps.env.TRUSTED_PROXIES);
      return { status: 'ok', message: 'Logged out successfully' };
    },
  );

  route(
    r,
    {
      method: 'get',
      path: '/api/auth/status',
      access: 'public',
      summary: 'Is the product set up, and is the caller logged in',
      tags,
      responses: { 200: AuthStatus },
    },
    async ({ user }) => ({
      configured: await service.isConfigured(),
      authenticated: user !== null,
      user: user ? { id: user.id, username: user.username, role: user.role } : null,
    }),
  );

  const ApiKey = z.object({
    id: z.number(),
    name: z.string(),
    prefix: z.string().describe('The first characters, to tell keys apart'),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
  });
  route(
    r,
    {
      method: 'get',
      path: '/api/auth/api-keys',
      access: 'user',
      summary: 'Your API keys (never the keys themselves); the total in X-Total-Count',
      tags,
      query: PageQuery,
      totalCount: true,
      responses: { 200: z.array(ApiKey) },
    },
    async ({ user, query, ctx }) => {
      const { items, total } = await listApiKeys(deps.db, user.id, query);
      setTotal(ctx, total);
      return items;
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/auth/api-keys',
      access: 'user',
      summary: 'Create an API key (the key is in this answer only)',
      tags,
      description: 'The key acts with your role. Send it as `X-Api-Key: <key>` or `Authorization: Bearer <key>`.',
      body: z.object({ name: z.string().trim().min(1).max(100) }),
      responses: { 201: ApiKey.extend({ key: z.string() }) },
    },
    ({ user, body }) => createApiKey(deps.db, user.id, body.name),
  );

  route(
    r,
    {
      method: 'delete',
      path: '/api/auth/api-keys/:id',
      access: 'user',
      summary: 'Revoke one of your API keys (at once, on every process)',
      tags,
      params: z.object({ id: Int4Id }),
      responses: { 204: null, 404: null },
    },
    async ({ user, params }) => {
      await revokeApiKey(deps.db, user.id, params.id);
    },
  );

  return r;
}
