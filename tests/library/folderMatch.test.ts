import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../backend/src/config.js';
import { createLogger } from '../../backend/src/log.js';
import { ProviderRegistry } from '../../backend/src/providers/registry.js';
import { SettingsStore } from '../../backend/src/settings/store.js';
import { findSeriesForFolder } from '../../backend/src/library/folderMatch.js';
import { trySanitizeFolderName } from '../../backend/src/library/folderName.js';
import { absoluteToSeason, parseAbsoluteEpisode, parseEpisodeFile, seasonOfFolder } from '../../backend/src/library/episodeFiles.js';
import { cleanFolderName, decide, guessSlugs, normTitle, searchQueries, titleScore } from '../../backend/src/library/titleMatch.js';
import { siteSlug, simpleSeries, startFakeAniworld, type FakeAniworld, type FakeSeries } from '../fakes/aniworld.js';

describe('title matching (pure)', () => {
  it('ignores case, punctuation, diacritics, the year and season words', () => {
    expect(titleScore('Kaguya-sama Love is War', 'Kaguya-sama: Love is War')).toBe(1);
    expect(titleScore('Pokemon', 'Pokémon')).toBe(1);
    expect(titleScore('Attack on Titan Season 2', 'Attack on Titan')).toBe(1);
    expect(titleScore('Spy x Family (2022)', 'SPY×FAMILY')).toBeLessThan(1);
    expect(titleScore('Naruto', 'Naruto Shippuden')).toBeLessThan(0.88);
    expect(normTitle('Tom & Jerry')).toBe(normTitle('Tom and Jerry'));
  });

  it('cleans release tags, qualifiers and the year off folder names', () => {
    expect(cleanFolderName('[SubsPlease] Frieren (2023) [1080p]')).toEqual({ name: 'Frieren', year: 2023 });
    expect(cleanFolderName('Kaguya-sama Love is War (2019)')).toEqual({ name: 'Kaguya-sama Love is War', year: 2019 });
    expect(cleanFolderName('Hunter x Hunter (TV)')).toEqual({ name: 'Hunter x Hunter', year: null });
    expect(cleanFolderName('One.Piece')).toEqual({ name: 'One Piece', year: null });
  });

  it('searches the folder name, without the year, then shorter word prefixes; guesses the slug', () => {
    expect(searchQueries('Kaguya-sama Love is War (2019)', 'Kaguya-sama Love is War')).toEqual([
      'Kaguya-sama Love is War (2019)',
      'Kaguya-sama Love is War',
      'Kaguya-sama Love is',
      'Kaguya-sama Love',
      'Kaguya-sama',
    ]);
    expect(guessSlugs('Kaguya-sama Love is War')).toEqual(['kaguya-sama-love-is-war']);
    expect(guessSlugs('Die Mädchen')).toEqual(['die-madchen', 'die-mdchen']);
    expect(guessSlugs('進撃の巨人')).toEqual([]);
  });

  it('one clear winner; same titles are close calls unless the year decides; fuzzy only when far ahead', () => {
    const c = (key: string, name: string, year: number | null = null, altTitles?: string[]) => ({
      provider: 'aniworld',
      key,
      name,
      link: `x/${key}`,
      year,
      altTitles,
    });
    expect(decide('Naruto', null, [c('naruto', 'Naruto', 2002), c('naruto-shippuden', 'Naruto Shippuden', 2007)])).toMatchObject({
      kind: 'winner',
      candidate: { key: 'naruto', score: 1 },
    });
    expect(decide('Naruto', null, [c('naruto', 'Naruto', 2002), c('naruto-remake', 'Naruto', 2030)])).toMatchObject({ kind: 'close' });
    expect(decide('Naruto', 2030, [c('naruto', 'Naruto', 2002), c('naruto-remake', 'Naruto', 2030)])).toMatchObject({
      kind: 'winner',
      candidate: { key: 'naruto-remake' },
    });
    expect(
      decide('Angriff auf Titan', null, [c('aot', 'Attack on Titan', 2013, ['Angriff auf Titan', 'Shingeki no Kyojin'])]),
    ).toMatchObject({ kind: 'winner', exact: true });
    const close = decide('Dragon Ball', null, [c('dragon-ball-z', 'Dragon Ball Z'), c('dragon-ball-super', 'Dragon Ball Super')]);
    expect(close.kind).toBe('close');
    if (close.kind === 'close') expect(close.candidates.every((x) => x.score > 0.5 && x.score < 1)).toBe(true);
  });
});

describe('episode files in other layouts', () => {
  it('season folders S01 / Season 1 / Staffel 1 / Specials and absolute numbers through season lengths', () => {
    expect(['Season 1', 'S01', 'Staffel 1', 'Saison 2', 'Specials'].map(seasonOfFolder)).toEqual([1, 1, 1, 2, 0]);
    expect(parseEpisodeFile('Show - 07.mkv', seasonOfFolder('Staffel 1'))).toEqual({ season: 1, episodes: [7] });
    expect(parseEpisodeFile('One Piece - 137.mkv', null)).toBeNull();
    expect(parseAbsoluteEpisode('One Piece - 137.mkv')).toEqual([137]);
    expect(parseAbsoluteEpisode('[Grp] One Piece - 137 [1080p].mkv')).toEqual([137]);
    expect(parseAbsoluteEpisode('Episode 12.mp4')).toEqual([12]);
    const lengths = new Map([
      [1, 61],
      [2, 16],
      [3, 14],
      [4, 39],
    ]);
    expect(absoluteToSeason(1, lengths)).toEqual({ season: 1, episode: 1 });
    expect(absoluteToSeason(62, lengths)).toEqual({ season: 2, episode: 1 });
    expect(absoluteToSeason(92, lengths)).toEqual({ season: 4, episode: 1 });
    expect(absoluteToSeason(131, lengths)).toBeNull();
  });
});

describe('matching folders against the fake provider', () => {
  let fake: FakeAniworld;
  let settings: SettingsStore;
  let providers: ProviderRegistry;
  const log = createLogger({ level: 'silent' });

  beforeAll(async () => {
    fake = await startFakeAniworld();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-match-'));
    settings = new SettingsStore(loadEnv({ DATA_DIR: dataDir, ANIWORLD_URL: fake.url }), log);
    await settings.load();
    providers = new ProviderRegistry({ settings, log });
  });
  afterAll(async () => {
    await providers?.close();
    await fake?.close();
  });

  it("Kaguya-sama Love is War (2019) finds Kaguya-sama: Love is War, which the site's search does not find by that name", async () => {
    fake.setSeries([
      simpleSeries('kaguya-sama-love-is-war', 'Kaguya-sama: Love is War', { 1: 2 }, { year: 2019 }),
      simpleSeries('kaguya-sama-love-is-war-ultra-romantic', 'Kaguya-sama: Love is War - Ultra Romantic', { 1: 2 }, { year: 2022 }),
    ]);
    const d = await findSeriesForFolder({ settings, log, providers }, 'Kaguya-sama Love is War (2019)');
    expect(d).toMatchObject({ kind: 'winner', candidate: { key: 'kaguya-sama-love-is-war', score: 1 } });
    // without the slug the word prefixes find it
    fake.setSeries([simpleSeries('kaguya-sama', 'Kaguya-sama: Love is War', { 1: 2 }, { year: 2019 })]);
    expect(await findSeriesForFolder({ settings, log, providers }, 'Kaguya-sama Love is War (2019)')).toMatchObject({
      kind: 'winner',
      candidate: { key: 'kaguya-sama' },
    });
    expect(fake.requests.some((r) => r.includes('keyword=Kaguya-sama&') || r.endsWith('keyword=Kaguya-sama'))).toBe(true);
  });

  // Titles built like anime titles: words (some non-Latin, some with diacritics), punctuation
  // at word edges (`:`, `?`, `!`, quotes, `&`, `.`), joined by spaces; each with a year.
  const words = [
    'Kaguya-sama',
    'Love',
    'is',
    'War',
    'Re',
    'Zero',
    'Café',
    'Mädchen',
    'Ōkami',
    '進撃',
    'の',
    '巨人',
    'Spy',
    'x',
    'Family',
    'Oshi',
    'no',
    'Ko',
    'Dr.',
    'Stone',
    'Hunter',
    '2',
    'Season',
    'Élan',
    'Ñandú',
    'Frieren',
    'Beyond',
    "Journey's",
    'End',
  ];
  const punct = ['', '', '', ':', '?', '!', '?!', '"', '&', ',', '.', '*', '~', ' -', '/'];
  const title = fc
    .tuple(fc.array(fc.tuple(fc.constantFrom(...words), fc.constantFrom(...punct)), { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([parts, quoted]) => {
      const t = parts.map(([w, p]) => w + p).join(' ');
      return quoted ? `"${t}"` : t;
    });
  const library = fc.uniqueArray(fc.tuple(title, fc.integer({ min: 1990, max: 2025 }), fc.boolean()), {
    minLength: 1,
    maxLength: 6,
    selector: ([t]) => t,
  });

  it('every folder the sanitiser makes from a title matches that title or is a close call, never another title', async () => {
    await fc.assert(
      fc.asyncProperty(library, async (entries) => {
        const taken = new Set<string>();
        const defs: (FakeSeries & { folder: string | null })[] = entries.map(([name, year, withYear]) => {
          const folder = trySanitizeFolderName(name);
          return {
            ...simpleSeries(siteSlug(name, taken), name, { 1: 1 }, { year }),
            folder: folder && withYear ? `${folder} (${year})` : folder,
          };
        });
        fake.setSeries(defs);
        for (const def of defs) {
          if (!def.folder) continue;
          const d = await findSeriesForFolder({ settings, log, providers }, def.folder);
          const { year } = cleanFolderName(def.folder);
          const twins = defs.filter(
            (o) => normTitle(o.name) === normTitle(def.name) && (year === null || Math.abs((o.year ?? 0) - year) <= 1),
          );
          if (d.kind === 'winner') expect(d.candidate.key, `${def.folder} matched ${d.candidate.name}, not ${def.name}`).toBe(def.slug);
          else if (twins.length === 1) expect.fail(`${def.folder} (${def.name}) was not matched: ${JSON.stringify(d)}`);
          else {
            expect(d.kind).toBe('close');
            if (d.kind === 'close') expect(d.candidates.map((c) => c.key)).toContain(def.slug);
          }
        }
      }),
      { numRuns: 300, seed: 18 },
    );
  });
});
