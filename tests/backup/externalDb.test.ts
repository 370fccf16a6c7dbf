/**
 * Backups work the same with an external DATABASE_URL: a product on its own embedded PostgreSQL
 * and one on a PostgreSQL server given by DATABASE_URL (a fresh database on the system's server at
 * 127.0.0.1:5432, another major version than the embedded one) exchange backups both ways through
 * the API. Skipped, saying why, only when no PostgreSQL server answers there.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../backend/src/config.js';
import { startApp, type AppHandle } from '../../backend/src/main.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, adminClient, client } from '../helpers/http.js';
import { simpleSeries, startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import type { SeriesSummary, User } from '../../frontend/src/api/types.ts';

const SERVER = process.env.SYSTEM_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function unreachable(): Promise<string | null> {
  const c = new pg.Client({ connectionString: SERVER, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const why = await unreachable();
const title = why
  ? `backups with an external DATABASE_URL: SKIPPED, no PostgreSQL server at ${new URL(SERVER).host} (${why}); CI machines have one`
  : 'backups with an external DATABASE_URL';

const dbName = `aniworld_ext_${crypto.randomBytes(5).toString('hex')}`;
const dbUrl = (() => {
  const u = new URL(SERVER);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-extdb-'));
let fake: FakeAniworld;
let embedded: AppHandle;
let external: TestServer;

async function admin(url: string) {
  const login = await client(url).post('/api/auth/login', { password: ADMIN_PASSWORD });
  expect(login.status, login.text).toBe(200);
  return Object.assign(client(url, login.body.access_token), { token: login.body.access_token as string });
}

/** Makes a backup with its secrets on one product and restores it on the other, as an admin would. */
async function carry(fromUrl: string, toUrl: string) {
  const from = await admin(fromUrl);
  const made = await from.post('/api/config/backups?include_secrets=true');
  expect(made.status, made.text).toBe(200);
  const file = await fetch(`${fromUrl}/api/config/backups/${made.body.name}/download`, {
    headers: { Authorization: `Bearer ${from.token}` },
  });
  expect(file.status).toBe(200);
  const to = await admin(toUrl);
  const up = await fetch(`${toUrl}/api/config/backups/upload`, {
    method: 'POST',
    body: new Uint8Array(await file.arrayBuffer()),
    headers: { Authorization: `Bearer ${to.token}`, 'Content-Type': 'application/gzip' },
  });
  expect(up.status).toBe(201);
  const restored = await to.post(`/api/config/backups/${((await up.json()) as { name: string }).name}/restore`);
  expect(restored.status, restored.text).toBe(200);
  return restored.body;
}

const summary = async (url: string) => {
  const api = await admin(url);
  return {
    name: (await api.get('/api/config')).body.name,
    users: (await api.get('/api/users')).body.map((u: User) => u.username).sort(),
    series: (await api.get('/api/anime')).body.map((s: SeriesSummary) => s.key).sort(),
  };
};

describe.skipIf(why !== null)(title, () => {
  beforeAll(async () => {
    const c = new pg.Client({ connectionString: SERVER });
    await c.connect();
    await c.query(`create database "${dbName}"`);
    await c.end();
    fake = await startFakeAniworld({
      series: [simpleSeries('frieren', 'Frieren', { 1: 2 }), simpleSeries('mob-psycho', 'Mob Psycho 100', { 1: 2 })],
    });
    // no DATABASE_URL: the product runs its own embedded PostgreSQL in the data folder
    const dataDir = path.join(tmp, 'embedded');
    const env = loadEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_FILE: 'false',
      ANIWORLD_URL: fake.url,
      UI_DIST: path.join(tmp, 'no-ui'),
    });
    embedded = await startApp({ env, logStream: new PassThrough() });
    external = await startTestServer({ databaseUrl: dbUrl, env: { ANIWORLD_URL: fake.url } });
  }, 180_000);

  afterAll(async () => {
    await embedded?.stop();
    await external?.stop();
    await fake?.close();
    const c = new pg.Client({ connectionString: SERVER });
    await c.connect();
    await c.query(`drop database if exists "${dbName}" with (force)`);
    await c.end();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the two products really run on different servers', async () => {
    expect(embedded.databaseUrl).not.toBe(dbUrl);
    expect(new URL(embedded.databaseUrl).port).not.toBe('5432');
    expect(external.databaseUrl).toBe(dbUrl);
    expect(fs.existsSync(path.join(tmp, 'embedded', 'postgres', 'PG_VERSION'))).toBe(true);
  });

  it('a backup of the embedded database restores into the external one: accounts, API keys, series, settings', async () => {
    const { api } = await adminClient(embedded.url);
    expect((await api.post('/api/users', { username: 'mika', password: 'Another-Pass!42', role: 'user' })).status).toBe(201);
    expect((await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/frieren`, name: 'Frieren' })).status).toBe(200);
    expect((await api.put('/api/config', { name: 'Embedded one' })).status).toBe(200);
    const key = (await api.post('/api/auth/api-keys', { name: 'script' })).body.key as string;
    const before = await summary(embedded.url);
    expect(before).toMatchObject({ name: 'Embedded one', users: ['admin', 'mika'], series: ['frieren'] });

    await adminClient(external.url);
    expect((await summary(external.url)).series).toEqual([]);
    const r = await carry(embedded.url, external.url);
    expect(r).toMatchObject({ secrets_restored: true });
    expect(await summary(external.url)).toEqual(before);
    const me = await fetch(`${external.url}/api/users/me`, { headers: { 'X-Api-Key': key } });
    expect(me.status).toBe(200);
    expect((await client(external.url).post('/api/auth/login', { username: 'mika', password: 'Another-Pass!42' })).status).toBe(200);
  });

  it('and a backup of the external database restores into the embedded one', async () => {
    const api = await admin(external.url);
    expect((await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/mob-psycho`, name: 'Mob Psycho 100' })).status).toBe(200);
    expect((await api.put('/api/config', { name: 'External one' })).status).toBe(200);
    await carry(external.url, embedded.url);
    expect(await summary(embedded.url)).toMatchObject({
      name: 'External one',
      users: ['admin', 'mika'],
      series: ['frieren', 'mob-psycho'],
    });
  });
});
