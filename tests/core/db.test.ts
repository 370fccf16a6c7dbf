import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { io } from 'socket.io-client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { migrate, MIGRATIONS_DIR } from '../../backend/src/db/migrate.js';
import { createLogger } from '../../backend/src/log.js';
import { startTestServer, type TestServer, publishRaw } from '../helpers/server.js';
import { ADMIN_PASSWORD, adminClient, client } from '../helpers/http.js';
import { createTestDatabase } from '../helpers/db.js';

const log = createLogger({ level: 'silent' });
const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

/** An empty database (not cloned from the migrated template); dropped with the run's others. */
async function emptyDatabase(): Promise<string> {
  const adminUrl = inject('pgAdminUrl');
  const name = `awt_${inject('pgTemplate').split('_')[2]}_empty_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

describe('migrations', () => {
  it('two concurrent migrate() calls on a fresh database both succeed, each migration applied once', async () => {
    const url = await emptyDatabase();
    const [a, b] = await Promise.all([migrate(url, log), migrate(url, log)]);
    const files = fs
      .readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d{4}_.+\.sql$/.test(f))
      .sort();
    expect([...a, ...b].sort()).toEqual(files);
    const rows = await query<{ name: string; n: number }>(
      url,
      'select name, count(*)::int as n from schema_migrations group by name order by name',
    );
    expect(rows.map((r) => r.name)).toEqual(files);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    // graphile worker's schema is there too
    expect((await query(url, `select 1 from information_schema.schemata where schema_name = 'graphile_worker'`)).length).toBe(1);
    // running again applies nothing
    expect(await migrate(url, log)).toEqual([]);
  });

  it('applies in numeric order, each in a transaction: a failing one leaves nothing behind', async () => {
    const url = await emptyDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-mig-'));
    fs.writeFileSync(path.join(dir, '0002_second.sql'), 'create table second_t (id int references first_t(id));');
    fs.writeFileSync(path.join(dir, '0001_first.sql'), 'create table first_t (id int primary key);');
    fs.writeFileSync(path.join(dir, '0003_broken.sql'), 'create table third_t (id int); select no_such_function();');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a migration');
    await expect(migrate(url, log, dir)).rejects.toThrow(/0003_broken\.sql/);
    const tables = await query<{ table_name: string }>(
      url,
      `select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(['first_t', 'schema_migrations', 'second_t']);
    expect((await query<{ name: string }>(url, 'select name from schema_migrations order by name')).map((r) => r.name)).toEqual([
      '0001_first.sql',
      '0002_second.sql',
    ]);
    // fixed, it goes on from where it stopped
    fs.writeFileSync(path.join(dir, '0003_broken.sql'), 'create table third_t (id int);');
    expect(await migrate(url, log, dir)).toEqual(['0003_broken.sql']);
  });
});

describe('sessions across processes sharing one database', () => {
  it('a logout on A makes the token 401 on B within a second; users and events cross too', async () => {
    const databaseUrl = await createTestDatabase();
    const a = await startTestServer({ databaseUrl });
    servers.push(a);
    // the signing keys live in the shared database
    const b = await startTestServer({ databaseUrl, dataDir: a.dataDir });
    servers.push(b);
    const { token } = await adminClient(a.url);
    const onB = client(b.url, token);
    expect((await onB.get('/api/config')).status).toBe(200);
    await client(a.url, token).post('/api/auth/logout');
    let status = 0;
    for (let i = 0; i < 20 && status !== 401; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await onB.get('/api/config')).status;
    }
    expect(status).toBe(401);
    // a user created on B can log in on A at once (user cut-offs travel too)
    const second = (await client(b.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token;
    await client(b.url, second).post('/api/users', { username: 'erin', password: 'Erin-Pass1!' });
    const erin = (await client(a.url).post('/api/auth/login', { username: 'erin', password: 'Erin-Pass1!' })).body.access_token;
    expect((await client(a.url, erin).get('/api/anime')).status).toBe(200);
    const erinId = (await client(a.url, erin).get('/api/users/me')).body.id;
    await client(b.url, second).del(`/api/users/${erinId}`);
    status = 0;
    for (let i = 0; i < 20 && status !== 401; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await client(a.url, erin).get('/api/anime')).status;
    }
    expect(status).toBe(401);

    // an event published in one process reaches a socket joined in the other (as from a worker)
    const socket = io(b.url, { auth: { token: second }, transports: ['websocket'], reconnection: false, forceNew: true });
    const messages: { type: string; data: Record<string, unknown> }[] = [];
    socket.on('message', (m) => messages.push(m));
    await new Promise((r) => socket.once('message', r));
    socket.emit('message', { action: 'join', data: { room: 'downloads' } });
    for (let i = 0; i < 40 && !messages.some((m) => m.type === 'system_info'); i++) await new Promise((r) => setTimeout(r, 25));
    await publishRaw(a, 'downloads', 'download_complete', { download_id: 'from-a' });
    for (let i = 0; i < 40 && !messages.some((m) => m.type === 'download_complete'); i++) await new Promise((r) => setTimeout(r, 25));
    socket.close();
    expect(messages.find((m) => m.type === 'download_complete')?.data).toEqual({ download_id: 'from-a' });
  });

  it('token checks do not need the database once warm', async () => {
    const databaseUrl = await createTestDatabase();
    const srv = await startTestServer({ databaseUrl });
    servers.push(srv);
    const { api } = await adminClient(srv.url);
    const revokedToken = (await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token;
    await client(srv.url, revokedToken).post('/api/auth/logout');
    // take the database away: a check that queried it per request would now fail
    const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await admin.connect();
    await admin.query(`drop database "${new URL(databaseUrl).pathname.slice(1)}" with (force)`);
    await admin.end();
    expect((await client(srv.url).get('/health/detailed')).status).toBe(503);
    for (let i = 0; i < 20; i++) expect((await api.get('/api/config')).status).toBe(200);
    expect((await client(srv.url, revokedToken).get('/api/config')).status).toBe(401);
    expect((await client(srv.url).get('/api/config')).status).toBe(401);
  });
});
