import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';
import { AniworldProvider } from '../../backend/src/providers/aniworld/provider.js';
import { ProviderBlocked, ProviderChanged, ProviderNotFound, ProviderUnavailable } from '../../backend/src/providers/errors.js';
import { HttpClient } from '../../backend/src/net/httpClient.js';

let fake: FakeAniworld;
let provider: AniworldProvider;
const embed = (id: string) => `http://127.0.0.1:9/e/${id}`;

beforeAll(async () => {
  fake = await startFakeAniworld({
    series: [
      {
        slug: 'attack-on-titan',
        name: 'Attack on Titan',
        year: 2013,
        endYear: 2023,
        genres: ['Action', 'Drama'],
        description: 'Humans & "Titans"',
        altTitles: ['Shingeki no Kyojin'],
        seasons: {
          0: [
            { episode: 1, title: 'Film 1: Feuerroter Bogen', titleEn: 'Crimson Bow and Arrow' },
            { episode: 2, title: 'OVA: Ilse', titleEn: "Ilse's Notebook" },
          ],
          1: [
            {
              episode: 1,
              title: 'Dir, 2000 Jahre später',
              titleEn: 'To You, in 2000 Years',
              sources: [
                { lang: 1, hoster: 'VOE', embedUrl: embed('voe-de') },
                { lang: 1, hoster: 'Filemoon', embedUrl: embed('fm-de') },
                { lang: 3, hoster: 'VOE', embedUrl: embed('voe-desub') },
                { lang: 2, hoster: 'Vidoza', embedUrl: embed('vz-en') },
              ],
            },
            { episode: 2, title: 'Der Tag', titleEn: 'That Day', sources: [{ lang: 3, hoster: 'Doodstream', embedUrl: embed('dd') }] },
          ],
          2: [{ episode: 1, title: 'Beast Titan', titleEn: 'Beast Titan' }],
        },
      },
      simpleSeries('tom-jerry', "Tom & Jerry's <Adventures>", { 1: 3 }, { year: 1940 }),
    ],
  });
  provider = new AniworldProvider({
    id: 'aniworld',
    baseUrl: fake.url,
    extraDomains: ['aniworld.example'],
    userAgent: 'TestUA/1.0',
    proxy: null,
    timeoutMs: 800,
    retries: 0,
    perHostConcurrency: 4,
  });
});
afterAll(async () => {
  await provider?.close();
  await fake?.close();
});

describe('aniworld provider against the fake site', () => {
  it('searches with HTML-escaped text decoded, and with no hits', async () => {
    const hits = await provider.search('tom');
    expect(hits).toEqual([
      expect.objectContaining({
        key: 'tom-jerry',
        name: "Tom & Jerry's <Adventures>",
        year: 1940,
        link: `${fake.url}/anime/stream/tom-jerry`,
      }),
    ]);
    expect(await provider.search('no such anime')).toEqual([]);
    const byAlt = await provider.search('kyojin');
    expect(byAlt.map((h) => h.key)).toEqual(['attack-on-titan']);
    expect(byAlt[0].description).toBe('Humans & "Titans"');
  });

  it('falls back to POST /ajax/search: highlights stripped, non-series hits ignored', async () => {
    fake.setSeriesSearch(false);
    try {
      const before = fake.requests.length;
      const hits = await provider.search('Titan');
      expect(hits).toEqual([
        expect.objectContaining({ key: 'attack-on-titan', name: 'Attack on Titan', link: `${fake.url}/anime/stream/attack-on-titan` }),
      ]);
      expect(fake.requests.slice(before)).toEqual(['GET /ajax/seriesSearch?keyword=Titan', 'POST /ajax/search']);
    } finally {
      fake.setSeriesSearch(true);
    }
  });

  it('reads the catalogue: seasons, movies and specials as season 0, titles', async () => {
    const cat = await provider.catalogue('attack-on-titan');
    expect(cat.name).toBe('Attack on Titan');
    expect(cat.year).toBe(2013);
    expect(cat.genres).toEqual(['Action', 'Drama']);
    expect(cat.seasons).toEqual([0, 1, 2]);
    expect(cat.episodes.map((e) => `${e.season}-${e.episode}`)).toEqual(['0-1', '0-2', '1-1', '1-2', '2-1']);
    const first = cat.episodes.find((e) => e.season === 1 && e.episode === 1)!;
    expect(first).toMatchObject({
      title: 'Dir, 2000 Jahre später',
      title_en: 'To You, in 2000 Years',
      url: `${fake.url}/anime/stream/attack-on-titan/staffel-1/episode-1`,
    });
    expect(cat.episodes[1]).toMatchObject({
      title: 'OVA: Ilse',
      title_en: "Ilse's Notebook",
      url: `${fake.url}/anime/stream/attack-on-titan/filme/film-2`,
    });
  });

  it("lists an episode's sources in all three languages with absolute redirect URLs that lead to the embed", async () => {
    const sources = await provider.episodeSources('attack-on-titan', 1, 1);
    expect(sources.map((s) => `${s.language}/${s.hoster}`)).toEqual([
      'german_dub/VOE',
      'german_dub/Filemoon',
      'german_sub/VOE',
      'english_sub/Vidoza',
    ]);
    for (const s of sources) expect(s.url).toMatch(new RegExp(`^${fake.url}/redirect/\\d+$`));
    const http = new HttpClient({ retries: 0 });
    const res = await http.fetch(sources[2].url, { followRedirects: false, headers: provider.requestHeaders() });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(embed('voe-desub'));
    await http.close();
    const one = await provider.episodeSources('attack-on-titan', 1, 2);
    expect(one).toEqual([expect.objectContaining({ language: 'german_sub', hoster: 'Doodstream' })]);
    expect(await provider.episodeSources('attack-on-titan', 2, 1)).toEqual([]);
  });

  it('keeps escaped characters of titles on pages', async () => {
    const cat = await provider.catalogue('tom-jerry');
    expect(cat.name).toBe("Tom & Jerry's <Adventures>");
    const aot = await provider.catalogue('attack-on-titan');
    expect(aot.description).toBe('Humans & "Titans"');
  });

  it('a new episode appears on the next catalogue read', async () => {
    fake.addEpisode('attack-on-titan', 2, { episode: 2, title: 'Neu', titleEn: 'New' });
    const cat = await provider.catalogue('attack-on-titan');
    expect(cat.episodes.filter((e) => e.season === 2).map((e) => e.episode)).toEqual([1, 2]);
  });

  it('sends the configured User-Agent and the site as Referer', async () => {
    const before = fake.requests.length;
    await provider.search('titan');
    expect(fake.requests.length).toBeGreaterThan(before);
    expect(provider.requestHeaders()).toEqual({ 'user-agent': 'TestUA/1.0', referer: `${fake.url}/` });
  });

  it('maps links to keys only for its own domains', () => {
    expect(provider.keyFromLink(`${fake.url}/anime/stream/attack-on-titan`)).toBe('attack-on-titan');
    expect(provider.keyFromLink('https://aniworld.example/anime/stream/one-piece/staffel-1')).toBe('one-piece');
    expect(provider.keyFromLink('https://evil.example/anime/stream/one-piece')).toBeNull();
    expect(provider.keyFromLink(`${fake.url}/serie/stream/x`)).toBeNull();
    expect(provider.keyFromLink('not a url')).toBeNull();
  });

  it('unknown series and episodes are ProviderNotFound', async () => {
    await expect(provider.catalogue('does-not-exist')).rejects.toBeInstanceOf(ProviderNotFound);
    await expect(provider.episodeSources('attack-on-titan', 1, 99)).rejects.toBeInstanceOf(ProviderNotFound);
    await expect(provider.catalogue('../etc')).rejects.toBeInstanceOf(ProviderNotFound);
  });

  describe('site trouble ends in specific errors', () => {
    const cases: [Parameters<FakeAniworld['setMode']>[0], new (...a: never[]) => Error, RegExp][] = [
      ['challenge', ProviderBlocked, /^ProviderBlocked: aniworld answered with a challenge page$/],
      ['forbidden', ProviderBlocked, /^ProviderBlocked: aniworld answered with 403 Forbidden$/],
      ['error500', ProviderUnavailable, /aniworld answered 500/],
      ['timeout', ProviderUnavailable, /aniworld did not answer in time/],
    ];
    for (const [mode, type, message] of cases) {
      it(`${mode}: search, catalogue and sources`, async () => {
        fake.setMode(mode);
        try {
          for (const call of [
            () => provider.search('titan'),
            () => provider.catalogue('attack-on-titan'),
            () => provider.episodeSources('attack-on-titan', 1, 1),
          ]) {
            const err = await call().then(
              () => null,
              (e: Error) => e,
            );
            expect(err).toBeInstanceOf(type);
            expect(err!.message).toMatch(message);
          }
        } finally {
          fake.setMode('ok');
        }
      });
    }

    it('changed structure: ProviderChanged names what is missing', async () => {
      fake.setMode('changed');
      try {
        await expect(provider.catalogue('attack-on-titan')).rejects.toThrow(/ProviderChanged: .*series title/);
        await expect(provider.episodeSources('attack-on-titan', 1, 1)).rejects.toThrow(/ProviderChanged: .*hoster list/);
        await expect(provider.search('titan')).rejects.toThrow(/ProviderChanged: .*JSON/);
        const err = await provider.catalogue('attack-on-titan').catch((e) => e);
        expect(err).toBeInstanceOf(ProviderChanged);
      } finally {
        fake.setMode('ok');
      }
    });
  });

  it('health reports reachable + search, and the last error when blocked', async () => {
    expect(await provider.health()).toMatchObject({ provider: 'aniworld', reachable: true, search_works: true, last_error: null });
    fake.setMode('challenge');
    try {
      expect(await provider.health()).toMatchObject({
        reachable: false,
        search_works: false,
        last_error: 'ProviderBlocked: aniworld answered with a challenge page',
      });
    } finally {
      fake.setMode('ok');
    }
  });
});
