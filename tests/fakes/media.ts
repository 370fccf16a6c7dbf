/**
 * Real media for tests and benchmarks, generated with ffmpeg and cached in a temp folder (keyed by
 * the parameters): a short MP4 with video + audio, and HLS (plain or AES-128) with a master
 * playlist and several variants.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
const VERSION = 'v2';

export interface Mp4Options {
  seconds?: number;
  width?: number;
  height?: number;
  /** moov atom first (streamable). */
  faststart?: boolean;
  /** Add noise so the file is big (benchmarks): a video bitrate such as '8M'. */
  bitrate?: string;
  baseDir?: string;
}

export interface HlsOptions {
  seconds?: number;
  segmentSeconds?: number;
  /** One entry per variant (height); the master playlist lists them all. */
  heights?: number[];
  aes?: boolean;
  /** Put an explicit IV in the playlist (else the media sequence number is the IV). */
  explicitIv?: boolean;
  bitrate?: string;
  baseDir?: string;
  /** fMP4 segments (`.m4s`) with an EXT-X-MAP init section instead of MPEG-TS. */
  fmp4?: boolean;
}

export interface HlsMedia {
  dir: string;
  /** Path of master.m3u8 relative to dir. */
  master: string;
  variants: { height: number; playlist: string }[];
  seconds: number;
  key: Buffer | null;
}

export function cacheDir(kind: string, opts: object, baseDir?: string): string {
  const hash = crypto.createHash('sha1').update(JSON.stringify({ kind, opts, VERSION })).digest('hex').slice(0, 12);
  return path.join(baseDir ?? path.join(os.tmpdir(), 'aniworld-media'), `${kind}-${hash}`);
}

/** Builds into a temp sibling and renames, so parallel test files never see half a cache. */
export async function cached(dir: string, build: (tmp: string) => Promise<void>): Promise<string> {
  if (fs.existsSync(path.join(dir, '.done'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  fs.mkdirSync(tmp, { recursive: true });
  await build(tmp);
  fs.writeFileSync(path.join(tmp, '.done'), '');
  try {
    fs.renameSync(tmp, dir);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // another process won the race
  }
  return dir;
}

export function sourceArgs(seconds: number, width: number, height: number, bitrate?: string): string[] {
  const video = `testsrc2=size=${width}x${height}:rate=25${bitrate ? ',noise=alls=30:allf=t' : ''}`;
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    video,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '25',
    ...(bitrate ? ['-b:v', bitrate, '-maxrate', bitrate, '-bufsize', bitrate] : []),
    '-c:a',
    'aac',
    '-b:a',
    '64k',
  ];
}

export async function makeMp4(opts: Mp4Options = {}): Promise<string> {
  const o = { seconds: 6, width: 320, height: 180, faststart: true, ...opts };
  const dir = await cached(cacheDir('mp4', { ...o, baseDir: undefined }, o.baseDir), async (tmp) => {
    await run(
      FFMPEG,
      [
        ...sourceArgs(o.seconds, o.width, o.height, o.bitrate),
        ...(o.faststart ? ['-movflags', '+faststart'] : []),
        path.join(tmp, 'video.mp4'),
      ],
      { maxBuffer: 1 << 24 },
    );
  });
  return path.join(dir, 'video.mp4');
}

export async function makeHls(opts: HlsOptions = {}): Promise<HlsMedia> {
  const o = { seconds: 6, segmentSeconds: 1, heights: [180, 360], aes: false, explicitIv: true, ...opts };
  const key = o.aes
    ? crypto
        .createHash('md5')
        .update(`key-${JSON.stringify(o)}`)
        .digest()
    : null;
  const dir = await cached(cacheDir('hls', { ...o, baseDir: undefined }, o.baseDir), async (tmp) => {
    const keyArgs: string[] = [];
    if (key) {
      fs.writeFileSync(path.join(tmp, 'enc.key'), key);
      const iv = o.explicitIv ? crypto.createHash('md5').update('iv').digest('hex') : '';
      // key URI as the playlist will carry it (relative to the variant playlist), then the local file
      fs.writeFileSync(path.join(tmp, 'keyinfo'), `../enc.key\n${path.join(tmp, 'enc.key')}\n${iv}\n`);
      keyArgs.push('-hls_key_info_file', path.join(tmp, 'keyinfo'));
    }
    const maxH = Math.max(...o.heights);
    const args = [...sourceArgs(o.seconds, Math.round((maxH * 16) / 9 / 2) * 2, maxH, o.bitrate)];
    // one encode per variant through a split filter
    const n = o.heights.length;
    const split =
      `[0:v]split=${n}${o.heights.map((_, i) => `[s${i}]`).join('')};` + o.heights.map((h, i) => `[s${i}]scale=-2:${h}[v${i}]`).join(';');
    const filterIdx = args.indexOf('-t');
    args.splice(filterIdx, 0, '-filter_complex', split);
    for (let i = 0; i < n; i++) args.push('-map', `[v${i}]`, '-map', '1:a');
    args.push(
      '-f',
      'hls',
      '-hls_time',
      String(o.segmentSeconds),
      '-hls_playlist_type',
      'vod',
      '-hls_segment_filename',
      path.join(tmp, 'v%v', o.fmp4 ? 'seg_%04d.m4s' : 'seg_%04d.ts'),
      ...(o.fmp4 ? ['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4'] : []),
      '-master_pl_name',
      'master.m3u8',
      '-var_stream_map',
      o.heights.map((_, i) => `v:${i},a:${i}`).join(' '),
      ...keyArgs,
      path.join(tmp, 'v%v', 'index.m3u8'),
    );
    await run(FFMPEG, args, { maxBuffer: 1 << 24 });
    fs.rmSync(path.join(tmp, 'keyinfo'), { force: true });
  });
  return {
    dir,
    master: 'master.m3u8',
    variants: o.heights.map((height, i) => ({ height, playlist: `v${i}/index.m3u8` })),
    seconds: o.seconds,
    key,
  };
}
