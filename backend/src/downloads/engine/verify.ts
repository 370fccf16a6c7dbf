import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { mp4Duration } from './duration.js';
import { DownloadError } from './errors.js';

/**
 * Checks a file before it is placed: the first and the last seconds are demuxed (packets on a video
 * and an audio stream; a file cut short has no packets where its index says the end is) and decoded
 * (damaged picture or sound data inside intact packets shows only then), without any error, and the
 * span from the first to the last packet (the duration) must match the expected one within 2 %.
 * Nothing in between is decoded. The two ffmpeg runs can be started ahead (prepareVerify), so
 * their start-up overlaps the download. Optionally one demux pass over every packet (for HLS the
 * remux is that pass), side by side. The same checks run during a download on its ends alone:
 * edges.ts (HLS segments) and fileEdges.ts (MP4).
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

const BASE = ['-hide_banner', '-nostdin', '-v', 'error'];
/** A second output that decodes the inputs' first video and audio stream (and throws the frames away). */
const decodeOutput = (...inputs: number[]) => [...inputs.flatMap((i) => ['-map', `${i}:v:0?`, '-map', `${i}:a:0?`]), '-f', 'null', '-'];
export const firstLine = (s: string) => s.trim().split('\n').filter(Boolean).slice(0, 2).join(' | ').slice(0, 300);

export interface StreamInfo {
  type?: string;
  codec?: string;
  width?: number;
  height?: number;
  tb: number;
  first: number;
  end: number;
  packets: number;
}

/**
 * framecrc output: a header per stream (`#tb 0: 1/90000`, `#media_type 0: video`, `#codec_id 0: h264`,
 * `#dimensions 0: 854x480`) and one line per packet: `stream, dts, pts, duration, size, crc`.
 */
export function parseFramecrc(text: string): Map<number, StreamInfo> {
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
      if (head[1] === 'tb') {
        const [n, d] = v.split('/').map(Number);
        st.tb = n! / d!;
      } else if (head[1] === 'media_type') st.type = v;
      else if (head[1] === 'codec_id') st.codec = v;
      else if (head[1] === 'dimensions') {
        const [w, h] = v.split('x').map(Number);
        st.width = w;
        st.height = h;
      }
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

/** The two ffmpeg runs of a verification, started ahead: each waits for its input list on a pipe. */
export interface Verifier {
  /** Checks the finished file; the processes only open it now. */
  run(file: string, expectedDuration: number | null): Promise<VerifyResult>;
  /** Stops the waiting processes (the download failed). */
  cancel(): void;
}

export interface Waiting {
  send(script: string): void;
  done: Promise<{ code: number; stdout: string; stderr: string }>;
  kill(): void;
}

/**
 * An ffmpeg that demuxes (framecrc: streams and packet timestamps) what a concat list read from
 * pipe 3 names: started at once, it has loaded its libraries (most of a short run's time) by the
 * time the file is finished.
 */
export function spawnWaiting(bin: string, inputOptions: string[], signal: AbortSignal): Waiting {
  const w = spawnWaitingMany(bin, [inputOptions], signal);
  return {
    send: (script) => w.send(0, script),
    done: w.done.then((r) => ({ code: r.code, stdout: r.outputs[0]!, stderr: r.stderr })),
    kill: w.kill,
  };
}

export interface WaitingMany {
  /** Names input `i`'s files (its concat list). */
  send(i: number, script: string): void;
  /** `outputs[i]`: input i's framecrc. */
  done: Promise<{ code: number; outputs: string[]; stderr: string }>;
  kill(): void;
}

/**
 * As spawnWaiting, for several inputs in one ffmpeg (one start-up instead of one each): input i
 * reads its concat list from pipe 3 + i, its framecrc comes out of pipe 3 + n + i, and its first
 * video and audio stream are decoded. ffmpeg opens the inputs in order: each list is awaited in turn.
 */
export function spawnWaitingMany(bin: string, inputs: string[][], signal: AbortSignal): WaitingMany {
  const n = inputs.length;
  const args = [...BASE, '-copyts'];
  for (const [i, opts] of inputs.entries())
    args.push(...opts, '-f', 'concat', '-safe', '0', '-protocol_whitelist', 'file,pipe', '-i', `pipe:${3 + i}`);
  for (let i = 0; i < n; i++) args.push('-map', String(i), '-c', 'copy', '-f', 'framecrc', `pipe:${3 + n + i}`);
  args.push(...decodeOutput(...inputs.map((_, i) => i)));
  const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe', ...Array.from({ length: 2 * n }, () => 'pipe' as const)] });
  const lists = Array.from({ length: n }, (_, i) => p.stdio[3 + i] as Writable);
  for (const l of lists) l.on('error', () => undefined); // ffmpeg gone: its exit says why
  const kill = () => {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  };
  signal.addEventListener('abort', kill, { once: true });
  const outputs = Array.from({ length: n }, () => '');
  for (let i = 0; i < n; i++)
    (p.stdio[3 + n + i] as Readable).setEncoding('utf8').on('data', (d: string) => {
      outputs[i] += d;
    });
  let stderr = '';
  p.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<{ code: number; outputs: string[]; stderr: string }>((resolve, reject) => {
    p.once('error', reject);
    p.once('close', (code) => {
      signal.removeEventListener('abort', kill);
      if (signal.aborted) reject(signal.reason);
      else resolve({ code: code ?? 1, outputs, stderr });
    });
  });
  done.catch(() => undefined); // awaited by run(); a cancelled one is never awaited
  return { send: (i, script) => lists[i]!.end(script), done, kill };
}

/** The ffconcat list naming files (absolute, quoted), the first optionally from a point in time. */
export function concatList(files: string | string[], inpoint: number | null = null): string {
  const quoted = (f: string) => `'${`file:${path.resolve(f)}`.replace(/'/g, `'\\''`)}'`;
  const [first, ...rest] = typeof files === 'string' ? [files] : files;
  return `ffconcat version 1.0\nfile ${quoted(first!)}\n${
    inpoint !== null ? `inpoint ` + `${inpoint.toFixed(3)}\n` : ''
  }${rest.map((f) => `file ${quoted(f)}\n`).join('')}`;
}

/**
 * Starts a verification's ffmpeg runs ahead of the file being finished: the first 2 seconds and the
 * last ones (from 3 s before the end; with an expected duration from the playlist, 2 % earlier still,
 * the tolerance of the duration check) are demuxed side by side once `run` names the file.
 */
export function prepareVerify(o: { ffmpegPath: string; signal: AbortSignal }): Verifier {
  const head = spawnWaiting(o.ffmpegPath, ['-t', '2'], o.signal);
  const tail = spawnWaiting(o.ffmpegPath, [], o.signal);
  const cancel = () => {
    head.kill();
    tail.kill();
  };
  return {
    cancel,
    async run(file, expectedDuration) {
      try {
        const known = expectedDuration ? expectedDuration * 0.98 : await mp4Duration(file).catch(() => null);
        if (known === null) {
          cancel(); // not an MP4 with an index duration: ffmpeg finds the end itself
          return await verifyMedia({ ffmpegPath: o.ffmpegPath, file, expectedDuration, signal: o.signal, demuxPass: false });
        }
        head.send(concatList(file, 0));
        tail.send(concatList(file, Math.max(0, known - 3)));
        const [h, t] = await Promise.all([head.done, tail.done]);
        for (const r of [h, t]) {
          if (r.code !== 0 || r.stderr.trim())
            throw new DownloadError(
              `verification failed: the first and last seconds reported errors (${firstLine(r.stderr) || `exit ${r.code}`})`,
            );
        }
        const inpoint = Math.max(0, known - 3);
        return judge(parseFramecrc(h.stdout), parseFramecrc(t.stdout), inpoint, expectedDuration);
      } finally {
        cancel();
      }
    },
  };
}

/**
 * Starts the verification's runs ahead when the download leaves the CPU time for it: at three
 * quarters, if the rest will take a while yet (a download from a real hoster). A download that
 * finishes in a blink keeps both cores busy itself; loading ffmpeg (twice) then would only slow it,
 * so its file is checked afterwards in one ffmpeg run.
 */
export class VerifyAhead {
  private v: Verifier | null = null;
  private decided = false;
  private readonly started = performance.now();

  constructor(private o: { ffmpegPath: string; signal: AbortSignal }) {}

  progress(done: number, total: number | null): void {
    if (this.decided || !total || done < total * 0.75) return;
    this.decided = true;
    const elapsed = performance.now() - this.started;
    const rest = (elapsed / done) * (total - done);
    if (rest >= AHEAD_MIN_REST_MS) this.v = prepareVerify(this.o);
  }

  run(file: string, expectedDuration: number | null): Promise<VerifyResult> {
    if (this.v) return this.v.run(file, expectedDuration);
    return verifyMedia({ ffmpegPath: this.o.ffmpegPath, file, expectedDuration, signal: this.o.signal, demuxPass: false });
  }

  cancel(): void {
    this.v?.cancel();
  }
}

/** Time left at 75 % below which the runs are not started ahead. */
const AHEAD_MIN_REST_MS = 300;

/**
 * The checks on the demuxed edges: a video and an audio stream, packets of both in the first and
 * in the last seconds, and the span from the first to the last packet (the duration) within 2 %
 * of the expected one. `tailOffset`: added to the tail's timestamps to make them the file's own.
 */
function judge(
  head: Map<number, StreamInfo>,
  tail: Map<number, StreamInfo>,
  tailOffset: number,
  expectedDuration: number | null,
): VerifyResult {
  const { v, a, result } = checkStreams(head, tail);
  const start = Math.min(head.get(v)!.first, head.get(a)!.first);
  const duration = Math.max(tail.get(v)!.end, tail.get(a)!.end) + tailOffset - start;
  checkDuration(duration, expectedDuration);
  return { ...result, duration };
}

/** A video and an audio stream, with packets of both in the first and in the last seconds. */
export function checkStreams(
  head: Map<number, StreamInfo>,
  tail: Map<number, StreamInfo>,
): { v: number; a: number; result: Omit<VerifyResult, 'duration'> } {
  const ids = [...head.keys()];
  const v = ids.find((i) => head.get(i)!.type === 'video');
  const a = ids.find((i) => head.get(i)!.type === 'audio');
  if (v === undefined) throw new DownloadError('verification failed: no video stream');
  if (a === undefined) throw new DownloadError('verification failed: no audio stream');
  for (const i of [v, a]) {
    for (const [at, part] of [
      ['first', head],
      ['last', tail],
    ] as const) {
      if (!part.get(i)?.packets)
        throw new DownloadError(
          `verification failed: no ${head.get(i)!.type} data in the ${at} seconds (the file is cut short or damaged)`,
        );
    }
  }
  const hv = head.get(v)!;
  return {
    v,
    a,
    result: { videoCodec: hv.codec ?? '?', audioCodec: head.get(a)!.codec ?? '?', width: hv.width ?? null, height: hv.height ?? null },
  };
}

/** The duration must be there and within 2 % of the expected one. */
export function checkDuration(duration: number | null, expectedDuration: number | null): void {
  if (duration === null || !Number.isFinite(duration) || duration <= 0)
    throw new DownloadError('verification failed: the file has no duration');
  if (expectedDuration && Math.abs(duration - expectedDuration) / expectedDuration > 0.02) {
    throw new DownloadError(
      `verification failed: duration ${duration.toFixed(2)} s differs from the expected ${expectedDuration.toFixed(2)} s by more than 2 %`,
    );
  }
}

/** The whole check in one ffmpeg run, for a file that is already there (see prepareVerify). */
export async function verifyMedia(o: {
  ffmpegPath: string;
  /** unused: the ffmpeg runs report the streams */ ffprobePath?: string;
  file: string;
  expectedDuration: number | null;
  signal: AbortSignal;
  demuxPass?: boolean;
}): Promise<VerifyResult> {
  // every packet once (skipped when the remux already read every packet)
  const demux =
    o.demuxPass === false ? null : run(o.ffmpegPath, [...BASE, '-i', o.file, '-map', '0', '-c', 'copy', '-f', 'null', '-'], o.signal);
  demux?.catch(() => undefined); // awaited below unless an earlier check fails
  // the first and the last seconds demuxed in one run, with the file's own timestamps
  const e = await run(
    o.ffmpegPath,
    [
      ...BASE,
      '-copyts',
      '-t',
      '2',
      '-i',
      o.file,
      '-sseof',
      '-3',
      '-i',
      o.file,
      '-map',
      '0',
      '-map',
      '1',
      '-c',
      'copy',
      '-f',
      'framecrc',
      '-',
      ...decodeOutput(0, 1),
    ],
    o.signal,
  );
  if (e.code !== 0 || e.stderr.trim())
    throw new DownloadError(`verification failed: the first and last seconds reported errors (${firstLine(e.stderr) || `exit ${e.code}`})`);
  // output streams: the file's streams from the first seconds, then the same from the last ones
  const all = parseFramecrc(e.stdout);
  const count = all.size / 2;
  const head = new Map([...all].filter(([i]) => i < count));
  const tail = new Map([...all].filter(([i]) => i >= count).map(([i, st]) => [i - count, st]));
  const result = judge(head, tail, 0, o.expectedDuration);
  if (demux) {
    const r = await demux;
    if (r.code !== 0 || r.stderr.trim())
      throw new DownloadError(`verification failed: demux pass reported errors (${firstLine(r.stderr) || `exit ${r.code}`})`);
  }
  return result;
}
