import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { DiskFullError, DownloadError } from './errors.js';

/**
 * fluent-ffmpeg checks the formats and encoders (`ffmpeg -formats`, `ffmpeg -encoders`: two ffmpeg
 * runs) before its first command in a process and keeps them (its own process-wide cache: once
 * checked, this answers at once). Asked for ahead (DownloadRuntime.remuxReady, once per app, from
 * the first HLS download while its playlists load), no remux waits for them.
 */
export function checkRemuxCapabilities(ffmpegPath: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const cmd = ffmpeg().setFfmpegPath(ffmpegPath);
    cmd.availableFormats(() => cmd.availableEncoders(() => resolve()));
  });
}

/**
 * Joins the segments in order (piped, no joined copy on disk; each given as its chunks or as a file)
 * and remuxes with `-c copy`.
 * Resolves with what ffmpeg reported at level error (empty when clean): the remux reads every
 * packet, so it doubles as the verification's demux pass.
 */
export async function remuxSegments(o: {
  ffmpegPath: string;
  files: Iterable<string | Buffer[]> | AsyncIterable<string | Buffer[]>;
  output: string;
  container: 'mkv' | 'mp4';
  signal: AbortSignal;
  /** A separate audio rendition's file (EXT-X-MEDIA): muxed in instead of the segments' own audio. */
  audio?: string | null;
  /** The capability check already under way (DownloadRuntime.remuxReady): else fluent-ffmpeg would run a second one. */
  ready?: Promise<void>;
}): Promise<string> {
  if (o.signal.aborted) throw o.signal.reason;
  await (o.ready ?? checkRemuxCapabilities(o.ffmpegPath));
  const outputOptions = ['-map', '0:v:0', '-map', o.audio ? '1:a:0' : '0:a?', '-c', 'copy'];
  if (o.container === 'mp4') outputOptions.push('-bsf:a', 'aac_adtstoasc', '-movflags', '+faststart', '-f', 'mp4');
  // no CRC-32 element per cluster (optional in Matroska): a third of the remux's CPU time
  else outputOptions.push('-write_crc32', '0', '-f', 'matroska');
  // the segments are written to ffmpeg's stdin by feed() below, not piped through a stream of
  // fluent-ffmpeg's: a segment held in memory goes out in one write
  const cmd = ffmpeg()
    .setFfmpegPath(o.ffmpegPath)
    .input('pipe:0')
    // -nostdin: ffmpeg does not read keys from stdin (its input comes through it here)
    .inputOptions(['-hide_banner', '-nostdin', '-loglevel', 'error', '-fflags', '+genpts']);
  if (o.audio) cmd.input(o.audio);
  cmd.outputOptions(outputOptions).output(o.output);

  let stderr = '';
  let inputError: unknown = null;
  let fed: Promise<boolean> = Promise.resolve(false);
  const exited = new Promise<Error | null>((resolve) => {
    cmd
      .on('stderr', (line: string) => {
        stderr += line + '\n';
      })
      .on('start', () => {
        const stdin = (cmd as unknown as { ffmpegProc: ChildProcess }).ffmpegProc.stdin!;
        stdin.on('error', () => undefined); // ffmpeg gone: its exit says why
        fed = feed(stdin, o.files, exited).catch((err: unknown) => {
          // the segments stopped coming (download failed): never leave ffmpeg waiting on its input
          inputError = err;
          cmd.kill('SIGKILL');
          return false;
        });
      })
      .on('end', () => resolve(null))
      .on('error', (err: Error) => resolve(err));
  });
  const onAbort = () => cmd.kill('SIGKILL');
  o.signal.addEventListener('abort', onAbort, { once: true });
  cmd.run();
  const err = await exited;
  const complete = await fed;
  o.signal.removeEventListener('abort', onAbort);
  if (o.signal.aborted) throw o.signal.reason;
  if (inputError) throw inputError;
  if (!err) {
    if (!complete) throw new DownloadError('remux failed: ffmpeg ended before it had read every segment');
    return stderr.trim();
  }
  if (/No space left on device/i.test(stderr + err.message)) throw new DiskFullError(o.output);
  throw new DownloadError(`remux failed: ${(stderr.trim().split('\n').pop() || err.message).slice(0, 300)}`);
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
