import { execFile } from 'node:child_process';
import { DownloadError } from './errors.js';

/**
 * Checks a file before it is placed, without a full decode: ffprobe finds a video and an audio
 * stream, the duration matches the expected one within 2 %, one demux pass over every packet
 * (copy to null) reports no error, and decoding the first and the last seconds gives no error.
 */
export interface VerifyResult {
  duration: number;
  videoCodec: string;
  audioCodec: string;
  width: number | null;
  height: number | null;
}

function run(bin: string, args: string[], signal: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { maxBuffer: 1 << 24, signal }, (err, stdout, stderr) => {
      if (signal.aborted) return reject(signal.reason);
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const firstLine = (s: string) => s.trim().split('\n').filter(Boolean).slice(0, 2).join(' | ').slice(0, 300);

export async function verifyMedia(o: { ffmpegPath: string; ffprobePath: string; file: string; expectedDuration: number | null; signal: AbortSignal }): Promise<VerifyResult> {
  const probe = await run(o.ffprobePath, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', o.file], o.signal);
  if (probe.code !== 0) throw new DownloadError(`verification failed: ffprobe cannot read the file (${firstLine(probe.stderr) || `exit ${probe.code}`})`);
  const info = JSON.parse(probe.stdout || '{}') as { streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number }[]; format?: { duration?: string } };
  const video = info.streams?.find((s) => s.codec_type === 'video');
  const audio = info.streams?.find((s) => s.codec_type === 'audio');
  if (!video) throw new DownloadError('verification failed: no video stream');
  if (!audio) throw new DownloadError('verification failed: no audio stream');
  const duration = Number(info.format?.duration ?? NaN);
  if (!Number.isFinite(duration) || duration <= 0) throw new DownloadError('verification failed: the file has no duration');
  if (o.expectedDuration && Math.abs(duration - o.expectedDuration) / o.expectedDuration > 0.02) {
    throw new DownloadError(`verification failed: duration ${duration.toFixed(2)} s differs from the expected ${o.expectedDuration.toFixed(2)} s by more than 2 %`);
  }
  const base = ['-hide_banner', '-nostdin', '-v', 'error'];
  const checks: [string, string[]][] = [
    ['demux pass', [...base, '-i', o.file, '-map', '0', '-c', 'copy', '-f', 'null', '-']],
    ['decode of the first seconds', [...base, '-xerror', '-i', o.file, '-t', '2', '-f', 'null', '-']],
    ['decode of the last seconds', [...base, '-xerror', '-sseof', '-3', '-i', o.file, '-f', 'null', '-']],
  ];
  const results = await Promise.all(checks.map(([, args]) => run(o.ffmpegPath, args, o.signal)));
  results.forEach((r, i) => {
    if (r.code !== 0 || r.stderr.trim()) throw new DownloadError(`verification failed: ${checks[i]![0]} reported errors (${firstLine(r.stderr) || `exit ${r.code}`})`);
  });
  return { duration, videoCodec: video.codec_name ?? '?', audioCodec: audio.codec_name ?? '?', width: video.width ?? null, height: video.height ?? null };
}
