/**
 * The login state a backup leaves out (migrations/0930): revocations stay with the signing keys,
 * which no backup holds, so a restore keeps every revocation, made before the backup or after it;
 * the addresses each account logged in from are running state of the login throttle.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from '../../backend/src/db/pool.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, ADMIN_PASSWORD, client } from '../helpers/http.js';

const LEFT_OUT = ['revoked_tokens', 'login_known_addresses'];
let srv: TestServer;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-auth-state-'));

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A login whose token is then logged out (its jti and its session revoked); answers the token. */
async function loggedOutToken(): Promise<string> {
  const login = await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
  expect(login.status, login.text).toBe(200);
  const token = login.body.access_token as string;
  expect((await client(srv.url, token).post('/api/auth/logout')).status).toBe(200);
  return token;
}

const revocations = () => srv.deps.db.anyFirst(sql.unsafe`select jti::text from revoked_tokens order by jti`);
const knownAddresses = () =>
  srv.deps.db.anyFirst(sql.unsafe`select account || '@' || address from login_known_addresses where account like 'ka-%' order by account`);
const rememberAddress = (tag: string) =>
  srv.deps.db.query(
    sql.unsafe`insert into login_known_addresses (account, address, last_success_at) values (${`ka-${tag}`}, '192.0.2.1', now())`,
  );

it('a backup holds no revocations nor known addresses, and a restore keeps those made before and after it', async () => {
  const { api, token } = await adminClient(srv.url);
  const before = await loggedOutToken();
  await rememberAddress('before');
  const made = await api.post('/api/config/backups');
  expect(made.status, made.text).toBe(200);

  const res = await fetch(`${srv.url}/api/config/backups/${made.body.name}/download`, { headers: { Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const file = path.join(tmp, 'b.tar.gz');
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  await tar.x({ file, cwd: tmp });
  const manifest = JSON.parse(fs.readFileSync(path.join(tmp, 'manifest.json'), 'utf8'));
  const names: string[] = manifest.tables.map((t: { name: string }) => t.name);
  expect(names).toContain('users');
  expect(names.filter((n) => LEFT_OUT.includes(n))).toEqual([]);
  expect(fs.readdirSync(path.join(tmp, 'db')).filter((f) => LEFT_OUT.includes(f.replace(/\.jsonl$/, '')))).toEqual([]);

  const after = await loggedOutToken();
  await rememberAddress('after');
  const revoked = await revocations();
  // each logout revoked its token and its session
  expect(revoked.length).toBeGreaterThanOrEqual(4);

  const restored = await api.post(`/api/config/backups/${made.body.name}/restore`);
  expect(restored.status, restored.text).toBe(200);
  expect(restored.body.tables.map((t: { name: string }) => t.name).filter((n: string) => LEFT_OUT.includes(n))).toEqual([]);
  // emptying users (truncate … cascade) no longer empties the revocations
  expect(await revocations()).toEqual(revoked);
  expect(await knownAddresses()).toEqual(['ka-after@192.0.2.1', 'ka-before@192.0.2.1']);

  // a process that loads the revocations afresh still refuses both logged-out tokens
  await srv.deps.sessions.reload();
  for (const t of [before, after]) expect((await client(srv.url, t).get('/api/auth/api-keys')).status).toBe(401);
  expect((await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).status).toBe(200);
});

it('a restore never hands out an id again: a token of an account made after the backup stays refused', async () => {
  const adminLogin = async () =>
    client(srv.url, (await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token as string);
  const api = await adminLogin();
  const made = await api.post('/api/config/backups');
  expect(made.status, made.text).toBe(200);
  const late = await api.post('/api/users', { username: 'late', password: 'Late-pass-123!', role: 'user' });
  expect(late.status, late.text).toBe(201);
  const login = await client(srv.url).post('/api/auth/login', { username: 'late', password: 'Late-pass-123!' });
  expect(login.status, login.text).toBe(200);
  const lateToken = login.body.access_token as string;

  expect((await api.post(`/api/config/backups/${made.body.name}/restore`)).status).toBe(200);
  const admin = await adminLogin();
  const next = await admin.post('/api/users', { username: 'newbie', password: 'Newbie-pass-123!', role: 'user' });
  expect(next.status, next.text).toBe(201);
  expect(next.body.id).toBeGreaterThan(late.body.id);
  // the account made after the backup is gone with the restore, and its token does not pass as anyone
  expect((await client(srv.url, lateToken).get('/api/auth/api-keys')).status).toBe(401);
});
