import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { startTestServer } from '../helpers/server.js';
import { adminClient, ADMIN_PASSWORD, client } from '../helpers/http.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeMp4 } from '../fakes/media.js';
import { TEST_DOWNLOAD_CONFIG, findItem, listFiles } from './helpers.js';
import { until } from '../helpers/poll.js';
import { killProducts, startProduct } from '../helpers/product.js';

// The product as its own process (scripts/start.mjs) stopped by ANIWORLD_TEST_CRASH_AT at one step
// of placing a verified file (the real code path: the job waits there) and killed with SIGKILL; a
// new process on the same database and folders ends with one file and a completed item, without
// asking the hoster again.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-placement-'));
const animeDir = path.join(dataDir, 'anime');
let aniworld: FakeAniworld;
let hosters: FakeHosters;
let databaseUrl: string;
let mp4: string;
let setUp = false;

beforeAll(async () => {
  [aniworld, hosters, databaseUrl, mp4] = await Promise.all([
    startFakeAniworld(),
    startFakeHosters(),
    createTestDatabase(),
    makeMp4({ seconds: 4, width: 320, height: 180 }),
  ]);
  fs.mkdirSync(animeDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ anime_directory: animeDir, downloads: TEST_DOWNLOAD_CONFIG }));
});
afterAll(async () => {
  killProducts();
  await aniworld?.close();
  await hosters?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const startChild = (crashAt: string) =>
  startProduct({
    dataDir,
    env: { ANIME_DIR: animeDir, DATABASE_URL: databaseUrl, ANIWORLD_URL: aniworld.url, ANIWORLD_TEST_CRASH_AT: crashAt },
  });

async function login(url: string) {
  if (!setUp) {
    setUp = true;
    return (await adminClient(url)).api;
  }
  return client(url, (await client(url).post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token);
}

const videos = (folder: string) => listFiles(folder).filter((f) => !f.startsWith('.aniworld'));

describe('a kill while a verified file is placed', () => {
  it.each([
    ['before_rename', { placed: false, status: 'downloading' }],
    ['after_rename', { placed: true, status: 'downloading' }],
    ['after_library_write', { placed: true, status: 'downloading' }],
    ['after_db_write', { placed: true, status: 'completed' }],
  ] as const)(
    'at %s ends with one file and a completed item, fetched once',
    async (step, atKill) => {
      const slug = `crash-${step.replace(/_/g, '-')}`;
      const embed = hosters.embed('SendVid', { mp4 });
      const embedId = embed.match(/e\d+/)![0];
      aniworld.addSeries({
        slug,
        name: `Crash ${step}`,
        year: 2020,
        seasons: { 1: [{ episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'SendVid', embedUrl: embed }] }] },
      });

      const child = await startChild(step);
      const api = await login(child.url);
      const add = await api.post('/api/anime/add', { link: `${aniworld.url}/anime/stream/${slug}`, name: `Crash ${step}` });
      expect(add.status, add.text).toBe(200);
      const folder = path.join(animeDir, add.body.folder);
      const queued = await api.post('/api/queue/add', { serie_id: slug, episodes: [{ season: 1, episode: 1 }] });
      expect(queued.status, queued.text).toBe(201);
      const [id] = queued.body.added_items as string[];
      await until(() => child.output().includes(`paused at placement step ${step}`), `the pause at ${step}`, {
        timeout: 60_000,
        interval: 100,
      });
      const statusAtKill = findItem((await api.get('/api/queue/status')).body, id!)?.status;
      child.killGroup('SIGKILL');
      await child.exited;

      const finalName = `Crash ${step} - S01E01 - Eins.mp4`;
      // the kill happened where it says: the file was (not) in place, the item (not) completed
      expect(fs.existsSync(path.join(folder, finalName))).toBe(atKill.placed);
      expect(statusAtKill).toBe(atKill.status);
      const fetchesAtKill = hosters.log.filter((l) => l.embed === embedId && l.path.endsWith('video.mp4')).length;
      expect(fetchesAtKill).toBeGreaterThan(0);

      // a new process on the same database and folders
      const srv = await startTestServer({ databaseUrl, dataDir, env: { ANIME_DIR: animeDir, ANIWORLD_URL: aniworld.url } });
      try {
        const api2 = await login(srv.url);
        await until(
          async () => /^(completed|failed)$/.test(findItem((await api2.get('/api/queue/status')).body, id!)?.status ?? ''),
          'the item finished',
          { timeout: 60_000, interval: 200 },
        );
        const item = findItem((await api2.get('/api/queue/status')).body, id!);
        expect(item).toMatchObject({ status: 'completed', error: null, file_path: path.join(folder, finalName) });
        // exactly one file, the whole video, no partial files left
        expect(videos(folder)).toEqual([finalName]);
        expect(fs.readFileSync(path.join(folder, finalName)).equals(fs.readFileSync(mp4))).toBe(true);
        // the hoster was not asked again: the verified file was finished, not fetched anew
        expect(hosters.log.filter((l) => l.embed === embedId && l.path.endsWith('video.mp4'))).toHaveLength(fetchesAtKill);
        expect(fs.existsSync(path.join(folder, '.part'))).toBe(false);
        // the library knows the file
        const series = JSON.stringify((await api2.get(`/api/anime/${slug}`)).body);
        expect(series).toContain('"is_downloaded":true');
        expect(series).toContain(finalName);
        if (step !== 'after_db_write') expect(srv.logs()).toMatch(/finishing the placement of a verified download/);
      } finally {
        await srv.stop();
      }
    },
    180_000,
  );
});
