/**
 * GET /api/queue/status is one statement in which PostgreSQL builds the items in their API shape
 * (repo.snapshot): each item must read exactly as toApiItem makes it from the row (the shape the
 * realtime messages and the other routes send), and the statistics must add up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as repo from '../../backend/src/downloads/repo.js';
import { toApiItem } from '../../backend/src/downloads/queue.js';
import { sql } from '../../backend/src/db/pool.js';
import { startEnv, type Env } from './helpers.js';
import { until } from '../helpers/poll.js';

let env: Env;
const ids: Record<string, string> = {};

async function item(name: string, episode: number, extra: Partial<repo.NewItem> = {}): Promise<string> {
  const row = await repo.insertItem(env.srv.deps.db, {
    serie_id: 'shape-show',
    serie_folder: 'Shape Show',
    serie_name: 'Shape Show',
    season: 1,
    episode,
    title: episode === 3 ? null : `Folge ${episode} «ünïcode»`,
    priority: 'NORMAL',
    source: 'manual',
    language: 'German Dub',
    quality: null,
    ...extra,
  });
  ids[name] = row!.id;
  return row!.id;
}

beforeAll(async () => {
  env = await startEnv();
  expect((await env.api.post('/api/queue/stop')).status).toBe(200);
  const db = env.srv.deps.db;
  await item('waiting', 1);
  await item('high', 2, { priority: 'HIGH', added_by: null, replace_existing: true, upgrade_from: '/lib/old.mkv' });
  await item('paused', 3, { priority: 'LOW' });
  await db.query(sql.unsafe`update download_items set status = 'paused' where id = ${ids.paused}::uuid`);
  await item('active', 4);
  await db.query(sql.unsafe`update download_items set status = 'downloading', started_at = now() - interval '10 seconds',
    chosen_language = 'German Sub', hoster = 'Vidoza', source_url = 'https://example.test/e/4', downloaded_bytes = 3145728,
    total_bytes = 10485760, hoster_errors = '["VOE: gone"]',
    progress = '{"percent": 30, "downloaded_mb": 3, "total_mb": 10, "speed_mbps": 1.5, "eta_seconds": 5}' where id = ${ids.active}::uuid`);
  await item('done', 5);
  await db.query(
    sql.unsafe`update download_items set status = 'downloading', started_at = now() - interval '4 seconds' where id = ${ids.done}::uuid`,
  );
  expect(await repo.markCompleted(db, ids.done, { file_path: '/lib/Shape Show/S01E05.mkv', bytes: 8388608 })).not.toBeNull();
  await item('failed', 6);
  await db.query(sql.unsafe`update download_items set status = 'downloading', started_at = now() where id = ${ids.failed}::uuid`);
  expect(await repo.markFailed(db, ids.failed, 'every hoster failed', 'ALL_SOURCES_FAILED')).not.toBeNull();
});
afterAll(async () => {
  await env?.close();
});

describe('GET /api/queue/status built by PostgreSQL', () => {
  it('sends every item exactly as toApiItem shapes its row, in queue order', async () => {
    const res = await env.api.get('/api/queue/status');
    expect(res.status, res.text).toBe(200);
    const expected = async (name: string) => JSON.parse(JSON.stringify(toApiItem((await repo.itemById(env.srv.deps.db, ids[name]))!)));
    const st = res.body.status;
    expect(st.active_downloads).toEqual([await expected('active')]);
    // HIGH first, then NORMAL, then LOW (paused items wait in the pending list)
    expect(st.pending_queue).toEqual([await expected('high'), await expected('waiting'), await expected('paused')]);
    expect(st.completed_downloads).toEqual([await expected('done')]);
    expect(st.failed_downloads).toEqual([await expected('failed')]);
    expect(st.active_downloads[0]).toMatchObject({ language: 'German Sub', hoster_errors: ['VOE: gone'], attempts: 1 });
    expect(st.pending_queue[0]).toMatchObject({ replace: true, upgrade_from: '/lib/old.mkv', added_by: null });
    expect(st.pending_queue[2].episode).toEqual({ season: 1, episode: 3, title: null });
  });

  it('pages each list alike and counts the totals', async () => {
    const res = await env.api.get('/api/queue/status?page=2&per_page=2');
    expect(res.body.status.pending_queue.map((i: { id: string }) => i.id)).toEqual([ids.paused]);
    expect(res.body.status.active_downloads).toEqual([]);
    expect(res.body.statistics).toMatchObject({
      total_items: 6,
      pending_count: 3,
      active_count: 1,
      completed_count: 1,
      failed_count: 1,
      // 8 MiB completed + 3 MiB active
      total_downloaded_mb: 11,
      // the live speed of the active download
      average_speed_mbps: 1.5,
      // 7 MiB left of the active one + 3 waiting items of the average completed size (8 MiB), at 1.5 MiB/s
      estimated_time_remaining: Math.round((7 + 3 * 8) / 1.5),
    });
  });

  it('the realtime queue_status carries the same statistics', async () => {
    const { statistics } = (await env.api.get('/api/queue/status?per_page=1')).body;
    expect((await env.api.post('/api/queue/stop')).status).toBe(200);
    // the last queue_status matches (an assertion inside the check: until retries it and names its last failure)
    await until(() => {
      expect(env.events.findLast((e) => e.type === 'queue_status')?.data).toMatchObject({
        is_running: false,
        held_reason: null,
        statistics,
      });
      return true;
    }, 'the stopped queue announced');
  });
});
