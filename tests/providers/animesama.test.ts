import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnimeSama, type FakeAnimeSama } from '../fakes/animesama.js';
import { AnimeSamaProvider } from '../../backend/src/providers/animesama/provider.js';
import { ProviderBlocked, ProviderChanged, ProviderNotFound, ProviderUnavailable } from '../../backend/src/providers/errors.js';

let fake: FakeAnimeSama;
let provider: AnimeSamaProvider;
const sib = (n: string) => `https://video.sibnet.ru/shell.php?videoid=${n}`;
const vm = (n: string) => `https://vidmoly.to/embed-${n}.html`;

beforeAll(async () => {
  fake = await startFakeAnimeSama({
    series: [
      {
        slug: 'one-piece',
        name: 'One Piece',
        parts: [
          {
            path: 'saison1',
            label: 'Saison 1',
            players: {
              vostfr: [
                [sib('1'), sib('2'), sib('3')],
                [vm('1'), vm('2')],
              ],
              vf: [[sib('vf1')]],
            },
          },
          { path: 'saison1-2', label: 'Saison 1 Partie 2', players: { vostfr: [[sib('4'), sib('5')]] } },
          { path: 'saison2', label: 'Saison 2', players: { vostfr: [[sib('s2e1')]] } },
          { path: 'film', label: 'Films', players: { vostfr: [['https://sendvid.com/embed/film1']] } },
        ],
      },
      { slug: 'frieren', name: 'Frieren & <Friends>', parts: [{ path: 'saison1', players: { vostfr: [[sib('f1')]] } }] },
    ],
  });
  provider = new AnimeSamaProvider({
    id: 'animesama',
    baseUrl: fake.url,
    extraDomains: ['anime-sama.example'],
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

describe('anime-sama provider against the fake site', () => {
  it('searches (escaped names decoded) and finds nothing for unknown names', async () => {
    expect(await provider.search('frieren')).toEqual([
      expect.objectContaining({
        key: 'frieren',
        name: 'Frieren & <Friends>',
        link: `${fake.url}/catalogue/frieren/`,
        provider: 'animesama',
      }),
    ]);
    expect(await provider.search('zzz')).toEqual([]);
  });

  it('builds the catalogue from the season parts: parts continue a season, films are season 0', async () => {
    const cat = await provider.catalogue('one-piece');
    expect(cat.name).toBe('One Piece');
    expect(cat.seasons).toEqual([0, 1, 2]);
    expect(cat.episodes.map((e) => `${e.season}-${e.episode}`)).toEqual(['1-1', '1-2', '1-3', '1-4', '1-5', '2-1', '0-1']);
  });

  it('lists sources per language and player, with hoster names from the embed URL', async () => {
    const s11 = await provider.episodeSources('one-piece', 1, 1);
    expect(s11.map((s) => `${s.language}/${s.hoster}/${s.url}`)).toEqual([
      `vostfr/Sibnet/${sib('1')}`,
      `vostfr/Vidmoly/${vm('1')}`,
      `vf/Sibnet/${sib('vf1')}`,
    ]);
    const s13 = await provider.episodeSources('one-piece', 1, 3); // player 2 is shorter
    expect(s13.map((s) => s.url)).toEqual([sib('3')]);
    const s14 = await provider.episodeSources('one-piece', 1, 4); // from saison1-2
    expect(s14.map((s) => s.url)).toEqual([sib('4')]);
    const film = await provider.episodeSources('one-piece', 0, 1);
    expect(film).toEqual([{ language: 'vostfr', hoster: 'SendVid', url: 'https://sendvid.com/embed/film1' }]);
    await expect(provider.episodeSources('one-piece', 1, 6)).rejects.toBeInstanceOf(ProviderNotFound);
  });

  it('an episode added later shows up', async () => {
    fake.addEpisode('one-piece', 'saison2', 'vostfr', [sib('s2e2')]);
    const cat = await provider.catalogue('one-piece');
    expect(cat.episodes.filter((e) => e.season === 2).length).toBe(2);
  });

  it('maps links of its own domains to keys', () => {
    expect(provider.keyFromLink(`${fake.url}/catalogue/one-piece/saison1/vostfr/`)).toBe('one-piece');
    expect(provider.keyFromLink('https://anime-sama.example/catalogue/frieren/')).toBe('frieren');
    expect(provider.keyFromLink('https://other.example/catalogue/frieren/')).toBeNull();
  });

  it('site trouble: challenge, 403, 500, timeout, changed structure', async () => {
    const expectations: [Parameters<FakeAnimeSama['setMode']>[0], new (...a: never[]) => Error, RegExp][] = [
      ['challenge', ProviderBlocked, /^ProviderBlocked: animesama answered with a challenge page$/],
      ['forbidden', ProviderBlocked, /403 Forbidden/],
      ['error500', ProviderUnavailable, /answered 500/],
      ['timeout', ProviderUnavailable, /did not answer in time/],
      ['changed', ProviderChanged, /^ProviderChanged: animesama page structure changed, missing /],
    ];
    for (const [mode, type, message] of expectations) {
      fake.setMode(mode);
      try {
        const err = await provider.catalogue('one-piece').catch((e: Error) => e);
        expect(err, mode).toBeInstanceOf(type);
        expect((err as Error).message).toMatch(message);
      } finally {
        fake.setMode('ok');
      }
    }
  });
});
