import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { relativeTarget, renderFileName } from '../../backend/src/rules/naming.js';
import { placeFile } from '../../backend/src/downloads/place.js';
import { orderSources } from '../../backend/src/downloads/sources.js';
import { discoverFfmpeg } from '../../backend/src/downloads/ffmpeg.js';
import { ProgressTracker, type ProgressData } from '../../backend/src/downloads/progress.js';

const T = '{series} - S{season}E{episode} - {title}';

describe('file names', () => {
  it('caps a long name in bytes (150 × あ is 450 bytes), keeping SxxEyy and room for .part and -thumb.jpg', () => {
    const name = renderFileName(
      '{series} - S{season}E{episode} - {title}',
      { series: 'Show', season: 1, episode: 2, title: 'あ'.repeat(150) },
      'mkv',
    );
    expect(name).toMatch(/^Show - S01E02 - あ+\.mkv$/);
    expect(Buffer.byteLength(`${name}.part`)).toBeLessThanOrEqual(255);
    expect(Buffer.byteLength(name.replace(/\.mkv$/, '-thumb.jpg'))).toBeLessThanOrEqual(255);
    // a series name alone over the limit: the tag is appended after the cut
    const long = renderFileName('{series} {title}', { series: 'い'.repeat(200), season: 3, episode: 4, title: null }, 'mp4');
    expect(long).toMatch(/^い+ - S03E04\.mp4$/);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255 - 10);
    // a file of that name can be created (no ENAMETOOLONG)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-names-'));
    fs.writeFileSync(path.join(dir, `${name}.part`), '');
    fs.writeFileSync(path.join(dir, name.replace(/\.mkv$/, '-thumb.jpg')), '');
    fs.rmSync(dir, { recursive: true });
  });

  it('renders the template zero-padded with SxxEyy', () => {
    expect(renderFileName(T, { series: 'Attack on Titan', season: 1, episode: 5, title: 'Der Anfang' }, 'mkv')).toBe(
      'Attack on Titan - S01E05 - Der Anfang.mkv',
    );
    expect(renderFileName(T, { series: 'One Piece', season: 21, episode: 1089, title: 'X' }, 'mp4')).toBe('One Piece - S21E1089 - X.mp4');
    expect(renderFileName(T, { series: 'Film', season: 0, episode: 2, title: null }, 'mkv')).toBe('Film - S00E02.mkv');
  });
  it('supports {year} and {language} and always keeps SxxEyy', () => {
    expect(
      renderFileName('{series} ({year}) {language}', { series: 'Show', season: 2, episode: 3, year: 2013, language: 'german_dub' }, 'mkv'),
    ).toBe('Show (2013) german_dub - S02E03.mkv');
    expect(renderFileName('{series} ({year}) - S{season}E{episode}', { series: 'Show', season: 2, episode: 3, year: null }, 'mkv')).toBe(
      'Show - S02E03.mkv',
    );
  });
  it('never lets a name become a path', () => {
    const name = renderFileName(T, { series: '../../etc', season: 1, episode: 1, title: 'a/b\\c:d*e?"<>|' }, 'mkv');
    expect(name).not.toMatch(/[/\\:*?"<>|]/);
    expect(name.startsWith('.')).toBe(false);
    expect(relativeTarget(T, true, { series: 'S', season: 3, episode: 4, title: 't' }, 'mkv')).toBe(
      path.join('Season 03', 'S - S03E04 - t.mkv'),
    );
  });
});

describe('placement', () => {
  it('never overwrites an existing file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-place-'));
    const src = path.join(dir, 'src.mkv');
    const target = path.join(dir, 'Season 01', 'final.mkv');
    fs.writeFileSync(src, 'new');
    fs.mkdirSync(path.dirname(target));
    fs.writeFileSync(target, 'old');
    await expect(placeFile(src, target)).rejects.toThrow(/final\.mkv already exists; it was not overwritten/);
    expect(fs.readFileSync(target, 'utf8')).toBe('old');
    fs.rmSync(target);
    await placeFile(src, target);
    expect(fs.readFileSync(target, 'utf8')).toBe('new');
    expect(fs.existsSync(src)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('source order', () => {
  it('language preference first, then hoster preference; other languages are dropped', () => {
    const s = (language: string, hoster: string) => ({ language, hoster, url: `u/${language}/${hoster}` });
    const cfg = { language_preference: ['german_dub', 'german_sub'], hoster_preference: ['Vidoza', 'VOE'] };
    const ordered = orderSources(
      [s('german_sub', 'VOE'), s('english_sub', 'VOE'), s('german_dub', 'Other'), s('german_dub', 'VOE'), s('german_dub', 'Vidoza')],
      cfg,
      null,
    );
    expect(ordered.map((x) => `${x.language}/${x.hoster}`)).toEqual([
      'german_dub/Vidoza',
      'german_dub/VOE',
      'german_dub/Other',
      'german_sub/VOE',
    ]);
    expect(orderSources([s('german_sub', 'VOE')], cfg, 'english_sub')).toEqual([]);
  });
});

describe('ffmpeg discovery and progress', () => {
  it('prefers FFMPEG_PATH/FFPROBE_PATH, else the system binaries', () => {
    expect(discoverFfmpeg({ FFMPEG_PATH: '/opt/ff/ffmpeg', FFPROBE_PATH: '/opt/ff/ffprobe' })).toEqual({
      ffmpeg_path: '/opt/ff/ffmpeg',
      ffprobe_path: '/opt/ff/ffprobe',
      source: 'env',
    });
    const sys = discoverFfmpeg({});
    expect(sys.source).toBe('system');
    expect(sys.ffmpeg_path).toMatch(/ffmpeg$/);
  });
  it('emits at most two progress events per second with speed and ETA', () => {
    let t = 0;
    const emitted: ProgressData[] = [];
    const p = new ProgressTracker(
      (x) => emitted.push(x),
      () => undefined,
      () => t,
    );
    for (let i = 0; i <= 40; i++) {
      t = i * 100; // 4 s, an update every 100 ms, 1 MiB/s
      p.update(i * 104857.6, 8 * 1048576);
    }
    expect(emitted.length).toBeLessThanOrEqual(9);
    const last = emitted[emitted.length - 1];
    expect(last.speed_mbps).toBeCloseTo(1, 1);
    expect(last.percent).toBe(50);
    expect(last.eta_seconds).toBe(4);
  });
});
