import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadMp4 } from '../../backend/src/downloads/engine/mp4.js';
import { downloadHls } from '../../backend/src/downloads/engine/hls.js';
import { remuxSegments } from '../../backend/src/downloads/engine/remux.js';
import { prepareVerify, verifyMedia } from '../../backend/src/downloads/engine/verify.js';
import { SegmentEdges } from '../../backend/src/downloads/engine/edges.js';
import { mkvDuration, mp4Duration } from '../../backend/src/downloads/engine/duration.js';
import { Throttle } from '../../backend/src/downloads/engine/throttle.js';
import { createMediaIo } from '../../backend/src/downloads/engine/io.js';
import { parseMaster, pickVariant } from '../../backend/src/downloads/engine/playlist.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeHls, makeMp4, type HlsMedia } from '../fakes/media.js';

const UA = { 'user-agent': 'Mozilla/5.0 test' };
let fake: FakeHosters;
let mp4: string;
let mp4Size: number;
let hls: HlsMedia;
let hlsAes: HlsMedia;
let tmp: string;
const dispatcher = new Agent({ connections: 16 });
const io = createMediaIo();
const bins = { ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' };

beforeAll(async () => {
  [mp4, hls, hlsAes] = await Promise.all([makeMp4({ seconds: 8, width: 640, height: 360 }), makeHls(), makeHls({ aes: true })]);
  mp4Size = fs.statSync(mp4).size;
  fake = await startFakeHosters();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-engine-'));
});
afterAll(async () => {
  await fake?.close();
  await dispatcher.close();
  io.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
const file = () => path.join(tmp, `f${++n}.mp4`);
const noLimit = new Throttle(() => 0);
const mp4Opts = (url: string, extra: Record<string, unknown> = {}) => ({
  url,
  headers: UA,
  dispatcher,
  io,
  signal: new AbortController().signal,
  file: file(),
  stallMs: 1500,
  maxBytes: 1 << 30,
  throttle: noLimit,
  ...extra,
});

describe('MP4 downloader', () => {
  it('resumes with Range after a connection reset, without fetching the done part again', async () => {
    const embed = fake.embed('VOE', { mp4 }, { resetAfterBytes: Math.floor(mp4Size / 2) });
    const o = mp4Opts(fake.mediaUrl(embed));
    const r = await downloadMp4(o);
    expect(r.bytes).toBe(mp4Size);
    expect(fs.readFileSync(o.file).equals(fs.readFileSync(mp4))).toBe(true);
    const ranges = fake.log.filter((l) => l.embed === embed.split('/').pop()).map((l) => l.range);
    expect(ranges).toEqual([null, `bytes=${Math.floor(mp4Size / 2)}-`]);
    expect(fake.bytesSent(embed)).toBe(mp4Size);
  });

  it('a slow drip hits the stall timeout', async () => {
    const embed = fake.embed('Vidoza', { mp4 }, { rateBytesPerSec: 2000 });
    await expect(downloadMp4({ ...mp4Opts(fake.mediaUrl(embed)), maxAttempts: 2 })).rejects.toThrow(
      /stalled: less than 64 KiB received in 1.5 s/,
    );
  });

  it('a huge announced size is refused before downloading', async () => {
    const embed = fake.embed('Vidoza', { mp4 }, { hugeContentLength: true });
    const o = mp4Opts(fake.mediaUrl(embed), { maxBytes: 100 * 1024 * 1024 });
    await expect(downloadMp4(o)).rejects.toThrow(/announced size 51200 MB exceeds the limit of 100 MB/);
    expect(fs.existsSync(o.file) ? fs.statSync(o.file).size : 0).toBe(0);
  });

  it('a lying Content-Length (more announced than sent) fails the size check', async () => {
    const embed = fake.embed('Vidoza', { mp4 }, { lieExtraBytes: 4096 });
    await expect(downloadMp4({ ...mp4Opts(fake.mediaUrl(embed)), maxAttempts: 2 })).rejects.toThrow(
      new RegExp(`size check failed: got ${mp4Size} of ${mp4Size + 4096} announced bytes`),
    );
  });

  it('a 404 is reported as such', async () => {
    const embed = fake.embed('Vidoza', { mp4 }, { status: 404 });
    await expect(downloadMp4(mp4Opts(fake.mediaUrl(embed)))).rejects.toThrow(/media not found \(404\)/);
  });

  it('the shared bandwidth limit slows downloads down', async () => {
    const embed = fake.embed('Vidoza', { mp4 });
    const started = Date.now();
    const limit = new Throttle(() => mp4Size / 1024 / 1024 / 1.5); // the whole file in ~1.5 s
    await downloadMp4({ ...mp4Opts(fake.mediaUrl(embed)), throttle: limit });
    expect(Date.now() - started).toBeGreaterThan(1000);
  });
});

describe('HLS downloader', () => {
  const hlsOpts = (url: string, dir: string, extra: Record<string, unknown> = {}) => ({
    url,
    headers: UA,
    dispatcher,
    io,
    signal: new AbortController().signal,
    dir,
    quality: null,
    concurrency: 4,
    retries: 2,
    stallMs: 2000,
    throttle: noLimit,
    ...extra,
  });

  it('decrypts AES-128, retries a failing segment, remuxes and passes verification', async () => {
    const embed = fake.embed('VOE', { hls: hlsAes }, { failSegmentsOnce: [2, 4] });
    const dir = path.join(tmp, 'aes');
    const r = await downloadHls(hlsOpts(fake.mediaUrl(embed), dir));
    expect(r.files).toHaveLength(6);
    expect(r.totalDuration).toBeCloseTo(6, 1);
    const out = path.join(tmp, 'aes.mp4');
    await remuxSegments({ ffmpegPath: 'ffmpeg', files: r.files, output: out, container: 'mp4', signal: new AbortController().signal });
    const v = await verifyMedia({ ...bins, file: out, expectedDuration: r.totalDuration, signal: new AbortController().signal });
    expect(v).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', height: 360 });
    // faststart: the moov atom comes before the media data
    const head = fs.readFileSync(out).subarray(0, 4096).toString('latin1');
    expect(head.indexOf('moov')).toBeGreaterThan(-1);
    expect(fake.log.filter((l) => l.path.endsWith('seg_0002.ts') && l.status === 500)).toHaveLength(1);
  });

  it('picks the variant the quality preference asks for', async () => {
    const master = fs.readFileSync(path.join(hls.dir, hls.master), 'utf8');
    const variants = parseMaster(master, 'http://x/master.m3u8');
    expect(pickVariant(variants, null).height).toBe(360);
    expect(pickVariant(variants, '240p' as string).height).toBe(180);
    expect(pickVariant(variants, '1080p').height).toBe(360);
    const embed = fake.embed('Vidmoly', { hls }, {});
    const r = await downloadHls(
      hlsOpts(fake.mediaUrl(embed), path.join(tmp, 'low'), { quality: '240p', headers: { ...UA, referer: fake.url + '/' } }),
    );
    expect(fake.log.some((l) => l.embed === embed.match(/e\d+/)![0] && l.path.includes('/v0/seg_'))).toBe(true);
    expect(fake.log.some((l) => l.embed === embed.match(/e\d+/)![0] && l.path.includes('/v1/seg_'))).toBe(false);
    expect(r.files).toHaveLength(6);
  });

  it('resumes segment by segment after an interruption', async () => {
    const embed = fake.embed('VOE', { hls }, { delayMs: 150 });
    const id = embed.match(/e\d+/)![0];
    const dir = path.join(tmp, 'resume');
    const ac = new AbortController();
    let seen = 0;
    const first = downloadHls(
      hlsOpts(fake.mediaUrl(embed), dir, {
        concurrency: 1,
        signal: ac.signal,
        onProgress: () => {
          if (++seen === 4) ac.abort(new Error('killed'));
        },
      }),
    );
    await expect(first).rejects.toThrow(/killed/);
    const before = fake.log.filter((l) => l.embed === id && /seg_/.test(l.path) && l.status === 200).length;
    expect(before).toBeGreaterThanOrEqual(3);
    fake.setBehavior(embed, { delayMs: 0 });
    const r = await downloadHls(hlsOpts(fake.mediaUrl(embed), dir));
    expect(r.resumedSegments).toBeGreaterThanOrEqual(3);
    const segRequests = fake.log.filter((l) => l.embed === id && /seg_/.test(l.path)).length;
    // every segment fetched once, plus at most the one in flight when it was interrupted
    expect(segRequests).toBeLessThanOrEqual(6 + 1);
  });
});

describe('HLS with the remux alongside', () => {
  it('a segment that stays missing fails the download and stops ffmpeg; nothing hangs', async () => {
    const embed = fake.embed('VOE', { hls }, { missingSegments: [3] });
    const out = path.join(tmp, 'missing.mkv');
    const err = await downloadHls({
      url: fake.mediaUrl(embed),
      headers: UA,
      dispatcher,
      io,
      signal: new AbortController().signal,
      dir: path.join(tmp, 'missing'),
      quality: null,
      concurrency: 2,
      retries: 1,
      stallMs: 2000,
      throttle: noLimit,
      consume: async (files) => {
        await remuxSegments({ ffmpegPath: 'ffmpeg', files, output: out, container: 'mkv', signal: new AbortController().signal });
      },
    }).catch((e) => e);
    expect(err.message).toMatch(/HTTP 404 for seg_0003\.ts/);
  });
});

describe('verification', () => {
  it('a truncated MP4 fails verification', async () => {
    const cut = path.join(tmp, 'cut.mp4');
    fs.writeFileSync(cut, fs.readFileSync(mp4).subarray(0, Math.floor(mp4Size * 0.7)));
    // as the product checks downloaded MP4s: no demux pass, the decode of the last seconds must notice
    await expect(
      verifyMedia({ ...bins, file: cut, expectedDuration: null, signal: new AbortController().signal, demuxPass: false }),
    ).rejects.toThrow(/verification failed/);
    await expect(verifyMedia({ ...bins, file: cut, expectedDuration: null, signal: new AbortController().signal })).rejects.toThrow(
      /verification failed/,
    );
  });

  it('HLS with junk segments fails the duration check', async () => {
    const embed = fake.embed('VOE', { hls }, { junkSegmentsFrom: 3 });
    const r = await downloadHls({
      url: fake.mediaUrl(embed),
      headers: UA,
      dispatcher,
      io,
      signal: new AbortController().signal,
      dir: path.join(tmp, 'junk'),
      quality: null,
      concurrency: 4,
      retries: 1,
      stallMs: 2000,
      throttle: noLimit,
    });
    const out = path.join(tmp, 'junk.mkv');
    await remuxSegments({
      ffmpegPath: 'ffmpeg',
      files: r.files,
      output: out,
      container: 'mkv',
      signal: new AbortController().signal,
    }).catch(() => undefined);
    await expect(
      verifyMedia({ ...bins, file: out, expectedDuration: r.totalDuration, signal: new AbortController().signal }),
    ).rejects.toThrow(/verification failed/);
  });

  it('runs started ahead check the file once it is named, whatever its name; an mkv without an expected duration too', async () => {
    const odd = path.join(tmp, "Re:Zero - JoJo's [1].mp4");
    fs.copyFileSync(mp4, odd);
    const ahead = prepareVerify({ ffmpegPath: 'ffmpeg', signal: new AbortController().signal });
    expect(await ahead.run(odd, null)).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', height: 360 });
    const mkv = path.join(tmp, "it's.mkv");
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', mp4, '-c', 'copy', mkv]);
    const v = await prepareVerify({ ffmpegPath: 'ffmpeg', signal: new AbortController().signal }).run(mkv, null);
    expect(Math.abs(v.duration - 8)).toBeLessThan(0.2);
    // cut short: the runs started ahead notice as the one-off check does
    const cut = path.join(tmp, 'cut-ahead.mp4');
    fs.writeFileSync(cut, fs.readFileSync(mp4).subarray(0, Math.floor(mp4Size * 0.7)));
    await expect(prepareVerify({ ffmpegPath: 'ffmpeg', signal: new AbortController().signal }).run(cut, null)).rejects.toThrow(
      /verification failed/,
    );
  });

  it('damaged picture data in the last seconds fails (the packets are intact: only a decode notices)', async () => {
    // flip a byte every 397 in the last 7 % (the index, up front with faststart, stays intact)
    const damaged = Buffer.from(fs.readFileSync(mp4));
    for (let i = Math.floor(damaged.length * 0.93); i < damaged.length - 2000; i += 397) damaged[i]! ^= 0x5a;
    const file = path.join(tmp, 'damaged.mp4');
    fs.writeFileSync(file, damaged);
    expect(fs.statSync(file).size).toBe(mp4Size);
    await expect(
      verifyMedia({ ...bins, file, expectedDuration: null, signal: new AbortController().signal, demuxPass: false }),
    ).rejects.toThrow(/verification failed: the first and last seconds reported errors \(.*(decod|slice|MB)/);
    await expect(prepareVerify({ ffmpegPath: 'ffmpeg', signal: new AbortController().signal }).run(file, null)).rejects.toThrow(
      /verification failed/,
    );
    // the undamaged original passes both ways
    expect(
      (await verifyMedia({ ...bins, file: mp4, expectedDuration: null, signal: new AbortController().signal, demuxPass: false }))
        .videoCodec,
    ).toBe('h264');
  });

  it('a file without audio fails', async () => {
    const silent = path.join(tmp, 'silent.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', mp4, '-an', '-c', 'copy', silent]);
    await expect(verifyMedia({ ...bins, file: silent, expectedDuration: null, signal: new AbortController().signal })).rejects.toThrow(
      /no audio stream/,
    );
  });
});

describe('HLS verification while the segments arrive', () => {
  /** The product's HLS path (attempt.ts): edges decoded from the segments, remux alongside, then the check. */
  async function fetchAndCheck(embed: string, name: string, container: 'mkv' | 'mp4' = 'mkv') {
    const signal = new AbortController().signal;
    const edges = new SegmentEdges({ ffmpegPath: 'ffmpeg', signal });
    const output = path.join(tmp, `${name}.${container}`);
    try {
      const r = await downloadHls({
        url: fake.mediaUrl(embed),
        headers: UA,
        dispatcher,
        io,
        signal,
        dir: path.join(tmp, name),
        quality: null,
        concurrency: 2,
        retries: 1,
        stallMs: 2000,
        throttle: noLimit,
        watcher: edges,
        consume: async (files) => {
          await remuxSegments({ ffmpegPath: 'ffmpeg', files, output, container, signal });
        },
      });
      return await edges.check(output, container, r.totalDuration);
    } finally {
      edges.cancel();
    }
  }
  const segmentsAsked = (embed: string) =>
    fake.log
      .filter((l) => l.embed === embed.split('/').pop() && /seg_\d+\.ts$/.test(l.path))
      .map((l) => Number(/seg_(\d+)/.exec(l.path)![1]));

  it('fetches the last segments first, decodes both ends from the segments and takes the duration from the remuxed file', async () => {
    const embed = fake.embed('VOE', { hls });
    const v = await fetchAndCheck(embed, 'edges-ok');
    expect(v).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac' });
    expect(v.duration).toBeCloseTo(6, 0);
    expect(segmentsAsked(embed).slice(0, 2).sort()).toEqual([4, 5]); // (the log is in order of completion)
    const mp4Out = await fetchAndCheck(fake.embed('VOE', { hls }), 'edges-mp4', 'mp4');
    expect(mp4Out.duration).toBeCloseTo(6, 0);
  });

  it("fMP4 segments (init section in the first one only): the remuxed file's ends are checked instead", async () => {
    const fmp4 = await makeHls({ fmp4: true, heights: [360] });
    expect(fs.readFileSync(path.join(fmp4.dir, fmp4.variants[0]!.playlist), 'utf8')).toContain('#EXT-X-MAP:URI="init.mp4"');
    const embed = fake.embed('VOE', { hls: fmp4 });
    const v = await fetchAndCheck(embed, 'edges-fmp4');
    expect(v).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', height: 360 });
    expect(v.duration).toBeCloseTo(6, 0);
  });

  it('damaged picture data in the last segment fails, though every packet demuxes', async () => {
    await expect(fetchAndCheck(fake.embed('VOE', { hls }, { damageSegments: [5] }), 'edges-damaged')).rejects.toThrow(
      /verification failed: the first and last seconds reported errors/,
    );
    await expect(fetchAndCheck(fake.embed('VOE', { hls }, { damageSegments: [0] }), 'edges-damaged-head')).rejects.toThrow(
      /verification failed: the first and last seconds reported errors/,
    );
  });

  it('junk segments in the middle fail (the remuxed file is shorter than the playlist says)', async () => {
    await expect(fetchAndCheck(fake.embed('VOE', { hls }, { junkSegmentsFrom: 2 }), 'edges-junk')).rejects.toThrow(/verification failed/);
  });

  it('reads the duration a Matroska or MP4 header states, as ffprobe does', async () => {
    const mkv = path.join(tmp, 'dur.mkv');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', mp4, '-c', 'copy', '-write_crc32', '0', mkv]);
    const probe = (f: string) =>
      Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', f]).toString());
    expect(await mkvDuration(mkv)).toBeCloseTo(probe(mkv), 2);
    expect(await mp4Duration(mp4)).toBeCloseTo(probe(mp4), 2);
    const notMkv = path.join(tmp, 'dur.bin');
    fs.writeFileSync(notMkv, Buffer.alloc(5000, 7));
    expect(await mkvDuration(notMkv)).toBeNull();
  });
});
