/**
 * The quality preference chooses among an episode's sources by their probed resolution: fake
 * hosters serve MP4s of 720, 480 and 360 lines and an HLS stream with 180/360 variants (all made
 * by ffmpeg); the placed file's own height (ffprobe) shows which one was taken.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHls, makeMp4 } from '../fakes/media.js';
import type { FakeEpisode } from '../fakes/aniworld.js';
import { addSeries, queue, startEnv, waitFor, type Env } from './helpers.js';
import { orderByFit, wantedHeight } from '../../backend/src/downloads/quality.js';
import { until } from '../helpers/poll.js';
import type { DownloadItem, EpisodeInfo } from '../../frontend/src/api/types.ts';

let env: Env;
let mp4s: { hd: string; sd: string; low: string };
let hls: Awaited<ReturnType<typeof makeHls>>;

const heightOf = (file: string) =>
  Number(
    execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=height', '-of', 'csv=p=0', file])
      .toString()
      .trim(),
  );

/** In hoster order (VOE, Doodstream, Vidoza): MP4s of 720, 360 and 480 lines. */
const mp4Episodes = (n: number): FakeEpisode[] =>
  Array.from({ length: n }, (_, i) => ({
    episode: i + 1,
    title: `Folge ${i + 1}`,
    sources: [
      { lang: 1 as const, hoster: 'VOE', embedUrl: env.hosters.embed('VOE', { mp4: mp4s.hd }) },
      { lang: 1 as const, hoster: 'Doodstream', embedUrl: env.hosters.embed('Doodstream', { mp4: mp4s.low }) },
      { lang: 1 as const, hoster: 'Vidoza', embedUrl: env.hosters.embed('Vidoza', { mp4: mp4s.sd }) },
    ],
  }));

beforeAll(async () => {
  const [hd, sd, low, stream] = await Promise.all([
    makeMp4({ seconds: 2, width: 1280, height: 720 }),
    makeMp4({ seconds: 2, width: 854, height: 480 }),
    makeMp4({ seconds: 2, width: 640, height: 360 }),
    makeHls({ seconds: 6, heights: [180, 480] }), // long enough for the duration check's 2 %
  ]);
  mp4s = { hd, sd, low };
  hls = stream;
  env = await startEnv();
}, 180_000);

afterAll(async () => {
  await env?.close();
});

/** The finished item's hoster and the height of the file it placed. */
async function finished(key: string, id: string) {
  const done = await waitFor(env, id, ['completed', 'failed'], 90_000);
  expect(done.status, done.error ?? undefined).toBe('completed');
  const series = (await env.api.get(`/api/anime/${key}`)).body;
  const ep = series.episode_list.find((e: EpisodeInfo) => e.season === done.episode.season && e.episode === done.episode.episode);
  return { hoster: done.hoster as string, height: heightOf(path.join(env.srv.animeDir, series.folder, ep.file_path)) };
}

async function downloaded(key: string, episode: number, quality?: string) {
  const {
    added_items: [id],
  } = await queue(env, key, [episode], quality ? { quality } : {});
  return finished(key, id!);
}

describe('quality preference among sources', () => {
  it('orders by fit: the tallest not above the wanted height, then the smallest above, then the unknown', () => {
    expect(wantedHeight('720p')).toBe(720);
    expect(wantedHeight('best')).toBeNull();
    expect(wantedHeight('auto')).toBeNull();
    expect(wantedHeight(null)).toBeNull();
    const probed = [
      { source: 'a', height: 1080 },
      { source: 'b', height: null },
      { source: 'c', height: 480 },
      { source: 'd', height: 720 },
      { source: 'e', height: 2160 },
    ];
    expect(orderByFit(probed, 720)).toEqual(['d', 'c', 'a', 'e', 'b']);
    expect(orderByFit(probed, 360)).toEqual(['c', 'd', 'a', 'e', 'b']); // nothing fits under: the smallest above first
    expect(
      orderByFit(
        [
          { source: 'x', height: null },
          { source: 'y', height: null },
        ],
        720,
      ),
    ).toEqual(['x', 'y']);
  });

  it('a download asking for 480p takes the 480p MP4; without a preference the first hoster is taken, unprobed', async () => {
    await addSeries(env, 'quality-show', 'Quality Show', mp4Episodes(3));
    expect(await downloaded('quality-show', 1, '480p')).toEqual({ hoster: 'Vidoza', height: 480 });
    expect(env.srv.logs()).toMatch(
      /"wanted":"480p","sources":\[\{"hoster":"Vidoza","language":"german_dub","height":480\},\{"hoster":"Doodstream","language":"german_dub","height":360\},\{"hoster":"VOE","language":"german_dub","height":720\}\]/,
    );
    const probesBefore = env.srv.logs().split('sources ordered by their probed resolution').length;
    expect(await downloaded('quality-show', 2)).toEqual({ hoster: 'VOE', height: 720 });
    expect(env.srv.logs().split('sources ordered by their probed resolution').length).toBe(probesBefore);
  });

  it('downloads.quality_preference applies when the item names none', async () => {
    await env.srv.deps.settings.update({ downloads: { quality_preference: '480p' } });
    try {
      expect(await downloaded('quality-show', 3)).toEqual({ hoster: 'Vidoza', height: 480 });
    } finally {
      await env.srv.deps.settings.update({ downloads: { quality_preference: 'best' } });
    }
  });

  it("a watchlist item's quality_preference chooses among the sources; an HLS source counts with the variant it would give", async () => {
    // the 720p MP4 comes first in hoster order; the HLS stream offers 180 and 480
    env.aniworld.addSeries({
      slug: 'watched-show',
      name: 'Watched Show',
      year: 2021,
      seasons: {
        1: [
          {
            episode: 1,
            title: 'Eins',
            sources: [
              { lang: 1, hoster: 'VOE', embedUrl: env.hosters.embed('VOE', { mp4: mp4s.hd }) },
              { lang: 1, hoster: 'Vidmoly', embedUrl: env.hosters.embed('Vidmoly', { hls }) },
            ],
          },
        ],
      },
    });
    const item = await env.api.post('/api/watchlist', {
      anime_title: 'Watched Show',
      anime_url: `${env.aniworld.url}/anime/stream/watched-show`,
      lang: 'german_dub',
      auto_download: true,
      quality_preference: '480p',
    });
    expect(item.status, item.text).toBe(201);
    const check = await env.api.post(`/api/watchlist/${item.body.id}/check`);
    expect(check.body, JSON.stringify(check.body)).toMatchObject({ status: 'ok', queued: 1 });
    const id = await until(async () => {
      const st = (await env.api.get('/api/queue/status')).body.status;
      return [...st.pending_queue, ...st.active_downloads, ...st.completed_downloads, ...st.failed_downloads].find(
        (i: DownloadItem) => i.serie_id === 'watched-show',
      )?.id;
    }, 'the watchlist download');
    expect(await finished('watched-show', id)).toEqual({ hoster: 'Vidmoly', height: 480 });
  });
});
