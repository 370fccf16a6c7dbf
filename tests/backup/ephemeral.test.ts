/**
 * Running state is no part of a backup: worker pools, rate windows, login failures, the TMDB
 * cache, pending media-server refreshes and the scan generation are left out of the archive, and
 * a restore leaves them as they are (a restore must not drop the live workers' pools).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from '../../backend/src/db/pool.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, ADMIN_PASSWORD, client } from '../helpers/http.js';

const EPHEMERAL = ['worker_pools', 'rate_windows', 'login_failures', 'tmdb_cache', 'media_refresh_pending', 'library_scan_generation'];
let srv: TestServer;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-ephemeral-'));

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function fill(tag: string) {
  const db = srv.deps.db;
  await db.query(sql.unsafe`insert into rate_windows (key, hits, reset_at) values (${`rw-${tag}`}, 3, now() + interval '1 hour')`);
  await db.query(sql.unsafe`insert into login_failures (key, failures, first_at, last_at) values (${`lf-${tag}`}, 2, now(), now())`);
  await db.query(sql.unsafe`insert into tmdb_cache (cache_key, body, expires_at) values (${`tc-${tag}`}, '{}', now() + interval '1 day')`);
  await db.query(sql.unsafe`insert into media_refresh_pending (server_id, folder) values (${`ms-${tag}`}, '/anime/x')`);
}

const keysOf = async () => ({
  worker_pools: await srv.deps.db.anyFirst(sql.unsafe`select id from worker_pools order by id`),
  rate_windows: await srv.deps.db.anyFirst(sql.unsafe`select key from rate_windows where key like 'rw-%' order by key`),
  login_failures: await srv.deps.db.anyFirst(sql.unsafe`select key from login_failures where key like 'lf-%' order by key`),
  tmdb_cache: await srv.deps.db.anyFirst(sql.unsafe`select cache_key from tmdb_cache where cache_key like 'tc-%' order by cache_key`),
  media_refresh_pending: await srv.deps.db.anyFirst(sql.unsafe`select server_id from media_refresh_pending order by server_id`),
});

it('a backup holds no running state and a restore leaves it as it is', async () => {
  const { api, token } = await adminClient(srv.url);
  await fill('before');
  const made = await api.post('/api/config/backups');
  expect(made.status, made.text).toBe(200);

  const res = await fetch(`${srv.url}/api/config/backups/${made.body.name}/download`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  const file = path.join(tmp, 'b.tar.gz');
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  await tar.x({ file, cwd: tmp });
  const manifest = JSON.parse(fs.readFileSync(path.join(tmp, 'manifest.json'), 'utf8'));
  const names: string[] = manifest.tables.map((t: { name: string }) => t.name);
  expect(names).toEqual(expect.arrayContaining(['users', 'series', 'episodes', 'download_items']));
  expect(names.filter((n) => EPHEMERAL.includes(n))).toEqual([]);
  expect(fs.readdirSync(path.join(tmp, 'db')).filter((f) => EPHEMERAL.includes(f.replace(/\.jsonl$/, '')))).toEqual([]);

  // what runs after the backup is still there after the restore
  await fill('after');
  // the server's own worker pool (a restored table would replace it with the backup's rows)
  const live = await srv.deps.db.anyFirst(sql.unsafe`select id from worker_pools order by id`);
  expect(live.length).toBeGreaterThan(0);
  const generation = await srv.deps.db.oneFirst(sql.unsafe`select value from library_scan_generation`);
  const restored = await api.post(`/api/config/backups/${made.body.name}/restore`);
  expect(restored.status, restored.text).toBe(200);
  expect(restored.body.tables.map((t: { name: string }) => t.name).filter((n: string) => EPHEMERAL.includes(n))).toEqual([]);
  expect(await keysOf()).toEqual({
    worker_pools: live,
    rate_windows: ['rw-after', 'rw-before'],
    login_failures: ['lf-after', 'lf-before'],
    tmdb_cache: ['tc-after', 'tc-before'],
    media_refresh_pending: ['ms-after', 'ms-before'],
  });
  // the restore replaced the series: the generation moved on (a restored one would go back)
  expect(Number(await srv.deps.db.oneFirst(sql.unsafe`select value from library_scan_generation`))).toBeGreaterThan(Number(generation));
  expect((await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).status).toBe(200);
});
