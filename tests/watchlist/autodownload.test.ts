import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sql } from '../../backend/src/db/pool.js';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeMp4 } from '../fakes/media.js';
import { io, type Socket } from 'socket.io-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient, client } from '../helpers/http.js';
import { until } from '../helpers/poll.js';
import type { Loose } from '../helpers/http.js';

let fake: FakeAniworld;
let hosters: FakeHosters;
let srv: TestServer;
let api: ReturnType<typeof client>;
let mp4: string;
let token: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  mp4 = await makeMp4({ seconds: 3 });
  hosters = await startFakeHosters();
  const source = () => [{ lang: 1 as const, hoster: 'VOE', embedUrl: hosters.embed('VOE', { mp4 }) }];
  fake = await startFakeAniworld({
    series: [
      simpleSeries('sousou-no-frieren', 'Sousou no Frieren', { 1: 1 }, {}, source),
      simpleSeries('dungeon-meshi', 'Dungeon Meshi', { 1: 3 }, {}, source),
    ],
  });
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url } });
  ({ api, token } = await adminClient(srv.url));
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await srv?.stop();
  await fake?.close();
  await hosters?.close();
});

const Download = z.object({
  status: z.string(),
  source: z.string(),
  season: z.number(),
  episode: z.number(),
  file_path: z.string().nullable(),
  error: z.string().nullable(),
});
const downloads = (key = 'sousou-no-frieren') =>
  srv.deps.db.any(sql.type(Download)`select status, source, season, episode, file_path, error from download_items
  where serie_id = ${key} order by season, episode`);

describe('watchlist auto-download end to end', () => {
  it('an episode that appears after the first check is found by the next, queued, downloaded and placed', async () => {
    const created = await api.post('/api/watchlist', {
      anime_title: 'Sousou no Frieren',
      anime_url: `${fake.url}/anime/stream/sousou-no-frieren`,
      lang: 'german_dub',
      auto_download: false,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    // first check: the episode already out is recorded, nothing is queued (auto-download off)
    const first = await api.post(`/api/watchlist/${id}/check`);
    expect(first.body).toMatchObject({ status: 'ok', queued: 0, new_episodes: [{ season: 1, episode: 1 }] });
    expect(await downloads()).toEqual([]);

    expect((await api.put(`/api/watchlist/${id}`, { auto_download: true })).body.auto_download).toBe(true);
    fake.addEpisode('sousou-no-frieren', 1, {
      episode: 2,
      title: 'Folge 2',
      sources: [{ lang: 1, hoster: 'VOE', embedUrl: hosters.embed('VOE', { mp4 }) }],
    });

    const second = await api.post(`/api/watchlist/${id}/check`);
    expect(second.body).toMatchObject({ status: 'ok', queued: 1, queue_errors: [] });
    expect(second.body.new_episodes).toEqual([{ season: 1, episode: 2, title: 'Folge 2' }]);

    const done = await until(
      async () => {
        const rows = await downloads();
        if (rows.some((r) => r.status === 'failed')) throw new Error(`download failed: ${JSON.stringify(rows)}`);
        return rows.length === 1 && rows[0].status === 'completed' ? rows[0] : null;
      },
      'the download to complete',
      40_000,
    ).catch(async (err) => {
      console.log(
        JSON.stringify(await downloads()),
        srv
          .logs()
          .split('\n')
          .filter((l) => /download|error|warn/i.test(l))
          .slice(-40)
          .join('\n'),
      );
      throw err;
    });
    expect(done).toMatchObject({ source: 'watchlist', season: 1, episode: 2 });

    // placed in the series folder of the library
    const folder = await srv.deps.db.oneFirst(
      sql.type(z.object({ folder: z.string() }))`select folder from series where key = 'sousou-no-frieren'`,
    );
    const placed = path.resolve(srv.animeDir, folder, done.file_path!);
    expect(placed.startsWith(path.join(srv.animeDir, folder) + path.sep)).toBe(true);
    expect(fs.statSync(placed).size).toBeGreaterThan(10_000);

    // the next check finds nothing new and sees the downloaded episode
    const third = await api.post(`/api/watchlist/${id}/check`);
    expect(third.body.new_episodes).toEqual([]);
    expect((await api.get(`/api/watchlist/${id}`)).body.last_episode_downloaded).toBe(2);
  });

  it('a scheduled rescan with auto_download_after_rescan queues and downloads what is missing', async () => {
    const cfg = await api.post('/api/scheduler/config', {
      enabled: true,
      schedule_time: '',
      interval_minutes: 60,
      auto_download_after_rescan: true,
    });
    expect(cfg.status).toBe(200);
    // S1E1 is on the provider but not on disk (the watchlist only recorded it). Time passes: the job is due.
    await srv.deps.db.query(sql.unsafe`update graphile_worker._private_jobs set run_at = now() where key = 'scheduled_rescan'`);
    const done = await until(
      async () => {
        const rows = await downloads();
        if (rows.some((r) => r.status === 'failed')) throw new Error(`download failed: ${JSON.stringify(rows)}`);
        return rows.find((r) => r.season === 1 && r.episode === 1 && r.status === 'completed') ?? null;
      },
      'the missing episode to be downloaded',
      40_000,
    );
    expect(done.source).toBe('rescan');
    const status = (await api.get('/api/scheduler/config')).body.status;
    expect(status.last_run).not.toBeNull();
    expect(Date.parse(status.next_run) - Date.parse(status.last_run)).toBe(60 * 60_000);
  });

  it('keeps at most max_concurrent_auto_downloads watchlist downloads queued; the rest follow, each announced', async () => {
    expect((await api.put('/api/watchlist/settings', { max_concurrent_auto_downloads: 1 })).status).toBe(200);
    const socket = io(srv.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    const downloaded: { episodes: { episode: number }[]; anime_key: string }[] = [];
    socket.on('message', (m: { type: string; data: Loose }) => {
      if (m.type === 'watchlist_episode_downloaded') downloaded.push(m.data);
    });
    await new Promise<void>((r) => socket.once('message', () => r()));

    const id = (await api.post('/api/watchlist', { anime_title: 'Dungeon Meshi', anime_url: `${fake.url}/anime/stream/dungeon-meshi` }))
      .body.id;
    const check = await api.post(`/api/watchlist/${id}/check`);
    expect(check.body).toMatchObject({ status: 'ok', queued: 1, deferred: 2 });
    expect(codes(await downloads('dungeon-meshi'))).toEqual(['S1E1']);

    const rows = await until(
      async () => {
        const r = await downloads('dungeon-meshi');
        if (r.some((x) => x.status === 'failed')) throw new Error(`download failed: ${JSON.stringify(r)}`);
        return r.length === 3 && r.every((x) => x.status === 'completed') ? r : null;
      },
      'all three episodes downloaded one after the other',
      50_000,
    );
    expect(rows.map((r) => r.source)).toEqual(['watchlist', 'watchlist', 'watchlist']);
    await until(async () => downloaded.filter((d) => d.anime_key === 'dungeon-meshi').length === 3, 'three downloaded messages');
    expect(
      downloaded
        .filter((d) => d.anime_key === 'dungeon-meshi')
        .map((d) => d.episodes[0].episode)
        .sort(),
    ).toEqual([1, 2, 3]);
    expect((await api.get(`/api/watchlist/${id}`)).body.last_episode_downloaded).toBe(3);
  });
});

const codes = (rows: readonly { season: number; episode: number }[]) => rows.map((r) => `S${r.season}E${r.episode}`);
