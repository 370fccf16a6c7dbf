import { z } from 'zod';
import type { Deps } from '../deps.js';
import { route, ApiRouter } from '../http/route.js';
import { setTotal } from '../http/paging.js';
import { Int4Id, PageQuery } from '../http/schema.js';
import { BadRequest, Conflict, NotFound, Unauthorized } from '../errors.js';
import * as repo from './repo.js';
import { checkPassword, hashPassword } from './password.js';
import { passwordProblems, policyMessage } from '../rules/password.js';

const User = z.object({ id: z.number(), username: z.string(), role: z.enum(['admin', 'user']), created_at: z.string() });
const toUser = (u: repo.UserRow) => ({ id: u.id, username: u.username, role: u.role, created_at: u.created_at.toISOString() });
const IdParams = z.object({ id: Int4Id });
const Username = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w.@-]+$/, 'letters, digits and . _ @ - only');

function assertPolicy(pw: string, field: string) {
  const problems = passwordProblems(pw);
  if (problems.length) throw new BadRequest(policyMessage(problems), { [field]: policyMessage(problems) });
}

export function userRoutes(deps: Pick<Deps, 'db' | 'sessions'>): ApiRouter {
  const r = new ApiRouter();
  const tags = ['users'];
  const { db, sessions } = deps;

  route(
    r,
    {
      method: 'get',
      path: '/api/users',
      access: 'admin',
      summary: 'List users (admin); the total in X-Total-Count',
      tags,
      query: PageQuery,
      totalCount: true,
      responses: { 200: z.array(User) },
    },
    async ({ query, ctx }) => {
      const [rows, total] = await Promise.all([repo.listUsersPage(db, query), repo.countUsers(db)]);
      setTotal(ctx, total);
      return rows.map(toUser);
    },
  );

  route(
    r,
    {
      method: 'post',
      path: '/api/users',
      access: 'admin',
      summary: 'Create a user (admin)',
      tags,
      body: z.object({ username: Username, password: z.string().min(1).max(256), role: z.enum(['admin', 'user']).default('user') }),
      responses: { 201: User },
    },
    async ({ body }) => {
      assertPolicy(body.password, 'password');
      if (await repo.findUserByName(db, body.username)) throw new Conflict(`User '${body.username}' already exists`);
      const created = await repo
        .insertUser(db, { username: body.username, passwordHash: await hashPassword(body.password), role: body.role })
        .catch((err) => {
          if (/unique/i.test(String(err))) throw new Conflict(`User '${body.username}' already exists`);
          throw err;
        });
      await sessions.userChanged(created.id);
      return toUser(created);
    },
  );

  route(
    r,
    { method: 'get', path: '/api/users/me', access: 'user', summary: 'The calling user', tags, responses: { 200: User } },
    async ({ user }) => {
      const u = await repo.findUserById(db, user.id);
      if (!u) throw new Unauthorized();
      return toUser(u);
    },
  );

  route(
    r,
    {
      method: 'put',
      path: '/api/users/me/password',
      access: 'user',
      summary: 'Change your own password (revokes your other tokens)',
      tags,
      body: z.object({ current_password: z.string().min(1).max(256), new_password: z.string().min(1).max(256) }),
      responses: { 200: z.object({ status: z.string(), message: z.string() }) },
    },
    async ({ body, user }) => {
      const u = await repo.findUserById(db, user.id);
      if (!u || !(await checkPassword(u.password_hash, body.current_password)))
        throw new BadRequest('Current password is wrong', { current_password: 'wrong password' });
      assertPolicy(body.new_password, 'new_password');
      await repo.updatePassword(db, u.id, await hashPassword(body.new_password), user.jti);
      await sessions.endSessions(u.id, await repo.deleteUserRefreshSessions(db, u.id, user.sid ?? null));
      await sessions.userChanged(u.id);
      return { status: 'ok', message: 'Password changed; other sessions were signed out' };
    },
  );

  route(
    r,
    {
      method: 'put',
      path: '/api/users/:id/password',
      access: 'admin',
      summary: "Reset a user's password (admin)",
      tags,
      params: IdParams,
      body: z.object({ password: z.string().min(1).max(256) }),
      responses: { 200: z.object({ status: z.string(), message: z.string() }) },
    },
    async ({ params, body, user }) => {
      assertPolicy(body.password, 'password');
      const updated = await repo.updatePassword(db, params.id, await hashPassword(body.password), params.id === user.id ? user.jti : null);
      if (!updated) throw new NotFound(`User ${params.id} not found`);
      await sessions.endSessions(
        params.id,
        await repo.deleteUserRefreshSessions(db, params.id, params.id === user.id ? (user.sid ?? null) : null),
      );
      await sessions.userChanged(params.id);
      return { status: 'ok', message: `Password of '${updated.username}' reset` };
    },
  );

  route(
    r,
    {
      method: 'delete',
      path: '/api/users/:id',
      access: 'admin',
      summary: 'Delete a user (admin)',
      tags,
      params: IdParams,
      responses: { 204: null },
    },
    async ({ params, user }) => {
      if (params.id === user.id) throw new BadRequest('You cannot delete your own account');
      const target = await repo.findUserById(db, params.id);
      if (!target) throw new NotFound(`User ${params.id} not found`);
      if (target.role === 'admin') {
        const admins = (await repo.listUsers(db)).filter((u) => u.role === 'admin');
        if (admins.length <= 1) throw new BadRequest('The last administrator cannot be deleted');
      }
      await repo.deleteUser(db, params.id);
      await sessions.userChanged(params.id);
    },
  );

  return r;
}
