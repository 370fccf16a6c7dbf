import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMp4 } from '../fakes/media.js';
import { addSeries, listFiles, queue, startEnv, status, waitFor, type Env } from './helpers.js';
import type { DownloadItem, EpisodeSourceItem, SearchResult } from '../../frontend/src/api/types.ts';

let env: Env;
let mp4: string;
let longer: string;

beforeAll(async () => {
  [mp4, longer] = await Promise.all([makeMp4(), makeMp4({ seconds: 4 })]);
  env = await startEnv();
});
afterAll(async () => {
  await env?.close();
});

describe('a queue that knows the disk', () => {
  it(
    'an episode on disk is not queued (409, with the file name); replace: true downloads it and the verified new file replaces the ' +
      'old',
    async () => {
      const embed = env.hosters.embed('Vidoza', { mp4 });
      const folder = await addSeries(env, 'disk-show', 'Disk Show', [
        { episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: embed }] },
      ]);
      const {
        added_items: [first],
      } = await queue(env, 'disk-show', [1]);
      expect((await waitFor(env, first!, ['completed', 'failed'])).status).toBe('completed');
      const file = path.join(folder, 'Disk Show - S01E01 - Episode 1.mp4');
      const oldBytes = fs.readFileSync(file);

      const again = await env.api.post('/api/queue/add', { serie_id: 'disk-show', episodes: [{ season: 1, episode: 1 }] });
      expect(again.status).toBe(409);
      expect(again.body.details.failed_items).toEqual([
        {
          season: 1,
          episode: 1,
          file: 'Disk Show - S01E01 - Episode 1.mp4',
          reason: expect.stringMatching(/already on disk \(Disk Show - S01E01 - Episode 1\.mp4\)/),
        },
      ]);

      // the hoster now serves a longer file: replace queues it, and only the verified new file takes the old one's place
      env.hosters.setBehavior(embed, { truncateTo: 2000 });
      const broken = await env.api.post('/api/queue/add', {
        serie_id: 'disk-show',
        episodes: [{ season: 1, episode: 1, title: 'Episode 1' }],
        replace: true,
      });
      expect(broken.status).toBe(201);
      expect((await waitFor(env, broken.body.added_items[0], ['completed', 'failed'])).status).toBe('failed');
      expect(fs.readFileSync(file).equals(oldBytes)).toBe(true); // a failed replacement leaves the old file alone

      await env.api.del('/api/blocklist'); // the truncated answer blocklisted the source
      const other = env.hosters.embed('Vidoza', { mp4: longer });
      env.aniworld.addEpisode('disk-show', 1, { episode: 1, title: 'Eins', sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: other }] });
      const ok = await env.api.post('/api/queue/add', {
        serie_id: 'disk-show',
        episodes: [{ season: 1, episode: 1, title: 'Episode 1' }],
        replace: true,
      });
      expect(ok.status).toBe(201);
      expect(await waitFor(env, ok.body.added_items[0], ['completed', 'failed'])).toMatchObject({ status: 'completed', replace: true });
      expect(fs.readFileSync(file).equals(fs.readFileSync(longer))).toBe(true);
      expect(listFiles(folder).filter((f) => !f.startsWith('.aniworld'))).toEqual(['Disk Show - S01E01 - Episode 1.mp4']);
    },
  );

  it('DELETE /api/queue removes the listed items: ids in the body, or as a query list', async () => {
    await env.api.post('/api/queue/stop');
    try {
      await addSeries(
        env,
        'bulk-show',
        'Bulk Show',
        [1, 2, 3, 4, 5].map((n) => ({ episode: n, title: `F${n}`, sources: [] })),
      );
      const { added_items: ids } = await queue(env, 'bulk-show', [1, 2, 3, 4, 5]);
      const byBody = await env.api.del('/api/queue', { item_ids: [ids[0], ids[1]] });
      expect(byBody.status).toBe(204);
      const byQuery = await env.api.del(`/api/queue?ids=${ids[2]}&ids=${ids[3]}`);
      expect(byQuery.status).toBe(204);
      const pending = (await status(env)).status.pending_queue
        .filter((x: DownloadItem) => x.serie_id === 'bulk-show')
        .map((x: DownloadItem) => x.id);
      expect(pending).toEqual([ids[4]]);
      expect((await env.api.del(`/api/queue?ids=${ids[4]},not-a-uuid`)).status).toBe(422);
      expect((await env.api.del('/api/queue', {})).status).toBe(422);
      expect((await env.api.del('/api/queue', { item_ids: ['x'] })).status).toBe(422);
      // every method with a body reads it
      expect((await env.api.call('PATCH', `/api/queue/${ids[4]}`, { priority: 'HIGH' })).body.item.priority).toBe('HIGH');
      expect((await env.api.post('/api/queue/reorder', { item_ids: [ids[4]] })).status).toBe(200);
      expect((await env.api.del(`/api/queue?ids=${ids[4]}`)).status).toBe(204);
    } finally {
      await env.api.post('/api/queue/start');
    }
  });

  it("lists an episode's sources (blocklisted, last outcome) and downloads the one the user chose", async () => {
    const dead = env.hosters.embed('VOE', { mp4 }, { page: '404' });
    await addSeries(env, 'choice-show', 'Choice Show', [
      {
        episode: 1,
        title: 'Eins',
        sources: [
          { lang: 1, hoster: 'VOE', embedUrl: dead },
          { lang: 2, hoster: 'SendVid', embedUrl: env.hosters.embed('SendVid', { mp4 }) },
          { lang: 3, hoster: 'Vidoza', embedUrl: env.hosters.embed('Vidoza', { mp4 }) },
        ],
      },
    ]);
    const {
      added_items: [first],
    } = await queue(env, 'choice-show', [1], { language: 'german_dub' });
    expect((await waitFor(env, first!, ['completed', 'failed'])).status).toBe('failed');

    const res = await env.api.get('/api/anime/choice-show/episodes/1/1/sources');
    expect(res.status).toBe(200);
    expect(res.body.sources.map((s: EpisodeSourceItem) => [s.hoster, s.language, s.wanted, s.blocklisted, s.last_outcome])).toEqual([
      ['VOE', 'german_dub', true, true, 'failed'],
      ['Vidoza', 'german_sub', true, false, null],
      ['SendVid', 'english_sub', true, false, null],
    ]);
    expect(res.body.sources[0].blocklist_reason).toMatch(/404/);
    expect(res.body.backoff).toMatchObject({ failures: 1, gave_up: false });
    expect((await env.api.get('/api/anime/choice-show/episodes/1/9/sources')).status).toBe(404);
    expect((await env.api.get('/api/anime/nope/episodes/1/1/sources')).status).toBe(404);

    const chosen = res.body.sources.find((s: EpisodeSourceItem) => s.hoster === 'SendVid').url;
    const add = await env.api.post('/api/queue/add', {
      serie_id: 'choice-show',
      episodes: [{ season: 1, episode: 1 }],
      source_url: chosen,
    });
    expect(add.status).toBe(201);
    expect(await waitFor(env, add.body.added_items[0], ['completed', 'failed'])).toMatchObject({
      status: 'completed',
      hoster: 'SendVid',
      language: 'english_sub',
    });
    const two = await env.api.post('/api/queue/add', {
      serie_id: 'choice-show',
      episodes: [
        { season: 1, episode: 1 },
        { season: 1, episode: 2 },
      ],
      source_url: chosen,
    });
    expect(two.status).toBe(422);
  });
});

describe('adding a series', () => {
  it('a link the provider answers 404 for is a 404: no row, no folder, no key file', async () => {
    const before = fs.readdirSync(env.srv.animeDir).sort();
    const count = (await env.api.get('/api/anime/status')).body.series_count;
    const res = await env.api.post('/api/anime/add', { link: `${env.aniworld.url}/anime/stream/does-not-exist`, name: 'Does Not Exist' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      success: false,
      error: 'NOT_FOUND_ERROR',
      message: expect.stringMatching(/has no series does-not-exist/),
    });
    expect(fs.readdirSync(env.srv.animeDir).sort()).toEqual(before);
    expect((await env.api.get('/api/anime/status')).body.series_count).toBe(count);
    expect((await env.api.get('/api/anime/does-not-exist')).status).toBe(404);
  });

  it("a page without a series is a 422 with the provider's reason; nothing is created", async () => {
    env.aniworld.addSeries({ slug: 'no-series-here', name: 'No Series Here', seasons: { 1: [{ episode: 1 }] } });
    const before = fs.readdirSync(env.srv.animeDir).sort();
    env.aniworld.setMode('changed'); // the page answers, but shows no series
    try {
      const res = await env.api.post('/api/anime/add', { link: `${env.aniworld.url}/anime/stream/no-series-here`, name: 'No Series Here' });
      expect(res.status).toBe(422);
      expect(res.body.message).toMatch(/shows no series at that link: ProviderChanged/);
    } finally {
      env.aniworld.setMode('ok');
    }
    expect(fs.readdirSync(env.srv.animeDir).sort()).toEqual(before);
    expect((await env.api.get('/api/anime/no-series-here')).status).toBe(404);
  });

  it('the folder search shows is the folder the add creates: Name (Year)', async () => {
    env.aniworld.addSeries({ slug: 'year-show', name: 'Year: Show', year: 2013, seasons: { 1: [{ episode: 1 }] } });
    const hit = (await env.api.get('/api/anime/search?query=Year')).body.find((h: SearchResult) => h.key === 'year-show');
    expect(hit.folder).toBe('Year Show (2013)');
    const add = await env.api.post('/api/anime/add', { link: hit.link, name: hit.name });
    expect(add.body.folder).toBe(hit.folder);
    expect(fs.existsSync(path.join(env.srv.animeDir, 'Year Show (2013)', '.aniworld-key'))).toBe(true);
  });
});
