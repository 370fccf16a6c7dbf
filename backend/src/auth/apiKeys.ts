import crypto from 'node:crypto';
import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';
import type { Deps } from '../deps.js';
import { NotFound } from '../errors.js';
import { pageSql } from '../http/paging.js';
import type { Page } from '../http/schema.js';
import type { AuthUser } from './tokens.js';
import { API_KEY_PATTERN } from '../http/credentials.js';

/**
 * API keys for scripts, dashboards, Home Assistant and feeds: `aw_<8 hex>_<43 base64url>`, shown once,
 * stored as SHA-256, acting with the owner's current role. Every use is looked up in PostgreSQL,
 * so a revoked key stops working at once on every process.
 */
export { API_KEY_PATTERN };

const KeyRow = z.object({
  id: z.number(),
  user_id: z.number(),
  name: z.string(),
  prefix: z.string(),
  created_at: z.date(),
  last_used_at: z.date().nullable(),
});
const OwnerRow = KeyRow.extend({ username: z.string(), role: z.enum(['admin', 'user']) });

const hashOf = (key: string) => crypto.createHash('sha256').update(key).digest('hex');

export function toApiKey(r: z.infer<typeof KeyRow>) {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    created_at: r.created_at.toISOString(),
    last_used_at: r.last_used_at?.toISOString() ?? null,
  };
}

export async function createApiKey(c: Conn, userId: number, name: string) {
  const key = `aw_${crypto.randomBytes(4).toString('hex')}_${crypto.randomBytes(32).toString('base64url')}`;
  const row = await c.one(sql.type(KeyRow)`insert into api_keys (user_id, name, prefix, key_hash)
    values (${userId}, ${name}, ${key.slice(0, 11)}, ${hashOf(key)}) returning id, user_id, name, prefix, created_at, last_used_at`);
  return { ...toApiKey(row), key };
}

/** One page of the caller's keys and how many they have. */
export async function listApiKeys(c: Conn, userId: number, p: Page) {
  const [rows, total] = await Promise.all([
    c.any(sql.type(KeyRow)`select id, user_id, name, prefix, created_at, last_used_at from api_keys
      where user_id = ${userId} order by id ${pageSql(p)}`),
    c.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from api_keys where user_id = ${userId}`),
  ]);
  return { items: rows.map(toApiKey), total };
}

/** NOTIFY channel of revoked keys: every process ends the sockets that authenticated with one. */
export const API_KEY_REVOKED_CHANNEL = 'aniworld_api_key_revoked';

export async function revokeApiKey(c: Conn, userId: number, id: number): Promise<void> {
  const gone = await c.maybeOne(
    sql.type(z.object({ id: z.number() }))`delete from api_keys where id = ${id} and user_id = ${userId} returning id`,
  );
  if (!gone) throw new NotFound(`API key ${id} not found`);
  await c.query(sql.unsafe`select pg_notify(${API_KEY_REVOKED_CHANNEL}, ${JSON.stringify({ id })})`);
}

/**
 * The caller an API key stands for, or null (unknown, revoked, malformed). Exported for every
 * place that takes a key (the `X-Api-Key` header, `Authorization: Bearer`, a feed's `?apikey=`).
 */
export async function verifyApiKey(deps: Pick<Deps, 'db'>, key: string | null | undefined): Promise<AuthUser | null> {
  if (!key || !API_KEY_PATTERN.test(key)) return null;
  const row = await deps.db.maybeOne(sql.type(
    OwnerRow,
  )`select k.id, k.user_id, k.name, k.prefix, k.created_at, k.last_used_at, u.username, u.role
    from api_keys k join users u on u.id = k.user_id where k.key_hash = ${hashOf(key)}`);
  if (!row) return null;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    // at most one write a minute per key
    await deps.db.query(sql.unsafe`update api_keys set last_used_at = now() where id = ${row.id}`);
  }
  return {
    id: row.user_id,
    username: row.username,
    role: row.role,
    jti: `api-key:${row.id}`,
    iat: Math.floor(row.created_at.getTime() / 1000),
    exp: Number.MAX_SAFE_INTEGER / 1000,
    apiKeyId: row.id,
  };
}
