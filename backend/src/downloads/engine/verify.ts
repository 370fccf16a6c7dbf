import { execFile } from 'node:child_process';
import { DownloadError } from './errors.js';

/**
 * Checks a file before it is placed, without a full decode: ffprobe finds a video and an audio
 * stream, the duration matches the expected one within 2 %, one demux pass over every packet
 * (copy to null; for HLS the remux is that pass) reports no error, and decoding the first and the
 * last seconds gives no error. The checks run side by side.
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

export async function verifyMedia(o: { ffmpegPath: string; ffprobePath: string; file: string; expectedDuration: number | null; signal: AbortSignal; demuxPass?: boolean }): Promise<VerifyResult> {
  const base = ['-hide_banner', '-nostdin', '-v', 'error'];
  // the first and the last seconds in one decode run; both inputs read the same file
  const edges = run(o.ffmpegPath, [...base, '-xerror', '-t', '2', '-i', o.file, '-sseof', '-3', '-i', o.file, '-map', '0', '-map', '1', '-f', 'null', '-'], o.signal);
  // every packet once, without decoding (skipped when the remux already read every packet)
  const demux = o.demuxPass === false ? null : run(o.ffmpegPath, [...base, '-i', o.file, '-map', '0', '-c', 'copy', '-f', 'null', '-'], o.signal);
  for (const p of [edges, demux]) p?.catch(() => undefined); // awaited below unless an earlier check fails
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
  const checks: [string, Promise<{ code: number; stderr: string }> | null][] = [['decode of the first and last seconds', edges], ['demux pass', demux]];
  for (const [name, p] of checks) {
    if (!p) continue;
    const r = await p;
    if (r.code !== 0 || r.stderr.trim()) throw new DownloadError(`verification failed: ${name} reported errors (${firstLine(r.stderr) || `exit ${r.code}`})`);
  }
  return { duration, videoCodec: video.codec_name ?? '?', audioCodec: audio.codec_name ?? '?', width: video.width ?? null, height: video.height ?? null };
}
