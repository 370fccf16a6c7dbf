import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as repo from '../../backend/src/downloads/repo.js';
import { trimCompletedItems } from '../../backend/src/downloads/service.js';
import { buildCrontab } from '../../backend/src/worker/crontab.js';
import { z } from 'zod';
import { sql } from '../../backend/src/db/pool.js';
import { until } from '../helpers/poll.js';
import { makeMp4 } from '../fakes/media.js';
import { addSeries, movableClock, nextEvent, queue, startEnv, status, waitFor, type Env } from './helpers.js';
import type { DownloadItem, HistoryRow } from '../../frontend/src/api/types.ts';

const clock = movableClock();
let env: Env;
let real: string;
const seeded: string[] = [];

/** A finished download as the queue records it: claimed, then completed. */
async function completedItem(episode: number): Promise<string> {
  const row = await repo.insertItem(env.srv.deps.db, {
    serie_id: 'done-show',
    serie_folder: 'Done Show',
    serie_name: 'Done Show',
    season: 1,
    episode,
    title: `Episode ${episode}`,
    priority: 'NORMAL',
    source: 'manual',
    language: null,
    quality: null,
  });
  await env.srv.deps.db.query(sql.unsafe`update download_items set status = 'downloading' where id = ${row!.id}::uuid`);
  expect(await repo.markCompleted(env.srv.deps.db, row!.id, { file_path: `/x/${episode}.mkv`, bytes: 1 })).not.toBeNull();
  return row!.id;
}
const completedIds = async () => ((await status(env)).status.completed_downloads as { id: string }[]).map((i) => i.id);

beforeAll(async () => {
  env = await startEnv({ clock, downloads: { completed_keep_hours: 24, completed_keep_count: 3 } });
  const mp4 = await makeMp4();
  await addSeries(env, 'trim-show', 'Trim Show', [
    { episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: env.hosters.embed('Vidoza', { mp4 }) }] },
  ]);
  [real] = (await queue(env, 'trim-show', [1])).added_items as [string];
  await waitFor(env, real, ['completed']);
  for (let e = 1; e <= 4; e++) seeded.push(await completedItem(e));
}, 120_000);
afterAll(async () => {
  await env?.close();
});

describe('completed items leave the queue for the history', () => {
  it('the hourly queue_trim job keeps the newest downloads.completed_keep_count; the history still has the download', async () => {
    expect(buildCrontab()).toMatch(/^15 \* \* \* \* queue_trim /m);
    expect(await completedIds()).toHaveLength(5);
    const from = env.events.length;
    await env.srv.deps.jobs.add('queue_trim', {}, { maxAttempts: 1 });
    const removed = await nextEvent(env, from, (e) => e.type === 'download_removed');
    expect(removed.data).toMatchObject({ trimmed: 2, status: 'completed' });
    const left = await completedIds();
    expect(left.sort()).toEqual(seeded.slice(1).sort());
    expect((await status(env)).statistics.completed_count).toBe(3);
    const history = await env.api.get('/api/history?event=download_completed&series=trim-show');
    expect(history.body.items.map((r: HistoryRow) => r.data.item_id)).toEqual([real]);
  });

  it('downloads.completed_keep_hours after they finished, by the injected clock', async () => {
    clock.advanceHours(23.9);
    expect(await trimCompletedItems(env.srv.deps)).toBe(0);
    expect(await completedIds()).toHaveLength(3);
    clock.advanceHours(0.2);
    expect(await trimCompletedItems(env.srv.deps)).toBe(3);
    expect(await completedIds()).toEqual([]);
  });

  it('null keeps them until cleared by hand; a pending item is never trimmed', async () => {
    await env.srv.deps.settings.update({ downloads: { completed_keep_hours: null, completed_keep_count: null } });
    const kept = await completedItem(9);
    clock.advanceHours(10_000);
    expect(await trimCompletedItems(env.srv.deps)).toBe(0);
    await env.srv.deps.settings.update({ downloads: { completed_keep_hours: 1, completed_keep_count: 0 } });
    expect((await env.api.post('/api/queue/stop')).status).toBe(200);
    const waiting = (await repo.insertItem(env.srv.deps.db, {
      serie_id: 'done-show',
      serie_folder: 'Done Show',
      serie_name: 'Done Show',
      season: 2,
      episode: 1,
      title: 'Waiting',
      priority: 'NORMAL',
      source: 'manual',
      language: null,
      quality: null,
    }))!.id;
    expect(await trimCompletedItems(env.srv.deps)).toBe(1);
    const after = await status(env);
    expect(after.status.completed_downloads.map((i: DownloadItem) => i.id)).not.toContain(kept);
    expect(after.status.pending_queue.map((i: DownloadItem) => i.id)).toContain(waiting);
  });

  it('the statistics count each list as the items are (kept by triggers, folded by queue_trim)', async () => {
    const db = env.srv.deps.db;
    const counted = async () => {
      const real = await db.one(
        sql.type(z.object({ pending: z.number(), active: z.number(), completed: z.number(), failed: z.number() }))`select
          count(*) filter (where status in ('pending', 'paused'))::int as pending, count(*) filter (where status = 'downloading')::int
            as active,
          count(*) filter (where status = 'completed')::int as completed, count(*) filter (where status in ('failed', 'cancelled'))::int
            as failed
          from download_items`,
      );
      const s = (await status(env)).statistics;
      expect({ pending: s.pending_count, active: s.active_count, completed: s.completed_count, failed: s.failed_count }).toEqual(real);
      return real;
    };
    expect((await env.api.post('/api/queue/stop')).status).toBe(200);
    await db.query(sql.unsafe`insert into download_items (serie_id, serie_folder, serie_name, season, episode, title, source)
      select 'count-show', 'Count Show', 'Count Show', 3, g, 'Episode ' || g, 'manual' from generate_series(1, 40) g`);
    expect((await counted()).pending).toBeGreaterThanOrEqual(40);
    await db.query(sql.unsafe`update download_items set status = 'paused' where serie_id = 'count-show' and episode <= 5`);
    await db.query(sql.unsafe`update download_items set status = 'downloading' where serie_id = 'count-show' and episode between 6 and 8`);
    await db.query(sql.unsafe`update download_items set progress = '{"percent": 5}' where serie_id = 'count-show'`);
    await db.query(sql.unsafe`update download_items set status = case when episode = 6 then 'completed' else 'failed' end
      where serie_id = 'count-show' and status = 'downloading'`);
    await db.query(sql.unsafe`update download_items set status = 'cancelled' where serie_id = 'count-show' and episode = 9`);
    await counted();
    await db.query(sql.unsafe`delete from download_items where serie_id = 'count-show' and episode > 30`);
    const before = await counted();
    await env.srv.deps.settings.update({ downloads: { completed_keep_hours: null, completed_keep_count: null } });
    await env.srv.deps.jobs.add('queue_trim', {}, { maxAttempts: 1 });
    await until(
      async () => (await db.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from download_list_counts`)) <= 4,
      'queue_trim folded the counts into a row per list',
    );
    expect(await counted()).toEqual(before);
  });

  it('refuses a negative setting', async () => {
    const res = await env.api.put('/api/config', { downloads: { completed_keep_count: -1 } });
    expect(res.status).toBe(422);
  });
});
