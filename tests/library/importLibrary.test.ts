import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminClient } from '../helpers/http.js';
import { siteSlug, simpleSeries, startFakeAniworld, type FakeAniworld, type FakeSeries } from '../fakes/aniworld.js';
import type { EpisodeInfo, ImportResponse, UnmatchedFolder } from '../../frontend/src/api/types.ts';

/**
 * An existing library as users have them: folder names that lost their `:` `?` `"` `/`, carry a
 * year, a release-group tag or a translated title, and episodes in several layouts. Imported
 * through the API against the fake aniworld.
 */
const taken = new Set<string>();
const show = (name: string, extra: Partial<FakeSeries> = {}, perSeason: Record<number, number> = { 1: 3 }) =>
  simpleSeries(siteSlug(name, taken), name, perSeason, { year: 2010, ...extra });

const catalogue: FakeSeries[] = [
  show('Kaguya-sama: Love is War', { year: 2019 }),
  show('Kaguya-sama: Love is War - Ultra Romantic', { year: 2022 }),
  show('Re:Zero − Starting Life in Another World', { year: 2016 }),
  show('What If?', { year: 2021 }),
  show('"Oshi no Ko"', { year: 2023 }),
  show('Steins;Gate', { year: 2011 }),
  show('Fate/Zero', { year: 2011 }),
  show('Is It Wrong to Pick Up Girls in a Dungeon?', { year: 2015 }),
  show('Mob Psycho 100', { year: 2016 }),
  show("Frieren: Beyond Journey's End", { year: 2023 }),
  show("JoJo's Bizarre Adventure", { year: 2012 }),
  show('Hunter x Hunter', { year: 1999 }),
  show('Hunter x Hunter', { year: 2011 }),
  show('Naruto', { year: 2002 }),
  show('Naruto Shippuden', { year: 2007 }),
  show('Fruits Basket', { year: 2001 }),
  show('Fruits Basket', { year: 2019 }),
  show('Trigun', { year: 1998 }),
  show('Trigun Stampede', { year: 2023 }),
  show('Spy x Family', { year: 2022 }),
  show('Chainsaw Man', { year: 2022 }),
  show('Vinland Saga', { year: 2019 }),
  show('Attack on Titan', { year: 2013, altTitles: ['Shingeki no Kyojin', 'Angriff auf Titan'] }),
  show('The Melancholy of Haruhi Suzumiya', {
    year: 2006,
    altTitles: ['Suzumiya Haruhi no Yuuutsu', 'Die Melancholie der Haruhi Suzumiya'],
  }),
  show('Demon Slayer: Kimetsu no Yaiba', { year: 2019, altTitles: ['Kimetsu no Yaiba', 'Dämonentöter'] }),
  show('My Hero Academia', { year: 2016, altTitles: ['Boku no Hero Academia'] }),
  show('The Promised Neverland', { year: 2019, altTitles: ['Yakusoku no Neverland'] }),
  show('One Piece', { year: 1999 }, { 1: 61, 2: 16 }),
  show('Dr. Stone', { year: 2019 }),
  show('Made in Abyss', { year: 2017 }),
  show('Tokyo Ghoul', { year: 2014 }, { 0: 2, 1: 3 }),
  show('Dragon Ball', { year: 1986 }),
  show('Dragon Ball Z', { year: 1989 }),
  show('Dragon Ball Super', { year: 2015 }),
  show('Gintama', { year: 2006 }),
  show('Gintama', { year: 2015 }),
];
const slugOf = (name: string, year?: number) => catalogue.find((s) => s.name === name && (year === undefined || s.year === year))!.slug;

/** folder → [files], the series it must become (null: must be listed, not imported). */
const library: { folder: string; files: string[]; expect: string | null }[] = [
  { folder: 'Kaguya-sama Love is War (2019)', files: ['S01E01.mkv'], expect: slugOf('Kaguya-sama: Love is War') },
  { folder: 'ReZero − Starting Life in Another World', files: ['S01E01.mkv'], expect: slugOf('Re:Zero − Starting Life in Another World') },
  { folder: 'What If', files: ['S01E01.mkv'], expect: slugOf('What If?') },
  { folder: 'Oshi no Ko', files: ['S01E01.mkv'], expect: slugOf('"Oshi no Ko"') },
  { folder: 'Steins;Gate', files: ['S01E01.mkv'], expect: slugOf('Steins;Gate') },
  { folder: 'FateZero', files: ['S01E01.mkv'], expect: slugOf('Fate/Zero') },
  {
    folder: 'Is It Wrong to Pick Up Girls in a Dungeon',
    files: ['S01E01.mkv'],
    expect: slugOf('Is It Wrong to Pick Up Girls in a Dungeon?'),
  },
  { folder: 'Mob Psycho 100', files: ['S01E01.mkv'], expect: slugOf('Mob Psycho 100') },
  { folder: "Frieren Beyond Journey's End (2023)", files: ['S01E01.mkv'], expect: slugOf("Frieren: Beyond Journey's End") },
  { folder: "JoJo's Bizarre Adventure (2012)", files: ['S01E01.mkv'], expect: slugOf("JoJo's Bizarre Adventure") },
  { folder: 'Hunter x Hunter (2011)', files: ['S01E01.mkv'], expect: slugOf('Hunter x Hunter', 2011) },
  { folder: 'Naruto (2002)', files: ['S01E01.mkv'], expect: slugOf('Naruto') },
  { folder: 'Fruits Basket (2019)', files: ['S01E01.mkv'], expect: slugOf('Fruits Basket', 2019) },
  { folder: 'Trigun (1998)', files: ['S01E01.mkv'], expect: slugOf('Trigun') },
  { folder: '[SubsPlease] Spy x Family', files: ['S01E01.mkv'], expect: slugOf('Spy x Family') },
  { folder: '[Erai-raws] Chainsaw Man [1080p]', files: ['S01E01.mkv'], expect: slugOf('Chainsaw Man') },
  { folder: '[Judas] Vinland Saga (2019)', files: ['S01E01.mkv'], expect: slugOf('Vinland Saga') },
  { folder: 'Angriff auf Titan', files: ['S01E01.mkv'], expect: slugOf('Attack on Titan') },
  { folder: 'Die Melancholie der Haruhi Suzumiya', files: ['S01E01.mkv'], expect: slugOf('The Melancholy of Haruhi Suzumiya') },
  { folder: 'Kimetsu no Yaiba', files: ['S01E01.mkv'], expect: slugOf('Demon Slayer: Kimetsu no Yaiba') },
  { folder: 'Boku no Hero Academia', files: ['S01E01.mkv'], expect: slugOf('My Hero Academia') },
  { folder: 'Yakusoku no Neverland (2019)', files: ['S01E01.mkv'], expect: slugOf('The Promised Neverland') },
  { folder: 'One Piece', files: ['One Piece - 001.mkv', 'One Piece - 062.mkv', 'One Piece - 063.mkv'], expect: slugOf('One Piece') },
  { folder: 'Dr. Stone', files: ['Staffel 1/Dr. Stone - 02.mkv'], expect: slugOf('Dr. Stone') },
  { folder: 'Made in Abyss', files: ['S01/E01.mkv', 'S01/E03.mkv'], expect: slugOf('Made in Abyss') },
  { folder: 'Tokyo Ghoul', files: ['Season 1/Episode 1.mkv', 'Specials/Tokyo Ghoul - 02.mkv'], expect: slugOf('Tokyo Ghoul') },
  { folder: 'Dragon Ball', files: ['S01E01.mkv'], expect: slugOf('Dragon Ball') },
  { folder: 'Dragon Ball Z (1989)', files: ['S01E01.mkv'], expect: slugOf('Dragon Ball Z') },
  { folder: 'Naruto Shippuden', files: ['S01E01.mkv'], expect: slugOf('Naruto Shippuden') },
  { folder: 'Gintama', files: ['S01E01.mkv'], expect: null },
];

let fake: FakeAniworld;
let srv: TestServer;
let api: Awaited<ReturnType<typeof adminClient>>['api'];

beforeAll(async () => {
  fake = await startFakeAniworld({ series: catalogue });
  srv = await startTestServer({ env: { ANIWORLD_URL: fake.url } });
  ({ api } = await adminClient(srv.url));
  for (const { folder, files } of library) {
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(srv.animeDir, folder, f)), { recursive: true });
      fs.writeFileSync(path.join(srv.animeDir, folder, f), 'x');
    }
  }
});
afterAll(async () => {
  await srv?.stop();
  await fake?.close();
});

describe('importing an existing library of 30 folders', () => {
  it('imports at least 28 with no wrong match; the rest are listed with scored candidates', async () => {
    expect(library).toHaveLength(30);
    const res = await api.post('/api/library/import', {});
    expect(res.status).toBe(200);
    const got = new Map<string, string>(res.body.imported.map((i: ImportResponse['imported'][number]) => [i.folder, i.key]));
    const wrong = library.filter((l) => got.has(l.folder) && got.get(l.folder) !== l.expect);
    expect(wrong.map((l) => `${l.folder} → ${got.get(l.folder)} (expected ${l.expect})`)).toEqual([]);
    expect(res.body.failed).toEqual([]);
    expect(got.size).toBeGreaterThanOrEqual(28);
    const notImported = library.filter((l) => !got.has(l.folder)).map((l) => l.folder);
    expect(res.body.ambiguous.map((a: ImportResponse['ambiguous'][number]) => a.folder).sort()).toEqual(notImported.sort());
    const gintama = res.body.ambiguous.find((a: ImportResponse['ambiguous'][number]) => a.folder === 'Gintama');
    expect(gintama.candidates).toEqual([
      expect.objectContaining({ name: 'Gintama', year: 2006, score: 1 }),
      expect.objectContaining({ name: 'Gintama', year: 2015, score: 1 }),
    ]);
    const listed = await api.get('/api/library/unmatched');
    expect(listed.body.folders.find((f: UnmatchedFolder) => f.folder === 'Gintama')).toMatchObject({
      status: 'ambiguous',
      candidates: [{ score: 1 }, { score: 1 }],
    });
  });

  it('files in other layouts count as the right episodes: absolute numbers, S01, Staffel 1, Specials', async () => {
    const eps = async (name: string) =>
      (await api.get(`/api/anime/${slugOf(name)}`)).body.episode_list
        .filter((e: EpisodeInfo) => e.is_downloaded)
        .map((e: EpisodeInfo) => `${e.season}-${e.episode} ${e.file_path}`);
    expect(await eps('One Piece')).toEqual(['1-1 One Piece - 001.mkv', '2-1 One Piece - 062.mkv', '2-2 One Piece - 063.mkv']);
    expect(await eps('Dr. Stone')).toEqual(['1-2 Staffel 1/Dr. Stone - 02.mkv']);
    expect(await eps('Made in Abyss')).toEqual(['1-1 S01/E01.mkv', '1-3 S01/E03.mkv']);
    expect(await eps('Tokyo Ghoul')).toEqual(['0-2 Specials/Tokyo Ghoul - 02.mkv', '1-1 Season 1/Episode 1.mkv']);
  });
});
