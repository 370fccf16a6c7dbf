/**
 * HLS playlists of the shapes hosters serve, built from real media (ffmpeg) and cached like
 * media.ts: each is an `HlsMedia` the fake hosters serve (`fake.embed('VOE', { hls })`).
 *
 *   'audio'         master with EXT-X-MEDIA TYPE=AUDIO: video-only variant, audio in its own playlist
 *   'byterange'     one .ts file, segments as EXT-X-BYTERANGE
 *   'map-byterange' fMP4 in one file: EXT-X-MAP with BYTERANGE, byte-range segments
 *   'discontinuity' two separately encoded parts (timestamps restart) joined by EXT-X-DISCONTINUITY
 *   'key-change'    AES-128 with a new EXT-X-KEY (key and IV) halfway
 *   'live'          a playlist without EXT-X-ENDLIST (an event stream)
 * Every shape is 6 seconds (two parts of 3 for 'discontinuity'), 360p video and AAC audio.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir, cached, FFMPEG, run, sourceArgs, type HlsMedia } from './media.js';

export type HlsShape = 'audio' | 'byterange' | 'map-byterange' | 'discontinuity' | 'key-change' | 'live';

const SECONDS = 6;
const hls = (playlist: string, extra: string[] = []) => ['-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod', ...extra, playlist];
const source = (seconds: number) => sourceArgs(seconds, 640, 360);
const media = (dir: string, playlist: string, key: Buffer | null = null): HlsMedia => ({
  dir,
  master: playlist,
  variants: [{ height: 360, playlist }],
  seconds: SECONDS,
  key,
});

async function build(shape: HlsShape, tmp: string): Promise<void> {
  const ff = (args: string[]) => run(FFMPEG, args, { maxBuffer: 1 << 24 });
  switch (shape) {
    case 'audio': {
      fs.mkdirSync(path.join(tmp, 'video'));
      fs.mkdirSync(path.join(tmp, 'audio'));
      await ff([
        ...source(SECONDS),
        '-map',
        '0:v',
        ...hls(path.join(tmp, 'video', 'index.m3u8'), ['-hls_segment_filename', path.join(tmp, 'video', 'seg_%04d.ts')]),
      ]);
      await ff([
        ...source(SECONDS),
        '-map',
        '1:a',
        ...hls(path.join(tmp, 'audio', 'index.m3u8'), ['-hls_segment_filename', path.join(tmp, 'audio', 'aud_%04d.ts')]),
      ]);
      fs.writeFileSync(
        path.join(tmp, 'master.m3u8'),
        [
          '#EXTM3U',
          '#EXT-X-VERSION:4',
          '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="Japanese",LANGUAGE="ja",DEFAULT=YES,AUTOSELECT=YES,URI="audio/index.m3u8"',
          '#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.42c01e,mp4a.40.2",AUDIO="aac"',
          'video/index.m3u8',
          '',
        ].join('\n'),
      );
      return;
    }
    case 'byterange':
      await ff([
        ...source(SECONDS),
        ...hls(path.join(tmp, 'index.m3u8'), ['-hls_flags', 'single_file', '-hls_segment_filename', path.join(tmp, 'all.ts')]),
      ]);
      return;
    case 'map-byterange':
      await ff([
        ...source(SECONDS),
        ...hls(path.join(tmp, 'index.m3u8'), [
          '-hls_segment_type',
          'fmp4',
          '-hls_flags',
          'single_file',
          '-hls_segment_filename',
          path.join(tmp, 'all.mp4'),
        ]),
      ]);
      return;
    case 'discontinuity': {
      for (const part of ['a', 'b']) {
        fs.mkdirSync(path.join(tmp, part));
        await ff([
          ...source(SECONDS / 2),
          ...hls(path.join(tmp, part, 'index.m3u8'), ['-hls_segment_filename', path.join(tmp, part, 'seg_%04d.ts')]),
        ]);
      }
      const body = (part: string) =>
        fs
          .readFileSync(path.join(tmp, part, 'index.m3u8'), 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('#EXTINF') || l.endsWith('.ts'))
          .map((l) => (l.endsWith('.ts') ? `${part}/${l}` : l));
      fs.writeFileSync(
        path.join(tmp, 'index.m3u8'),
        [
          '#EXTM3U',
          '#EXT-X-VERSION:3',
          '#EXT-X-TARGETDURATION:1',
          '#EXT-X-MEDIA-SEQUENCE:0',
          '#EXT-X-PLAYLIST-TYPE:VOD',
          ...body('a'),
          '#EXT-X-DISCONTINUITY',
          ...body('b'),
          '#EXT-X-ENDLIST',
          '',
        ].join('\n'),
      );
      return;
    }
    case 'key-change': {
      await ff([...source(SECONDS), ...hls(path.join(tmp, 'plain.m3u8'), ['-hls_segment_filename', path.join(tmp, 'plain_%04d.ts')])]);
      const lines = fs.readFileSync(path.join(tmp, 'plain.m3u8'), 'utf8').split('\n');
      const segs = lines.filter((l) => l.endsWith('.ts'));
      const keys = [0, 1].map((i) => crypto.createHash('md5').update(`key-change-${i}`).digest());
      const ivs = [0, 1].map((i) => crypto.createHash('md5').update(`iv-${i}`).digest());
      keys.forEach((k, i) => fs.writeFileSync(path.join(tmp, `k${i}.key`), k));
      const out = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:1', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD'];
      segs.forEach((seg, n) => {
        const part = n < segs.length / 2 ? 0 : 1;
        if (n === 0 || n === Math.ceil(segs.length / 2))
          out.push(`#EXT-X-KEY:METHOD=AES-128,URI="k${part}.key",IV=0x${ivs[part]!.toString('hex')}`);
        const c = crypto.createCipheriv('aes-128-cbc', keys[part]!, ivs[part]!);
        fs.writeFileSync(
          path.join(tmp, `enc_${String(n).padStart(4, '0')}.ts`),
          Buffer.concat([c.update(fs.readFileSync(path.join(tmp, seg))), c.final()]),
        );
        out.push(lines[lines.indexOf(seg) - 1]!, `enc_${String(n).padStart(4, '0')}.ts`);
      });
      fs.writeFileSync(path.join(tmp, 'index.m3u8'), [...out, '#EXT-X-ENDLIST', ''].join('\n'));
      return;
    }
    case 'live':
      await ff([
        ...source(SECONDS),
        '-f',
        'hls',
        '-hls_time',
        '1',
        '-hls_playlist_type',
        'event',
        '-hls_segment_filename',
        path.join(tmp, 'seg_%04d.ts'),
        path.join(tmp, 'index.m3u8'),
      ]);
      fs.writeFileSync(path.join(tmp, 'index.m3u8'), fs.readFileSync(path.join(tmp, 'index.m3u8'), 'utf8').replace('#EXT-X-ENDLIST\n', ''));
      return;
  }
}

export async function makeHlsShape(shape: HlsShape): Promise<HlsMedia> {
  const dir = await cached(cacheDir(`hls-${shape}`, { shape }), (tmp) => build(shape, tmp));
  return media(dir, shape === 'audio' ? 'master.m3u8' : 'index.m3u8');
}
