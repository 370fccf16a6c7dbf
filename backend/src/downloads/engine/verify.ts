import { execFile } from 'node:child_process';
import { DownloadError } from './errors.js';

/**
 * Checks a file before it is placed, without decoding anything, in one ffmpeg run: a demux (copy)
 * of the first and the last seconds must give packets on a video and an audio stream without an
 * error (a file cut short has no packets where its index says the end is), and the span from the
 * first to the last packet (the duration) must match the expected one within 2 %. Optionally one
 * demux pass over every packet (for HLS the remux is that pass), side by side.
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

interface StreamInfo { type?: string; codec?: string; width?: number; height?: number; tb: number; first: number; end: number; packets: number }

/**
 * framecrc output: a header per stream (`#tb 0: 1/90000`, `#media_type 0: video`, `#codec_id 0: h264`,
 * `#dimensions 0: 854x480`) and one line per packet: `stream, dts, pts, duration, size, crc`.
 */
function parseFramecrc(text: string): Map<number, StreamInfo> {
  const streams = new Map<number, StreamInfo>();
  const get = (i: number) => {
    let st = streams.get(i);
    if (!st) streams.set(i, (st = { tb: 0, first: Infinity, end: -Infinity, packets: 0 }));
    return st;
  };
  for (const line of text.split('\n')) {
    const head = /^#(\w+) (\d+): *(.+)$/.exec(line);
    if (head) {
      const st = get(Number(head[2]));
      const v = head[3]!.trim();
      if (head[1] === 'tb') { const [n, d] = v.split('/').map(Number); st.tb = n! / d!; }
      else if (head[1] === 'media_type') st.type = v;
      else if (head[1] === 'codec_id') st.codec = v;
      else if (head[1] === 'dimensions') { const [w, h] = v.split('x').map(Number); st.width = w; st.height = h; }
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    const f = line.split(',');
    const st = get(Number(f[0]));
    const pts = Number(f[2]);
    const dur = Number(f[3]);
    if (!Number.isFinite(pts)) continue;
    st.packets++;
    st.first = Math.min(st.first, pts * st.tb);
    st.end = Math.max(st.end, (pts + (Number.isFinite(dur) ? dur : 0)) * st.tb);
  }
  return streams;
}

export async function verifyMedia(o: { ffmpegPath: string; /** unused: the one ffmpeg run reports the streams */ ffprobePath?: string; file: string; expectedDuration: number | null; signal: AbortSignal; demuxPass?: boolean }): Promise<VerifyResult> {
  const base = ['-hide_banner', '-nostdin', '-v', 'error'];
  // the first and the last seconds demuxed in one run, with the file's own timestamps
  const edges = run(o.ffmpegPath, [...base, '-copyts', '-t', '2', '-i', o.file, '-sseof', '-3', '-i', o.file, '-map', '0', '-map', '1', '-c', 'copy', '-f', 'framecrc', '-'], o.signal);
  // every packet once (skipped when the remux already read every packet)
  const demux = o.demuxPass === false ? null : run(o.ffmpegPath, [...base, '-i', o.file, '-map', '0', '-c', 'copy', '-f', 'null', '-'], o.signal);
  demux?.catch(() => undefined); // awaited below unless an earlier check fails
  const e = await edges;
  if (e.code !== 0 || e.stderr.trim()) throw new DownloadError(`verification failed: the demux of the first and last seconds reported errors (${firstLine(e.stderr) || `exit ${e.code}`})`);
  // output streams: the file's streams from the first seconds, then the same from the last ones
  const all = parseFramecrc(e.stdout);
  const count = all.size / 2;
  const head = (i: number) => all.get(i)!;
  const pick = (type: string) => [...Array(count).keys()].find((i) => head(i).type === type);
  const v = pick('video');
  const a = pick('audio');
  if (v === undefined) throw new DownloadError('verification failed: no video stream');
  if (a === undefined) throw new DownloadError('verification failed: no audio stream');
  for (const i of [v, a]) {
    for (const [at, offset] of [['first', 0], ['last', count]] as const) {
      if (!all.get(i + offset)?.packets) throw new DownloadError(`verification failed: no ${head(i).type} data in the ${at} seconds (the file is cut short or damaged)`);
    }
  }
  const start = Math.min(head(v).first, head(a).first);
  const duration = Math.max(all.get(v + count)!.end, all.get(a + count)!.end) - start;
  if (!Number.isFinite(duration) || duration <= 0) throw new DownloadError('verification failed: the file has no duration');
  if (o.expectedDuration && Math.abs(duration - o.expectedDuration) / o.expectedDuration > 0.02) {
    throw new DownloadError(`verification failed: duration ${duration.toFixed(2)} s differs from the expected ${o.expectedDuration.toFixed(2)} s by more than 2 %`);
  }
  if (demux) {
    const r = await demux;
    if (r.code !== 0 || r.stderr.trim()) throw new DownloadError(`verification failed: demux pass reported errors (${firstLine(r.stderr) || `exit ${r.code}`})`);
  }
  return { duration, videoCodec: head(v).codec ?? '?', audioCodec: head(a).codec ?? '?', width: head(v).width ?? null, height: head(v).height ?? null };
}
