import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { NO_SITE, startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { simpleSeries, startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { runRescan } from '../../backend/src/library/rescan.js';
import type { EpisodeInfo, ImportResponse, ProviderHealth, SeriesSummary, UnmatchedFolder } from '../../frontend/src/api/types.ts';
import type { Loose } from '../helpers/http.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let fake: FakeAniworld;
let api: ReturnType<typeof client>;
let token: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  fake = await startFakeAniworld({
    series: [
      simpleSeries(
        'attack-on-titan',
        'Attack on Titan',
        { 0: 2, 1: 3, 2: 2 },
        { year: 2013, description: 'Titans & walls', genres: ['Action'] },
      ),
      simpleSeries('tom-jerry', "Tom & Jerry's <Show>", { 1: 2 }, { year: 1940 }),
      simpleSeries('frieren', 'Frieren', { 1: 3 }, { year: 2023 }),
      simpleSeries('naruto', 'Naruto', { 1: 2 }, { year: 2002 }),
      simpleSeries('naruto-remake', 'Naruto', { 1: 2 }, { year: 2030 }),
      simpleSeries('boku-no-hero', 'My Hero Academia', { 1: 2 }, { year: 2016 }),
    ],
  });
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url, ANIMESAMA_URL: NO_SITE } });
  // this library wants specials and movies (season 0) too: they count as missing
  await srv.deps.settings.update({ downloads: { monitor_specials: true } });
  ({ api, token } = await adminClient(srv.url));
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await srv?.stop();
  await fake?.close();
});

const touch = (rel: string) => {
  const file = path.join(srv.animeDir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'x');
};

async function libraryEvents() {
  const socket = io(srv.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  const seen: { type: string; data: Loose }[] = [];
  socket.on('message', (m) => seen.push(m));
  await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
  socket.emit('message', { action: 'join', data: { room: 'library' } });
  await until(() => seen.some((m) => m.type === 'system_info' && m.data.room === 'library'), 'joined the library room');
  return seen;
}

/** POST /api/anime/rescan and wait for its scan_complete (so no rescan is left running). */
async function rescan() {
  const seen = await libraryEvents();
  const res = await api.post('/api/anime/rescan');
  expect(res.body).toEqual({ success: true, message: 'Rescan started successfully' });
  const done = await until(() => seen.find((m) => m.type === 'scan_complete'), 'scan_complete');
  return { done, seen };
}

describe('library API', () => {
  it('adds a series: sanitised folder, key file, targeted scan with the missing episodes', async () => {
    const res = await api.post('/api/anime/add', {
      link: `${fake.url}/anime/stream/attack-on-titan`,
      name: 'Attack on Titan: Final Season',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'success',
      key: 'attack-on-titan',
      folder: 'Attack on Titan Final Season (2013)',
      total_missing: 7,
      scan_error: null,
    });
    expect(res.body.missing_episodes).toEqual(['0-1', '0-2', '1-1', '1-2', '1-3', '2-1', '2-2']);
    const dir = path.join(srv.animeDir, 'Attack on Titan Final Season (2013)');
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    expect(fs.readFileSync(path.join(dir, '.aniworld-key'), 'utf8').trim()).toBe('aniworld:attack-on-titan');

    const again = await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/attack-on-titan`, name: 'Again' });
    expect(again.status).toBe(409);
    const foreign = await api.post('/api/anime/add', { link: 'https://example.com/anime/stream/attack-on-titan', name: 'X' });
    expect(foreign.status).toBe(422);
    expect(foreign.body.details).toHaveProperty(['body.link']);
    expect((await api.post('/api/anime/add', { link: 'not a link', name: 'X' })).status).toBe(422);
    expect((await api.post('/api/anime/add', { link: '/anime/stream/attack-on-titan', name: 'Relative' })).status).toBe(409); // same series
    const badName = await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/tom-jerry`, name: ' ... ' });
    expect(badName.status).toBe(422);
    expect(fs.readdirSync(srv.animeDir)).toEqual(['Attack on Titan Final Season (2013)']);
  });

  it('rescan finds files on disk (patterns, Season folders, specials), ignores .part and hidden ones, over Socket.IO', async () => {
    const base = 'Attack on Titan Final Season (2013)';
    touch(`${base}/Season 01/Attack on Titan - S01E01 - Dir.mkv`);
    touch(`${base}/Attack on Titan S01E02-E03.mp4`);
    touch(`${base}/Attack on Titan S02E01.mkv.part`);
    touch(`${base}/.trash/Attack on Titan S02E02.mkv`);
    touch(`${base}/Specials/Attack on Titan S00E01.webm`);
    touch(`${base}/notes.txt`);
    const { done, seen } = await rescan();
    expect(done.data).toMatchObject({ series: 1, missing: 3, failures: [] });
    expect(done.data.duration_ms).toBeGreaterThanOrEqual(0);
    const progress = seen.filter((m) => m.type === 'scan_progress');
    expect(progress.at(-1)!.data).toMatchObject({ done: 1, total: 1 });

    const detail = await client(srv.url).get('/api/anime/attack-on-titan'); // public
    expect(detail.status).toBe(200);
    expect(detail.body.episodes).toEqual(['0-2', '2-1', '2-2']);
    const e11 = detail.body.episode_list.find((e: EpisodeInfo) => e.season === 1 && e.episode === 1);
    expect(e11).toMatchObject({
      is_downloaded: true,
      file_path: 'Season 01/Attack on Titan - S01E01 - Dir.mkv',
      file_size: 1,
      title: 'Folge 1',
    });
    expect(detail.body.description).toBe('Titans & walls');
    const byFolder = await client(srv.url).get(`/api/anime/${encodeURIComponent(base)}`);
    expect(byFolder.body.key).toBe('attack-on-titan');

    // a file disappears, another appears: the next rescan sees both
    fs.rmSync(path.join(srv.animeDir, base, 'Specials/Attack on Titan S00E01.webm'));
    touch(`${base}/Season 02/E01.mkv`);
    await rescan();
    expect((await api.get('/api/anime/attack-on-titan')).body.episodes).toEqual(['0-1', '0-2', '2-2']);
  });

  it('lists series with missing episodes per season; validates paging', async () => {
    await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/tom-jerry`, name: "Tom & Jerry's <Show>" });
    for (const e of [1, 2]) touch(`Tom & Jerry's Show (1940)/S01E0${e}.mkv`);
    await rescan();
    expect((await api.get('/api/anime/tom-jerry')).body.episodes).toEqual([]);
    const all = await api.get('/api/anime?sort_by=name');
    expect(all.status).toBe(200);
    expect(all.body.map((s: SeriesSummary) => s.key)).toEqual(['attack-on-titan', 'tom-jerry']);
    expect(all.body[0]).toMatchObject({
      name: 'Attack on Titan: Final Season',
      site: new URL(fake.url).host,
      folder: 'Attack on Titan Final Season (2013)',
      missing_episodes: { '0': [1, 2], '2': [2] },
      link: `${fake.url}/anime/stream/attack-on-titan`,
    });
    expect(all.body[1].missing_episodes).toEqual({});
    const aot = (await api.get('/api/anime/attack-on-titan')).body;
    expect(Object.keys(all.body[0])).toEqual([
      'key',
      'name',
      'site',
      'folder',
      'missing_episodes',
      'link',
      'year',
      'provider',
      'scan_error',
      'last_scanned_at',
      'monitored',
    ]);
    expect(all.body[0]).toMatchObject({ year: aot.year, provider: aot.provider, scan_error: null, last_scanned_at: aot.last_scanned_at });
    expect(new Date(all.body[0].last_scanned_at).toISOString()).toBe(all.body[0].last_scanned_at);
    const missing = await api.get('/api/anime?filter=no_episodes');
    expect(missing.body.map((s: SeriesSummary) => s.key)).toEqual(['attack-on-titan']);
    const byMissing = await api.get('/api/anime?sort_by=missing_episodes');
    expect(byMissing.body.map((s: SeriesSummary) => s.key)).toEqual(['attack-on-titan', 'tom-jerry']);
    const page2 = await api.get('/api/anime?per_page=1&page=2&sort_by=name');
    expect(page2.body.map((s: SeriesSummary) => s.key)).toEqual(['tom-jerry']);
    expect(page2.headers.get('x-total-count')).toBe('2');
    const pastEnd = await api.get('/api/anime?per_page=1&page=5&filter=no_episodes');
    expect(pastEnd.body).toEqual([]);
    expect(pastEnd.headers.get('x-total-count')).toBe('1');
    // the server searches name, folder and key, any case, and pages the matches
    const titan = await api.get('/api/anime?q=TITAN');
    expect(titan.body.map((s: SeriesSummary) => s.key)).toEqual(['attack-on-titan']);
    expect(titan.headers.get('x-total-count')).toBe('1');
    expect((await api.get(`/api/anime?q=${encodeURIComponent("Jerry's Show")}`)).body.map((s: SeriesSummary) => s.key)).toEqual([
      'tom-jerry',
    ]);
    expect((await api.get('/api/anime?q=tom-jer')).body.map((s: SeriesSummary) => s.key)).toEqual(['tom-jerry']);
    // LIKE's wildcards are plain text here
    const pct = await api.get('/api/anime?q=%25');
    expect(pct.body).toEqual([]);
    expect(pct.headers.get('x-total-count')).toBe('0');
    expect((await api.get('/api/anime?q=_')).body).toEqual([]);
    expect((await api.get('/api/anime?q=a&filter=no_episodes')).body.map((s: SeriesSummary) => s.key)).toEqual(['attack-on-titan']);
    expect((await api.get('/api/anime?q=' + 'x'.repeat(201))).status).toBe(422);
    expect((await api.get('/api/anime?per_page=501')).status).toBe(422);
    expect((await api.get('/api/anime?page=0')).status).toBe(422);
    expect((await api.get('/api/anime?sort_by=evil')).status).toBe(422);
    expect((await client(srv.url).get('/api/anime')).status).toBe(401);
    const status = await api.get('/api/anime/status');
    expect(status.body).toEqual({ directory: srv.animeDir, series_count: 2 });
  });

  it('search is public, decodes escaped text, refuses long queries', async () => {
    const anon = client(srv.url);
    const res = await anon.get(`/api/anime/search?query=${encodeURIComponent('tom')}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      expect.objectContaining({
        key: 'tom-jerry',
        name: "Tom & Jerry's <Show>",
        folder: "Tom & Jerry's Show (1940)",
        missing_episodes: {},
        link: `${fake.url}/anime/stream/tom-jerry`,
        in_library: true,
      }),
    ]);
    const post = await anon.post('/api/anime/search', { query: 'no hits here' });
    expect(post.body).toEqual([]);
    expect((await anon.get(`/api/anime/search?query=${'a'.repeat(201)}`)).status).toBe(422);
    expect((await anon.post('/api/anime/search', { query: '' })).status).toBe(422);
  });

  it('a provider that blocks: readable errors, the series is still saved, health says so', async () => {
    const health = await api.get('/api/providers');
    expect(health.body.providers.find((p: ProviderHealth) => p.id === 'aniworld')).toMatchObject({
      reachable: true,
      search_works: true,
      default: true,
    });
    fake.setMode('challenge');
    try {
      const search = await client(srv.url).get('/api/anime/search?query=frieren');
      expect(search.status).toBe(502);
      expect(search.body.message).toBe('ProviderBlocked: aniworld answered with a challenge page');
      const add = await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/frieren`, name: 'Frieren Blocked' });
      expect(add.status).toBe(200);
      expect(add.body.scan_error).toBe('ProviderBlocked: aniworld answered with a challenge page');
      const blocked = await api.get('/api/providers');
      expect(blocked.body.providers.find((p: ProviderHealth) => p.id === 'aniworld')).toMatchObject({
        reachable: false,
        last_error: 'ProviderBlocked: aniworld answered with a challenge page',
      });
      // one failing series does not stop a rescan: it is listed
      const { done } = await rescan();
      expect(done.data.failures).toHaveLength(3);
      expect(done.data.failures[0].error).toMatch(/^ProviderBlocked/);
    } finally {
      fake.setMode('ok');
    }
    const removed = await api.del('/api/anime/frieren?delete_files=true');
    expect(removed.status).toBe(200);
    expect(removed.body.files_deleted).toBe(true);
    expect(fs.existsSync(path.join(srv.animeDir, 'Frieren Blocked'))).toBe(false);
  });

  it('an episode that appears later is missing after the next rescan; auto_download queues the missing', async () => {
    fake.addEpisode('tom-jerry', 1, { episode: 3, title: 'Neu' });
    const summary = await runRescan(srv.deps, { auto_download: true, trigger: 'test' });
    expect(summary.failures).toEqual([]);
    expect(summary.queued_keys).toEqual(['attack-on-titan', 'tom-jerry']);
    expect((await api.get('/api/anime/tom-jerry')).body.episodes).toEqual(['1-3']);
  });

  it('delete keeps files unless asked; needs a token', async () => {
    expect((await client(srv.url).del('/api/anime/tom-jerry')).status).toBe(401);
    const res = await api.del('/api/anime/tom-jerry');
    expect(res.body).toMatchObject({ status: 'success', files_deleted: false, folder: "Tom & Jerry's Show (1940)" });
    expect(fs.existsSync(path.join(srv.animeDir, "Tom & Jerry's Show (1940)", 'S01E01.mkv'))).toBe(true);
    expect((await api.get('/api/anime/tom-jerry')).status).toBe(404);
    expect((await api.del('/api/anime/tom-jerry')).status).toBe(404);
  });

  it('imports existing folders: key file, unique name+year, ambiguous listed, unknown reported; nothing re-downloaded', async () => {
    touch('Frieren (2023)/Season 01/Frieren S01E01.mkv');
    touch('Frieren (2023)/Season 01/Frieren S01E02.mkv');
    touch('Naruto/Naruto 1x01.avi');
    touch('Heroes/S01E01.mkv');
    fs.writeFileSync(path.join(srv.animeDir, 'Heroes/.aniworld-key'), 'boku-no-hero\n');
    touch('Completely Unknown/S01E01.mkv');
    const list = await api.get('/api/library/unmatched');
    expect(list.body.folders.map((f: UnmatchedFolder) => f.folder)).toEqual([
      'Completely Unknown',
      'Frieren (2023)',
      'Heroes',
      'Naruto',
      "Tom & Jerry's Show (1940)",
    ]);

    const res = await api.post('/api/library/import', { folders: ['Frieren (2023)', 'Naruto', 'Heroes', 'Completely Unknown'] });
    expect(res.status).toBe(200);
    expect(res.body.imported.map((i: ImportResponse['imported'][number]) => `${i.folder}=${i.key}:${i.missing}`).sort()).toEqual([
      'Frieren (2023)=frieren:1',
      'Heroes=boku-no-hero:1',
    ]);
    expect(res.body.ambiguous).toEqual([
      {
        folder: 'Naruto',
        candidates: [expect.objectContaining({ key: 'naruto', year: 2002 }), expect.objectContaining({ key: 'naruto-remake', year: 2030 })],
      },
    ]);
    expect(res.body.not_found).toEqual(['Completely Unknown']);
    expect((await api.get('/api/anime/frieren')).body).toMatchObject({ folder: 'Frieren (2023)', episodes: ['1-3'] });

    const after = await api.get('/api/library/unmatched');
    expect(after.body.folders.find((f: UnmatchedFolder) => f.folder === 'Naruto')).toMatchObject({ status: 'ambiguous' });
    const choose = await api.post('/api/library/import', { matches: [{ folder: 'Naruto', key: 'naruto' }] });
    expect(choose.body.imported).toEqual([{ folder: 'Naruto', key: 'naruto', provider: 'aniworld', missing: 1 }]);
    const wrong = await api.post('/api/library/import', { matches: [{ folder: '../etc', key: 'naruto' }] });
    expect(wrong.body.failed).toEqual([{ folder: '../etc', error: expect.stringMatching(/not an unmatched folder/) }]);
  });

  it('a series folder renamed by the user is followed through its .aniworld-key', async () => {
    const before = (await api.get('/api/anime/attack-on-titan')).body;
    fs.renameSync(path.join(srv.animeDir, 'Attack on Titan Final Season (2013)'), path.join(srv.animeDir, 'AoT'));
    await rescan();
    const after = (await api.get('/api/anime/attack-on-titan')).body;
    expect(after.folder).toBe('AoT');
    expect(after.episodes).toEqual(before.episodes);
    expect((await api.get('/api/library/unmatched')).body.folders.map((f: UnmatchedFolder) => f.folder)).not.toContain('AoT');
  });

  it('changing the anime directory syncs the library from the new folder', async () => {
    const other = path.join(srv.dataDir, 'anime2');
    fs.mkdirSync(path.join(other, 'Frieren (2023)'), { recursive: true });
    fs.writeFileSync(path.join(other, 'Frieren (2023)', 'S01E03.mkv'), 'x');
    fs.mkdirSync(path.join(other, 'Something New'));
    const res = await api.post('/api/config/directory', { directory: other });
    expect(res.status).toBe(200);
    expect(res.body.synced_series).toBe(2);
    const fr = await api.get('/api/anime/frieren');
    expect(fr.body.episodes).toEqual(['1-1', '1-2']);
  });
});
