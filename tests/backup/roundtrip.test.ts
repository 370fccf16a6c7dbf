/**
 * Whole-product backup round trip: a product with two users, a watchlist, three series and queued
 * items (two of them downloading) makes a backup; a fresh install (new database, empty data
 * folder) takes the file as an upload and restores it through the API. Damaged and newer-schema
 * files are refused with nothing changed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, adminClient, client } from '../helpers/http.js';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';

let fake: FakeAniworld;
let source: TestServer;
let fresh: TestServer;
let archive: Buffer;
let freshAdmin: Awaited<ReturnType<typeof adminClient>>;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-backup-test-'));

const SERIES = [['frieren', 'Frieren'], ['dungeon-meshi', 'Dungeon Meshi'], ['mob-psycho', 'Mob Psycho 100']] as const;

/** What the Settings page sends: the file as the request body. */
async function upload(srv: TestServer, token: string, body: Buffer) {
  const res = await fetch(`${srv.url}/api/config/backups/upload`, { method: "POST", body: new Uint8Array(body), headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/gzip' } });
  return { status: res.status, body: (await res.json()) as any };
}

async function state(api: ReturnType<typeof client>) {
  const queue = (await api.get('/api/queue/status')).body.status;
  return {
    users: (await api.get('/api/users')).body.map((u: any) => `${u.username}:${u.role}`).sort(),
    series: (await api.get('/api/anime')).body.map((s: any) => s.key).sort(),
    pending: queue.pending_queue.map((i: any) => `${i.serie_id} ${i.episode.season}x${i.episode.episode}`).sort(),
    active: queue.active_downloads.length,
  };
}

/** Unpacks the archive, lets `change` edit the folder, packs it again. */
async function repack(change: (dir: string) => void): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(tmp, 'x-'));
  const file = path.join(tmp, `in-${crypto.randomBytes(4).toString('hex')}.tar.gz`);
  fs.writeFileSync(file, archive);
  await tar.x({ file, cwd: dir });
  change(dir);
  const out = path.join(tmp, `out-${crypto.randomBytes(4).toString('hex')}.tar.gz`);
  const files = ['manifest.json', ...fs.readdirSync(dir).filter((f) => f !== 'manifest.json' && f !== 'db'),
    ...fs.readdirSync(path.join(dir, 'db')).map((f) => `db/${f}`)];
  await tar.c({ gzip: true, file: out, cwd: dir }, files);
  return fs.readFileSync(out);
}

beforeAll(async () => {
  fake = await startFakeAniworld({ series: SERIES.map(([slug, name]) => simpleSeries(slug, name, { 1: 3 })) });
  // web only: queued items are claimed (downloading) but no worker runs them, so the snapshot holds them mid-download
  source = await startTestServer({ env: { ANIWORLD_URL: fake.url, ROLE: 'web' } });
  fresh = await startTestServer({ env: { ANIWORLD_URL: fake.url, ROLE: 'web' } });
}, 60_000);

afterAll(async () => {
  await source?.stop();
  await fresh?.stop();
  await fake?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('whole-product backup', () => {
  let before: Awaited<ReturnType<typeof state>>;

  it('backs up users, series, a watchlist and the queue into one downloadable file', async () => {
    const { api } = await adminClient(source.url);
    expect((await api.post('/api/users', { username: 'mika', password: 'Another-Pass!42', role: 'user' })).status).toBe(201);
    for (const [slug, name] of SERIES) {
      const res = await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/${slug}`, name });
      expect(res.status, res.text).toBe(200);
    }
    const mika = client(source.url, (await client(source.url).post('/api/auth/login', { username: 'mika', password: 'Another-Pass!42' })).body.access_token);
    const watch = await mika.post('/api/watchlist', { anime_title: 'Frieren', anime_url: `${fake.url}/anime/stream/frieren`, quality_preference: '720p' });
    expect(watch.status, watch.text).toBe(201);
    const queued = await api.post('/api/queue/add', { serie_id: 'frieren', episodes: [1, 2, 3].map((e) => ({ season: 1, episode: e })) });
    expect(queued.status, queued.text).toBe(201);
    expect((await api.post('/api/queue/stop')).status).toBe(200);
    expect((await api.put('/api/config', { backup: { enabled: true, frequency: 'daily', time: '02:15' }, name: 'Home server' })).status).toBe(200);
    before = await state(api);
    expect(before).toMatchObject({ users: ['admin:admin', 'mika:user'], series: ['dungeon-meshi', 'frieren', 'mob-psycho'], active: 2 });
    expect(before.pending).toHaveLength(1);

    const created = await api.post('/api/config/backups');
    expect(created.status, created.text).toBe(200);
    expect(created.body).toMatchObject({ kind: 'manual', name: expect.stringMatching(/^aniworld_\d{8}_\d{6}_manual\.tar\.gz$/) });
    const list = await api.get('/api/config/backups');
    expect(list.body).toEqual([expect.objectContaining({ name: created.body.name, kind: 'manual', size: created.body.size })]);

    const res = await fetch(`${source.url}/api/config/backups/${created.body.name}/download`);
    expect(res.status).toBe(401); // a token is needed
    const dl = await fetch(`${source.url}/api/config/backups/${created.body.name}/download`, { headers: { Authorization: `Bearer ${(await adminToken(source))}` } });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="${created.body.name}"`);
    archive = Buffer.from(await dl.arrayBuffer());
    expect(archive.length).toBe(created.body.size);

    // what the file holds: the manifest lists each part with its checksum; no secrets unless asked for
    const names: string[] = [];
    const file = path.join(tmp, 'plain.tar.gz');
    fs.writeFileSync(file, archive);
    await tar.t({ file, onReadEntry: (e) => names.push(e.path) });
    expect(names[0]).toBe('manifest.json');
    expect(names).toEqual(expect.arrayContaining(['config.json', 'db/users.jsonl', 'db/series.jsonl', 'db/episodes.jsonl', 'db/download_items.jsonl', 'db/watchlist_items.jsonl']));
    expect(names).not.toContain('jwt_secret');
    expect(names.some((n) => n.startsWith('db/_') || n.includes('graphile') || n.includes('schema_migrations'))).toBe(false);
  });

  it('a user who is not an admin cannot list, make or restore backups', async () => {
    const mika = client(source.url, (await client(source.url).post('/api/auth/login', { username: 'mika', password: 'Another-Pass!42' })).body.access_token);
    expect((await mika.get('/api/config/backups')).status).toBe(403);
    expect((await mika.post('/api/config/backups')).status).toBe(403);
  });

  it('refuses a changed file, a newer schema and a non-archive on a fresh install, changing nothing', async () => {
    freshAdmin = await adminClient(fresh.url);
    const { api, token } = freshAdmin;
    const empty = await state(api);
    const tampered = await repack((dir) => {
      const f = path.join(dir, 'db', 'users.jsonl');
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('"role":"user"', '"role":"admin"'));
    });
    const t = await upload(fresh, token, tampered);
    expect(t.status).toBe(422);
    expect(t.body.message).toMatch(/db\/users\.jsonl does not match its checksum/);

    const newer = await repack((dir) => {
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      m.migrations.push('9999_from_the_future.sql');
      fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
    });
    const up = await upload(fresh, token, newer);
    expect(up.status, JSON.stringify(up.body)).toBe(201); // a sound file: kept, but it cannot be restored here
    const r = await api.post(`/api/config/backups/${up.body.name}/restore`);
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/newer Aniworld.*9999_from_the_future\.sql.*Update Aniworld/);

    expect((await upload(fresh, token, Buffer.from('not a backup at all'))).status).toBe(422);
    expect(await state(api)).toEqual(empty);
    // nothing was restored, so no safety backup either; the refused uploads left no file
    expect((await api.get('/api/config/backups')).body.map((b: any) => b.kind)).toEqual(['uploaded']);
    expect(fs.readdirSync(path.join(fresh.dataDir, 'backups')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('restores everything on a fresh install: logins with the old passwords, series, watchlist, queue, schedule', async () => {
    const { api, token } = freshAdmin;
    const up = await upload(fresh, token, archive);
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.kind).toBe('uploaded');
    const r = await api.post(`/api/config/backups/${up.body.name}/restore`);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ requeued_downloads: 2, secrets_restored: false, safety_backup: expect.stringMatching(/_pre-restore\.tar\.gz$/) });

    // every session of the fresh install ended; the old passwords work
    expect((await api.get('/api/config')).status).toBe(401);
    const login = await client(fresh.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
    expect(login.status, login.text).toBe(200);
    const admin = client(fresh.url, login.body.access_token);
    const mikaLogin = await client(fresh.url).post('/api/auth/login', { username: 'mika', password: 'Another-Pass!42' });
    expect(mikaLogin.status).toBe(200);

    const after = await state(admin);
    expect(after.users).toEqual(before.users);
    expect(after.series).toEqual(before.series);
    // the two that were downloading wait again; the queue stays stopped as it was
    expect(after.active).toBe(0);
    expect(after.pending).toEqual(['frieren 1x1', 'frieren 1x2', 'frieren 1x3']);
    const watch = (await client(fresh.url, mikaLogin.body.access_token).get('/api/watchlist')).body;
    expect(watch).toEqual([expect.objectContaining({ anime_title: 'Frieren', quality_preference: '720p' })]);
    expect((await admin.get('/api/config')).body).toMatchObject({ name: 'Home server', backup: { enabled: true, frequency: 'daily', time: '02:15' } });
    // jobs are derived again: the daily backup is scheduled from the restored config
    const task = (await admin.get('/api/tasks')).body.tasks.find((t: any) => t.name === 'config_backup');
    expect(task.schedule).toBe('daily at 02:15');
    expect(task.next_run).not.toBeNull();
    // each series with its episodes comes back as it was
    const old = client(source.url, await adminToken(source));
    for (const [slug] of SERIES) expect((await admin.get(`/api/anime/${slug}`)).body).toEqual((await old.get(`/api/anime/${slug}`)).body);
    // the safety backup holds the fresh install as it was (secrets included) and is listed
    const kinds = (await admin.get('/api/config/backups')).body.map((b: any) => b.kind).sort();
    expect(kinds).toEqual(['pre-restore', 'uploaded', 'uploaded']);
  });
});

async function adminToken(srv: TestServer): Promise<string> {
  const login = await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
  return login.body.access_token;
}
