import crypto from 'node:crypto';
import { sql, type Conn } from '../db/pool.js';
import type { Deps } from '../deps.js';
import { NotFound } from '../errors.js';
import type { Page } from '../http/schema.js';
import * as repo from './apiKeysRepo.js';
import type { ApiKeyRow } from './apiKeysRepo.js';
import type { AuthUser } from './tokens.js';
import { API_KEY_PATTERN } from '../http/credentials.js';

/**
 * API keys for scripts, dashboards, Home Assistant and feeds: `aw_<8 hex>_<43 base64url>`, shown once,
 * stored as SHA-256, acting with the owner's current role. Every use is looked up in PostgreSQL,
 * so a revoked key stops working at once on every process.
 */
export { API_KEY_PATTERN };

const hashOf = (key: string) => crypto.createHash('sha256').update(key).digest('hex');

export function toApiKey(r: ApiKeyRow) {
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
  const row = await repo.insertApiKey(c, { userId, name, prefix: key.slice(0, 11), keyHash: hashOf(key) });
  return { ...toApiKey(row), key };
}

/** One page of the caller's keys and how many they have. */
export async function listApiKeys(c: Conn, userId: number, p: Page) {
  const [rows, total] = await Promise.all([repo.apiKeysPage(c, userId, p), repo.countApiKeys(c, userId)]);
  return { items: rows.map(toApiKey), total };
}

/** NOTIFY channel of revoked keys: every process ends the sockets that authenticated with one. */
export const API_KEY_REVOKED_CHANNEL = 'aniworld_api_key_revoked';

export async function revokeApiKey(c: Conn, userId: number, id: number): Promise<void> {
  const gone = await repo.deleteApiKey(c, userId, id);
  if (gone === null) throw new NotFound(`API key ${id} not found`);
  await c.query(sql.unsafe`select pg_notify(${API_KEY_REVOKED_CHANNEL}, ${JSON.stringify({ id })})`);
}

/**
 * The caller an API key stands for, or null (unknown, revoked, malformed). Exported for every
 * place that takes a key (the `X-Api-Key` header, `Authorization: Bearer`, a feed's `?apikey=`).
 */
export async function verifyApiKey(deps: Pick<Deps, 'db'>, key: string | null | undefined): Promise<AuthUser | null> {
  if (!key || !API_KEY_PATTERN.test(key)) return null;
  const row = await repo.apiKeyByHash(deps.db, hashOf(key));
  if (!row) return null;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    // at most one write a minute per key
    await repo.touchApiKey(deps.db, row.id);
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
