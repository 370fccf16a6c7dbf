import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_NAME_BYTES, sanitizeFolderName, splitFolderYear, trySanitizeFolderName } from '../../backend/src/library/folderName.js';
import { parseEpisodeFile, seasonOfFolder } from '../../backend/src/library/episodeFiles.js';
import { insideRoot } from '../../backend/src/util/safePath.js';

const ROOT = '/srv/anime';
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// names with a bias towards the dangerous parts
const nasty = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom(
        '<',
        '>',
        ':',
        '"',
        '/',
        '\\',
        '|',
        '?',
        '*',
        '.',
        '..',
        ' ',
        '\t',
        '\n',
        '\u0000',
        '\u001f',
        '\u007f',
        'CON',
        'nul',
        'Lpt1',
        '../',
        '進撃の巨人',
        'é',
        '\ud83d\ude00',
        '\ud800',
      ),
      fc.string({ unit: 'binary' }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe('folder names', () => {
  it('follows the spec examples', () => {
    expect(sanitizeFolderName('Attack on Titan: Final Season')).toBe('Attack on Titan Final Season');
    expect(sanitizeFolderName('  ...Re:Zero?  ')).toBe('ReZero');
    expect(sanitizeFolderName('進撃の巨人 <Shingeki>')).toBe('進撃の巨人 Shingeki');
    expect(sanitizeFolderName('a/b\\c|d*e"f')).toBe('abcdef');
    for (const bad of ['.', '..', '   ', '???', 'CON', 'nul.txt', 'com1', ' LPT9 ']) expect(trySanitizeFolderName(bad)).toBeNull();
    expect(() => sanitizeFolderName('..')).toThrow(/cannot be used as a folder name/);
    expect(Buffer.byteLength(sanitizeFolderName('巨'.repeat(200)))).toBeLessThanOrEqual(255);
  });

  it('for any name: a single clean path segment inside the root, or a clear refusal', () => {
    fc.assert(
      fc.property(nasty, (name) => {
        const s = trySanitizeFolderName(name);
        if (s === null) {
          expect(() => sanitizeFolderName(name)).toThrow();
          return;
        }
        expect(s).not.toMatch(/[<>:"/\\|?*\u0000-\u001f\u007f]/);
        expect(s).not.toMatch(/^[\s.]|[\s.]$/);
        expect(s).not.toMatch(RESERVED);
        expect(s === '.' || s === '..' || s === '').toBe(false);
        expect(Buffer.byteLength(s, 'utf8')).toBeLessThanOrEqual(MAX_NAME_BYTES);
        expect(Buffer.from(s, 'utf8').toString('utf8')).toBe(s); // valid UTF-8, no lone surrogates
        const full = insideRoot(ROOT, s);
        expect(path.dirname(full)).toBe(ROOT);
        expect(path.basename(full)).toBe(s);
        expect(trySanitizeFolderName(s)).toBe(s); // idempotent
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps letters of any script', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((x) => /^[\p{L}\p{N}]+$/u.test(x)),
        (name) => {
          const s = trySanitizeFolderName(name);
          if (s !== null) expect(s).toBe(name.normalize('NFC'));
          else expect(name).toMatch(RESERVED);
        },
      ),
    );
  });

  it('insideRoot refuses escapes for any relative input', () => {
    fc.assert(
      fc.property(nasty, (p) => {
        try {
          const full = insideRoot(ROOT, p);
          expect(full === ROOT || full.startsWith(ROOT + '/')).toBe(true);
        } catch (err) {
          expect((err as Error).message).toMatch(/leaves its root/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('splits a year off a folder name', () => {
    expect(splitFolderYear('Frieren (2023)')).toEqual({ name: 'Frieren', year: 2023 });
    expect(splitFolderYear('Naruto [2002]')).toEqual({ name: 'Naruto', year: 2002 });
    expect(splitFolderYear('2001 Nights')).toEqual({ name: '2001 Nights', year: null });
  });
});

describe('episode files', () => {
  const cases: [string, number | null, string | null][] = [
    ['Show - S01E02 - Title.mkv', null, '1:2'],
    ['show.s01e02.1080p.mp4', null, '1:2'],
    ['Show S01E01-E03.mkv', null, '1:1,2,3'],
    ['Show S01E01E02.avi', null, '1:1,2'],
    ['Show S02E05-06.webm', null, '2:5,6'],
    ['Show 1x02.m4v', null, '1:2'],
    ['Show S00E01 Special.mkv', null, '0:1'],
    ['E07.mkv', 3, '3:7'],
    ['Episode 12.mp4', 2, '2:12'],
    ['Folge 4.mkv', 1, '1:4'],
    ['Show - 05.mkv', 1, '1:5'],
    ['05.mkv', 1, '1:5'],
    ['Show - 05.mkv', null, null],
    ['Show S01E02.mkv.part', null, null],
    ['Show S01E02.part', null, null],
    ['.Show S01E02.mkv', null, null],
    ['Show S01E02.srt', null, null],
    ['Show S01E02.nfo', null, null],
    ['Show 1080p.mkv', null, null],
    ['Show S01E02.MKV', null, '1:2'],
  ];
  for (const [name, season, want] of cases) {
    it(`${name}${season !== null ? ` in season ${season}` : ''}`, () => {
      const r = parseEpisodeFile(name, season);
      expect(r ? `${r.season}:${r.episodes.join(',')}` : null).toBe(want);
    });
  }

  it('reads back any SxxEyy name the downloads naming writes (zero-padded, any title, in a Season folder or not)', () => {
    const title = fc.string({ unit: 'grapheme', maxLength: 30 }).map((t) => t.replace(/[\\/]/g, ' '));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 1999 }),
        title,
        fc.constantFrom('.mkv', '.mp4', '.webm'),
        fc.boolean(),
        (season, episode, t, ext, inFolder) => {
          const pad = (n: number) => String(n).padStart(2, '0');
          const name = `Show Name - S${pad(season)}E${pad(episode)} - ${t}${ext}`;
          const r = parseEpisodeFile(name, inFolder ? season : null);
          expect(r).toEqual({ season, episodes: [episode] });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('recognises season folders', () => {
    expect(seasonOfFolder('Season 01')).toBe(1);
    expect(seasonOfFolder('Staffel 2')).toBe(2);
    expect(seasonOfFolder('S03')).toBe(3);
    expect(seasonOfFolder('Specials')).toBe(0);
    expect(seasonOfFolder('Extras Behind')).toBeNull();
  });
});
