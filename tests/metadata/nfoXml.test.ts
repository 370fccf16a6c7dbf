import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEpisodeNfo, buildTvShowNfo, parseNfo, uniqueIds, xmlSafe, type ShowNfo } from '../../backend/src/metadata/nfoXml.js';
import { chooseResult } from '../../backend/src/metadata/match.js';
import { allowedImageUrl } from '../../backend/src/metadata/artwork.js';
import { pickImage, seasonPosterFile, usableSize } from '../../backend/src/metadata/nfoMapping.js';
import type { Loose } from '../helpers/http.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nfo-unit-'));
function xmllint(xml: string): void {
  const f = path.join(tmp, `doc-${Math.random().toString(36).slice(2)}.nfo`);
  fs.writeFileSync(f, xml);
  execFileSync('/usr/bin/xmllint', ['--noout', f]); // throws (non-zero exit) when not well-formed
}

const nasty = 'Tom & Jerry <Kids> ]]> "quoted" \'single\' \u0007bell\u001b esc \r\nnext\tline € 日本 😀';

function show(over: Partial<ShowNfo> = {}): ShowNfo {
  return {
    title: nasty,
    originaltitle: '進撃の巨人',
    sorttitle: nasty,
    plot: nasty,
    outline: 'Kurz.',
    tagline: '',
    runtime: 24,
    premiered: '2013-04-07',
    year: 2013,
    status: 'Ended',
    studios: ['Fuji TV'],
    genres: ['Animation', 'Action & Adventure'],
    tags: ['dystopia'],
    countries: ['Japan'],
    mpaa: 'FSK 16',
    rating: { value: 8.664, votes: 6712 },
    ids: { tmdb: '1429', imdb: 'tt2560140', tvdb: '267440' },
    namedseasons: [
      { number: 0, name: 'Specials' },
      { number: 1, name: 'Staffel <1> & mehr' },
    ],
    actors: [{ name: 'Yuki Kaji', role: 'Eren & <Titan>', order: 0, thumb: 'http://img/t/p/original/kaji.jpg' }],
    posters: ['http://img/t/p/original/p.jpg?a=1&b=2'],
    clearlogos: ['http://img/t/p/original/l.png'],
    landscapes: [],
    seasonPosters: [
      { season: 0, url: 'http://img/t/p/original/s0.jpg' },
      { season: 1, url: 'http://img/t/p/original/s1.jpg' },
    ],
    fanart: ['http://img/t/p/original/f.jpg'],
    dateadded: '2024-01-02 03:04:05',
    ...over,
  };
}

describe('NFO XML', () => {
  it('keeps &, <, ]]> and quotes well-formed and round-trips them; drops characters XML 1.0 cannot hold', async () => {
    const xml = buildTvShowNfo(show());
    xmllint(xml);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<tvshow>')).toBe(true);
    const doc: Loose = await parseNfo(xml);
    const expected = 'Tom & Jerry <Kids> ]]> "quoted" \'single\' bell esc \r\nnext\tline € 日本 😀';
    expect(doc.tvshow.title[0]).toBe(expected);
    expect(doc.tvshow.plot[0]).toBe(expected);
    expect(doc.tvshow.namedseason[1]).toEqual({ _: 'Staffel <1> & mehr', $: { number: '1' } });
    expect(doc.tvshow.actor[0].role[0]).toBe('Eren & <Titan>');
    expect(doc.tvshow.thumb[0]._).toBe('http://img/t/p/original/p.jpg?a=1&b=2');
    expect(xmlSafe('a\u0000b\uFFFEc\uD800d')).toBe('abcd');
  });

  it('writes the elements and nesting Kodi reads for a show', async () => {
    const doc: Loose = await parseNfo(buildTvShowNfo(show()));
    const t = doc.tvshow;
    expect(t.showtitle[0]).toBe(t.title[0]);
    expect(t.ratings[0].rating[0].$).toEqual({ name: 'tmdb', max: '10', default: 'true' });
    expect(t.ratings[0].rating[0].value[0]).toBe('8.7');
    expect(t.ratings[0].rating[0].votes[0]).toBe('6712');
    expect(t.uniqueid).toEqual([
      { _: '1429', $: { type: 'tmdb', default: 'true' } },
      { _: 'tt2560140', $: { type: 'imdb' } },
      { _: '267440', $: { type: 'tvdb' } },
    ]);
    expect(JSON.parse(t.episodeguide[0])).toEqual({ tmdb: '1429', imdb: 'tt2560140', tvdb: '267440' });
    expect(t.genre).toEqual(['Animation', 'Action & Adventure']);
    expect(t.premiered[0]).toBe('2013-04-07');
    expect(t.year).toBeUndefined();
    // show poster first, then the other show art, season posters last
    expect(t.thumb.map((x: Loose) => x.$)).toEqual([
      { aspect: 'poster' },
      { aspect: 'clearlogo' },
      { aspect: 'poster', type: 'season', season: '0' },
      { aspect: 'poster', type: 'season', season: '1' },
    ]);
    expect(t.fanart[0].thumb).toEqual(['http://img/t/p/original/f.jpg']);
    expect(t.actor[0]).toEqual({
      name: ['Yuki Kaji'],
      role: ['Eren & <Titan>'],
      order: ['0'],
      thumb: ['http://img/t/p/original/kaji.jpg'],
    });
    expect(t.dateadded[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(uniqueIds(doc)).toEqual({ tmdb: '1429', imdb: 'tt2560140', tvdb: '267440' });
  });

  it('writes <year> only without a premiere date, and leaves out what is unknown', async () => {
    const doc: Loose = await parseNfo(
      buildTvShowNfo(
        show({
          premiered: null,
          year: 1999,
          ids: { tmdb: '7' },
          mpaa: null,
          rating: null,
          posters: [],
          clearlogos: [],
          seasonPosters: [],
          fanart: [],
        }),
      ),
    );
    expect(doc.tvshow.year).toEqual(['1999']);
    expect(doc.tvshow.premiered).toBeUndefined();
    expect(doc.tvshow.mpaa).toBeUndefined();
    expect(doc.tvshow.ratings).toBeUndefined();
    expect(doc.tvshow.thumb).toBeUndefined();
    expect(doc.tvshow.fanart).toBeUndefined();
    expect(doc.tvshow.uniqueid).toEqual([{ _: '7', $: { type: 'tmdb', default: 'true' } }]);
    expect(JSON.parse(doc.tvshow.episodeguide[0])).toEqual({ tmdb: '7' });
  });

  it('writes an episodedetails document', async () => {
    const xml = buildEpisodeNfo({
      title: 'A & B <C>',
      showtitle: 'Show',
      season: 0,
      episode: 12,
      plot: 'x]]>y',
      aired: '2013-07-06',
      runtime: 24,
      rating: { value: 7.5, votes: 20 },
      tmdbId: '1004512',
      thumb: 'http://img/t/p/original/s.jpg',
      dateadded: '2024-01-02 03:04:05',
    });
    xmllint(xml);
    const e: Loose = (await parseNfo(xml)).episodedetails;
    expect(Object.keys(e)).toEqual([
      'title',
      'showtitle',
      'ratings',
      'season',
      'episode',
      'plot',
      'runtime',
      'thumb',
      'uniqueid',
      'aired',
      'dateadded',
    ]);
    expect(e.title[0]).toBe('A & B <C>');
    expect(e.plot[0]).toBe('x]]>y');
    expect([e.season[0], e.episode[0]]).toEqual(['0', '12']);
    expect(e.uniqueid[0]).toEqual({ _: '1004512', $: { type: 'tmdb', default: 'true' } });
  });

  it('rejects XML that is not well-formed when reading an NFO', async () => {
    await expect(parseNfo('<tvshow><title>a & b</title></tvshow>')).rejects.toThrow();
  });
});

describe('matching and artwork helpers', () => {
  const r = (id: number, name: string, date: string) => ({ id, name, original_name: name, first_air_date: date });
  it('takes a single hit, an exact name, or an exact name and year; otherwise reports ambiguity', () => {
    expect(chooseResult([], 'X', null)).toBeNull();
    expect(chooseResult([r(1, 'Something Else', '2000-01-01')], 'X', null)).toMatchObject({ id: 1 });
    expect(chooseResult([r(1, 'Naruto', '2002-10-03'), r(2, 'Naruto Shippuden', '2007-02-15')], 'naruto', null)).toMatchObject({ id: 1 });
    const hxh = [r(2000, 'Hunter x Hunter', '1999-10-16'), r(46298, 'Hunter x Hunter', '2011-10-02')];
    expect(chooseResult(hxh, 'Hunter x Hunter', null)).toBe('ambiguous');
    expect(chooseResult(hxh, 'Hunter x Hunter', 2011)).toMatchObject({ id: 46298 });
    expect(chooseResult([r(1, 'A', ''), r(2, 'B', '')], 'C', null)).toBe('ambiguous');
  });

  it('fetches artwork only from the configured image host and path', () => {
    const base = 'http://127.0.0.1:9999/t/p';
    expect(allowedImageUrl(base, 'http://127.0.0.1:9999/t/p/w780/a.jpg')).toBe(true);
    expect(allowedImageUrl(base, 'http://127.0.0.1:9998/t/p/w780/a.jpg')).toBe(false);
    expect(allowedImageUrl(base, 'https://127.0.0.1:9999/t/p/w780/a.jpg')).toBe(false);
    expect(allowedImageUrl(base, 'http://evil.example/t/p/w780/a.jpg')).toBe(false);
    expect(allowedImageUrl(base, 'http://127.0.0.1:9999/other/a.jpg')).toBe(false);
    expect(allowedImageUrl(base, 'not a url')).toBe(false);
  });

  it('prefers the UI language, then English, then textless images; sizes fall back to original', () => {
    const imgs = [
      { file_path: '/none.jpg', iso_639_1: null, vote_average: 9 },
      { file_path: '/en.jpg', iso_639_1: 'en', vote_average: 5 },
      { file_path: '/de.jpg', iso_639_1: 'de', vote_average: 1 },
    ];
    expect(pickImage(imgs, 'de-DE')?.file_path).toBe('/de.jpg');
    expect(pickImage(imgs, 'fr-FR')?.file_path).toBe('/en.jpg');
    expect(pickImage(imgs, 'fr-FR', [null])?.file_path).toBe('/none.jpg');
    expect(pickImage([], 'de-DE')).toBeNull();
    expect(usableSize('w780', ['w92', 'w780', 'original'])).toBe('w780');
    expect(usableSize('w999', ['w92', 'original'])).toBe('original');
    expect([seasonPosterFile(0), seasonPosterFile(1), seasonPosterFile(12)]).toEqual([
      'season-specials-poster.jpg',
      'season01-poster.jpg',
      'season12-poster.jpg',
    ]);
  });
});
