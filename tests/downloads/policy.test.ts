import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMp4 } from '../fakes/media.js';
import type { FakeEpisode } from '../fakes/aniworld.js';
import { addSeries, movableClock, nextEvent, queue, startEnv, status, waitFor, type Env } from './helpers.js';
import { episodeAttempts } from '../../backend/src/downloads/attemptLog.js';
import type { BlockItem, DownloadItem } from '../../frontend/src/api/types.ts';

let env: Env;
let mp4: string;
const clock = movableClock();

beforeAll(async () => {
  mp4 = await makeMp4();
  env = await startEnv({ clock });
  await env.srv.deps.settings.update({ scheduler: { auto_download_after_rescan: true } });
});
afterAll(async () => {
  await env?.close();
});

/** POST /api/anime/rescan; answers the auto-download summary that follows it. */
async function rescan() {
  const from = env.events.length;
  expect((await env.api.post('/api/anime/rescan')).status).toBe(200);
  return (await nextEvent(env, from, (e) => e.type === 'auto_queue_complete')).data as {
    added: number;
    skipped: { key: string; season: number; episode: number; reason: string }[];
  };
}

/** Waits until the episode's item has finished its `n`-th run. */
async function runEnds(key: string, episode: number, n: number) {
  for (let i = 0; i < 300; i++) {
    const st = await status(env);
    const items = [...st.status.completed_downloads, ...st.status.failed_downloads].filter(
      (x: DownloadItem) => x.serie_id === key && x.episode.episode === episode,
    );
    if (items.some((x: DownloadItem) => x.attempts >= n)) return items;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`S01E0${episode} of ${key} did not finish run ${n}`);
}

describe('failure policy', () => {
  it(
    'every source of S01E02 fails: three rescans leave one failed row with three attempts, its sources blocklisted; then backoff; a new ' +
      'hoster brings it back',
    async () => {
      const dead = env.hosters.embed('VOE', { mp4 }, { page: '404' });
      const broken = env.hosters.embed('Doodstream', { mp4 }, { page: 'broken' });
      const e2: FakeEpisode = {
        episode: 2,
        title: 'Zwei',
        sources: [
          { lang: 1, hoster: 'VOE', embedUrl: dead },
          { lang: 3, hoster: 'Doodstream', embedUrl: broken },
        ],
      };
      await addSeries(env, 'fail-show', 'Fail Show', [
        { episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: env.hosters.embed('Vidoza', { mp4 }) }] },
        e2,
      ]);

      const first = await rescan();
      expect(first.added).toBe(2);
      await runEnds('fail-show', 2, 1);
      await runEnds('fail-show', 1, 1);
      clock.advanceHours(1.01); // past the first backoff (1 h)
      expect((await rescan()).added).toBe(1);
      await runEnds('fail-show', 2, 2);
      clock.advanceHours(6.01); // past the second (6 h)
      expect((await rescan()).added).toBe(1);
      await runEnds('fail-show', 2, 3);

      const st = await status(env);
      const failed = st.status.failed_downloads.filter((x: DownloadItem) => x.serie_id === 'fail-show');
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ episode: { season: 1, episode: 2 }, attempts: 3, status: 'failed' });
      expect(failed[0].error).toMatch(/blocklisted/);
      expect(
        st.status.completed_downloads.filter((x: DownloadItem) => x.serie_id === 'fail-show').map((x: DownloadItem) => x.episode.episode),
      ).toEqual([1]);

      const blocklist = await env.api.get('/api/blocklist?series_key=fail-show');
      expect(blocklist.status).toBe(200);
      expect(blocklist.body.items.map((b: BlockItem) => [b.season, b.episode, b.hoster, b.language]).sort()).toEqual([
        [1, 2, 'Doodstream', 'german_sub'],
        [1, 2, 'VOE', 'german_dub'],
      ]);
      expect(blocklist.body.items.find((b: BlockItem) => b.hoster === 'VOE').reason).toMatch(/404/);
      // only the first run tried the sources; the others found them all blocklisted
      const tried = await episodeAttempts(env.srv.deps, 'fail-show', 1, 2);
      expect(tried.map((a) => [a.hoster, a.error_class]).sort()).toEqual([
        ['Doodstream', 'source'],
        ['VOE', 'source'],
      ]);

      // a fourth rescan inside the backoff (24 h now) queues nothing
      const fourth = await rescan();
      expect(fourth.added).toBe(0);
      expect(fourth.skipped).toEqual([
        expect.objectContaining({ season: 1, episode: 2, reason: expect.stringMatching(/waiting after 3 failed run/) }),
      ]);
      expect((await status(env)).statistics.pending_count).toBe(0);

      // the page lists a new hoster: eligible again, and it downloads
      env.aniworld.addEpisode('fail-show', 1, {
        ...e2,
        sources: [...e2.sources!, { lang: 1, hoster: 'SendVid', embedUrl: env.hosters.embed('SendVid', { mp4 }) }],
      });
      expect((await rescan()).added).toBe(1);
      const [done] = await runEnds('fail-show', 2, 4);
      expect(done).toMatchObject({ status: 'completed', hoster: 'SendVid', attempts: 4 });
      const after = (await env.api.get('/api/anime/fail-show')).body;
      expect(after.episodes).toEqual([]);
      // nothing left to wait for: the next rescan reads no page and queues nothing
      expect(await rescan()).toMatchObject({ added: 0, skipped: [] });
    },
  );

  it('network and provider failures never blocklist a source nor count toward giving up', async () => {
    await addSeries(env, 'offline-show', 'Offline Show', [
      { episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'VOE', embedUrl: 'http://127.0.0.1:9/voe/e/e9999' }] },
      { episode: 2, title: 'Zwei', sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: env.hosters.embed('Vidoza', { mp4 }) }] },
    ]);
    const {
      added_items: [one],
    } = await queue(env, 'offline-show', [1]);
    const refused = await waitFor(env, one!, ['completed', 'failed']);
    expect(refused.status).toBe('failed');
    expect((await episodeAttempts(env.srv.deps, 'offline-show', 1, 1)).map((a) => a.error_class)).toEqual(['network']);

    env.aniworld.setMode('challenge'); // the provider's challenge page: our side of the problem
    try {
      const {
        added_items: [two],
      } = await queue(env, 'offline-show', [2]);
      expect((await waitFor(env, two!, ['completed', 'failed'])).error).toMatch(/ProviderBlocked/);
    } finally {
      env.aniworld.setMode('ok');
    }
    expect((await env.api.get('/api/blocklist?series_key=offline-show')).body.items).toEqual([]);
    // neither waits: the next rescan queues both again (the failed row of each is taken up again)
    const r = await rescan();
    expect(r.skipped.filter((s) => s.key === 'offline-show')).toEqual([]);
    const st = await status(env);
    const rows = [
      ...st.status.pending_queue,
      ...st.status.active_downloads,
      ...st.status.failed_downloads,
      ...st.status.completed_downloads,
    ].filter((x: DownloadItem) => x.serie_id === 'offline-show');
    expect(rows.map((x: DownloadItem) => x.episode.episode).sort()).toEqual([1, 2]);
  });

  it('blocklist entries are removed one by one or all', async () => {
    const list = (await env.api.get('/api/blocklist')).body;
    expect(list.count).toBeGreaterThan(0);
    const one = list.items[0];
    expect((await env.api.del(`/api/blocklist/${one.id}`)).status).toBe(204);
    expect((await env.api.del(`/api/blocklist/${one.id}`)).status).toBe(404);
    expect((await env.api.get('/api/blocklist')).body.count).toBe(list.count - 1);
    const all = await env.api.del('/api/blocklist');
    expect(all.body).toMatchObject({ count: list.count - 1 });
    expect((await env.api.get('/api/blocklist')).body.items).toEqual([]);
  });
});
