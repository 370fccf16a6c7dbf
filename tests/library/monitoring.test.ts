import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sql } from '../../backend/src/db/pool.js';
import { simpleSeries, startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import type { RealtimeEvent } from '../../backend/src/realtime/bus.js';
import type { EpisodeInfo, SeriesDetail, SeriesSummary } from '../../frontend/src/api/types.ts';

let fake: FakeAniworld;
let srv: TestServer;
let api: ReturnType<typeof client>;
const events: RealtimeEvent[] = [];

beforeAll(async () => {
  fake = await startFakeAniworld({
    series: [
      simpleSeries('mon-show', 'Mon Show', { 0: 1, 1: 2, 2: 2 }, { year: 2020 }),
      simpleSeries('watch-show', 'Watch Show', { 1: 3, 2: 2 }, { year: 2021 }),
      simpleSeries('future-show', 'Future Show', { 1: 2 }, { year: 2022 }),
    ],
  });
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url } });
  ({ api } = await adminClient(srv.url));
  srv.deps.bus.on((e) => events.push(e));
  await api.post('/api/queue/stop'); // items stay pending: what was queued is what the tests read
});
afterAll(async () => {
  await srv?.stop();
  await fake?.close();
});

const Item = z.object({ season: z.number(), episode: z.number(), source: z.string() });
const queued = (key: string) =>
  srv.deps.db.any(sql.type(Item)`select season, episode, source from download_items where serie_id = ${key} order by season, episode`);

async function rescanWithAutoDownload() {
  const from = events.length;
  await srv.deps.settings.update({ scheduler: { auto_download_after_rescan: true } });
  expect((await api.post('/api/anime/rescan')).status).toBe(200);
  for (let i = 0; i < 400; i++) {
    const done = events.slice(from).find((e) => e.type === 'auto_queue_complete');
    if (done) return done.data;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no auto_queue_complete');
}

describe('monitoring', () => {
  it('a new series is monitored, its specials are not (config); toggles per series, season and episode; missing split in two', async () => {
    const add = await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/mon-show`, name: 'Mon Show' });
    expect(add.status).toBe(200);
    expect(add.body.missing_episodes).toEqual(['1-1', '1-2', '2-1', '2-2']);
    let d = (await api.get('/api/anime/mon-show')).body;
    expect(d).toMatchObject({
      monitored: true,
      monitor_specials: false,
      seasons: [
        { season: 0, monitored: false },
        { season: 1, monitored: true },
        { season: 2, monitored: true },
      ],
    });
    expect(d.unmonitored_missing).toEqual(['0-1']);

    d = (await api.call('PATCH', '/api/anime/mon-show/seasons/2', { monitored: false })).body;
    expect(d.seasons.find((s: SeriesDetail['seasons'][number]) => s.season === 2).monitored).toBe(false);
    expect(d.episodes).toEqual(['1-1', '1-2']);
    expect(d.unmonitored_missing).toEqual(['0-1', '2-1', '2-2']);
    d = (await api.call('PATCH', '/api/anime/mon-show/episodes/1/2', { monitored: false })).body;
    expect(d.episodes).toEqual(['1-1']);
    expect(d.episode_list.find((e: EpisodeInfo) => e.season === 1 && e.episode === 2).monitored).toBe(false);
    d = (await api.call('PATCH', '/api/anime/mon-show/episodes/1/2', { monitored: true })).body;
    expect(d.episodes).toEqual(['1-1', '1-2']);

    // the library list's missing badge counts monitored episodes only
    const list = (await api.get('/api/anime')).body.find((s: SeriesSummary) => s.key === 'mon-show');
    expect(list).toMatchObject({ monitored: true, missing_episodes: { 1: [1, 2] } });

    expect((await api.call('PATCH', '/api/anime/mon-show/seasons/7', { monitored: true })).status).toBe(404);
    expect((await api.call('PATCH', '/api/anime/mon-show/episodes/1/99', { monitored: true })).status).toBe(404);
    expect((await api.call('PATCH', '/api/anime/mon-show', { monitored: 'yes' })).status).toBe(422);
    expect((await api.call('PATCH', '/api/anime/mon-show', { language_cutoff: 'klingon' })).status).toBe(422);
    expect((await client(srv.url).call('PATCH', '/api/anime/mon-show', { monitored: false })).status).toBe(401);
  });

  it('a rescan queues monitored missing episodes only; unmonitored seasons never', async () => {
    const summary = await rescanWithAutoDownload();
    expect(summary.added).toBeGreaterThanOrEqual(2);
    expect((await queued('mon-show')).map((i) => [i.season, i.episode, i.source])).toEqual([
      [1, 1, 'rescan'],
      [1, 2, 'rescan'],
    ]);
    // a manual download of an unmonitored episode still works
    const manual = await api.post('/api/queue/add', { serie_id: 'mon-show', episodes: [{ season: 2, episode: 1 }] });
    expect(manual.status).toBe(201);
    expect((await queued('mon-show')).map((i) => [i.season, i.episode, i.source])).toEqual([
      [1, 1, 'rescan'],
      [1, 2, 'rescan'],
      [2, 1, 'manual'],
    ]);
  });

  it('the watchlist queues only monitored episodes; adding a series to the watchlist monitors it', async () => {
    const add = await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/watch-show`, name: 'Watch Show', monitor: 'none' });
    expect(add.status).toBe(200);
    expect(add.body.total_missing).toBe(0);
    expect((await api.get('/api/anime/watch-show')).body.monitored).toBe(false);
    const item = await api.post('/api/watchlist', {
      anime_title: 'Watch Show',
      anime_url: `${fake.url}/anime/stream/watch-show`,
      lang: 'german_dub',
      auto_download: true,
    });
    expect(item.status).toBe(201);
    expect((await api.get('/api/anime/watch-show')).body.monitored).toBe(true);
    await api.call('PATCH', '/api/anime/watch-show/seasons/1', { monitored: false });
    const check = await api.post(`/api/watchlist/${item.body.id}/check`);
    expect(check.body.new_episodes).toHaveLength(5);
    expect((await queued('watch-show')).map((i) => [i.season, i.episode, i.source])).toEqual([
      [2, 1, 'watchlist'],
      [2, 2, 'watchlist'],
    ]);
    expect(check.body.queue_errors).toEqual(expect.arrayContaining([expect.stringMatching(/S1E1 is not monitored/)]));
  });

  it('"monitor only future episodes": what is listed at the add is not wanted, what appears later is', async () => {
    const add = await api.post('/api/anime/add', { link: `${fake.url}/anime/stream/future-show`, name: 'Future Show', monitor: 'future' });
    expect(add.body).toMatchObject({ total_missing: 0, missing_episodes: [] });
    fake.addEpisode('future-show', 1, { episode: 3, title: 'Neu' });
    await rescanWithAutoDownload();
    expect((await api.get('/api/anime/future-show')).body).toMatchObject({ episodes: ['1-3'], unmonitored_missing: ['1-1', '1-2'] });
    expect((await queued('future-show')).map((i) => [i.season, i.episode])).toEqual([[1, 3]]);
  });

  it('bulk: several series unmonitored at once; an unmonitored series is never queued', async () => {
    const res = await api.call('PATCH', '/api/anime', { keys: ['mon-show', 'future-show', 'nope'], monitored: false });
    expect(res.body).toMatchObject({ updated: ['mon-show', 'future-show'], not_found: ['nope'] });
    expect(
      (await api.get('/api/anime')).body
        .filter((s: SeriesSummary) => !s.monitored)
        .map((s: SeriesSummary) => s.key)
        .sort(),
    ).toEqual(['future-show', 'mon-show']);
    await api.del('/api/queue/pending');
    fake.addEpisode('future-show', 1, { episode: 4, title: 'Neuer' });
    await rescanWithAutoDownload();
    expect(await queued('mon-show')).toEqual([]);
    expect(await queued('future-show')).toEqual([]);
  });
});
