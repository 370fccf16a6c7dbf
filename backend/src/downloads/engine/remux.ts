import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { DiskFullError, DownloadError } from './errors.js';

/**
 * Joins the segments in order (piped, no joined copy on disk; each given as its chunks or as a file)
 * and remuxes with `-c copy`.
 * Resolves with what ffmpeg reported at level error (empty when clean): the remux reads every
 * packet, so it doubles as the verification's demux pass.
 *
 * ffmpeg is spawned directly: fluent-ffmpeg ran `ffmpeg -formats` and `ffmpeg -encoders` before its
 * first command (two more ffmpeg processes, a tenth of a fast download's CPU time) to check what the
 * remux itself reports (an unknown muxer fails it at once).
 */
export async function remuxSegments(o: {
  ffmpegPath: string;
  files: Iterable<string | Buffer[]> | AsyncIterable<string | Buffer[]>;
  output: string;
  container: 'mkv' | 'mp4';
  signal: AbortSignal;
  /** A separate audio rendition's file (EXT-X-MEDIA): muxed in instead of the segments' own audio. */
  audio?: string | null;
}): Promise<string> {
  if (o.signal.aborted) throw o.signal.reason;
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-fflags', '+genpts', '-i', 'pipe:0'];
  if (o.audio) args.push('-i', o.audio);
  args.push('-y', '-map', '0:v:0', '-map', o.audio ? '1:a:0' : '0:a?', '-c', 'copy');
  if (o.container === 'mp4') args.push('-bsf:a', 'aac_adtstoasc', '-movflags', '+faststart', '-f', 'mp4');
  // no CRC-32 element per cluster (optional in Matroska): a third of the remux's CPU time
  else args.push('-write_crc32', '0', '-f', 'matroska');
  args.push(o.output);
  // -nostdin: ffmpeg does not read keys from stdin (its input comes through it here)
  const p = spawn(o.ffmpegPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const kill = () => {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  };
  o.signal.addEventListener('abort', kill, { once: true });
  const exited = new Promise<{ code: number | null; err: Error | null }>((resolve) => {
    p.once('error', (err) => resolve({ code: null, err }));
    p.once('close', (code) => resolve({ code, err: null }));
  });
  const stdin = p.stdin!;
  stdin.on('error', () => undefined); // ffmpeg gone: its exit says why
  let inputError: unknown = null;
  let fed = false;
  try {
    fed = await feed(stdin, o.files, exited);
  } catch (err) {
    // the segments stopped coming (download failed): never leave ffmpeg waiting on its input
    inputError = err;
    kill();
  }
  const { code, err } = await exited;
  o.signal.removeEventListener('abort', kill);
  if (o.signal.aborted) throw o.signal.reason;
  if (inputError) throw inputError;
  if (code === 0 && !err) {
    if (!fed) throw new DownloadError('remux failed: ffmpeg ended before it had read every segment');
    return stderr.trim();
  }
  if (/No space left on device/i.test(stderr)) throw new DiskFullError(o.output);
  throw new DownloadError(`remux failed: ${(stderr.trim().split('\n').pop() || err?.message || `exit ${code}`).slice(0, 300)}`);
}

/** Writes the segments to ffmpeg's stdin in order, pausing while the pipe is full, and ends it; false when ffmpeg left first. */
async function feed(
  stdin: Writable,
  files: Iterable<string | Buffer[]> | AsyncIterable<string | Buffer[]>,
  exited: Promise<unknown>,
): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const drained = () => Promise.race([once(stdin, 'drain'), exited]);
  for await (const f of files) {
    if (gone) return false;
    if (Array.isArray(f)) {
      // a segment in memory goes out in one writev (its chunks corked), not one write per chunk
      stdin.cork();
      let room = true;
      for (const c of f) room = stdin.write(c);
      stdin.uncork();
      if (!room) await drained();
    } else
      for await (const c of fs.createReadStream(f, { highWaterMark: 1 << 20 })) {
        if (gone) return false;
        if (!stdin.write(c)) await drained();
      }
  }
  if (gone) return false;
  stdin.end();
  return true;
}
