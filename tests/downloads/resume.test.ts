import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, ADMIN_PASSWORD, client } from '../helpers/http.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeHls, makeMp4 } from '../fakes/media.js';
import { TEST_DOWNLOAD_CONFIG, findItem, listFiles } from './helpers.js';
import type { DownloadItem, QueueResponse } from '../../frontend/src/api/types.ts';
import { until } from '../helpers/poll.js';
import { killProducts, startProduct } from '../helpers/product.js';

// The product as its own process (scripts/start.mjs), killed with SIGKILL mid-download; a new
// process on the same database and folders resumes the item from its partial files.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-resume-'));
const animeDir = path.join(dataDir, 'anime');
let aniworld: FakeAniworld;
let hosters: FakeHosters;
let databaseUrl: string;
let srv: TestServer | null = null;

beforeAll(async () => {
  [aniworld, hosters, databaseUrl] = await Promise.all([startFakeAniworld(), startFakeHosters(), createTestDatabase()]);
  fs.mkdirSync(animeDir, { recursive: true });
  fs.writeFileSync(
    path.join(dataDir, 'config.json'),
    JSON.stringify({ anime_directory: animeDir, downloads: { ...TEST_DOWNLOAD_CONFIG, hls_segment_concurrency: 1 } }),
  );
});
afterAll(async () => {
  killProducts();
  await srv?.stop();
  await aniworld?.close();
  await hosters?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const startChild = () => startProduct({ dataDir, env: { ANIME_DIR: animeDir, DATABASE_URL: databaseUrl, ANIWORLD_URL: aniworld.url } });

describe('a killed process', () => {
  it('resumes MP4 (by Range) and HLS (by segment) downloads after a restart', async () => {
    const mp4 = await makeMp4({ seconds: 8, width: 640, height: 360 });
    const hls = await makeHls({ seconds: 8 });
    const size = fs.statSync(mp4).size;
    const mp4Embed = hosters.embed('SendVid', { mp4 }, { rateBytesPerSec: Math.floor(size / 20) });
    const hlsEmbed = hosters.embed('Vidmoly', { hls }, { delayMs: 700 });
    aniworld.addSeries({
      slug: 'killme',
      name: 'Kill Me',
      year: 2021,
      seasons: {
        1: [
          { episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'SendVid', embedUrl: mp4Embed }] },
          { episode: 2, title: 'Zwei', sources: [{ lang: 1, hoster: 'Vidmoly', embedUrl: hlsEmbed }] },
        ],
      },
    });

    const child = await startChild();
    const { api } = await adminClient(child.url);
    const add = await api.post('/api/anime/add', { link: `${aniworld.url}/anime/stream/killme`, name: 'Kill Me' });
    expect(add.status).toBe(200);
    const added = await api.post('/api/queue/add', {
      serie_id: 'killme',
      episodes: [
        { season: 1, episode: 1 },
        { season: 1, episode: 2 },
      ],
    });
    const [mp4Id, hlsId] = added.body.added_items as string[];
    const folder = path.join(animeDir, add.body.folder);
    const mp4Part = path.join(folder, '.part', mp4Id!, 'SendVid-german_dub', 'download.mp4');
    const segDir = path.join(folder, '.part', hlsId!, 'Vidmoly-german_dub', 'segments');
    // wait until both are well under way (the MP4 takes ~20 s at this rate, so a busy machine still
    // kills it part-way)
    await until(
      () => {
        const partSize = fs.existsSync(mp4Part) ? fs.statSync(mp4Part).size : 0;
        const segs = listFiles(segDir).filter((f) => /^seg-\d+\.ts$/.test(f)).length;
        return partSize > size * 0.3 && segs >= 3;
      },
      'both downloads well under way',
      { timeout: 60_000, interval: 100 },
    );
    child.killGroup('SIGKILL');
    await child.exited;
    const partAtKill = fs.statSync(mp4Part).size;
    const doneAtKill = listFiles(segDir)
      .filter((f) => /^seg-\d+\.ts$/.test(f))
      .map((f) => Number(/\d+/.exec(f)![0]));
    const segsAtKill = doneAtKill.length;
    expect(partAtKill).toBeGreaterThan(size * 0.3);
    expect(partAtKill).toBeLessThan(size);
    expect(segsAtKill).toBeGreaterThanOrEqual(3);
    hosters.setBehavior(mp4Embed, { rateBytesPerSec: 0 });
    hosters.setBehavior(hlsEmbed, { delayMs: 0 });

    // a new process on the same database and folders
    srv = await startTestServer({ databaseUrl, dataDir, env: { ANIME_DIR: animeDir, ANIWORLD_URL: aniworld.url } });
    const api2 = client(srv.url, (await client(srv.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token);
    const st = await until(
      async () => {
        const body: QueueResponse = (await api2.get('/api/queue/status')).body;
        return [mp4Id, hlsId].every((id) => ['completed', 'failed'].includes(findItem(body, id!)?.status ?? '')) ? body : null;
      },
      'both items finished',
      60_000,
    );
    expect(findItem(st, mp4Id!)).toMatchObject({ status: 'completed', error: null });
    expect(findItem(st, hlsId!)).toMatchObject({ status: 'completed', error: null });
    expect(listFiles(folder).filter((f) => !f.startsWith('.aniworld'))).toEqual([
      'Kill Me - S01E01 - Eins.mp4',
      'Kill Me - S01E02 - Zwei.mkv',
    ]);
    expect(fs.readFileSync(path.join(folder, 'Kill Me - S01E01 - Eins.mp4')).equals(fs.readFileSync(mp4))).toBe(true);

    // MP4: one request before the kill, one after that continued exactly where the file on disk ended
    expect(hosters.log.filter((l) => l.embed === mp4Embed.match(/e\d+/)![0] && l.path.endsWith('video.mp4')).map((l) => l.range)).toEqual([
      null,
      `bytes=${partAtKill}-`,
    ]);
    // HLS: only the segments missing at the kill were fetched again (8 in the playlist)
    // (the variant's seg_N.ts is our seg-N.ts); at most the one segment in flight at the kill is fetched twice
    const segFetches = hosters.log
      .filter((l) => l.embed === hlsEmbed.match(/e\d+/)![0] && /seg_\d+\.ts$/.test(l.path))
      .map((l) => Number(/seg_(\d+)/.exec(l.path)![1]));
    for (const done of doneAtKill) expect(segFetches.filter((n) => n === done)).toHaveLength(1);
    expect(segFetches.length).toBeLessThanOrEqual(8 + 1);
    expect(srv.logs()).toMatch(/resuming downloads whose process stopped/);
  }, 180_000);

  it('a graceful restart interrupts a running download at once and resumes it', async () => {
    const mp4 = await makeMp4({ seconds: 8, width: 640, height: 360 });
    const size = fs.statSync(mp4).size;
    const embed = hosters.embed('Vidoza', { mp4 }, { rateBytesPerSec: Math.floor(size / 20) });
    aniworld.addSeries({
      slug: 'restartme',
      name: 'Restart Me',
      year: 2022,
      seasons: { 1: [{ episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: embed }] }] },
    });
    const login = async () =>
      client(srv!.url, (await client(srv!.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token);
    let api = await login();
    const add = await api.post('/api/anime/add', { link: `${aniworld.url}/anime/stream/restartme`, name: 'Restart Me' });
    expect(add.status).toBe(200);
    const folder = path.join(animeDir, add.body.folder);
    const [id] = (await api.post('/api/queue/add', { serie_id: 'restartme', episodes: [{ season: 1, episode: 1 }] })).body
      .added_items as string[];
    const part = path.join(folder, '.part', id!, 'Vidoza-german_dub', 'download.mp4');
    await until(() => fs.existsSync(part) && fs.statSync(part).size >= size * 0.25, 'a quarter of the download on disk', { interval: 100 });
    srv = await srv!.restart();
    hosters.setBehavior(embed, { rateBytesPerSec: 0 });
    api = await login();
    const item = await until(
      async () => {
        const it: DownloadItem | undefined = findItem((await api.get('/api/queue/status')).body, id!);
        return ['completed', 'failed'].includes(it?.status ?? '') ? it : null;
      },
      'the item finished',
      60_000,
    );
    expect(item).toMatchObject({ status: 'completed', error: null });
    // the download did not hold the shutdown up (the worker's own grace period is 5 s)
    expect(srv.stoppedInMs).toBeLessThan(5000);
    const ranges = hosters.log.filter((l) => l.embed === embed.match(/e\d+/)![0] && l.path.endsWith('video.mp4')).map((l) => l.range);
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toBeNull();
    expect(Number(/bytes=(\d+)-/.exec(ranges[1] ?? '')?.[1])).toBeGreaterThanOrEqual(size * 0.25);
    expect(fs.readFileSync(path.join(folder, 'Restart Me - S01E01 - Eins.mp4')).equals(fs.readFileSync(mp4))).toBe(true);
  });
});
