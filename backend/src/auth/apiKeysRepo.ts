import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';
import { pageSql } from '../http/paging.js';
import type { Page } from '../http/schema.js';

/** The `api_keys` table (auth/apiKeys.ts holds the logic: key format, hashing, revocation notices). */

export const ApiKeyRow = z.object({
  id: z.number(),
  user_id: z.number(),
  name: z.string(),
  prefix: z.string(),
  created_at: z.date(),
  last_used_at: z.date().nullable(),
});
export type ApiKeyRow = z.infer<typeof ApiKeyRow>;

/** A key with the live name and role of the user it acts for. */
export const ApiKeyOwnerRow = ApiKeyRow.extend({ username: z.string(), role: z.enum(['admin', 'user']) });

export const insertApiKey = (c: Conn, k: { userId: number; name: string; prefix: string; keyHash: string }) =>
  c.one(sql.type(ApiKeyRow)`insert into api_keys (user_id, name, prefix, key_hash)
    values (${k.userId}, ${k.name}, ${k.prefix}, ${k.keyHash}) returning id, user_id, name, prefix, created_at, last_used_at`);

/** One page of a user's keys, oldest first. */
export const apiKeysPage = (c: Conn, userId: number, p: Page) =>
  c.any(sql.type(ApiKeyRow)`select id, user_id, name, prefix, created_at, last_used_at from api_keys
    where user_id = ${userId} order by id ${pageSql(p)}`);

export const countApiKeys = (c: Conn, userId: number) =>
  c.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from api_keys where user_id = ${userId}`);

/** Deletes a user's key; answers its id, or null when the user has no such key. */
export const deleteApiKey = (c: Conn, userId: number, id: number) =>
  c.maybeOneFirst(sql.type(z.object({ id: z.number() }))`delete from api_keys where id = ${id} and user_id = ${userId} returning id`);

export const apiKeyByHash = (c: Conn, keyHash: string) =>
  c.maybeOne(sql.type(ApiKeyOwnerRow)`select k.id, k.user_id, k.name, k.prefix, k.created_at, k.last_used_at, u.username, u.role
    from api_keys k join users u on u.id = k.user_id where k.key_hash = ${keyHash}`);

export const touchApiKey = (c: Conn, id: number) => c.query(sql.unsafe`update api_keys set last_used_at = now() where id = ${id}`);
