import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSeries, queue, startEnv, status, type Env } from './helpers.js';

let env: Env;

beforeAll(async () => {
  // one download at a time: the order items start in is the order the dispatcher claims them
  env = await startEnv({ downloads: { max_parallel_downloads: 1 } });
});
afterAll(async () => {
  await env?.close();
});

const pendingIds = async () => ((await status(env)).status.pending_queue as { id: string }[]).map((i) => i.id);

describe('PATCH /api/queue/{id}: the priority of a pending item', () => {
  it('moves the item ahead in the order the worker picks, and says so over realtime', async () => {
    // episodes without sources: each fails at once when its turn comes, nothing is downloaded
    await addSeries(
      env,
      'prio',
      'Prio',
      [1, 2, 3].map((episode) => ({ episode, title: `Folge ${episode}` })),
    );
    expect((await env.api.post('/api/queue/stop')).status).toBe(200);
    const {
      added_items: [a, b, c],
    } = await queue(env, 'prio', [1, 2, 3]);
    expect(await pendingIds()).toEqual([a, b, c]);

    const res = await env.api.call('PATCH', `/api/queue/${c}`, { priority: 'HIGH' });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'success', item: { id: c, priority: 'HIGH', status: 'pending' } });
    expect(await pendingIds()).toEqual([c, a, b]);
    const low = await env.api.call('PATCH', `/api/queue/${a}`, { priority: 'LOW' });
    expect(low.body.item.priority).toBe('LOW');
    expect(await pendingIds()).toEqual([c, b, a]);
    const event = env.events.findLast((e) => e.type === 'queue_status');
    expect(event?.data).toMatchObject({ order_changed: true, item: { id: a, priority: 'LOW' }, statistics: { pending_count: 3 } });

    // the worker starts them in that order
    expect((await env.api.post('/api/queue/start')).status).toBe(200);
    const end = Date.now() + 30_000;
    let items: { id: string; started_at: string | null }[];
    for (;;) {
      const s = (await status(env)).status;
      items = s.failed_downloads;
      if (items.length === 3 || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(items).toHaveLength(3);
    const started = [...items].sort((x, y) => Date.parse(x.started_at!) - Date.parse(y.started_at!)).map((i) => i.id);
    expect(started).toEqual([c, b, a]);
  });

  it('refuses an item that is not pending (409), an unknown one (404) and a bad priority (422)', async () => {
    const failed = (await status(env)).status.failed_downloads[0].id;
    const done = await env.api.call('PATCH', `/api/queue/${failed}`, { priority: 'HIGH' });
    expect(done.status).toBe(409);
    expect(done.body.message).toMatch(/pending/);
    const unknown = await env.api.call('PATCH', '/api/queue/00000000-0000-4000-8000-000000000000', { priority: 'HIGH' });
    expect(unknown.status).toBe(404);
    const bad = await env.api.call('PATCH', `/api/queue/${failed}`, { priority: 'URGENT' });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toMatch(/body\.priority/);
  });

  it('two reorders at once leave one of the two orders, never a mix', async () => {
    await addSeries(
      env,
      'order-race',
      'Order Race',
      [1, 2, 3].map((episode) => ({ episode })),
    );
    expect((await env.api.post('/api/queue/stop')).status).toBe(200);
    const {
      added_items: [a, b, c],
    } = await queue(env, 'order-race', [1, 2, 3]);
    const mine = async () => (await pendingIds()).filter((id) => [a, b, c].includes(id));
    for (let i = 0; i < 5; i++) {
      const first = [c!, a!, b!];
      const second = [c!, b!, a!];
      await Promise.all([
        env.api.post('/api/queue/reorder', { item_ids: first }),
        env.api.post('/api/queue/reorder', { item_ids: second }),
      ]);
      expect([first.join(), second.join()]).toContain((await mine()).join());
      await env.api.post('/api/queue/reorder', { item_ids: [a, b, c] });
      expect(await mine()).toEqual([a, b, c]);
    }
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await env.api.get('/api/openapi.json')).body;
    const op = doc.paths?.['/api/queue/{item_id}']?.patch;
    expect(op).toBeDefined();
    expect(JSON.stringify(op.requestBody)).toMatch(/HIGH/);
  });
});
