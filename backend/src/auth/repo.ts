import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';
import { pageSql } from '../http/paging.js';
import type { Page } from '../http/schema.js';

export const UserRow = z.object({
  id: z.number(),
  username: z.string(),
  password_hash: z.string(),
  role: z.enum(['admin', 'user']),
  tokens_valid_after: z.union([z.date(), z.number()]).transform((v) => (v instanceof Date ? v.getTime() : v)),
  keep_jti: z.string().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});
export type UserRow = z.infer<typeof UserRow>;

// '-infinity' parses to an invalid Date; expose it as epoch 0 instead.
const userColumns = sql.fragment`id, username, password_hash, role,
  case when tokens_valid_after = '-infinity' then 'epoch'::timestamptz else tokens_valid_after end as tokens_valid_after,
  keep_jti, created_at, updated_at`;

export const countUsers = (c: Conn) => c.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from users`);

export const findUserByName = (c: Conn, username: string) =>
  c.maybeOne(sql.type(UserRow)`select ${userColumns} from users where lower(username) = lower(${username})`);

export const findUserById = (c: Conn, id: number) => c.maybeOne(sql.type(UserRow)`select ${userColumns} from users where id = ${id}`);

export const listUsers = (c: Conn) => c.any(sql.type(UserRow)`select ${userColumns} from users order by id`);

export const listUsersPage = (c: Conn, p: Page) => c.any(sql.type(UserRow)`select ${userColumns} from users order by id ${pageSql(p)}`);

export const insertUser = (c: Conn, u: { username: string; passwordHash: string; role: 'admin' | 'user' }) =>
  c.one(sql.type(UserRow)`insert into users (username, password_hash, role)
    values (${u.username}, ${u.passwordHash}, ${u.role}) returning ${userColumns}`);

export const updatePassword = (c: Conn, id: number, passwordHash: string, keepJti: string | null) =>
  c.maybeOne(sql.type(UserRow)`update users set password_hash = ${passwordHash}, tokens_valid_after = now(),
    keep_jti = ${keepJti}, updated_at = now() where id = ${id} returning ${userColumns}`);

export const deleteUser = (c: Conn, id: number) => c.query(sql.unsafe`delete from users where id = ${id}`);

export const lockSetup = (c: Conn) => c.query(sql.unsafe`select pg_advisory_xact_lock(hashtext('aniworld:setup'))`);

export const RevocationRow = z.object({ jti: z.string(), expires_at: z.date() });

export const insertRevocation = (c: Conn, jti: string, userId: number, expiresAt: Date) =>
  c.query(sql.unsafe`insert into revoked_tokens (jti, user_id, expires_at)
    values (${jti}, ${userId}, ${sql.timestamp(expiresAt)}) on conflict (jti) do nothing`);

export const activeRevocations = (c: Conn) =>
  c.any(sql.type(RevocationRow)`select jti, expires_at from revoked_tokens where expires_at > now()`);

export const pruneRevocations = (c: Conn) => c.query(sql.unsafe`delete from revoked_tokens where expires_at <= now()`);

/** After a restore: every token and login session so far is void (the restored user ids may name other people). */
export const voidAllTokens = async (c: Conn) => {
  await c.query(sql.unsafe`delete from refresh_sessions`);
  // the next whole second: tokens carry whole-second iats, and none issued before the restore may pass
  await c.query(sql.unsafe`update users set tokens_valid_after = date_trunc('second', now()) + interval '1 second', keep_jti = null`);
};

export const userIds = (c: Conn) => c.anyFirst(sql.type(z.object({ id: z.number() }))`select id from users`);

export const RefreshSessionRow = z.object({ id: z.string(), user_id: z.number(), remember: z.boolean(), expires_at: z.date() });

export const insertRefreshSession = (c: Conn, s: { id: string; userId: number; tokenHash: string; remember: boolean; expiresAt: Date }) =>
  c.query(sql.unsafe`insert into refresh_sessions (id, user_id, token_hash, remember, expires_at)
    values (${s.id}, ${s.userId}, ${s.tokenHash}, ${s.remember}, ${sql.timestamp(s.expiresAt)})`);

/** The live session a refresh token belongs to (marked used). */
export const useRefreshSession = (c: Conn, tokenHash: string) =>
  c.maybeOne(sql.type(RefreshSessionRow)`update refresh_sessions set last_used_at = now()
    where token_hash = ${tokenHash} and expires_at > now() returning id, user_id, remember, expires_at`);

export const deleteRefreshSession = (c: Conn, id: string) => c.query(sql.unsafe`delete from refresh_sessions where id = ${id}`);

/** After a password change: the user's other sessions end (`keep`: the caller's own). */
export const deleteUserRefreshSessions = (c: Conn, userId: number, keep: string | null) =>
  c.anyFirst(
    sql.type(
      z.object({ id: z.string() }),
    )`delete from refresh_sessions where user_id = ${userId} and id is distinct from ${keep}::uuid returning id`,
  );

export const pruneRefreshSessions = (c: Conn) => c.query(sql.unsafe`delete from refresh_sessions where expires_at <= now()`);

/** User names by id, for other domains' lists (ids of users that are gone are left out). */
export async function usernames(c: Conn, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await c.any(sql.type(z.object({ id: z.number(), username: z.string() }))`select id, username from users
    where id = any(${sql.array([...new Set(ids)], 'int4')})`);
  return new Map(rows.map((r) => [r.id, r.username]));
}
