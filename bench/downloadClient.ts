/**
 * The product's downloader as the benchmark runs it: the same engine the download job uses
 * (HLS segments in parallel with the remux piped alongside, or MP4 with Range resume), then
 * verification, then placement under the final name. Prints one JSON line with its timings and
 * `placed_at` (epoch ms, comparable with the bench's clock), the moment the placed file exists.
 *
 *   tsx bench/downloadClient.ts <hls|mp4> <url> <workDir> [concurrency]
 * The partial files stay in <workDir>/.part between runs (a killed run resumes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Agent } from 'undici';
import { DownloadsConfig } from '../backend/src/downloads/configSchema.js';
import { downloadHls } from '../backend/src/downloads/engine/hls.js';
import { downloadMp4 } from '../backend/src/downloads/engine/mp4.js';
import { checkRemuxCapabilities, remuxSegments } from '../backend/src/downloads/engine/remux.js';
import { VerifyAhead } from '../backend/src/downloads/engine/verify.js';
import { SegmentEdges } from '../backend/src/downloads/engine/edges.js';
import { FileEdges } from '../backend/src/downloads/engine/fileEdges.js';
import { Throttle } from '../backend/src/downloads/engine/throttle.js';
import { createMediaIo } from '../backend/src/downloads/engine/io.js';
import { placeFile } from '../backend/src/downloads/place.js';
import { ffmpegBinaries } from '../backend/src/downloads/ffmpeg.js';

const [mode, url, workDir, conc] = process.argv.slice(2);
if (!mode || !url || !workDir) throw new Error('usage: downloadClient <hls|mp4> <url> <workDir> [concurrency]');
const part = path.join(workDir, '.part');
fs.mkdirSync(part, { recursive: true });
const bins = ffmpegBinaries({});
const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
const io = createMediaIo();
const signal = new AbortController().signal;
const common = { headers: { 'user-agent': 'Mozilla/5.0 bench' }, dispatcher, io, signal, stallMs: 30_000, throttle: new Throttle(() => 0) };

// fluent-ffmpeg checks ffmpeg's formats and encoders once per process (two ffmpeg runs): a running
// server did so at its first HLS download, so this one-off is before the clock, not in every run
if (mode === 'hls') await checkRemuxCapabilities(bins.ffmpeg);
const t0 = performance.now();
// as attempt.ts: the checks start with the download
const verifier = new VerifyAhead({ ffmpegPath: bins.ffmpeg, signal });
const edges = mode === 'hls' ? new SegmentEdges({ ffmpegPath: bins.ffmpeg, signal }) : null;
const mp4File = path.join(part, 'download.mp4');
const fileEdges =
  mode === 'mp4'
    ? new FileEdges({
        ffmpegPath: bins.ffmpeg,
        signal,
        file: mp4File,
        resumed: fs.existsSync(mp4File) && fs.statSync(mp4File).size > 0,
        request: { url, headers: common.headers, dispatcher, io, signal },
        throttle: common.throttle,
      })
    : null;
const onProgress = edges
  ? undefined
  : (done: number, total: number | null) => {
      fileEdges!.progress(done, total);
      if (!fileEdges!.active) verifier.progress(done, total);
    };
let file: string;
let expected: number | null = null;
let ext: 'mkv' | 'mp4';
let remuxErrors = '';
if (mode === 'hls') {
  ext = 'mkv';
  file = path.join(part, 'video.mkv');
  fs.rmSync(file, { force: true });
  const r = await downloadHls({
    ...common,
    url,
    dir: path.join(part, 'segments'),
    quality: null,
    concurrency: Number(conc ?? DownloadsConfig.parse({}).hls_segment_concurrency),
    retries: 4,
    onProgress,
    watcher: edges!,
    consume: async (files) => {
      remuxErrors = await remuxSegments({ ffmpegPath: bins.ffmpeg, files, output: file, container: 'mkv', signal });
    },
  });
  if (remuxErrors) throw new Error(`remux reported errors: ${remuxErrors}`);
  expected = r.totalDuration;
} else {
  ext = 'mp4';
  file = mp4File;
  await downloadMp4({ ...common, url, file, maxBytes: 50 * 1024 ** 3, onProgress });
}
const t1 = performance.now();
if (edges) await edges.check(file, ext, expected!);
else if (!(await fileEdges!.result())) await verifier.run(file, expected);
fileEdges?.cancel();
const t2 = performance.now();
const bytes = fs.statSync(file).size;
const target = path.join(workDir, `Bench - S01E01 - Placed.${ext}`);
fs.rmSync(target, { force: true });
await placeFile(file, target);
const t3 = performance.now();
const placedAt = performance.timeOrigin + t3;
fs.rmSync(part, { recursive: true, force: true });
await dispatcher.close();
io.close();
console.log(JSON.stringify({ bytes, download_ms: t1 - t0, verify_ms: t2 - t1, total_ms: t3 - t0, placed_at: placedAt }));
