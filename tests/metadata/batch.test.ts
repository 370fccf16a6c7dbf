import fs from 'node:fs';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient } from '../helpers/http.js';
import { FAKE_TMDB_KEY, startFakeTmdb, type FakeTmdb } from '../fakes/tmdb.js';
import { parseNfo } from '../../backend/src/metadata/nfoXml.js';
import { addSeries, placeVideo, snapshot, xmllint } from './helpers.js';
import { queueSeriesNfo } from '../../backend/src/metadata/service.js';
import { sql } from '../../backend/src/db/pool.js';
import type { Loose } from '../helpers/http.js';
import { until } from '../helpers/poll.js';

interface Msg {
  type: string;
  data: Loose;
}

let srv: TestServer;
let tmdb: FakeTmdb;
let api: Awaited<ReturnType<typeof adminClient>>['api'];
let socket: Socket;
const messages: Msg[] = [];

beforeAll(async () => {
  tmdb = await startFakeTmdb();
  srv = await startTestServer({ env: { TMDB_API_URL: tmdb.apiUrl, TMDB_IMAGE_URL: tmdb.imageUrl, TMDB_API_KEY: FAKE_TMDB_KEY } });
  const admin = await adminClient(srv.url);
  api = admin.api;
  for (let n = 0; n < 30; n++) await addSeries(srv, { key: `batch-show-${n}`, name: `Batch Show ${n}`, folder: `Batch Show ${n}` });
  await placeVideo(path.join(srv.animeDir, 'Batch Show 0', 'Batch Show 0 - S01E01.mkv'));
  socket = io(srv.url, { path: '/socket.io', auth: { token: admin.token }, transports: ['websocket'] });
  socket.on('message', (m: Msg) => messages.push(m));
  await until(() => messages.some((m) => m.type === 'connected'), 'socket connected');
  socket.emit('message', { action: 'join', data: { room: 'nfo' } });
  await until(() => messages.some((m) => m.type === 'system_info' && m.data.room === 'nfo'), 'joined room nfo');
});

afterAll(async () => {
  socket?.close();
  await srv?.stop();
  await tmdb?.close();
});

describe('batch creation', () => {
  let batchId: string;

  it('answers at once with the spec shape and queues one job per series', async () => {
    tmdb.setLatency(40);
    tmdb.reset();
    const res = await api.post('/api/nfo/batch/create', {
      serie_ids: Array.from({ length: 30 }, (_, n) => `batch-show-${n}`),
      max_concurrent: 3,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 30, successful: 0, failed: 0, skipped: 0, queued: 30, finished: false });
    // the immediate answer says plainly that the totals follow, and where
    expect(res.body.status_url).toBe(`/api/nfo/batch/status/${res.body.batch_id}`);
    expect(res.body.message).toBe(
      `30 of 30 series still to do: the totals follow in ${res.body.status_url} (and the nfo room); successful counts only finished series`,
    );
    expect(res.body.results[0]).toMatchObject({
      serie_id: 'batch-show-0',
      serie_folder: 'Batch Show 0',
      success: true,
      message: 'NFO creation queued',
      nfo_path: path.join(srv.animeDir, 'Batch Show 0', 'tvshow.nfo'),
    });
    batchId = res.body.batch_id;
  });

  it('never has more than max_concurrent series in flight, reports progress and completes', async () => {
    const complete = await until(
      () => messages.find((m) => m.type === 'nfo_complete' && m.data.batch_id === batchId),
      'nfo_complete',
      60_000,
    );
    tmdb.setLatency(0);
    expect(complete.data).toMatchObject({ total: 30, successful: 30, failed: 0, skipped: 0 });
    expect(tmdb.maxInFlight()).toBeLessThanOrEqual(3);
    expect(tmdb.maxInFlight()).toBeGreaterThanOrEqual(2); // it did run in parallel
    const progress = messages.filter((m) => m.type === 'nfo_progress' && m.data.batch_id === batchId);
    expect(progress).toHaveLength(30);
    expect(progress.map((p) => p.data.done).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(progress.map((p) => p.data.serie_id)).size).toBe(30);
    for (let n = 0; n < 30; n++) {
      const dir = path.join(srv.animeDir, `Batch Show ${n}`);
      xmllint(path.join(dir, 'tvshow.nfo'));
      const t: Loose = (await parseNfo(fs.readFileSync(path.join(dir, 'tvshow.nfo'), 'utf8'))).tvshow;
      expect(t.uniqueid[0]).toEqual({ _: String(70000 + n), $: { type: 'tmdb', default: 'true' } });
      expect(fs.readFileSync(path.join(dir, 'poster.jpg')).equals(await tmdb.imageBytes('/batch-poster.jpg'))).toBe(true);
    }
    const ep: Loose = (await parseNfo(fs.readFileSync(path.join(srv.animeDir, 'Batch Show 0', 'Batch Show 0 - S01E01.nfo'), 'utf8')))
      .episodedetails;
    expect(ep.title[0]).toBe('Pilot');
    const status = await api.get(`/api/nfo/batch/status/${batchId}`);
    expect(status.body).toMatchObject({
      finished: true,
      total: 30,
      successful: 30,
      failed: 0,
      skipped: 0,
      queued: 0,
      message: 'Batch finished: 30 created, 0 failed, 0 skipped',
    });
    expect(
      status.body.results.every((r: { success: boolean; message: string }) => r.success && r.message === 'NFO created successfully'),
    ).toBe(true);
  });

  it('skips existing NFOs, reports unknown series, and changes nothing on disk', async () => {
    const before = snapshot(srv.animeDir);
    messages.length = 0;
    const res = await api.post('/api/nfo/batch/create', { serie_ids: ['batch-show-1', 'batch-show-2', 'no-such-series'] });
    // nothing to queue: the first answer is already final
    expect(res.body).toMatchObject({
      total: 3,
      successful: 0,
      failed: 1,
      skipped: 2,
      queued: 0,
      finished: true,
      message: 'Batch finished: 0 created, 1 failed, 2 skipped',
    });
    expect(res.body.results).toEqual([
      {
        serie_id: 'batch-show-1',
        serie_folder: 'Batch Show 1',
        success: false,
        message: 'Skipped - NFO already exists',
        code: 'NFO_EXISTS',
        params: {},
        nfo_path: null,
        status: 'skipped',
      },
      {
        serie_id: 'batch-show-2',
        serie_folder: 'Batch Show 2',
        success: false,
        message: 'Skipped - NFO already exists',
        code: 'NFO_EXISTS',
        params: {},
        nfo_path: null,
        status: 'skipped',
      },
      {
        serie_id: 'no-such-series',
        serie_folder: null,
        success: false,
        message: 'Series not found',
        code: 'SERIES_NOT_FOUND',
        params: {},
        nfo_path: null,
        status: 'failed',
      },
    ]);
    const complete = await until(() => messages.find((m) => m.type === 'nfo_complete'), 'nfo_complete');
    expect(complete.data).toMatchObject({ batch_id: res.body.batch_id, total: 3, successful: 0, failed: 1, skipped: 2 });
    expect(snapshot(srv.animeDir)).toEqual(before);
  });

  it('re-creates with skip_existing=false without rewriting identical files', async () => {
    const before = snapshot(srv.animeDir);
    messages.length = 0;
    const res = await api.post('/api/nfo/batch/create', {
      serie_ids: ['batch-show-3', 'batch-show-4'],
      skip_existing: false,
      max_concurrent: 1,
    });
    expect(res.body.queued).toBe(2);
    const complete = await until(() => messages.find((m) => m.type === 'nfo_complete'), 'nfo_complete');
    expect(complete.data).toMatchObject({ successful: 2, failed: 0 });
    expect(snapshot(srv.animeDir)).toEqual(before);
  });

  it('a series TMDB does not know fails with a code and the title searched (the UI says it in its language)', async () => {
    await addSeries(srv, { key: 'unknown-to-tmdb', name: 'Zzz Unknown Show', folder: 'Zzz Unknown Show', year: 2000 });
    messages.length = 0;
    const res = await api.post('/api/nfo/batch/create', { serie_ids: ['unknown-to-tmdb'], skip_existing: false });
    const progress = await until(
      () => messages.find((m) => m.type === 'nfo_progress' && m.data.batch_id === res.body.batch_id && m.data.status === 'failed'),
      'nfo_progress failed',
    );
    expect(progress.data).toMatchObject({ code: 'TMDB_NO_MATCH', params: { title: 'Zzz Unknown Show (2000)' } });
    const status = await until(async () => {
      const b = (await api.get(`/api/nfo/batch/status/${res.body.batch_id}`)).body;
      return b.finished ? b : null;
    }, 'the batch finished');
    expect(status.results).toEqual([
      expect.objectContaining({
        status: 'failed',
        message: "No TMDB series matches 'Zzz Unknown Show (2000)'",
        code: 'TMDB_NO_MATCH',
        params: { title: 'Zzz Unknown Show (2000)' },
      }),
    ]);
  });

  it('validates the request', async () => {
    const res = await api.post('/api/nfo/batch/create', { serie_ids: ['x'], max_concurrent: 11 });
    expect(res.status).toBe(422);
    expect(res.body.details).toHaveProperty(['body.max_concurrent']);
    expect((await api.post('/api/nfo/batch/create', { serie_ids: [] })).status).toBe(422);
    expect((await api.get('/api/nfo/batch/status/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('hooks for the library and downloads', () => {
  it('queues nfo_create for a newly added series when create_on_add is on', async () => {
    const dir = await addSeries(srv, { key: 'batch-show-40', name: 'Batch Show 40', folder: 'Batch Show 40' });
    messages.length = 0;
    expect(await queueSeriesNfo(srv.deps, 'batch-show-40')).toBe(true);
    const done = await until(() => messages.find((m) => m.type === 'nfo_complete' && m.data.serie_id === 'batch-show-40'), 'nfo_complete');
    expect(done.data).toMatchObject({ success: true, nfo_path: path.join(dir, 'tvshow.nfo') });
    xmllint(path.join(dir, 'tvshow.nfo'));
    await srv.deps.settings.update({ nfo: { create_on_add: false } });
    expect(await queueSeriesNfo(srv.deps, 'batch-show-41')).toBe(false);
    await srv.deps.settings.update({ nfo: { create_on_add: true } });
  });

  it('leaves placed videos alone when episode_nfo_on_download is off, and refuses paths outside the series', async () => {
    await srv.deps.settings.update({ nfo: { episode_nfo_on_download: false } });
    const video = await placeVideo(path.join(srv.animeDir, 'Batch Show 5', 'Batch Show 5 - S01E01.mkv'));
    const off = await srv.deps.jobs.add('nfo_episode', { series_key: 'batch-show-5', season: 1, episode: 1, video_path: video });
    await until(async () => !(await jobExists(off.id!)), 'job done');
    expect(fs.existsSync(video.replace(/\.mkv$/, '.nfo'))).toBe(false);
    await srv.deps.settings.update({ nfo: { episode_nfo_on_download: true } });
    const outside = await placeVideo(path.join(srv.dataDir, 'elsewhere', 'Batch Show 5 - S01E01.mkv'));
    const bad = await srv.deps.jobs.add('nfo_episode', { series_key: 'batch-show-5', season: 1, episode: 1, video_path: outside });
    await until(async () => !(await jobExists(bad.id!)), 'job done'); // finished, not retried
    expect(fs.existsSync(outside.replace(/\.mkv$/, '.nfo'))).toBe(false);
    const on = await srv.deps.jobs.add('nfo_episode', { series_key: 'batch-show-5', season: 1, episode: 1, video_path: video });
    await until(async () => !(await jobExists(on.id!)), 'job done');
    xmllint(video.replace(/\.mkv$/, '.nfo'));
  });
});

async function jobExists(id: string): Promise<boolean> {
  const n = await srv.deps.db.oneFirst(sql.unsafe`select count(*)::int from graphile_worker._private_jobs where id = ${id}`);
  return n > 0;
}
