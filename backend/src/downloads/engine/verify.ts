import { execFile } from 'node:child_process';
import { DownloadError } from './errors.js';

/**
 * Checks a file before it is placed, without decoding anything: ffprobe finds a video and an audio
 * stream and the duration matches the expected one within 2 %; a demux (copy) of the first and the
 * last seconds yields packets on every stream without an error (a file cut short has no packets
 * where its index says the end is). Optionally one demux pass over every packet (for HLS the remux
 * is that pass). The checks run side by side.
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
  // the first and the last seconds demuxed in one run; framecrc prints one line per packet
  const edges = run(o.ffmpegPath, [...base, '-t', '2', '-i', o.file, '-sseof', '-3', '-i', o.file, '-map', '0', '-map', '1', '-c', 'copy', '-f', 'framecrc', '-'], o.signal);
  // every packet once (skipped when the remux already read every packet)
  const demux = o.demuxPass === false ? null : run(o.ffmpegPath, [...base, '-i', o.file, '-map', '0', '-c', 'copy', '-f', 'null', '-'], o.signal);
  for (const p of [edges, demux]) p?.catch(() => undefined); // awaited below unless an earlier check fails
  const probe = await run(o.ffprobePath, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', o.file], o.signal);
  if (probe.code !== 0) throw new DownloadError(`verification failed: ffprobe cannot read the file (${firstLine(probe.stderr) || `exit ${probe.code}`})`);
  const info = JSON.parse(probe.stdout || '{}') as { streams?: { index: number; codec_type?: string; codec_name?: string; width?: number; height?: number }[]; format?: { duration?: string } };
  const video = info.streams?.find((s) => s.codec_type === 'video');
  const audio = info.streams?.find((s) => s.codec_type === 'audio');
  if (!video) throw new DownloadError('verification failed: no video stream');
  if (!audio) throw new DownloadError('verification failed: no audio stream');
  const duration = Number(info.format?.duration ?? NaN);
  if (!Number.isFinite(duration) || duration <= 0) throw new DownloadError('verification failed: the file has no duration');
  if (o.expectedDuration && Math.abs(duration - o.expectedDuration) / o.expectedDuration > 0.02) {
    throw new DownloadError(`verification failed: duration ${duration.toFixed(2)} s differs from the expected ${o.expectedDuration.toFixed(2)} s by more than 2 %`);
  }
  const e = await edges;
  if (e.code !== 0 || e.stderr.trim()) throw new DownloadError(`verification failed: the demux of the first and last seconds reported errors (${firstLine(e.stderr) || `exit ${e.code}`})`);
  const packets = new Map<number, number>();
  for (const line of e.stdout.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const stream = Number(line.slice(0, line.indexOf(',')));
    packets.set(stream, (packets.get(stream) ?? 0) + 1);
  }
  // output streams: the file's streams from the first seconds, then the same from the last ones
  const count = info.streams?.length ?? 0;
  for (const s of [video, audio]) {
    for (const [at, offset] of [['first', 0], ['last', count]] as const) {
      if (!packets.get(s.index + offset)) throw new DownloadError(`verification failed: no ${s.codec_type} data in the ${at} seconds (the file is cut short or damaged)`);
    }
  }
  if (demux) {
    const r = await demux;
    if (r.code !== 0 || r.stderr.trim()) throw new DownloadError(`verification failed: demux pass reported errors (${firstLine(r.stderr) || `exit ${r.code}`})`);
  }
  return { duration, videoCodec: video.codec_name ?? '?', audioCodec: audio.codec_name ?? '?', width: video.width ?? null, height: video.height ?? null };
}
