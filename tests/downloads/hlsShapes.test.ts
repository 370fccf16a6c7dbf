import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadHls } from '../../backend/src/downloads/engine/hls.js';
import { remuxSegments } from '../../backend/src/downloads/engine/remux.js';
import { SegmentEdges } from '../../backend/src/downloads/engine/edges.js';
import { Throttle } from '../../backend/src/downloads/engine/throttle.js';
import { createMediaIo } from '../../backend/src/downloads/engine/io.js';
import { LivePlaylistError } from '../../backend/src/downloads/engine/errors.js';
import { parseMaster, parseMedia } from '../../backend/src/downloads/engine/playlist.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeHlsShape, type HlsShape } from '../fakes/hlsShapes.js';

/** Each playlist shape hosters serve, downloaded, remuxed and verified the way attempt.ts does. */
const UA = { 'user-agent': 'Mozilla/5.0 test' };
let fake: FakeHosters;
let tmp: string;
const dispatcher = new Agent({ connections: 16 });
const io = createMediaIo();
const noLimit = new Throttle(() => 0);

beforeAll(async () => {
  fake = await startFakeHosters();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-shapes-'));
});
afterAll(async () => {
  await fake?.close();
  await dispatcher.close();
  io.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function fetchAndCheck(shape: HlsShape, container: 'mkv' | 'mp4' = 'mkv') {
  const embed = fake.embed('VOE', { hls: await makeHlsShape(shape) });
  const signal = new AbortController().signal;
  const edges = new SegmentEdges({ ffmpegPath: 'ffmpeg', signal });
  const output = path.join(tmp, `${shape}.${container}`);
  try {
    const r = await downloadHls({
      url: fake.mediaUrl(embed),
      headers: UA,
      dispatcher,
      io,
      signal,
      dir: path.join(tmp, shape),
      quality: null,
      concurrency: 3,
      retries: 1,
      stallMs: 3000,
      throttle: noLimit,
      watcher: edges,
      consume: async (files, audio) => {
        await remuxSegments({ ffmpegPath: 'ffmpeg', files, audio, output, container, signal });
      },
    });
    const v = await edges.check(output, container, r.totalDuration);
    const streams = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'csv=p=0', output])
      .toString()
      .trim()
      .split('\n')
      .sort();
    return { r, v, streams, asked: fake.log.filter((l) => l.embed === embed.split('/').pop()) };
  } finally {
    edges.cancel();
  }
}

describe('HLS playlists of every shape', () => {
  it('EXT-X-MEDIA separate audio: the audio rendition is downloaded and muxed in', async () => {
    const { r, v, streams, asked } = await fetchAndCheck('audio');
    expect(streams).toEqual(['aac,audio', 'h264,video']);
    expect(v.duration).toBeCloseTo(6, 0);
    expect(r.audio).not.toBeNull();
    expect(asked.some((l) => l.path.includes('audio/aud_0005.ts'))).toBe(true);
    expect(asked.some((l) => l.path.includes('video/seg_0005.ts'))).toBe(true);
  });

  it('EXT-X-BYTERANGE segments are fetched as ranges of one file', async () => {
    const { v, streams, asked } = await fetchAndCheck('byterange', 'mp4');
    expect(streams).toEqual(['aac,audio', 'h264,video']);
    expect(v.duration).toBeCloseTo(6, 0);
    const ranges = asked.filter((l) => l.path.endsWith('all.ts')).map((l) => l.range);
    expect(ranges.length).toBeGreaterThanOrEqual(6);
    expect(ranges.every((x) => /^bytes=\d+-\d+$/.test(x ?? ''))).toBe(true);
  });

  it('EXT-X-MAP with BYTERANGE (fMP4 in one file): the init section is its range', async () => {
    const shape = await makeHlsShape('map-byterange');
    expect(fs.readFileSync(path.join(shape.dir, shape.master), 'utf8')).toMatch(/#EXT-X-MAP:URI="all\.mp4",BYTERANGE="\d+@0"/);
    const { v, streams, asked } = await fetchAndCheck('map-byterange');
    expect(streams).toEqual(['aac,audio', 'h264,video']);
    expect(v.duration).toBeCloseTo(6, 0);
    expect(asked.some((l) => l.range?.startsWith('bytes=0-'))).toBe(true);
  });

  it('EXT-X-DISCONTINUITY between two separately encoded parts', async () => {
    const shape = await makeHlsShape('discontinuity');
    const p = parseMedia(fs.readFileSync(path.join(shape.dir, shape.master), 'utf8'), 'http://x/index.m3u8');
    expect(p.segments.filter((s) => s.discontinuity).map((s) => s.index)).toEqual([3]);
    const { v, streams } = await fetchAndCheck('discontinuity');
    expect(streams).toEqual(['aac,audio', 'h264,video']);
    expect(v.duration).toBeCloseTo(6, 0);
  });

  it('EXT-X-KEY changing mid-playlist: each segment decrypted with its own key and IV', async () => {
    const { v, streams, asked } = await fetchAndCheck('key-change', 'mp4');
    expect(streams).toEqual(['aac,audio', 'h264,video']);
    expect(v.duration).toBeCloseTo(6, 0);
    expect(
      asked
        .filter((l) => l.path.endsWith('.key'))
        .map((l) => l.path.split('/').pop())
        .sort(),
    ).toEqual(['k0.key', 'k1.key']);
  });

  it('a playlist without EXT-X-ENDLIST (live or event) is refused with a named error, nothing fetched', async () => {
    const embed = fake.embed('VOE', { hls: await makeHlsShape('live') });
    const err = await downloadHls({
      url: fake.mediaUrl(embed),
      headers: UA,
      dispatcher,
      io,
      signal: new AbortController().signal,
      dir: path.join(tmp, 'live'),
      quality: null,
      concurrency: 2,
      retries: 0,
      stallMs: 2000,
      throttle: noLimit,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(LivePlaylistError);
    expect(err.message).toMatch(/^HlsLivePlaylist: the playlist has no EXT-X-ENDLIST/);
    expect(fake.log.filter((l) => l.embed === embed.split('/').pop() && l.path.endsWith('.ts'))).toEqual([]);
  });

  it('the parser reads master playlists: variants, resolutions and their audio group', () => {
    const master =
      '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",DEFAULT=NO,URI="en.m3u8"\n' +
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="ja",DEFAULT=YES,URI="ja.m3u8"\n' +
      '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=1280x720,AUDIO="a"\nhd/index.m3u8\n' +
      '#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=640x360\nsd.m3u8\n';
    expect(parseMaster(master, 'https://h.example/x/master.m3u8')).toEqual([
      { url: 'https://h.example/x/hd/index.m3u8', bandwidth: 800000, width: 1280, height: 720, audio: 'https://h.example/x/ja.m3u8' },
      { url: 'https://h.example/x/sd.m3u8', bandwidth: 300000, width: 640, height: 360, audio: null },
    ]);
  });
});
