import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Env } from '../config.js';

/**
 * Which ffmpeg/ffprobe the product uses: FFMPEG_PATH/FFPROBE_PATH when set, else the system's
 * on PATH, else the binaries shipped by @ffmpeg-installer/@ffprobe-installer.
 */
export interface FfmpegInfo {
  ffmpeg_path: string | null;
  ffprobe_path: string | null;
  source: string;
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

function shipped(pkg: '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe'): string | null {
  try {
    const req = createRequire(import.meta.url);
    return (req(pkg) as { path: string }).path;
  } catch {
    return null;
  }
}

let cached: FfmpegInfo | null = null;

export function discoverFfmpeg(env: Pick<Env, 'FFMPEG_PATH' | 'FFPROBE_PATH'>): FfmpegInfo {
  const sysFfmpeg = onPath('ffmpeg');
  const sysFfprobe = onPath('ffprobe');
  let ffmpeg = env.FFMPEG_PATH ?? sysFfmpeg ?? shipped('@ffmpeg-installer/ffmpeg');
  let ffprobe = env.FFPROBE_PATH ?? sysFfprobe ?? shipped('@ffprobe-installer/ffprobe');
  const sources: string[] = [];
  sources.push(env.FFMPEG_PATH ? 'env' : ffmpeg === sysFfmpeg && ffmpeg ? 'system' : ffmpeg ? 'npm' : 'missing');
  sources.push(env.FFPROBE_PATH ? 'env' : ffprobe === sysFfprobe && ffprobe ? 'system' : ffprobe ? 'npm' : 'missing');
  ffmpeg = ffmpeg ?? null;
  ffprobe = ffprobe ?? null;
  const source = sources[0] === sources[1] ? sources[0]! : `ffmpeg:${sources[0]},ffprobe:${sources[1]}`;
  cached = { ffmpeg_path: ffmpeg, ffprobe_path: ffprobe, source };
  return cached;
}

/** The binaries in use (discovered once per process unless discoverFfmpeg is called again). */
export function ffmpegBinaries(env: Pick<Env, 'FFMPEG_PATH' | 'FFPROBE_PATH'>): { ffmpeg: string; ffprobe: string } {
  const info = cached ?? discoverFfmpeg(env);
  if (!info.ffmpeg_path || !info.ffprobe_path) throw new Error('ffmpeg/ffprobe not found: install ffmpeg or set FFMPEG_PATH and FFPROBE_PATH');
  return { ffmpeg: info.ffmpeg_path, ffprobe: info.ffprobe_path };
}
