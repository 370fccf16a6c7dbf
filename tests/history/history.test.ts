import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../backend/src/db/pool.js';
import { makeMp4 } from '../fakes/media.js';
import { addSeries, queue, startEnv, waitFor, type Env } from '../downloads/helpers.js';
import { client } from '../helpers/http.js';
import type { HistoryRow, TaskInfo } from '../../frontend/src/api/types.ts';

let env: Env;
let mp4: string;
let itemId: string;

const steps = (rows: HistoryRow[]) => rows.map((r) => [r.event, r.data.hoster ?? null]);

beforeAll(async () => {
  mp4 = await makeMp4();
  env = await startEnv();
  await addSeries(env, 'frieren', 'Frieren', [
    {
      episode: 1,
      title: 'Abschied',
      sources: [
        { lang: 1, hoster: 'VOE', embedUrl: env.hosters.embed('VOE', { mp4 }, { page: '404' }) },
        { lang: 1, hoster: 'SendVid', embedUrl: env.hosters.embed('SendVid', { mp4 }) },
      ],
    },
  ]);
  ({
    added_items: [itemId],
  } = await queue(env, 'frieren', [1]));
  expect((await waitFor(env, itemId, ['completed', 'failed'])).status).toBe('completed');
});
afterAll(async () => {
  await env?.close();
});

describe('GET /api/history', () => {
  it('a completed download gives one row per step, newest first, with who queued it', async () => {
    const res = await env.api.get('/api/history?series=frieren');
    expect(res.status, res.text).toBe(200);
    expect(steps(res.body.items)).toEqual([
      ['download_completed', 'SendVid'],
      ['download_started', 'SendVid'],
      ['blocklisted', 'VOE'],
      ['download_failed', 'VOE'],
      ['download_started', 'VOE'],
      ['queued', null],
      ['series_added', null],
    ]);
    const [done, , blocked, failed, , queued, added] = res.body.items;
    expect(blocked.data).toMatchObject({ language: 'german_dub', reason: failed.data.reason });
    expect(done).toMatchObject({
      series_key: 'frieren',
      series_name: 'Frieren',
      season: 1,
      episode: 1,
      data: { language: 'german_dub', queued_by: 'manual' },
    });
    expect(done.data.bytes).toBe(fs.statSync(mp4).size);
    expect(done.data.file).toMatch(/Frieren - S01E01 - Episode 1\.mp4$/);
    expect(done.data.duration_seconds).toBeGreaterThan(0);
    expect(done.data.bytes_per_second).toBeGreaterThan(0);
    expect(failed.data.reason).toMatch(/embed page not found \(404\)/);
    expect(queued).toMatchObject({ user: 'admin', data: { queued_by: 'manual', priority: 'NORMAL', item_id: itemId } });
    expect(added).toMatchObject({ user: 'admin', series_key: 'frieren' });
    expect(res.body).toMatchObject({ page: 1, per_page: 500, total: 7, has_more: false });
  });

  it('filters by event type, user and time, sorts, and pages', async () => {
    const failed = await env.api.get('/api/history?event=download_failed');
    expect(steps(failed.body.items)).toEqual([['download_failed', 'VOE']]);
    const two = await env.api.get('/api/history?event=queued,series_added');
    expect(two.body.items.map((r: HistoryRow) => r.event)).toEqual(['queued', 'series_added']);
    const mine = await env.api.get('/api/history?user=admin');
    expect(mine.body.items.map((r: HistoryRow) => r.event)).toEqual([
      'download_completed',
      'download_started',
      'blocklisted',
      'download_failed',
      'download_started',
      'queued',
      'series_added',
    ]);
    expect((await env.api.get('/api/history?user=nobody')).body.items).toEqual([]);
    const oldest = await env.api.get('/api/history?series=frieren&sort=oldest');
    expect(oldest.body.items.map((r: HistoryRow) => r.event)).toEqual([
      'series_added',
      'queued',
      'download_started',
      'download_failed',
      'blocklisted',
      'download_started',
      'download_completed',
    ]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await env.api.get(`/api/history?since=${encodeURIComponent(future)}`)).body.items).toEqual([]);
    expect((await env.api.get(`/api/history?until=${encodeURIComponent(future)}&series=frieren`)).body.items).toHaveLength(7);
    const page1 = await env.api.get('/api/history?series=frieren&per_page=4');
    const page2 = await env.api.get('/api/history?series=frieren&per_page=4&page=2');
    expect(page1.body).toMatchObject({ page: 1, per_page: 4, total: 7, has_more: true });
    expect(page2.body).toMatchObject({ page: 2, total: 7, has_more: false });
    expect(page2.body.items).toHaveLength(3);
    // the total counts what the filters match, also the attempts' steps
    expect((await env.api.get('/api/history?event=download_started,download_completed&per_page=1')).body).toMatchObject({
      total: 3,
      has_more: true,
    });
    expect((await env.api.get('/api/history?user=admin&per_page=2&page=3')).body).toMatchObject({
      total: 7,
      items: [expect.objectContaining({ event: 'download_started' }), expect.objectContaining({ event: 'queued' })],
    });
    expect((await env.api.get('/api/history?series=frieren&page=9')).body).toMatchObject({ items: [], total: 7, has_more: false });
    expect((await env.api.get('/api/history?per_page=501')).status).toBe(422);
    expect([...page1.body.items, ...page2.body.items].map((r: HistoryRow) => r.id)).toEqual(
      (await env.api.get('/api/history?series=frieren')).body.items.map((r: HistoryRow) => r.id),
    );
    expect((await env.api.get('/api/history?event=nonsense')).status).toBe(422);
  });

  it("GET /api/anime/{key}/history is the series' own history", async () => {
    const res = await env.api.get('/api/anime/frieren/history?per_page=3');
    expect(res.status, res.text).toBe(200);
    expect(res.body.items.map((r: HistoryRow) => r.event)).toEqual(['download_completed', 'download_started', 'blocklisted']);
    expect((await env.api.get('/api/anime/unknown-show/history')).status).toBe(404);
  });

  it('removing a series with its files is recorded', async () => {
    const del = await env.api.del('/api/anime/frieren?delete_files=true');
    expect(del.status, del.text).toBe(200);
    const rows = (await env.api.get('/api/history?event=series_removed,file_deleted')).body.items;
    expect(rows.map((r: HistoryRow) => r.event).sort()).toEqual(['file_deleted', 'series_removed']);
    expect(rows.map((r: HistoryRow) => r.user)).toEqual(['admin', 'admin']);
    expect(rows.find((r: HistoryRow) => r.event === 'file_deleted').data.removed).toBeGreaterThan(0);
  });

  it('files imported from disk are recorded', async () => {
    env.aniworld.addSeries({
      slug: 'dandadan',
      name: 'Dandadan',
      year: 2024,
      seasons: {
        1: [
          { episode: 1, title: 'Eins' },
          { episode: 2, title: 'Zwei' },
        ],
      },
    });
    const dir = path.join(env.srv.animeDir, 'Dandadan');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '.aniworld-key'), 'aniworld:dandadan\n');
    fs.copyFileSync(mp4, path.join(dir, 'Dandadan - S01E01.mp4'));
    const res = await env.api.post('/api/library/import', {});
    expect(res.status, res.text).toBe(200);
    const rows = (await env.api.get('/api/history?series=dandadan&event=file_imported,series_added')).body.items;
    expect(rows).toEqual([
      expect.objectContaining({
        event: 'file_imported',
        user: 'admin',
        series_name: 'Dandadan',
        data: expect.objectContaining({ files: 1, episodes: [{ season: 1, episode: 1 }] }),
      }),
      expect.objectContaining({ event: 'series_added', user: 'admin', series_name: 'Dandadan' }),
    ]);
  });

  it('what a request does is credited to its user also when it came with an API key, not to the system', async () => {
    const { key } = (await env.api.post('/api/auth/api-keys', { name: 'history script' })).body;
    const byKey = client(env.srv.url);
    const h = { 'X-Api-Key': key };
    env.aniworld.addSeries({ slug: 'mononoke', name: 'Mononoke', year: 2007, seasons: { 1: [{ episode: 1, title: 'Eins' }] } });
    const add = await byKey.post('/api/anime/add', { link: `${env.aniworld.url}/anime/stream/mononoke`, name: 'Mononoke' }, h);
    expect(add.status, add.text).toBe(200);
    const queued = await byKey.post('/api/queue/add', { serie_id: 'mononoke', episodes: [{ season: 1, episode: 1, title: 'Eins' }] }, h);
    expect(queued.status, queued.text).toBe(201);
    expect((await byKey.del(`/api/queue/${queued.body.added_items[0]}`, undefined, h)).status).toBeLessThan(300);

    env.aniworld.addSeries({ slug: 'mushishi', name: 'Mushishi', year: 2005, seasons: { 1: [{ episode: 1, title: 'Eins' }] } });
    const dir = path.join(env.srv.animeDir, 'Mushishi');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(mp4, path.join(dir, 'Mushishi - S01E01.mp4'));
    const imported = await byKey.post('/api/library/import', { matches: [{ folder: 'Mushishi', key: 'mushishi' }] }, h);
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body.imported).toHaveLength(1);
    const removed = await byKey.del('/api/anime/mushishi?delete_files=true', undefined, h);
    expect(removed.status, removed.text).toBe(200);

    const rows = (await env.api.get('/api/history?series=mononoke')).body.items.concat(
      (await env.api.get('/api/history?series=mushishi')).body.items,
    );
    expect(rows.map((r: HistoryRow) => [r.event, r.series_key, r.user])).toEqual([
      ['queued', 'mononoke', 'admin'],
      ['series_added', 'mononoke', 'admin'],
      ['file_deleted', 'mushishi', 'admin'],
      ['series_removed', 'mushishi', 'admin'],
      ['file_imported', 'mushishi', 'admin'],
      ['series_added', 'mushishi', 'admin'],
    ]);
  });

  it('housekeeping removes events beyond the retention; unset keeps everything', async () => {
    await env.srv.deps.db.query(
      sql.unsafe`insert into history_events (event, series_key, at) values ('series_added', 'ancient', now() - interval '40 days')`,
    );
    const ancient = async () => (await env.api.get('/api/history?series=ancient')).body.items.length;
    const housekeeping = async () => {
      const before = (await env.api.get('/api/tasks')).body.tasks.find((t: TaskInfo) => t.name === 'housekeeping').runs;
      expect((await env.api.post('/api/tasks/housekeeping/run')).status).toBeLessThan(300);
      for (let i = 0; i < 600; i++) {
        const t = (await env.api.get('/api/tasks')).body.tasks.find((x: TaskInfo) => x.name === 'housekeeping');
        if (t.runs > before && !t.running) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('housekeeping did not run');
    };
    await housekeeping();
    expect(await ancient()).toBe(1);
    await env.api.put('/api/config', { history: { retention_days: 30 } });
    await housekeeping();
    const left = await env.srv.deps.db.oneFirst(sql.unsafe`select count(*)::int from history_events where series_key = 'ancient'`);
    expect(left).toBe(0);
    expect((await env.api.get('/api/history?series=frieren')).body.items.length).toBeGreaterThan(0);
  });
});
