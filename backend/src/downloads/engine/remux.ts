import fs from 'node:fs';
import { Readable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { DiskFullError, DownloadError } from './errors.js';

/**
 * fluent-ffmpeg checks the formats and encoders (`ffmpeg -formats`, `ffmpeg -encoders`: two ffmpeg
 * runs) before its first command in a process and keeps them (its own process-wide cache: once
 * checked, this answers at once). Asked for ahead (DownloadRuntime.remuxReady, once per app), the
 * first remux does not wait for them while its segments pile up.
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
  await (o.ready ?? checkRemuxCapabilities(o.ffmpegPath));
  const input = Readable.from(
    (async function* () {
      for await (const f of o.files) {
        if (Array.isArray(f)) yield* f;
        else yield* fs.createReadStream(f, { highWaterMark: 1 << 20 });
      }
    })(),
  );
  const outputOptions = ['-map', '0:v:0', '-map', o.audio ? '1:a:0' : '0:a?', '-c', 'copy'];
  if (o.container === 'mp4') outputOptions.push('-bsf:a', 'aac_adtstoasc', '-movflags', '+faststart', '-f', 'mp4');
  // no CRC-32 element per cluster (optional in Matroska): a third of the remux's CPU time
  else outputOptions.push('-write_crc32', '0', '-f', 'matroska');
  return new Promise<string>((resolve, reject) => {
    let stderr = '';
    let inputError: Error | null = null;
    const cmd = ffmpeg()
      .setFfmpegPath(o.ffmpegPath)
      .input(input)
      .inputOptions(['-hide_banner', '-loglevel', 'error', '-fflags', '+genpts']);
    if (o.audio) cmd.input(o.audio);
    cmd
      .outputOptions(outputOptions)
      .output(o.output)
      .on('stderr', (line: string) => {
        stderr += line + '\n';
      })
      .on('end', () => (inputError ? reject(inputError) : resolve(stderr.trim())))
      .on('error', (err: Error) => {
        if (o.signal.aborted) return reject(o.signal.reason);
        if (inputError) return reject(inputError);
        if (/No space left on device/i.test(stderr + err.message)) return reject(new DiskFullError(o.output));
        reject(new DownloadError(`remux failed: ${(stderr.trim().split('\n').pop() || err.message).slice(0, 300)}`));
      });
    const onAbort = () => cmd.kill('SIGKILL');
    o.signal.addEventListener('abort', onAbort, { once: true });
    // the segments stopped coming (download failed): never leave ffmpeg waiting on its input
    input.once('error', (err) => {
      inputError = err;
      cmd.kill('SIGKILL');
    });
    cmd.run();
  });
}
