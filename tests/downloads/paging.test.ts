import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as repo from '../../backend/src/downloads/repo.js';
import { sql } from '../../backend/src/db/pool.js';
import { startEnv, type Env } from './helpers.js';
import { until } from '../helpers/poll.js';
import { z } from 'zod';

let env: Env;
const ids: string[] = [];

beforeAll(async () => {
  env = await startEnv();
  expect((await env.api.post('/api/queue/stop')).status).toBe(200);
  // a long queue as "download all" on long series makes it (seeded through the queue's own insert)
  for (let e = 1; e <= 1203; e++) {
    const row = await repo.insertItem(env.srv.deps.db, {
      serie_id: 'long-one',
      serie_folder: 'Long One',
      serie_name: 'Long One',
      season: 1,
      episode: e,
      title: `Episode ${e}`,
      priority: 'NORMAL',
      source: 'manual',
      language: null,
      quality: null,
    });
    ids.push(row!.id);
  }
});
afterAll(async () => {
  await env?.close();
});

const pending = async (query = '') => {
  const res = await env.api.get(`/api/queue/status${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { status: { pending_queue: { id: string }[] }; statistics: { pending_count: number; total_items: number } };
};

describe('GET /api/queue/status pages its lists', () => {
  it('sends at most 500 items per list without paging parameters, with the totals alongside', async () => {
    const body = await pending();
    expect(body.status.pending_queue).toHaveLength(500);
    expect(body.status.pending_queue.map((i) => i.id)).toEqual(ids.slice(0, 500));
    expect(body.statistics).toMatchObject({ pending_count: 1203, total_items: 1203 });
  });

  it('page and per_page walk the whole queue in order; per_page over 500 is refused', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) seen.push(...(await pending(`?page=${page}&per_page=500`)).status.pending_queue.map((i) => i.id));
    expect(seen).toEqual(ids);
    expect((await pending('?page=2&per_page=10')).status.pending_queue.map((i) => i.id)).toEqual(ids.slice(10, 20));
    expect((await pending('?page=99')).status.pending_queue).toEqual([]);
    const bad = await env.api.get('/api/queue/status?per_page=501');
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.details)).toMatch(/query\.per_page/);
  });
});

describe('POST /api/queue/move puts X before Y', () => {
  it('moves the last item to the front, then one to the end, and says so over realtime', async () => {
    const last = ids.at(-1)!;
    const res = await env.api.post('/api/queue/move', { item_id: last, before_id: ids[0] });
    expect(res.status, res.text).toBe(200);
    expect(res.body.item).toMatchObject({ id: last, status: 'pending' });
    expect((await pending('?per_page=3')).status.pending_queue.map((i) => i.id)).toEqual([last, ids[0], ids[1]]);
    expect(env.events.findLast((e) => e.type === 'queue_status')?.data).toMatchObject({ order_changed: true, item: { id: last } });

    expect((await env.api.post('/api/queue/move', { item_id: ids[0], before_id: null })).status).toBe(200);
    const all = (await pending('?page=3&per_page=500')).status.pending_queue.map((i) => i.id);
    expect(all.at(-1)).toBe(ids[0]);
    expect((await pending('?per_page=2')).status.pending_queue.map((i) => i.id)).toEqual([last, ids[1]]);
  });

  it('takes the priority of the item it goes before', async () => {
    const high = ids[5]!;
    expect((await env.api.call('PATCH', `/api/queue/${high}`, { priority: 'HIGH' })).status).toBe(200);
    const res = await env.api.post('/api/queue/move', { item_id: ids[7], before_id: high });
    expect(res.body.item.priority).toBe('HIGH');
    expect((await pending('?per_page=3')).status.pending_queue.map((i) => i.id)).toEqual([ids[7], high, ids.at(-1)]);
  });

  it('404 for an unknown item, 409 for one that no longer waits', async () => {
    const unknown = await env.api.post('/api/queue/move', { item_id: '00000000-0000-4000-8000-000000000000', before_id: ids[1] });
    expect(unknown.status).toBe(404);
    // as a download that finished: claimed, then completed
    await env.srv.deps.db.query(sql.unsafe`update download_items set status = 'downloading' where id = ${ids[2]!}::uuid`);
    expect(await repo.markCompleted(env.srv.deps.db, ids[2]!, { file_path: '/x.mkv', bytes: 1 })).not.toBeNull();
    const done = await env.api.post('/api/queue/move', { item_id: ids[3], before_id: ids[2] });
    expect(done.status).toBe(409);
    expect(done.body.message).toMatch(/completed/);
  });

  it('opposite moves at the same moment (two tabs) both succeed, and the order stays a permutation', async () => {
    const a = ids[10]!;
    const b = ids[600]!;
    const db = env.srv.deps.db;
    const waitingOnLocks = () =>
      db.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'
        and (query like '%download_items%' or query like '%queue_order%')`);
    for (let round = 0; round < 2; round++) {
      // both moves wait on a row held elsewhere (a download's progress write, say), then go at once:
      // each one's locks must not be taken in the other's opposite order
      let release = () => {};
      let locked = () => {};
      const rowLocked = new Promise<void>((r) => (locked = r));
      const held = db.transaction(async (tx) => {
        await tx.query(sql.unsafe`select 1 from download_items where id = ${b}::uuid for update`);
        locked();
        await new Promise<void>((r) => (release = r));
      });
      // the row is held before the moves are sent (else the first could be done before it, and wait on nothing)
      await rowLocked;
      const first = env.api.post('/api/queue/move', { item_id: a, before_id: b });
      await until(async () => (await waitingOnLocks()) >= 1, 'the first move waiting on the held row');
      const second = env.api.post('/api/queue/move', { item_id: b, before_id: a });
      await until(async () => (await waitingOnLocks()) >= 2, 'the second move waiting too');
      const answers = Promise.all([first, second]);
      release();
      await held;
      for (const res of await answers) expect(res.status, res.text).toBe(200);
      const again = await Promise.all([
        env.api.post('/api/queue/move', { item_id: a, before_id: b }),
        env.api.post('/api/queue/reorder', { item_ids: [a, b] }),
        env.api.post('/api/queue/move', { item_id: b, before_id: a }),
      ]);
      for (const res of again) expect(res.status, res.text).toBe(200);
    }
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) seen.push(...(await pending(`?page=${page}&per_page=500`)).status.pending_queue.map((i) => i.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain(a);
    expect(seen).toContain(b);
  });
});
