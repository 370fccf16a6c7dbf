import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMp4 } from '../fakes/media.js';
import { addSeries, nextEvent, startEnv, status, type Env } from './helpers.js';
import { episodeAttempts } from '../../backend/src/downloads/attemptLog.js';
import type { DownloadItem, EpisodeInfo } from '../../frontend/src/api/types.ts';

let env: Env;
let sub: string;
let dub: string;

beforeAll(async () => {
  [sub, dub] = await Promise.all([makeMp4({ seconds: 2 }), makeMp4({ seconds: 3 })]);
  env = await startEnv();
  await env.srv.deps.settings.update({ scheduler: { auto_download_after_rescan: true } });
});
afterAll(async () => {
  await env?.close();
});

async function rescan() {
  const from = env.events.length;
  expect((await env.api.post('/api/anime/rescan')).status).toBe(200);
  return (await nextEvent(env, from, (e) => e.type === 'auto_queue_complete')).data as {
    added: number;
    upgrades: number;
    pages_read: number;
  };
}

/** Waits until no item of the series is pending or running. */
async function settled(key: string) {
  for (let i = 0; i < 400; i++) {
    const s = (await status(env)).status;
    if (![...s.pending_queue, ...s.active_downloads].some((x: DownloadItem) => x.serie_id === key)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${key} did not settle`);
}

const episode = async (key: string) =>
  (await env.api.get(`/api/anime/${key}`)).body.episode_list.find((e: EpisodeInfo) => e.season === 1 && e.episode === 1);

describe('language upgrades', () => {
  it('German Sub on disk is replaced by the German Dub once the page lists it (cutoff German Dub); not when upgrades are off', async () => {
    const subOnly = (n: number) =>
      [
        {
          episode: 1,
          title: 'Eins',
          sources: [{ lang: 3 as const, hoster: 'Vidoza', embedUrl: env.hosters.embed('Vidoza', { mp4: sub }) }],
        },
      ].slice(0, n);
    const upFolder = await addSeries(env, 'up-show', 'Up Show', subOnly(1));
    const keepFolder = await addSeries(env, 'keep-show', 'Keep Show', subOnly(1));
    const off = await env.api.call('PATCH', '/api/anime/keep-show', { upgrades_enabled: false });
    expect(off.body.language_profile).toMatchObject({ cutoff: 'german_dub', upgrades_enabled: false });

    await rescan();
    await settled('up-show');
    await settled('keep-show');
    expect(await episode('up-show')).toMatchObject({ is_downloaded: true, file_language: 'german_sub', below_cutoff: true });
    const upFile = path.join(upFolder, 'Up Show - S01E01 - Eins.mp4');
    const keepFile = path.join(keepFolder, 'Keep Show - S01E01 - Eins.mp4');
    expect(fs.readFileSync(upFile).equals(fs.readFileSync(sub))).toBe(true);

    // nothing better on the pages yet: the pages are read (budget), nothing is queued
    const quiet = await rescan();
    expect(quiet).toMatchObject({ added: 0, upgrades: 0 });
    expect(quiet.pages_read).toBe(1); // keep-show's page is not read: upgrades are off there

    for (const key of ['up-show', 'keep-show']) {
      env.aniworld.addEpisode(key, 1, {
        episode: 1,
        title: 'Eins',
        sources: [
          { lang: 3, hoster: 'Vidoza', embedUrl: env.hosters.embed('Vidoza', { mp4: sub }) },
          { lang: 1, hoster: 'VOE', embedUrl: env.hosters.embed('VOE', { mp4: dub }) },
        ],
      });
    }
    const found = await rescan();
    expect(found.upgrades).toBe(1);
    const s = await settled('up-show');
    const upgrade = s.completed_downloads.find((x: DownloadItem) => x.serie_id === 'up-show' && x.upgrade_from === 'german_sub');
    expect(upgrade).toMatchObject({ status: 'completed', source: 'upgrade', language: 'german_dub', hoster: 'VOE', replace: true });
    expect(fs.readFileSync(upFile).equals(fs.readFileSync(dub))).toBe(true);
    expect(await episode('up-show')).toMatchObject({ file_language: 'german_dub', below_cutoff: false });
    const [last] = await episodeAttempts(env.srv.deps, 'up-show', 1, 1);
    expect(last).toMatchObject({ outcome: 'completed', language: 'german_dub', upgraded_from: 'german_sub', trigger: 'upgrade' });

    // upgrades off: the German Sub file stays
    expect(fs.readFileSync(keepFile).equals(fs.readFileSync(sub))).toBe(true);
    expect(s.completed_downloads.filter((x: DownloadItem) => x.serie_id === 'keep-show').map((x: DownloadItem) => x.source)).toEqual([
      'rescan',
    ]);
    expect(await episode('keep-show')).toMatchObject({ file_language: 'german_sub', below_cutoff: true });

    // at the cutoff now: nothing more to read or queue
    expect(await rescan()).toMatchObject({ upgrades: 0, pages_read: 0 });
  });
});

describe('the page budget', () => {
  it('a rescan reads at most page_reads_per_rescan episode pages', async () => {
    const subs = [1, 2, 3].map((n) => ({
      episode: n,
      title: `Teil ${n}`,
      sources: [{ lang: 3 as const, hoster: 'Vidoza', embedUrl: env.hosters.embed('Vidoza', { mp4: sub }) }],
    }));
    await addSeries(env, 'budget-show', 'Budget Show', subs);
    await rescan();
    await settled('budget-show');
    // three files below the cutoff: each rescan would read their three pages
    try {
      await env.srv.deps.settings.update({ downloads: { page_reads_per_rescan: 2 } });
      expect((await rescan()).pages_read).toBe(2);
      await env.srv.deps.settings.update({ downloads: { page_reads_per_rescan: 0 } });
      expect((await rescan()).pages_read).toBe(0);
    } finally {
      await env.srv.deps.settings.update({ downloads: { page_reads_per_rescan: 200 } });
    }
    expect((await rescan()).pages_read).toBe(3);
  });
});
