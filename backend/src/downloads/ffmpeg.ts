import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Env } from '../config.js';

/**
 * Which ffmpeg/ffprobe the product uses: FFMPEG_PATH/FFPROBE_PATH when set, else the system's
 * on PATH. Both must be FFmpeg 5 or newer (they decode media from untrusted hosts): an older or
 * missing one leaves the product running with downloads disabled, said by /health/detailed and
 * the UI's banner.
 */
export const MIN_FFMPEG_MAJOR = 5;
/** FFmpeg 5.0 came out in January 2022: a git snapshot built before that is older. */
const MIN_SNAPSHOT_YEAR = 2022;

export interface FfmpegInfo {
  ffmpeg_path: string | null;
  ffprobe_path: string | null;
  source: string;
  /** `checking` until both binaries answered `-version`; downloads run only when `ok`. */
  status?: 'checking' | 'ok' | 'too_old' | 'missing';
  ffmpeg_version?: string | null;
  ffprobe_version?: string | null;
  message?: string;
}

function onPath(bin: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, bin);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return null;
}

export function discoverFfmpeg(env: Pick<Env, 'FFMPEG_PATH' | 'FFPROBE_PATH'>): FfmpegInfo {
  const ffmpeg = env.FFMPEG_PATH ?? onPath('ffmpeg');
  const ffprobe = env.FFPROBE_PATH ?? onPath('ffprobe');
  const sources = [env.FFMPEG_PATH ? 'env' : ffmpeg ? 'system' : 'missing', env.FFPROBE_PATH ? 'env' : ffprobe ? 'system' : 'missing'];
  const source = sources[0] === sources[1] ? sources[0]! : `ffmpeg:${sources[0]},ffprobe:${sources[1]}`;
  return { ffmpeg_path: ffmpeg, ffprobe_path: ffprobe, source };
}

/** The binaries in use (looked up on each call: a few access checks, no process-wide cache). */
export function ffmpegBinaries(env: Pick<Env, 'FFMPEG_PATH' | 'FFPROBE_PATH'>): { ffmpeg: string; ffprobe: string } {
  const info = discoverFfmpeg(env);
  if (!info.ffmpeg_path || !info.ffprobe_path)
    throw new Error('ffmpeg/ffprobe not found: install ffmpeg or set FFMPEG_PATH and FFPROBE_PATH');
  return { ffmpeg: info.ffmpeg_path, ffprobe: info.ffprobe_path };
}

/**
 * The version from the first line of `ffmpeg -version` / `ffprobe -version`: a release
 * (`5.1.9-0+deb12u1`, `n6.1`) is judged by its major number, a git snapshot (`N-47683-g0e8eb07980`)
 * by its copyright year.
 */
export function judgeVersion(firstLine: string): { version: string | null; current: boolean } {
  const m = /version\s+(\S+)/.exec(firstLine);
  if (!m) return { version: null, current: false };
  const version = m[1];
  const release = /^n?(\d+)\.(\d+)/.exec(version);
  if (release) return { version, current: Number(release[1]) >= MIN_FFMPEG_MAJOR };
  const year = /Copyright \(c\) \d{4}-(\d{4})/.exec(firstLine);
  return { version, current: year !== null && Number(year[1]) >= MIN_SNAPSHOT_YEAR };
}

function firstLineOf(bin: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(bin, ['-version'], { timeout: 10_000, maxBuffer: 1 << 20 }, (err, stdout) =>
      resolve(err ? null : (stdout.split('\n')[0] ?? '')),
    );
  });
}

/** Runs both binaries once and says whether downloads can use them. */
export async function checkFfmpeg(env: Pick<Env, 'FFMPEG_PATH' | 'FFPROBE_PATH'>): Promise<FfmpegInfo> {
  const found = discoverFfmpeg(env);
  const [ffmpegLine, ffprobeLine] = await Promise.all([
    found.ffmpeg_path ? firstLineOf(found.ffmpeg_path) : null,
    found.ffprobe_path ? firstLineOf(found.ffprobe_path) : null,
  ]);
  const ffmpeg = ffmpegLine === null ? null : judgeVersion(ffmpegLine);
  const ffprobe = ffprobeLine === null ? null : judgeVersion(ffprobeLine);
  const versions = { ffmpeg_version: ffmpeg?.version ?? null, ffprobe_version: ffprobe?.version ?? null };
  if (!ffmpeg || !ffprobe) {
    const missing = [!ffmpeg && 'ffmpeg', !ffprobe && 'ffprobe'].filter(Boolean).join(' and ');
    return {
      ...found,
      ...versions,
      status: 'missing',
      message:
        `${missing} not found or not runnable: downloads are disabled until FFmpeg ${MIN_FFMPEG_MAJOR} or newer is installed (or ` +
        `FFMPEG_PATH/FFPROBE_PATH set)`,
    };
  }
  if (!ffmpeg.current || !ffprobe.current) {
    const old = !ffmpeg.current ? `ffmpeg ${ffmpeg.version ?? '(unknown version)'}` : `ffprobe ${ffprobe.version ?? '(unknown version)'}`;
    return {
      ...found,
      ...versions,
      status: 'too_old',
      message:
        `found ${old}: downloads are disabled until FFmpeg ${MIN_FFMPEG_MAJOR} or newer is installed (or FFMPEG_PATH/FFPROBE_PATH ` +
        `set)`,
    };
  }
  return { ...found, ...versions, status: 'ok', message: `ffmpeg ${ffmpeg.version}, ffprobe ${ffprobe.version}` };
}
