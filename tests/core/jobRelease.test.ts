import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { startTestServer } from '../helpers/server.js';
import { adminClient, ADMIN_PASSWORD, client } from '../helpers/http.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeMp4 } from '../fakes/media.js';
import { TEST_DOWNLOAD_CONFIG, findItem } from '../downloads/helpers.js';
import { until } from '../helpers/poll.js';
import { killProducts, startProduct } from '../helpers/product.js';

// A worker process stopped in the middle of a download, two ways: SIGTERM releases its job at
// once and another process takes the download over; after SIGKILL the survivor frees the job rows
// the dead process left locked (its pool's advisory lock vanished with it) and finishes the item.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-release-'));
const animeDir = path.join(dataDir, 'anime');
let aniworld: FakeAniworld;
let hosters: FakeHosters;
let databaseUrl: string;
let mp4: string;
let db: pg.Client;
let setUp = false;

beforeAll(async () => {
  [aniworld, hosters, databaseUrl, mp4] = await Promise.all([
    startFakeAniworld(),
    startFakeHosters(),
    createTestDatabase(),
    makeMp4({ seconds: 8, width: 640, height: 360 }),
  ]);
  fs.mkdirSync(animeDir, { recursive: true });
  // a stall is under 64 KiB in 30 s here: the child's download may drip slowly (DRIP) while the survivor starts
  const downloads = { ...TEST_DOWNLOAD_CONFIG, stall_timeout_seconds: 30 };
  fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ anime_directory: animeDir, downloads }));
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
});
afterAll(async () => {
  killProducts();
  await db?.end();
  await aniworld?.close();
  await hosters?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const startChild = () => startProduct({ dataDir, env: { ANIME_DIR: animeDir, DATABASE_URL: databaseUrl, ANIWORLD_URL: aniworld.url } });

async function login(url: string) {
  if (!setUp) {
    setUp = true;
    return (await adminClient(url)).api;
  }
  return client(url, (await client(url).post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token);
}

const partSize = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);
const lockedBy = async (pool: string) =>
  Number((await db.query('select count(*) from graphile_worker.jobs where locked_by = $1', [pool])).rows[0].count);
const registered = async (pool: string) =>
  Number((await db.query('select count(*) from worker_pools where id = $1', [pool])).rows[0].count);

/**
 * Bytes per second once a fifth is on disk: about 5 KB/s, sent in the response's first chunk size
 * (size / 80, ~24 KB) every ~5 s, so well over 64 KiB per 30 s stall window.
 */
const DRIP = 5000;

/** A child process downloading one episode slowly, its pool id, and the paths to watch. */
async function downloadInChild(slug: string) {
  const size = fs.statSync(mp4).size;
  const embed = hosters.embed('Vidoza', { mp4 }, { rateBytesPerSec: Math.floor(size / 8) });
  aniworld.addSeries({
    slug,
    name: slug,
    year: 2020,
    seasons: { 1: [{ episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: embed }] }] },
  });
  const child = await startChild();
  const api = await login(child.url);
  const add = await api.post('/api/anime/add', { link: `${aniworld.url}/anime/stream/${slug}`, name: slug });
  expect(add.status, add.text).toBe(200);
  const folder = path.join(animeDir, add.body.folder);
  const [id] = (await api.post('/api/queue/add', { serie_id: slug, episodes: [{ season: 1, episode: 1 }] })).body.added_items as string[];
  const part = path.join(folder, '.part', id!, 'Vidoza-german_dub', 'download.mp4');
  await until(() => partSize(part) > size * 0.2, 'a fifth of the download on disk', { timeout: 60_000, interval: 100 });
  // the rest drips for minutes: the download is still running in the child however long the
  // survivor takes to start (40 s and more on a loaded machine; at size / 8 the child finished first)
  hosters.setBehavior(embed, { rateBytesPerSec: DRIP });
  const pool = (await db.query('select id from worker_pools where pid = $1', [child.child.pid])).rows[0]?.id as string;
  expect(pool).toMatch(/pool-/);
  // the job row of the download is locked by the child's pool
  expect(await lockedBy(pool)).toBeGreaterThan(0);
  return { child, id: id!, embed, folder, pool };
}

describe('a worker process that stops mid-download', () => {
  it('on SIGTERM releases its job at once; another process takes the download over', async () => {
    const { child, id, embed, folder, pool } = await downloadInChild('sigterm');
    const survivor = await startTestServer({ databaseUrl, dataDir, env: { ANIME_DIR: animeDir, ANIWORLD_URL: aniworld.url } });
    try {
      hosters.setBehavior(embed, { rateBytesPerSec: 0 });
      child.killGroup('SIGTERM');
      expect(await child.exited).toBe(0);
      // nothing stays locked by the stopped process, and it unregistered itself
      expect(await lockedBy(pool)).toBe(0);
      expect(await registered(pool)).toBe(0);
      const api = await login(survivor.url);
      await until(async () => findItem((await api.get('/api/queue/status')).body, id)?.status === 'completed', 'the item completed', {
        timeout: 60_000,
        interval: 200,
      });
      expect(fs.readFileSync(path.join(folder, 'sigterm - S01E01 - Eins.mp4')).equals(fs.readFileSync(mp4))).toBe(true);
      expect(survivor.logs()).toMatch(/resuming downloads whose process stopped/);
    } finally {
      await survivor.stop();
    }
  }, 240_000);

  it('after SIGKILL the survivor frees the job rows the dead process left locked', async () => {
    const { child, id, embed, folder, pool } = await downloadInChild('sigkill');
    const survivor = await startTestServer({ databaseUrl, dataDir, env: { ANIME_DIR: animeDir, ANIWORLD_URL: aniworld.url } });
    try {
      hosters.setBehavior(embed, { rateBytesPerSec: 0 });
      child.killGroup('SIGKILL');
      await child.exited;
      await until(async () => (await lockedBy(pool)) === 0, 'no job locked by the killed pool', { timeout: 60_000, interval: 250 });
      expect(await registered(pool)).toBe(0);
      expect(survivor.logs()).toContain('freed the jobs left locked by worker processes that are gone');
      expect(survivor.logs()).toContain(pool);
      const api = await login(survivor.url);
      await until(async () => findItem((await api.get('/api/queue/status')).body, id)?.status === 'completed', 'the item completed', {
        timeout: 60_000,
        interval: 200,
      });
      expect(fs.readFileSync(path.join(folder, 'sigkill - S01E01 - Eins.mp4')).equals(fs.readFileSync(mp4))).toBe(true);
    } finally {
      await survivor.stop();
    }
  }, 240_000);
});
