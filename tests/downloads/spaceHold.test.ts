/**
 * min_free_space_mb on the library's disk: below it new downloads are held with a visible reason
 * and a disk_space_low notification; when the space is there again they start by themselves.
 * The disk is the test machine's own: "not enough" is a limit above its free space.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMp4 } from '../fakes/media.js';
import { startReceiver, type FakeReceiver } from '../fakes/receiver.js';
import { addSeries, queue, startEnv, status, waitFor, type Env } from './helpers.js';
import { until } from '../helpers/poll.js';
import type { DownloadItem } from '../../frontend/src/api/types.ts';

let env: Env;
let hooks: FakeReceiver;
let mp4: string;

beforeAll(async () => {
  [mp4, hooks] = await Promise.all([makeMp4({ seconds: 4, width: 320, height: 180 }), startReceiver()]);
  env = await startEnv();
  const put = await env.api.put('/api/config', {
    notifications: { webhooks: [{ id: 'hook', type: 'generic', url: `${hooks.url}/generic`, events: ['disk_space_low'] }] },
  });
  expect(put.status, put.text).toBe(200);
}, 120_000);
afterAll(async () => {
  await env?.close();
  await hooks?.close();
});

describe('low disk space on the library disk', () => {
  it('holds new downloads with a reason and a notification, and resumes when space is back', async () => {
    const st = fs.statfsSync(env.srv.animeDir);
    const freeMb = Math.floor((Number(st.bavail) * Number(st.bsize)) / 1048576);
    expect((await env.api.put('/api/config', { downloads: { min_free_space_mb: freeMb + 100_000 } })).status).toBe(200);
    await addSeries(env, 'tight', 'Tight', [
      { episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: env.hosters.embed('Vidoza', { mp4 }) }] },
    ]);
    const {
      added_items: [id],
    } = await queue(env, 'tight', [1]);
    const held = await status(env);
    expect(held.status.held_reason).toMatch(
      /^Low disk space: \d+ MB free on the library's disk \(.+\), \d+ MB required \(min_free_space_mb\)/,
    );
    expect(held.status.held_reason).toContain(env.srv.animeDir);
    expect(held.status.pending_queue.map((i: DownloadItem) => i.id)).toEqual([id]);
    expect(held.status.is_running).toBe(true);
    const note = await until(async () => hooks.at('/generic')[0], 'the disk_space_low notification');
    expect(JSON.parse(note.body)).toMatchObject({ event: 'disk_space_low' });
    // /health/detailed shows the library's disk on its own
    const health = (await env.api.get('/api/health/detailed')).body;
    expect(health.dependencies.disks.library.path).toBe(env.srv.animeDir);
    expect(health.dependencies.disks.library.free_mb).toBeGreaterThan(0);

    expect((await env.api.put('/api/config', { downloads: { min_free_space_mb: 1 } })).status).toBe(200);
    const done = await waitFor(env, id!, ['completed', 'failed']);
    expect(done.status, done.error ?? undefined).toBe('completed');
    expect((await status(env)).status.held_reason).toBeNull();
    // one notification for the whole hold
    expect(hooks.at('/generic')).toHaveLength(1);
  });
});
