import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sql } from '../../backend/src/db/pool.js';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { jobsByKey } from '../scheduler/helpers.js';

let fake: FakeAniworld;
let srv: TestServer;
let api: ReturnType<typeof client>;
let bob: ReturnType<typeof client>;

beforeAll(async () => {
  fake = await startFakeAniworld({
    series: [
      simpleSeries('frieren', 'Frieren', { 1: 2 }, { year: 2023, genres: ['Fantasy'] }),
      simpleSeries('dan-da-dan', 'Dan Da Dan', { 1: 3 }),
      simpleSeries('mushishi', 'Mushishi', { 1: 1 }),
      simpleSeries('blue-lock', 'Blue Lock', { 1: 1 }),
      simpleSeries('mononoke', 'Mononoke', { 1: 1 }),
    ],
  });
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url } });
  ({ api } = await adminClient(srv.url));
  expect((await api.post('/api/users', { username: 'bob', password: 'B0b-Secret!pw' })).status).toBe(201);
  bob = client(srv.url, (await client(srv.url).post('/api/auth/login', { username: 'bob', password: 'B0b-Secret!pw' })).body.access_token);
});
afterAll(async () => {
  await srv?.stop();
  await fake?.close();
});

const add = (c: ReturnType<typeof client>, slug: string, extra: Record<string, unknown> = {}) =>
  c.post('/api/watchlist', {
    anime_title: slug,
    anime_url: `${fake.url}/anime/stream/${slug}`,
    provider_id: 'aniworld',
    lang: 'german_dub',
    ...extra,
  });

describe('watchlist items', () => {
  let id: string;

  it('adds an item linked to the library series (row and folder created)', async () => {
    const res = await add(api, 'frieren', {
      anime_title: 'Frieren',
      auto_download: false,
      quality_preference: '1080p',
      genres: ['Fantasy'],
      synopsis: 'An elf mage.',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      anime_title: 'Frieren',
      anime_key: 'frieren',
      provider_id: 'aniworld',
      lang: 'german_dub',
      auto_download: false,
      quality_preference: '1080p',
      status: 'active',
      last_episode_downloaded: 0,
      genres: ['Fantasy'],
      synopsis: 'An elf mage.',
      series_key: 'frieren',
      last_checked: null,
      last_check_result: null,
      owner_name: 'admin',
    });
    id = res.body.id;
    const folder = await srv.deps.db.oneFirst(sql.type(z.object({ folder: z.string() }))`select folder from series where key = 'frieren'`);
    expect(fs.statSync(path.join(srv.animeDir, folder)).isDirectory()).toBe(true);
  });

  it('refuses duplicates and URLs no provider serves', async () => {
    expect((await add(api, 'frieren')).status).toBe(409);
    const bad = await api.post('/api/watchlist', { anime_title: 'X', anime_url: 'https://example.com/anime/x' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('anime_url');
    expect((await api.post('/api/watchlist', { anime_title: 'X', anime_url: 'not a url' })).status).toBe(422);
    expect((await add(api, 'frieren', { quality_preference: '4k' })).status).toBe(422);
    const lang = await add(api, 'dan-da-dan', { lang: 'vostfr' });
    expect(lang.status).toBe(422);
    expect(lang.text).toContain('german_dub');
    const script = await add(api, 'dan-da-dan', { poster_image: 'javascript:alert(1)' });
    expect(script.status).toBe(422);
    expect(script.text).toContain('must be an http(s) URL');
  });

  it('reads, updates (owner fields ignored), filters by status and deletes', async () => {
    expect((await api.get(`/api/watchlist/${id}`)).body.anime_title).toBe('Frieren');
    const upd = await api.put(`/api/watchlist/${id}`, { last_episode_downloaded: 1, quality_preference: '720p', owner: 999, user_id: 999 });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ last_episode_downloaded: 1, quality_preference: '720p', owner_name: 'admin' });
    expect((await api.put(`/api/watchlist/${id}`, { status: 'watching' })).status).toBe(422);
    expect((await api.put(`/api/watchlist/${id}`, { lang: 'vf' })).status).toBe(422);
    expect((await api.put(`/api/watchlist/${id}`, { lang: 'english_sub' })).body.lang).toBe('english_sub');

    const other = (await add(api, 'blue-lock')).body.id;
    expect((await api.post(`/api/watchlist/${other}/pause`)).body.status).toBe('paused');
    expect(codesOf((await api.get('/api/watchlist?status=paused')).body)).toEqual(['blue-lock']);
    expect(codesOf((await api.get('/api/watchlist?status=active')).body)).toEqual(['frieren']);
    expect((await api.post(`/api/watchlist/${other}/resume`)).body.status).toBe('active');
    expect((await api.del(`/api/watchlist/${other}`)).status).toBe(200);
    expect((await api.get(`/api/watchlist/${other}`)).status).toBe(404);
    expect((await api.get('/api/watchlist/not-an-id')).status).toBe(404);
  });

  it("keeps another user's items invisible and untouchable", async () => {
    expect((await bob.get('/api/watchlist')).body).toEqual([]);
    for (const [method, p] of [
      ['get', ''],
      ['put', ''],
      ['del', ''],
      ['post', '/check'],
      ['post', '/pause'],
      ['post', '/resume'],
    ] as const) {
      const res =
        method === 'get'
          ? await bob.get(`/api/watchlist/${id}${p}`)
          : await bob[method](`/api/watchlist/${id}${p}`, { status: 'archived' });
      expect(res.status, `${method} ${p}`).toBe(404);
    }
    expect((await bob.get('/api/watchlist/stats')).body.total).toBe(0);
    // bob can watch the same anime himself; it is his own item
    const mine = await add(bob, 'frieren');
    expect(mine.status).toBe(201);
    expect(mine.body.owner_name).toBe('bob');
    expect((await api.get(`/api/watchlist/${mine.body.id}`)).status).toBe(404);
    expect((await api.get(`/api/watchlist/${id}`)).body.status).toBe('active');
  });

  it('the series an item adds to the library is credited in the history to the user who added it, also by API key', async () => {
    const { key } = (await bob.post('/api/auth/api-keys', { name: 'bob script' })).body;
    const res = await client(srv.url).post(
      '/api/watchlist',
      { anime_title: 'Mononoke', anime_url: `${fake.url}/anime/stream/mononoke`, provider_id: 'aniworld' },
      { 'X-Api-Key': key },
    );
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ series_key: 'mononoke', owner_name: 'bob' });
    const rows = (await api.get('/api/history?series=mononoke&event=series_added')).body.items;
    expect(rows).toEqual([expect.objectContaining({ event: 'series_added', user: 'bob', series_name: 'Mononoke' })]);
  });

  it('gives stats by status, provider and auto-download', async () => {
    const p = (await add(api, 'mushishi', { auto_download: true })).body.id;
    await api.post(`/api/watchlist/${p}/pause`);
    const stats = (await api.get('/api/watchlist/stats')).body;
    expect(stats).toEqual({
      total: 2,
      active: 1,
      paused: 1,
      completed: 0,
      archived: 0,
      auto_download_enabled: 1,
      providers: { aniworld: 2 },
    });
  });
});

function codesOf(items: { anime_key: string }[]) {
  return items.map((i) => i.anime_key);
}

describe('watchlist settings', () => {
  it('has the documented defaults', async () => {
    expect((await api.get('/api/watchlist/settings')).body).toEqual({
      check_interval_hours: 6,
      auto_download_enabled: true,
      max_concurrent_auto_downloads: 2,
      notify_on_new_episodes: false,
      include_completed_anime: false,
    });
  });

  it('rejects values out of range with 422 and keeps the settings', async () => {
    for (const body of [
      { check_interval_hours: 0 },
      { check_interval_hours: 169 },
      { check_interval_hours: 1.5 },
      { max_concurrent_auto_downloads: 0 },
      { auto_download_enabled: 'yes' },
      { unknown_setting: true },
    ]) {
      const res = await api.put('/api/watchlist/settings', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    expect((await api.put('/api/watchlist/settings', { check_interval_hours: 169 })).text).toContain(
      'check_interval_hours must be between 1 and 168',
    );
    expect((await api.get('/api/watchlist/settings')).body.check_interval_hours).toBe(6);
  });

  it('saves valid values (admin only) and reschedules the checker', async () => {
    expect((await bob.put('/api/watchlist/settings', { check_interval_hours: 12 })).status).toBe(403);
    const res = await api.put('/api/watchlist/settings', { check_interval_hours: 168, notify_on_new_episodes: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ check_interval_hours: 168, notify_on_new_episodes: true, auto_download_enabled: true });
    const status = (await api.get('/api/watchlist/scheduler/status')).body;
    expect(status.settings.check_interval_hours).toBe(168);
    const hours = (Date.parse(status.next_run) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(167);
    expect(hours).toBeLessThanOrEqual(168);
    await api.put('/api/watchlist/settings', { check_interval_hours: 6, notify_on_new_episodes: false });
  });
});

describe('watchlist scheduler', () => {
  it('is running by default with a keyed job, stops and starts', async () => {
    const status = (await api.get('/api/watchlist/scheduler/status')).body;
    expect(status.running).toBe(true);
    expect((await jobsByKey(srv, 'watchlist_check_all'))[0]?.run_at.toISOString()).toBe(status.next_run);
    expect((await bob.post('/api/watchlist/scheduler/stop')).status).toBe(403);
    const stopped = (await api.post('/api/watchlist/scheduler/stop')).body;
    expect(stopped).toMatchObject({ running: false, next_run: null });
    expect(await jobsByKey(srv, 'watchlist_check_all')).toEqual([]);
    const started = (await api.post('/api/watchlist/scheduler/start')).body;
    expect(started.running).toBe(true);
    expect((await jobsByKey(srv, 'watchlist_check_all'))[0]?.run_at.toISOString()).toBe(started.next_run);
  });
});

describe('API documentation', () => {
  it('documents every watchlist, scheduler and tasks route', async () => {
    const doc = (await client(srv.url).get('/api/openapi.json')).body;
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/api/watchlist',
      '/api/watchlist/{id}',
      '/api/watchlist/{id}/check',
      '/api/watchlist/{id}/pause',
      '/api/watchlist/{id}/resume',
      '/api/watchlist/settings',
      '/api/watchlist/stats',
      '/api/watchlist/check-all',
      '/api/watchlist/scheduler/status',
      '/api/watchlist/scheduler/start',
      '/api/watchlist/scheduler/stop',
      '/api/scheduler/config',
      '/api/scheduler/trigger-rescan',
      '/api/tasks',
      '/api/tasks/{name}/run',
    ]) {
      expect(paths, p).toContain(p);
    }
  });
});
