import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient } from '../helpers/http.js';
import { FAKE_TMDB_KEY, startFakeTmdb, type FakeTmdb } from '../fakes/tmdb.js';
import { parseNfo } from '../../backend/src/metadata/nfoXml.js';
import { addEpisodeRow, addSeries, placeVideo, snapshot, xmllint } from './helpers.js';
import { recordProviderDates } from '../../backend/src/calendar/providerDates.js';
import type { EpisodeMapping } from '../../frontend/src/api/types.ts';
import type { Loose } from '../helpers/http.js';

/**
 * Anime whose provider seasons differ from TMDB's: one TMDB season of 6 episodes is two cours of 3
 * on the provider. Each file's NFO names the TMDB episode the mapping says; the user's edits win.
 */
let srv: TestServer;
let tmdb: FakeTmdb;
let api: Awaited<ReturnType<typeof adminClient>>['api'];
let cour: string;
let recap: string;
let split: string;
const GROUP = '5f8a0c3e9b2d4a1e6c7b8d90';

const eps = (names: string[]) =>
  names.map((name, i) => ({ episode_number: i + 1, name, air_date: `2024-01-${String(10 + i * 7).padStart(2, '0')}` }));
async function episodeNfo(dir: string, file: string) {
  const f = path.join(dir, file);
  xmllint(f);
  const e = ((await parseNfo(fs.readFileSync(f, 'utf8'))) as Loose).episodedetails;
  return { season: Number(e.season[0]), episode: Number(e.episode[0]), title: e.title[0], tmdb: e.uniqueid[0]._ };
}

beforeAll(async () => {
  tmdb = await startFakeTmdb();
  tmdb.addShow({
    id: 90700,
    name: 'Cour Show',
    first_air_date: '2024-01-10',
    seasons: {
      0: eps(['OVA: Strandtag']),
      1: eps(['Der Anfang', 'Die Reise', 'Das Dorf', 'Der zweite Cour', 'Die Brücke', 'Das Ende']),
    },
  });
  // TMDB counts a recap as episode 4; the provider leaves it out, TMDB's "Cours" group too
  tmdb.addShow({
    id: 90701,
    name: 'Recap Show',
    first_air_date: '2024-01-10',
    seasons: {
      1: eps(['Eins', 'Zwei', 'Drei', 'Rückblick', 'Vier', 'Fünf', 'Sechs']),
    },
    episode_groups: [
      {
        id: GROUP,
        name: 'Cours',
        type: 6,
        groups: [
          { name: 'Cour 1', order: 1, episodes: [1, 2, 3].map((n, i) => ({ season_number: 1, episode_number: n, order: i })) },
          { name: 'Cour 2', order: 2, episodes: [5, 6, 7].map((n, i) => ({ season_number: 1, episode_number: n, order: i })) },
        ],
      },
    ],
  });
  // TMDB: one season of 8, aired as two cours (January, April) with a recap between them that the
  // provider leaves out; the provider: two seasons of 3
  const day = ['2024-01-06', '2024-01-13', '2024-01-20', '2024-01-27', '2024-04-06', '2024-04-13', '2024-04-20', '2024-04-27'];
  tmdb.addShow({
    id: 90702,
    name: 'Split Show',
    first_air_date: '2024-01-06',
    seasons: {
      1: ['Eins', 'Zwei', 'Drei', 'Rückblick', 'Vier', 'Fünf', 'Sechs', 'Sieben'].map((name, i) => ({
        episode_number: i + 1,
        name,
        air_date: day[i],
      })),
    },
  });
  srv = await startTestServer({ env: { TMDB_API_URL: tmdb.apiUrl, TMDB_IMAGE_URL: tmdb.imageUrl } });
  ({ api } = await adminClient(srv.url));
  await srv.deps.settings.update({ tmdb: { api_key: FAKE_TMDB_KEY } });
  cour = await addSeries(srv, { key: 'cour-show', name: 'Cour Show', folder: 'Cour Show (2024)', year: 2024 });
  recap = await addSeries(srv, { key: 'recap-show', name: 'Recap Show', folder: 'Recap Show (2024)', year: 2024 });
  split = await addSeries(srv, { key: 'split-show', name: 'Split Show', folder: 'Split Show (2024)', year: 2024 });
  for (const [key, dir, name] of [
    ['cour-show', cour, 'Cour Show'],
    ['recap-show', recap, 'Recap Show'],
    ['split-show', split, 'Split Show'],
  ] as const) {
    for (const s of [1, 2])
      for (const e of [1, 2, 3]) {
        const rel = `Season ${s}/${name} - S0${s}E0${e}.mkv`;
        await placeVideo(path.join(dir, rel));
        await addEpisodeRow(srv, key, s, e, rel);
      }
  }
});
afterAll(async () => {
  await srv?.stop();
  await tmdb?.close();
});

const create = (key: string, tmdbId: number) =>
  api.post(`/api/nfo/${key}/create`, { tmdb_id: tmdbId, download_poster: false, download_logo: false, download_fanart: false });

describe('a TMDB season split into two cours on the provider', () => {
  it("writes each file's NFO as the TMDB episode at its absolute number", async () => {
    const res = await create('cour-show', 90700);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.warnings).toEqual([]);
    expect(await episodeNfo(cour, 'Season 1/Cour Show - S01E02.nfo')).toEqual({
      season: 1,
      episode: 2,
      title: 'Die Reise',
      tmdb: '90700102',
    });
    expect(await episodeNfo(cour, 'Season 2/Cour Show - S02E01.nfo')).toEqual({
      season: 1,
      episode: 4,
      title: 'Der zweite Cour',
      tmdb: '90700104',
    });
    expect(await episodeNfo(cour, 'Season 2/Cour Show - S02E03.nfo')).toEqual({
      season: 1,
      episode: 6,
      title: 'Das Ende',
      tmdb: '90700106',
    });
  });

  it('shows the mapping per episode: how and to which TMDB episode', async () => {
    const res = await api.get('/api/anime/cour-show/episode-mapping');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      serie_id: 'cour-show',
      tmdb_id: 90700,
      mode: 'auto',
      effective_mode: 'absolute',
      episode_group_id: null,
      episode_groups: [],
    });
    expect(
      res.body.episodes.map((e: EpisodeMapping['episodes'][number]) => [
        `S${e.season}E${e.episode}`,
        e.tmdb && `S${e.tmdb!.season}E${e.tmdb!.episode}`,
        e.via,
        e.tmdb_title,
      ]),
    ).toEqual([
      ['S1E1', 'S1E1', 'absolute', 'Der Anfang'],
      ['S1E2', 'S1E2', 'absolute', 'Die Reise'],
      ['S1E3', 'S1E3', 'absolute', 'Das Dorf'],
      ['S2E1', 'S1E4', 'absolute', 'Der zweite Cour'],
      ['S2E2', 'S1E5', 'absolute', 'Die Brücke'],
      ['S2E3', 'S1E6', 'absolute', 'Das Ende'],
    ]);
  });

  it('a manual edit changes the NFO; season by season names what TMDB has under the same numbers', async () => {
    // the provider's last episode of cour 2 is really TMDB's OVA
    const edit = await api.put('/api/anime/cour-show/episode-mapping', {
      mode: 'auto',
      overrides: [{ season: 2, episode: 3, tmdb_season: 0, tmdb_episode: 1 }],
    });
    expect(edit.status, JSON.stringify(edit.body)).toBe(200);
    expect(edit.body.nfo_written).toBe(1);
    expect(edit.body.episodes.find((e: EpisodeMapping['episodes'][number]) => e.season === 2 && e.episode === 3)).toMatchObject({
      tmdb: { season: 0, episode: 1 },
      via: 'manual',
      tmdb_title: 'OVA: Strandtag',
    });
    expect(await episodeNfo(cour, 'Season 2/Cour Show - S02E03.nfo')).toEqual({
      season: 0,
      episode: 1,
      title: 'OVA: Strandtag',
      tmdb: '90700001',
    });
    expect(await episodeNfo(cour, 'Season 2/Cour Show - S02E01.nfo')).toMatchObject({ season: 1, episode: 4 });

    const plain = await api.put('/api/anime/cour-show/episode-mapping', { mode: 'season' });
    expect(plain.status).toBe(200);
    expect(plain.body.episodes.find((e: EpisodeMapping['episodes'][number]) => e.season === 2 && e.episode === 1)).toMatchObject({
      tmdb: { season: 2, episode: 1 },
      via: 'season',
      tmdb_title: null,
    });
    // TMDB has no season 2: the NFOs stay what they were rather than name a wrong episode
    expect(await episodeNfo(cour, 'Season 2/Cour Show - S02E03.nfo')).toMatchObject({ season: 0, episode: 1 });
    expect((await api.get('/api/anime/cour-show/episode-mapping')).body).toMatchObject({ mode: 'season', effective_mode: 'season' });
  });

  it('refuses bad edits with the error envelope', async () => {
    const noGroup = await api.put('/api/anime/cour-show/episode-mapping', { mode: 'episode_group' });
    expect(noGroup.status).toBe(422);
    const unknownGroup = await api.put('/api/anime/cour-show/episode-mapping', {
      mode: 'episode_group',
      episode_group_id: 'ffffffffffffffffffffffff',
    });
    expect(unknownGroup.status).toBe(422);
    expect(unknownGroup.body.message).toMatch(/no episode group/);
    const twice = await api.put('/api/anime/cour-show/episode-mapping', {
      mode: 'auto',
      overrides: [
        { season: 1, episode: 1, tmdb_season: 1, tmdb_episode: 2 },
        { season: 1, episode: 1, tmdb_season: 1, tmdb_episode: 3 },
      ],
    });
    expect(twice.status).toBe(422);
    expect((await api.get('/api/anime/no-such/episode-mapping')).status).toBe(404);
  });
});

describe('a TMDB episode group', () => {
  it("maps the provider's seasons to the group's cours, skipping what TMDB numbers but the group leaves out", async () => {
    expect((await create('recap-show', 90701)).status).toBe(200);
    // absolute numbering would name the recap: wrong, and what the group is for
    expect(await episodeNfo(recap, 'Season 2/Recap Show - S02E01.nfo')).toMatchObject({ season: 1, episode: 4, title: 'Rückblick' });
    const view = await api.get('/api/anime/recap-show/episode-mapping');
    expect(view.body.episode_groups).toEqual([{ id: GROUP, name: 'Cours', type: 6, group_count: 2, episode_count: 6 }]);

    const res = await api.put('/api/anime/recap-show/episode-mapping', { mode: 'episode_group', episode_group_id: GROUP });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.nfo_written).toBe(3);
    expect(
      res.body.episodes
        .filter((e: EpisodeMapping['episodes'][number]) => e.season === 2)
        .map((e: EpisodeMapping['episodes'][number]) => [e.tmdb!.episode, e.via]),
    ).toEqual([
      [5, 'episode_group'],
      [6, 'episode_group'],
      [7, 'episode_group'],
    ]);
    expect(await episodeNfo(recap, 'Season 2/Recap Show - S02E01.nfo')).toEqual({ season: 1, episode: 5, title: 'Vier', tmdb: '90701105' });
    expect(await episodeNfo(recap, 'Season 2/Recap Show - S02E03.nfo')).toMatchObject({ season: 1, episode: 7, title: 'Sechs' });
    expect(await episodeNfo(recap, 'Season 1/Recap Show - S01E03.nfo')).toMatchObject({ season: 1, episode: 3, title: 'Drei' });
  });

  it('the nfo_episode path (a placed download) follows the mapping too', async () => {
    const rel = 'Season 2/Recap Show - S02E02.mkv';
    fs.rmSync(path.join(recap, rel.replace(/\.mkv$/, '.nfo')));
    const { writeEpisodeMetadata } = await import('../../backend/src/metadata/service.js');
    expect(await writeEpisodeMetadata(srv.deps, 'recap-show', 2, 2, path.join(recap, rel))).toBe('written');
    expect(await episodeNfo(recap, 'Season 2/Recap Show - S02E02.nfo')).toMatchObject({ season: 1, episode: 6, title: 'Fünf' });
  });
});

describe('by air date: each provider season starts at the TMDB episode aired on/after its start date', () => {
  const seasonRows = (body: EpisodeMapping) =>
    body.season_starts.map((s) => [s.season, s.start_date, s.source, s.tmdb && `S${s.tmdb.season}E${s.tmdb.episode}`]);

  it("uses the day the provider first listed a season's episode 1 when the user gave no date", async () => {
    expect((await create('split-show', 90702)).status).toBe(200);
    // absolute numbering names the recap the provider does not have
    expect(await episodeNfo(split, 'Season 2/Split Show - S02E01.nfo')).toMatchObject({ episode: 4, title: 'Rückblick' });
    // a rescan saw the provider list season 2's episode 1 two days after TMDB's air date
    await recordProviderDates(srv.deps, '2024-04-08', [{ series_key: 'split-show', season: 2, episode: 1, title: null }]);
    const res = await api.put('/api/anime/split-show/episode-mapping', { mode: 'air_date' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ mode: 'air_date', effective_mode: 'air_date' });
    expect(seasonRows(res.body)).toEqual([
      [1, null, 'continued', 'S1E1'],
      [2, '2024-04-08', 'provider_seen', 'S1E5'],
    ]);
    expect(res.body.season_starts[1]).toMatchObject({ user_date: null, provider_date: '2024-04-08' });
    expect(
      res.body.episodes.map((e: EpisodeMapping['episodes'][number]) => [
        `S${e.season}E${e.episode}`,
        `S${e.tmdb!.season}E${e.tmdb!.episode}`,
        e.via,
        e.tmdb_air_date,
      ]),
    ).toEqual([
      ['S1E1', 'S1E1', 'air_date', '2024-01-06'],
      ['S1E2', 'S1E2', 'air_date', '2024-01-13'],
      ['S1E3', 'S1E3', 'air_date', '2024-01-20'],
      ['S2E1', 'S1E5', 'air_date', '2024-04-06'],
      ['S2E2', 'S1E6', 'air_date', '2024-04-13'],
      ['S2E3', 'S1E7', 'air_date', '2024-04-20'],
    ]);
    expect(await episodeNfo(split, 'Season 2/Split Show - S02E01.nfo')).toEqual({ season: 1, episode: 5, title: 'Vier', tmdb: '90702105' });
    expect(await episodeNfo(split, 'Season 2/Split Show - S02E03.nfo')).toMatchObject({ season: 1, episode: 7, title: 'Sechs' });
    expect(await episodeNfo(split, 'Season 1/Split Show - S01E03.nfo')).toMatchObject({ season: 1, episode: 3, title: 'Drei' });
  });

  it("the user's start date wins over the provider's and is kept", async () => {
    const res = await api.put('/api/anime/split-show/episode-mapping', {
      mode: 'air_date',
      season_starts: [{ season: 2, start_date: '2024-04-13' }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.nfo_written).toBe(3);
    expect(seasonRows(res.body)).toEqual([
      [1, null, 'continued', 'S1E1'],
      [2, '2024-04-13', 'user', 'S1E6'],
    ]);
    expect(await episodeNfo(split, 'Season 2/Split Show - S02E01.nfo')).toMatchObject({ season: 1, episode: 6, title: 'Fünf' });
    expect(await episodeNfo(split, 'Season 2/Split Show - S02E03.nfo')).toMatchObject({ season: 1, episode: 8, title: 'Sieben' });
    const view = await api.get('/api/anime/split-show/episode-mapping');
    expect(view.body.season_starts[1]).toMatchObject({ user_date: '2024-04-13', provider_date: '2024-04-08', source: 'user' });
  });

  it('refuses an impossible date or a season the library lacks, and changes nothing', async () => {
    const before = (await api.get('/api/anime/split-show/episode-mapping')).body;
    const files = snapshot(split);
    const badDate = await api.put('/api/anime/split-show/episode-mapping', {
      mode: 'air_date',
      season_starts: [{ season: 1, start_date: '2024-02-30' }],
    });
    expect(badDate.status).toBe(422);
    expect(badDate.body.message).toMatch(/season_starts/);
    expect(JSON.stringify(badDate.body)).toMatch(/not a calendar date/);
    const notADate = await api.put('/api/anime/split-show/episode-mapping', {
      mode: 'air_date',
      season_starts: [{ season: 2, start_date: 'April 2024' }],
    });
    expect(notADate.status).toBe(422);
    const unknown = await api.put('/api/anime/split-show/episode-mapping', {
      mode: 'season',
      season_starts: [
        { season: 2, start_date: '2024-04-01' },
        { season: 9, start_date: '2024-07-01' },
      ],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toBe('season_starts: the library has no season 9 of this series (it has 1, 2)');
    const specials = await api.put('/api/anime/split-show/episode-mapping', {
      mode: 'air_date',
      season_starts: [{ season: 0, start_date: '2024-07-01' }],
    });
    expect(specials.status).toBe(422);
    expect((await api.get('/api/anime/split-show/episode-mapping')).body).toEqual(before);
    expect(snapshot(split)).toEqual(files);
  });
});
