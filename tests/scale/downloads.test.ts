import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.js';
import { ADMIN_PASSWORD, client } from '../helpers/http.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeMp4 } from '../fakes/media.js';
import { connectSocket, startNode, stopAllNodes, type Node } from './cluster.js';
import { until } from '../helpers/poll.js';
import type { DownloadItem, QueueResponse } from '../../frontend/src/api/types.ts';

/**
 * Scale-out: two `ROLE=all` processes of the product on one database and one library share the
 * download queue. Each process runs at most 3 jobs at once, so 6 downloads need both.
 */
let aniworld: FakeAniworld;
let hosters: FakeHosters;
let animeDir = '';
let a: Node;
let b: Node;
const sockets: { socket: { close(): void } }[] = [];

beforeAll(async () => {
  const [mp4, site, hostersSrv, databaseUrl] = await Promise.all([
    makeMp4(),
    startFakeAniworld(),
    startFakeHosters(),
    createTestDatabase(),
  ]);
  aniworld = site;
  hosters = hostersSrv;
  animeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-shared-anime-'));
  const size = fs.statSync(mp4).size;
  // each download takes about 3 s, long enough for progress events while both processes work
  const rate = Math.max(20_000, Math.ceil(size / 3));
  aniworld.addSeries({
    slug: 'scale-out',
    name: 'Scale Out',
    year: 2021,
    seasons: {
      1: [1, 2, 3, 4, 5, 6].map((n) => ({
        episode: n,
        title: `Folge ${n}`,
        sources: [{ lang: 1, hoster: 'SendVid', embedUrl: hosters.embed('SendVid', { mp4 }, { rateBytesPerSec: rate }) }],
      })),
    },
  });
  const env = { ROLE: 'all', ANIME_DIR: animeDir, ANIWORLD_URL: aniworld.url, WORKER_CONCURRENCY: '3' };
  [a, b] = await Promise.all([startNode('a', databaseUrl, env), startNode('b', databaseUrl, env)]);
  expect((await client(a.url).post('/api/auth/setup', { master_password: ADMIN_PASSWORD, anime_directory: animeDir })).status).toBe(201);
}, 180_000);

afterAll(async () => {
  for (const s of sockets) s.socket.close();
  await Promise.all([a?.stop(), b?.stop()]);
  await stopAllNodes();
  await Promise.all([aniworld?.close(), hosters?.close()]);
  if (animeDir) fs.rmSync(animeDir, { recursive: true, force: true });
});

async function login(node: Node): Promise<string> {
  const res = await client(node.url).post('/api/auth/login', { password: ADMIN_PASSWORD });
  expect(res.status).toBe(200);
  return res.body.access_token;
}

/** Queue item ids of this process's log lines with that message. */
function logged(node: Node, msg: string): string[] {
  return node.proc
    .output()
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`))
    .map((l) => JSON.parse(l).item as string);
}
const completedBy = (node: Node) => logged(node, 'download complete');

describe('scale-out downloads', () => {
  it('two processes share 6 downloads: both take work, each item completes exactly once, progress crosses processes', async () => {
    const apiA = client(a.url, await login(a));
    const apiB = client(b.url, await login(b));
    // settings are per config.json (a shared /config in compose); give both the same limits
    for (const api of [apiA, apiB]) {
      const res = await api.put('/api/config', {
        downloads: { max_parallel_downloads: 6, min_free_space_mb: 0, stall_timeout_seconds: 20 },
      });
      expect(res.status, res.text).toBe(200);
    }
    const added = await apiA.post('/api/anime/add', { link: `${aniworld.url}/anime/stream/scale-out`, name: 'Scale Out' });
    expect(added.status, added.text).toBe(200);

    const browser = await connectSocket(a.url, await login(a), ['downloads']);
    sockets.push(browser);

    const queued = await apiA.post('/api/queue/add', {
      serie_id: 'scale-out',
      episodes: [1, 2, 3, 4, 5, 6].map((e) => ({ season: 1, episode: e, title: `Folge ${e}` })),
    });
    expect(queued.status, queued.text).toBe(201);
    const ids: string[] = queued.body.added_items;
    expect(ids).toHaveLength(6);

    let last!: QueueResponse;
    await until(
      async () => {
        last = (await apiB.get('/api/queue/status')).body;
        return last.statistics.completed_count + last.statistics.failed_count === 6;
      },
      'all six downloads finished',
      120_000,
    );
    expect(last.status.completed_downloads.map((i: DownloadItem) => i.id).sort()).toEqual([...ids].sort());

    // both processes worked, and no item ran in both (each logs its completions right after the row)
    await until(async () => completedBy(a).length + completedBy(b).length >= 6, 'completion log lines');
    const byA = completedBy(a);
    const byB = completedBy(b);
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    expect([...byA, ...byB].sort()).toEqual([...ids].sort());

    // one file per episode in the shared library, no leftovers
    const folder = path.join(animeDir, added.body.folder);
    const files = fs.readdirSync(folder).filter((f) => !f.startsWith('.'));
    expect(files).toHaveLength(6);
    for (const n of [1, 2, 3, 4, 5, 6])
      expect(
        files.filter((f) => f.includes(`S01E0${n}`)),
        `episode ${n}`,
      ).toHaveLength(1);
    expect(fs.existsSync(path.join(folder, '.part')) ? fs.readdirSync(path.join(folder, '.part')) : []).toEqual([]);

    // the browser on A saw every download complete once, and progress of those running in B
    await until(
      async () => ids.every((id) => browser.seen.some((m) => m.type === 'download_complete' && m.data.download_id === id)),
      'download_complete for all',
    );
    for (const id of ids)
      expect(
        browser.seen.filter((m) => m.type === 'download_complete' && m.data.download_id === id),
        id,
      ).toHaveLength(1);
    for (const id of byB) {
      const progress = browser.seen.filter((m) => m.type === 'download_progress' && m.data.download_id === id);
      expect(progress.length, `progress of ${id} (run in B) seen on A`).toBeGreaterThan(0);
    }
  }, 180_000);

  it('removing a download in one process cancels it where it runs, in the other', async () => {
    const mp4 = await makeMp4();
    const slow = hosters.embed('SendVid', { mp4 }, { rateBytesPerSec: 20_000 });
    aniworld.addSeries({
      slug: 'cancel',
      name: 'Cancel',
      year: 2023,
      seasons: { 1: [{ episode: 1, title: 'Folge 1', sources: [{ lang: 1, hoster: 'SendVid', embedUrl: slow }] }] },
    });
    const apiA = client(a.url, await login(a));
    const added = await apiA.post('/api/anime/add', { link: `${aniworld.url}/anime/stream/cancel`, name: 'Cancel' });
    expect(added.status, added.text).toBe(200);
    const queued = await apiA.post('/api/queue/add', { serie_id: 'cancel', episodes: [{ season: 1, episode: 1, title: 'Folge 1' }] });
    expect(queued.status, queued.text).toBe(201);
    const [id] = queued.body.added_items as string[];

    let runner: Node | undefined;
    await until(
      async () => {
        runner = [a, b].find((n) => logged(n, 'trying source').includes(id!));
        return !!runner && hosters.bytesSent(slow) > 0;
      },
      'the download runs somewhere',
      30_000,
    );
    const other = runner === a ? b : a;
    const del = await client(other.url, await login(other)).del(`/api/queue/${id}`);
    expect(del.status).toBe(204);

    await until(async () => logged(runner!, 'download cancelled; partial files removed').includes(id!), `${runner!.name} cancels it`);
    const partDir = path.join(animeDir, added.body.folder, '.part', id!);
    expect(fs.existsSync(partDir)).toBe(false);
    const sent = hosters.bytesSent(slow);
    await until(async () => {
      const st = (await client(other.url, await login(other)).get('/api/queue/status')).body;
      return ![...st.status.active_downloads, ...st.status.pending_queue, ...st.status.completed_downloads].some(
        (i: DownloadItem) => i.id === id,
      );
    }, 'the item left the queue');
    expect(hosters.bytesSent(slow)).toBe(sent); // the transfer was aborted, not left running
    expect(fs.readdirSync(path.join(animeDir, added.body.folder)).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('a process killed mid-download: the other resumes its items and each still completes exactly once', async () => {
    const apiA = client(a.url, await login(a));
    const mp4 = await makeMp4();
    const size = fs.statSync(mp4).size;
    aniworld.addSeries({
      slug: 'crash',
      name: 'Crash',
      year: 2022,
      seasons: {
        1: [1, 2, 3, 4, 5, 6].map((n) => ({
          episode: n,
          title: `Folge ${n}`,
          sources: [
            {
              lang: 1,
              hoster: 'SendVid',
              embedUrl: hosters.embed('SendVid', { mp4 }, { rateBytesPerSec: Math.max(20_000, Math.ceil(size / 4)) }),
            },
          ],
        })),
      },
    });
    const added = await apiA.post('/api/anime/add', { link: `${aniworld.url}/anime/stream/crash`, name: 'Crash' });
    expect(added.status, added.text).toBe(200);
    const queued = await apiA.post('/api/queue/add', {
      serie_id: 'crash',
      episodes: [1, 2, 3, 4, 5, 6].map((e) => ({ season: 1, episode: e, title: `Folge ${e}` })),
    });
    expect(queued.status, queued.text).toBe(201);
    const ids: string[] = queued.body.added_items;
    const mine = (list: string[]) => list.filter((id) => ids.includes(id));

    // B is downloading some of them: kill it as `docker kill` would
    await until(async () => mine(logged(b, 'trying source')).length > 0, 'B starts one of the downloads', 30_000);
    b.proc.child.kill('SIGKILL');
    await b.proc.exited;
    const unfinishedByB = mine(logged(b, 'trying source')).filter((id) => !completedBy(b).includes(id));
    expect(unfinishedByB.length).toBeGreaterThan(0);

    let last!: QueueResponse;
    await until(
      async () => {
        last = (await apiA.get('/api/queue/status')).body;
        const done = [...last.status.completed_downloads, ...last.status.failed_downloads].filter((i: DownloadItem) => ids.includes(i.id));
        return done.length === 6;
      },
      'A finishes all six',
      120_000,
    );
    expect(last.status.completed_downloads.filter((i: DownloadItem) => ids.includes(i.id))).toHaveLength(6);
    await until(async () => mine(completedBy(a)).length + mine(completedBy(b)).length >= 6, 'completion log lines');
    expect([...mine(completedBy(a)), ...mine(completedBy(b))].sort()).toEqual([...ids].sort());
    for (const id of unfinishedByB) expect(completedBy(a), `${id} resumed by A`).toContain(id);
    expect(a.proc.output()).toMatch(/"msg":"resuming downloads whose process stopped"/);

    const folder = path.join(animeDir, added.body.folder);
    const files = fs.readdirSync(folder).filter((f) => !f.startsWith('.'));
    expect(files).toHaveLength(6);
    expect(fs.existsSync(path.join(folder, '.part')) ? fs.readdirSync(path.join(folder, '.part')) : []).toEqual([]);
  }, 180_000);
});
