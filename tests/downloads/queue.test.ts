import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../backend/src/downloads/queue.js';
import { makeMp4 } from '../fakes/media.js';
import { addSeries, findItem, listFiles, queue, startEnv, status, waitFor, type Env } from './helpers.js';
import type { DownloadItem } from '../../frontend/src/api/types.ts';
import { until } from '../helpers/poll.js';

let env: Env;
let mp4: string;

beforeAll(async () => {
  mp4 = await makeMp4();
  env = await startEnv();
});
afterAll(async () => {
  await env?.close();
});

const ok = (hoster: 'Vidoza' | 'SendVid' | 'Sibnet' = 'SendVid', behavior = {}) => env.hosters.embed(hoster, { mp4 }, behavior);
const ep = (episode: number, sources: { lang: 1 | 2 | 3; hoster: string; embedUrl: string }[]) => ({
  episode,
  title: `Folge ${episode}`,
  sources,
});

describe('source selection', () => {
  it('a missing embed page and a 404 media fall back to the next hoster; each failure is recorded', async () => {
    await addSeries(env, 'fallback', 'Fallback', [
      ep(1, [
        { lang: 1, hoster: 'VOE', embedUrl: env.hosters.embed('VOE', { mp4 }, { page: '404' }) },
        { lang: 1, hoster: 'Vidoza', embedUrl: env.hosters.embed('Vidoza', { mp4 }, { status: 404 }) },
        { lang: 1, hoster: 'SendVid', embedUrl: ok('SendVid') },
      ]),
    ]);
    const {
      added_items: [id],
    } = await queue(env, 'fallback', [1]);
    const item = await waitFor(env, id!, ['completed', 'failed']);
    expect(item).toMatchObject({ status: 'completed', hoster: 'SendVid', error: null });
    expect(item.hoster_errors).toEqual([
      expect.stringMatching(/^VOE \(german_dub\): embed page not found \(404\)/),
      expect.stringMatching(/^Vidoza \(german_dub\): media not found \(404\)/),
    ]);
  });

  it('fails only when every source failed, listing each reason; retry puts it back with retry_count + 1', async () => {
    const broken = env.hosters.embed('Doodstream', { mp4 }, { page: 'broken' });
    const folder = await addSeries(env, 'allfail', 'All Fail', [
      ep(1, [
        { lang: 1, hoster: 'VOE', embedUrl: env.hosters.embed('VOE', { mp4 }, { page: '404' }) },
        { lang: 3, hoster: 'Doodstream', embedUrl: broken },
        { lang: 1, hoster: 'Mystery', embedUrl: 'http://127.0.0.1:9/e/1' },
      ]),
    ]);
    const {
      added_items: [id],
    } = await queue(env, 'allfail', [1]);
    const failed = await waitFor(env, id!, ['completed', 'failed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^all sources failed: /);
    expect(failed.error).toMatch(/VOE \(german_dub\): embed page not found \(404\)/);
    expect(failed.error).toMatch(/Mystery \(german_dub\): .*/);
    expect(failed.error).toMatch(/Doodstream \(german_sub\): no video source found/);
    // the reason as a stable code, on the item and in its realtime message (the UI shows it in the user's language)
    expect(failed.error_code).toBe('ALL_SOURCES_FAILED');
    const event = await until(() => env.events.find((e) => e.type === 'download_failed' && e.data.download_id === id), 'download_failed');
    expect(event.data).toMatchObject({ code: 'ALL_SOURCES_FAILED', error: failed.error, item: { error_code: 'ALL_SOURCES_FAILED' } });
    expect(listFiles(folder).filter((f) => !f.startsWith('.aniworld'))).toEqual([]);

    env.hosters.setBehavior(broken, { page: 'ok' });
    const retry = await env.api.post('/api/queue/retry', { item_ids: [] });
    expect(retry.body).toMatchObject({ retried_count: 1, retried_ids: [id] });
    const done = await waitFor(env, id!, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', retry_count: 1, hoster: 'Doodstream', language: 'german_sub' });
  });

  it('follows the language preference and never substitutes a language outside it', async () => {
    await addSeries(env, 'langs', 'Langs', [
      ep(1, [
        { lang: 2, hoster: 'Vidoza', embedUrl: ok('Vidoza') },
        { lang: 3, hoster: 'SendVid', embedUrl: ok('SendVid') },
      ]),
      ep(2, [{ lang: 2, hoster: 'Vidoza', embedUrl: ok('Vidoza') }]),
    ]);
    const {
      added_items: [a],
    } = await queue(env, 'langs', [1]);
    expect(await waitFor(env, a!, ['completed', 'failed'])).toMatchObject({
      status: 'completed',
      language: 'german_sub',
      hoster: 'SendVid',
    });
    const {
      added_items: [b],
    } = await queue(env, 'langs', [2], { language: 'german_dub' });
    const item = await waitFor(env, b!, ['completed', 'failed']);
    expect(item.status).toBe('failed');
    expect(item.error).toMatch(/no source in the wanted languages \(german_dub\); available: english_sub/);
  });

  it('a corrupt file fails verification and nothing is placed; Content-Disposition names are ignored', async () => {
    const size = fs.statSync(mp4).size;
    const folder = await addSeries(env, 'corrupt', 'Corrupt', [
      ep(1, [{ lang: 1, hoster: 'Vidoza', embedUrl: ok('Vidoza', { truncateTo: Math.floor(size * 0.6) }) }]),
      ep(2, [{ lang: 1, hoster: 'Vidoza', embedUrl: ok('Vidoza', { contentDisposition: 'attachment; filename="../../../evil.mp4"' }) }]),
    ]);
    const {
      added_items: [bad, good],
    } = await queue(env, 'corrupt', [1, 2]);
    const failed = await waitFor(env, bad!, ['completed', 'failed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/verification failed/);
    expect((await waitFor(env, good!, ['completed', 'failed'])).status).toBe('completed');
    expect(listFiles(folder).filter((f) => !f.startsWith('.aniworld'))).toEqual(['Corrupt - S01E02 - Episode 2.mp4']);
    const everywhere = listFiles(path.dirname(env.srv.animeDir));
    expect(everywhere.filter((f) => f.includes('evil'))).toEqual([]);
  });
});

describe('queue control', () => {
  afterEach(async () => {
    await env.srv.deps.settings.update({ downloads: { max_parallel_downloads: 2 } });
    await env.api.post('/api/queue/start');
  });

  it('orders by priority, then manual order; stop holds new starts; start resumes', async () => {
    await env.srv.deps.settings.update({ downloads: { max_parallel_downloads: 1 } });
    await env.api.post('/api/queue/stop');
    expect((await status(env)).status.is_running).toBe(false);
    await addSeries(
      env,
      'order',
      'Order',
      [1, 2, 3, 4, 5].map((n) => ep(n, [{ lang: 1, hoster: 'SendVid', embedUrl: ok() }])),
    );
    const { added_items: normal } = await queue(env, 'order', [1, 2, 3]);
    const {
      added_items: [high],
    } = await queue(env, 'order', [4], { priority: 'HIGH' });
    const {
      added_items: [low],
    } = await queue(env, 'order', [5], { priority: 'LOW' });
    const re = await env.api.post('/api/queue/reorder', { item_ids: [normal[2], normal[0], normal[1]] });
    expect(re.body.message).toBe('Queue reordered with 3 items');
    const expected = [high, normal[2], normal[0], normal[1], low];
    const st = await status(env);
    expect(st.status.pending_queue.map((i: DownloadItem) => i.id)).toEqual(expected);
    // stopped: nothing starts (the dispatcher, run now, claims nothing)
    expect(await dispatch(env.srv.deps)).toEqual([]);
    expect((await status(env)).statistics.active_count).toBe(0);

    const completedBefore = env.events.filter((e) => e.type === 'download_complete').length;
    expect((await env.api.post('/api/queue/start')).body.message).toBe('Queue processing started');
    for (const id of expected) await waitFor(env, id!, ['completed']);
    // the realtime message can arrive just after the item reads completed
    const order = await until(() => {
      const ids = env.events
        .filter((e) => e.type === 'download_complete')
        .slice(completedBefore)
        .map((e) => e.data.download_id);
      return ids.length >= expected.length && ids;
    }, 'a download_complete message for each item');
    expect(order).toEqual(expected);
    const types = env.events.map((e) => e.type);
    expect(types).toContain('queue_started');
    expect(types).toContain('queue_stopped');
  });

  it('never runs more than max_parallel_downloads at once, even with a second process on the same database', async () => {
    const { startTestServer } = await import('../helpers/server.js');
    const second = await startTestServer({
      databaseUrl: env.srv.databaseUrl,
      dataDir: env.srv.dataDir,
      env: { ANIME_DIR: env.srv.animeDir, ANIWORLD_URL: env.aniworld.url },
    });
    try {
      await addSeries(
        env,
        'parallel',
        'Parallel',
        [1, 2, 3, 4].map((n) => ep(n, [{ lang: 1, hoster: 'SendVid', embedUrl: ok('SendVid', { rateBytesPerSec: 1_500_000 }) }])),
      );
      const { added_items } = await queue(env, 'parallel', [1, 2, 3, 4]);
      let maxSeen = 0;
      await until(
        async () => {
          const st = await status(env);
          maxSeen = Math.max(maxSeen, st.statistics.active_count);
          return added_items.every((id) => findItem(st, id)?.status === 'completed');
        },
        'all four completed',
        { timeout: 60_000, interval: 100 },
      );
      expect(maxSeen).toBe(2);
    } finally {
      await second.stop();
    }
  });

  it('deleting an active item cancels it (from another process) and removes its partial files', async () => {
    const { startTestServer } = await import('../helpers/server.js');
    const { client, ADMIN_PASSWORD } = await import('../helpers/http.js');
    // a web-only process on the same database: the download runs in the first one
    const web = await startTestServer({
      databaseUrl: env.srv.databaseUrl,
      dataDir: env.srv.dataDir,
      env: { ROLE: 'web', ANIME_DIR: env.srv.animeDir, ANIWORLD_URL: env.aniworld.url },
    });
    const webApi = client(web.url, (await client(web.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).body.access_token);
    try {
      const slow = ok('SendVid', { rateBytesPerSec: 100_000 });
      const folder = await addSeries(env, 'cancel', 'Cancel', [ep(1, [{ lang: 1, hoster: 'SendVid', embedUrl: slow }])]);
      const {
        added_items: [id],
      } = await queue(env, 'cancel', [1]);
      const partDir = path.join(folder, '.part', id!);
      await waitFor(env, id!, ['downloading']);
      await until(
        async () => listFiles(partDir).length > 0 && (findItem(await status(env), id!)?.progress?.downloaded_mb ?? 0) > 0,
        'bytes of the download on disk',
      );
      const del = await webApi.del(`/api/queue/${id}`);
      expect(del.status).toBe(204);
      await until(() => !fs.existsSync(partDir), 'the partial files removed');
      // the fetch was aborted: the hoster saw its connection close (nothing can be sent after that)
      await until(() => env.hosters.openMedia(slow) === 0, 'the hoster connection closed');
      expect(findItem(await status(env), id!)).toBeUndefined();
      expect(env.events.some((e) => e.type === 'download_removed' && e.data.download_id === id)).toBe(true);
      expect(listFiles(folder).filter((f) => !f.startsWith('.aniworld'))).toEqual([]);
      expect((await env.api.del(`/api/queue/${id}`)).status).toBe(404);
      expect((await env.api.del('/api/queue/not-a-uuid')).status).toBe(422);
      expect(env.srv.logs()).toMatch(/download cancelled; partial files removed/);
    } finally {
      await web.stop();
    }
  });

  it('clears completed, failed and pending lists', async () => {
    expect((await env.api.post('/api/queue/pause')).body.message).toBe('Queue processing paused');
    expect((await status(env)).status).toMatchObject({ is_running: false, is_paused: true });
    await addSeries(env, 'clear', 'Clear', [
      ep(1, [{ lang: 1, hoster: 'SendVid', embedUrl: ok() }]),
      ep(2, [{ lang: 1, hoster: 'SendVid', embedUrl: ok() }]),
    ]);
    await queue(env, 'clear', [1, 2]);
    const before = (await status(env)).statistics;
    expect(before.pending_count).toBe(2);
    const pending = await env.api.del('/api/queue/pending');
    expect(pending.body).toMatchObject({ status: 'success', count: 2, message: 'Removed 2 pending item(s)' });
    const failed = await env.api.del('/api/queue/failed');
    expect(failed.body.count).toBe(before.failed_count);
    const completed = await env.api.del('/api/queue/completed');
    expect(completed.body).toMatchObject({ count: before.completed_count, message: `Cleared ${before.completed_count} completed item(s)` });
    expect((await status(env)).statistics).toMatchObject({ total_items: 0, pending_count: 0, completed_count: 0, failed_count: 0 });
    await env.api.post('/api/queue/start');
  });
});
