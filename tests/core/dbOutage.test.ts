import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcpProxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { until } from '../helpers/poll.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeMp4 } from '../fakes/media.js';
import { TEST_DOWNLOAD_CONFIG, findItem } from '../downloads/helpers.js';

/**
 * PostgreSQL unreachable for 30 s (the product reaches it only through a TCP proxy the test cuts)
 * while a download runs and API calls keep coming: /health says unhealthy (503), database-backed
 * routes answer 503 SERVICE_UNAVAILABLE with Retry-After, nothing exits (vitest fails the run on
 * any unhandled rejection), the download keeps its bytes; once the database is back the worker
 * and the LISTEN link reconnect by themselves and every queued item completes.
 */
const OUTAGE_MS = 30_000;
let proxy: TcpProxy;
let srv: TestServer;
let aniworld: FakeAniworld;
let hosters: FakeHosters;
let api: ReturnType<typeof client>;
let web: TestServer;

beforeAll(async () => {
  const direct = new URL(await createTestDatabase());
  proxy = await startTcpProxy(direct.hostname, Number(direct.port));
  aniworld = await startFakeAniworld();
  hosters = await startFakeHosters();
  srv = await startTestServer({ databaseUrl: proxy.through(direct.toString()), env: { ANIWORLD_URL: aniworld.url } });
  await srv.deps.settings.update({ downloads: { ...TEST_DOWNLOAD_CONFIG, stall_timeout_seconds: 60, max_parallel_downloads: 1 } });
  ({ api } = await adminClient(srv.url));
  // a second process on the same data folder that reaches the database directly (its link never drops)
  web = await startTestServer({
    databaseUrl: direct.toString(),
    dataDir: srv.dataDir,
    env: { ROLE: 'web', ANIME_DIR: srv.animeDir, ANIWORLD_URL: aniworld.url },
  });
});
afterAll(async () => {
  await proxy?.restore().catch(() => undefined);
  await web?.stop();
  await srv?.stop();
  await proxy?.close();
  await aniworld?.close();
  await hosters?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const partSize = (folder: string, id: string) => {
  const dir = path.join(folder, '.part', id);
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const st = fs.statSync(path.join(dir, f));
    if (st.isFile()) n += st.size;
  }
  return n;
};

describe('a 30 s database outage', () => {
  it('503s during, no exit, the download keeps going and completes after, nothing lost', async () => {
    const mp4 = await makeMp4({ seconds: 8, width: 640, height: 360 });
    const size = fs.statSync(mp4).size;
    // slow enough to span the outage
    const embed = hosters.embed('SendVid', { mp4 }, { rateBytesPerSec: Math.floor(size / 60) });
    const embed2 = hosters.embed('Vidoza', { mp4 });
    aniworld.addSeries({
      slug: 'outage',
      name: 'Outage',
      year: 2020,
      seasons: {
        1: [
          { episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'SendVid', embedUrl: embed }] },
          { episode: 2, title: 'あ'.repeat(150), sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: embed2 }] },
        ],
      },
    });
    const add = await api.post('/api/anime/add', { link: `${aniworld.url}/anime/stream/outage`, name: 'Outage' });
    expect(add.status).toBe(200);
    const added = await api.post('/api/queue/add', {
      serie_id: 'outage',
      episodes: [
        { season: 1, episode: 1 },
        { season: 1, episode: 2 },
      ],
    });
    expect(added.status).toBe(201);
    const [running, waiting] = added.body.added_items as string[];
    const folder = path.join(srv.animeDir, add.body.folder);
    await until(() => partSize(folder, running!) > size * 0.05, 'the download under way', 30_000);

    await proxy.cut();
    const cutAt = Date.now();
    const bytesAtCut = partSize(folder, running!);
    // the fast path notices from its last known state (the LISTEN link drops at once)
    await until(async () => (await fetch(`${srv.url}/health`)).status === 503, 'health 503', 10_000);
    // a settings change made while the database is away: its announcement waits for the database
    await srv.deps.settings.update({ downloads: { max_parallel_downloads: 2 } });
    const answers = new Map<string, number>();
    while (Date.now() - cutAt < OUTAGE_MS) {
      const health = await fetch(`${srv.url}/health`);
      expect(health.status).toBe(503);
      expect((await health.json()).status).toBe('unhealthy');
      for (const p of ['/api/queue/status', '/api/anime', '/api/watchlist']) {
        const res = await api.get(p);
        answers.set(`${res.status}`, (answers.get(`${res.status}`) ?? 0) + 1);
        expect(res.status, `${p}: ${res.text}`).toBe(503);
        expect(res.body.error).toBe('SERVICE_UNAVAILABLE');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      const rescan = await api.post('/api/anime/rescan');
      expect(rescan.status).toBe(503);
      await sleep(1000);
    }
    // the running download kept its bytes and kept adding to them
    expect(partSize(folder, running!)).toBeGreaterThan(bytesAtCut);

    hosters.setBehavior(embed, { rateBytesPerSec: 0 });
    await proxy.restore();
    await until(async () => (await fetch(`${srv.url}/health`)).status === 200, 'healthy again', 30_000);
    // the other process learns of the change (it re-reads config.json when told)
    await until(() => web.deps.settings.get().downloads.max_parallel_downloads === 2, 'the change on the other process', 30_000);
    await until(
      async () => {
        const st = (await api.get('/api/queue/status')).body;
        return findItem(st, running!)?.status === 'completed' && findItem(st, waiting!)?.status === 'completed';
      },
      'both downloads completed',
      { timeout: 90_000, interval: 500 },
    );
    const files = fs
      .readdirSync(folder)
      .filter((f) => f.endsWith('.mp4'))
      .sort();
    expect(files[0]).toBe('Outage - S01E01 - Eins.mp4');
    expect(files[1]).toMatch(/^Outage - S01E02 - あ+\.mp4$/); // 150 × あ: capped in bytes, no ENAMETOOLONG
    expect(Buffer.byteLength(files[1]!)).toBeLessThanOrEqual(255);
    expect(fs.existsSync(path.join(folder, '.part'))).toBe(false); // no empty .part/ left behind
    expect(fs.readFileSync(path.join(folder, files[0]!)).equals(fs.readFileSync(mp4))).toBe(true);
    // the worker and the LISTEN link are back: a job added now runs, a config change reaches the bus
    expect((await api.post('/api/anime/rescan')).status).toBe(200);
    expect(srv.deps.notifier.connected).toBe(true);
    expect(srv.logs()).not.toMatch(/unhandled rejection/);
  }, 180_000);
});
