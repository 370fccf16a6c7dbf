/**
 * Whole-product backup round trip: a product with two users, API keys, a watchlist, three series,
 * a blocklist entry and queued items (two of them downloading) makes a backup with its secrets; a
 * fresh install (new database, empty data folder) takes the file as an upload and restores it
 * through the API: logins with the old passwords and the old API keys work. Damaged and
 * newer-schema files are refused with nothing changed.
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
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeMp4 } from '../fakes/media.js';
import { until } from '../helpers/poll.js';
import type { Backup, BlockItem, DownloadItem, SeriesSummary, TaskInfo, User } from '../../frontend/src/api/types.ts';
import type { Loose } from '../helpers/http.js';

let fake: FakeAniworld;
let hosters: FakeHosters;
/** API keys made before the backup: name → key. */
const keys: Record<string, string> = {};
let source: TestServer;
let fresh: TestServer;
let archive: Buffer;
let freshAdmin: Awaited<ReturnType<typeof adminClient>>;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-backup-test-'));

const SERIES = [
  ['frieren', 'Frieren'],
  ['dungeon-meshi', 'Dungeon Meshi'],
  ['mob-psycho', 'Mob Psycho 100'],
] as const;

/** What the Settings page sends: the file as the request body. */
async function upload(srv: TestServer, token: string, body: Buffer) {
  const res = await fetch(`${srv.url}/api/config/backups/upload`, {
    method: 'POST',
    body: new Uint8Array(body),
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/gzip' },
  });
  return { status: res.status, body: (await res.json()) as Loose };
}

async function state(api: ReturnType<typeof client>) {
  const queue = (await api.get('/api/queue/status')).body.status;
  const out = {
    users: (await api.get('/api/users')).body.map((u: User) => `${u.username}:${u.role}`).sort(),
    series: (await api.get('/api/anime')).body.map((s: SeriesSummary) => s.key).sort(),
    pending: queue.pending_queue.map((i: DownloadItem) => `${i.serie_id} ${i.episode.season}x${i.episode.episode}`).sort(),
    active: queue.active_downloads.length,
  };
  return { ...out, ...(await blocklistOf(api)) };
}

async function blocklistOf(api: ReturnType<typeof client>) {
  return {
    blocklist: (await api.get('/api/blocklist')).body.items.map(
      (b: BlockItem) => `${b.series_key} ${b.season}x${b.episode} ${b.hoster} ${b.language}`,
    ),
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
  const files = [
    'manifest.json',
    ...fs.readdirSync(dir).filter((f) => f !== 'manifest.json' && f !== 'db'),
    ...fs.readdirSync(path.join(dir, 'db')).map((f) => `db/${f}`),
  ];
  await tar.c({ gzip: true, file: out, cwd: dir }, files);
  return fs.readFileSync(out);
}

beforeAll(async () => {
  hosters = await startFakeHosters();
  // Dungeon Meshi 1x1 has one source, whose hoster answers 404: the download fails and the source is blocklisted
  const dead = hosters.embed('VOE', { mp4: await makeMp4({ seconds: 1 }) }, { page: '404' });
  fake = await startFakeAniworld({
    series: SERIES.map(([slug, name]) =>
      simpleSeries(slug, name, { 1: 3 }, {}, (season, episode) =>
        slug === 'dungeon-meshi' && season === 1 && episode === 1 ? [{ lang: 1, hoster: 'VOE', embedUrl: dead }] : [],
      ),
    ),
  });
  // web only: queued items are claimed (downloading) but no worker runs them, so the snapshot holds them mid-download
  source = await startTestServer({ env: { ANIWORLD_URL: fake.url, ROLE: 'web' } });
  fresh = await startTestServer({ env: { ANIWORLD_URL: fake.url, ROLE: 'web' } });
}, 60_000);

afterAll(async () => {
  await source?.stop();
  await fresh?.stop();
  await fake?.close();
  await hosters?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('whole-product backup', () => {
  let before: Awaited<ReturnType<typeof state>>;

  it('backs up users, API keys, series, a watchlist, the blocklist and the queue into one downloadable file', async () => {
    const { api } = await adminClient(source.url);
    expect((await api.post('/api/users', { username: 'mika', password: 'Another-Pass!42', role: 'user' })).status).toBe(201);
    for (const [slug, name] of SERIES) {
      const res = await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/${slug}`, name });
      expect(res.status, res.text).toBe(200);
    }
    const mika = client(
      source.url,
      (await client(source.url).post('/api/auth/login', { username: 'mika', password: 'Another-Pass!42' })).body.access_token,
    );
    const watch = await mika.post('/api/watchlist', {
      anime_title: 'Frieren',
      anime_url: `${fake.url}/anime/stream/frieren`,
      quality_preference: '720p',
    });
    expect(watch.status, watch.text).toBe(201);
    for (const [name, who] of [
      ['admin-script', api],
      ['mika-phone', mika],
    ] as const) {
      const made = await who.post('/api/auth/api-keys', { name });
      expect(made.status, made.text).toBe(201);
      keys[name] = made.body.key;
    }
    // a worker on the same database runs the one download whose source is gone, then leaves
    const worker = await startTestServer({ databaseUrl: source.databaseUrl, env: { ANIWORLD_URL: fake.url, ROLE: 'worker' } });
    try {
      expect((await api.post('/api/queue/add', { serie_id: 'dungeon-meshi', episodes: [{ season: 1, episode: 1 }] })).status).toBe(201);
      await until(
        async () =>
          (await api.get('/api/blocklist')).body.items.length > 0 &&
          (await api.get('/api/queue/status')).body.status.active_downloads.length === 0,
        'the blocklist entry',
      );
    } finally {
      await worker.stop();
    }
    const queued = await api.post('/api/queue/add', { serie_id: 'frieren', episodes: [1, 2, 3].map((e) => ({ season: 1, episode: e })) });
    expect(queued.status, queued.text).toBe(201);
    expect((await api.post('/api/queue/stop')).status).toBe(200);
    expect(
      (await api.put('/api/config', { backup: { enabled: true, frequency: 'daily', time: '02:15' }, name: 'Home server' })).status,
    ).toBe(200);
    before = await state(api);
    expect(before).toMatchObject({
      users: ['admin:admin', 'mika:user'],
      series: ['dungeon-meshi', 'frieren', 'mob-psycho'],
      active: 2,
      blocklist: ['dungeon-meshi 1x1 VOE german_dub'],
    });
    expect(before.pending).toHaveLength(1);

    const plain = await api.post('/api/config/backups');
    expect(plain.status, plain.text).toBe(200);
    const created = await api.post('/api/config/backups?include_secrets=true');
    expect(created.status, created.text).toBe(200);
    expect(created.body).toMatchObject({ kind: 'manual', name: expect.stringMatching(/^aniworld_\d{8}_\d{6}(_\d+)?_manual\.tar\.gz$/) });
    const list = await api.get('/api/config/backups');
    expect(list.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: created.body.name, kind: 'manual', size: created.body.size })]),
    );
    expect(list.body).toHaveLength(2);

    const res = await fetch(`${source.url}/api/config/backups/${created.body.name}/download`);
    expect(res.status).toBe(401); // a token is needed
    const dl = await fetch(`${source.url}/api/config/backups/${created.body.name}/download`, {
      headers: { Authorization: `Bearer ${await adminToken(source)}` },
    });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="${created.body.name}"`);
    archive = Buffer.from(await dl.arrayBuffer());
    expect(archive.length).toBe(created.body.size);

    // what the files hold: the manifest lists each part with its checksum; secrets only when asked for
    const entries = async (buf: Buffer) => {
      const names: string[] = [];
      const file = path.join(tmp, `list-${crypto.randomBytes(4).toString('hex')}.tar.gz`);
      fs.writeFileSync(file, buf);
      await tar.t({ file, onReadEntry: (e) => names.push(e.path) });
      return names;
    };
    const names = await entries(archive);
    expect(names[0]).toBe('manifest.json');
    expect(names).toEqual(
      expect.arrayContaining([
        'config.json',
        'db/users.jsonl',
        'db/series.jsonl',
        'db/episodes.jsonl',
        'db/download_items.jsonl',
        'db/watchlist_items.jsonl',
        'db/download_blocklist.jsonl',
        'db/api_keys.jsonl',
      ]),
    );
    const plainFile = fs.readFileSync(path.join(source.dataDir, 'backups', plain.body.name));
    const plainNames = await entries(plainFile);
    expect(plainNames).toEqual(expect.arrayContaining(['config.json', 'db/users.jsonl', 'db/download_blocklist.jsonl']));
    // signing keys are never in a backup (sessions end on a restore)
    expect([...names, ...plainNames].some((n) => /jwt|signing_keys|refresh_sessions/.test(n))).toBe(false);
    expect(plainNames).not.toContain('db/api_keys.jsonl');
    expect(plainNames.some((n) => n.startsWith('db/_') || n.includes('graphile') || n.includes('schema_migrations'))).toBe(false);
  });

  it('a user who is not an admin cannot list, make or restore backups', async () => {
    const mika = client(
      source.url,
      (await client(source.url).post('/api/auth/login', { username: 'mika', password: 'Another-Pass!42' })).body.access_token,
    );
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
    expect((await api.get('/api/config/backups')).body.map((b: Backup) => b.kind)).toEqual(['uploaded']);
    expect(fs.readdirSync(path.join(fresh.dataDir, 'backups')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it(
    'restores everything on a fresh install: logins with the old passwords, API keys, series, watchlist, blocklist, queue, ' + 'schedule',
    async () => {
      const { api, token } = freshAdmin;
      const up = await upload(fresh, token, archive);
      expect(up.status, JSON.stringify(up.body)).toBe(201);
      expect(up.body.kind).toBe('uploaded');
      const r = await api.post(`/api/config/backups/${up.body.name}/restore`);
      expect(r.status, r.text).toBe(200);
      expect(r.body).toMatchObject({
        requeued_downloads: 2,
        secrets_restored: true,
        safety_backup: expect.stringMatching(/_pre-restore\.tar\.gz$/),
      });

      // every session of the fresh install ended; the old passwords work
      expect((await api.get('/api/config')).status).toBe(401);
      const login = await client(fresh.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
      expect(login.status, login.text).toBe(200);
      const admin = client(fresh.url, login.body.access_token);
      const mikaLogin = await client(fresh.url).post('/api/auth/login', { username: 'mika', password: 'Another-Pass!42' });
      expect(mikaLogin.status).toBe(200);

      const after = await state(admin);
      expect(after.users).toEqual(before.users);
      expect(after.blocklist).toEqual(before.blocklist);
      // the old API keys act for their owners again
      const byKey = async (key: string) => await fetch(`${fresh.url}/api/users/me`, { headers: { 'X-Api-Key': key } });
      for (const [name, owner] of [
        ['admin-script', 'admin'],
        ['mika-phone', 'mika'],
      ]) {
        const res = await byKey(keys[name]!);
        expect(res.status, name).toBe(200);
        expect(((await res.json()) as { username: string }).username).toBe(owner);
      }
      expect((await byKey('aw_00000000_not-a-key-at-all-000000000000')).status).toBe(401);
      expect(after.series).toEqual(before.series);
      // the two that were downloading wait again; the queue stays stopped as it was
      expect(after.active).toBe(0);
      expect(after.pending).toEqual(['frieren 1x1', 'frieren 1x2', 'frieren 1x3']);
      const watch = (await client(fresh.url, mikaLogin.body.access_token).get('/api/watchlist')).body;
      expect(watch).toEqual([expect.objectContaining({ anime_title: 'Frieren', quality_preference: '720p' })]);
      expect((await admin.get('/api/config')).body).toMatchObject({
        name: 'Home server',
        backup: { enabled: true, frequency: 'daily', time: '02:15' },
      });
      // jobs are derived again: the daily backup is scheduled from the restored config
      const task = (await admin.get('/api/tasks')).body.tasks.find((t: TaskInfo) => t.name === 'config_backup');
      expect(task.schedule).toBe('daily at 02:15');
      expect(task.next_run).not.toBeNull();
      // each series with its episodes comes back as it was
      const old = client(source.url, await adminToken(source));
      for (const [slug] of SERIES) expect((await admin.get(`/api/anime/${slug}`)).body).toEqual((await old.get(`/api/anime/${slug}`)).body);
      // the safety backup holds the fresh install as it was (secrets included) and is listed
      const kinds = (await admin.get('/api/config/backups')).body.map((b: Backup) => b.kind).sort();
      expect(kinds).toEqual(['pre-restore', 'uploaded', 'uploaded']);
    },
  );
});

async function adminToken(srv: TestServer): Promise<string> {
  const login = await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
  return login.body.access_token;
}
