/**
 * `npm run bench:download`: the product's downloader against the reference clients on a
 * loopback server that adds a fixed delay per request.
 *
 *   - HLS, 240 segments, a few hundred MB, plain and AES-128: product vs `ffmpeg -i <m3u8> -c copy`
 *     (ffmpeg fetches one segment at a time), with 100 ms and 20 ms added per request
 *   - one large MP4, a whole 24-minute episode (the HLS media six times over): product vs `curl`
 *   - resume after a SIGKILL at 40 % of a 60 MB/s link (shared by all connections): bytes fetched
 *     again, i.e. sent by the server before and after the kill beyond the file's size (MP4 and HLS)
 *   - verification overhead, CPU seconds and peak memory (from /usr/bin/time)
 *
 * Every run is timed the same way: from the first request the server sees to the final file on
 * disk (the reference clients: their exit; the product: the placed file, after verification), so
 * process start-up counts for nobody and the server's delay counts for everybody. The product uses
 * its configured defaults (segments in parallel). The server holds every file in memory (its own
 * work stays small and alike for all). The product's HLS runs (seconds) are the median of three
 * (at +20 ms plain and AES-128 alternate);
 * ffmpeg's (6-25 s) average a shared machine's load spikes out themselves; MP4 against curl is
 * five alternating rounds. Media are generated once into bench/.work/
 * (git-ignored). Env: BENCH_SECONDS (default 240), BENCH_BITRATE (default 8M), BENCH_ONLY.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import os from 'node:os';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { makeHls } from '../tests/fakes/media.js';
import { DownloadsConfig } from '../backend/src/downloads/configSchema.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const work = path.join(root, 'bench', '.work');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 240);
const BITRATE = process.env.BENCH_BITRATE ?? '8M';
const MB = 1024 * 1024;
/** BENCH_ONLY=hls,mp4,resume: only those parts (quick iterations; the full run is the measurement). */
const want = (part: string) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY.split(',').includes(part);

// ---------- media ----------
async function prepareMedia() {
  fs.mkdirSync(work, { recursive: true });
  console.log(`preparing media in ${work} (once; ${SECONDS} s at ${BITRATE}) ...`);
  const hls = await makeHls({ seconds: SECONDS, segmentSeconds: 1, heights: [480], bitrate: BITRATE, baseDir: path.join(work, 'media') });
  const plainDir = hls.dir;
  const aesDir = `${plainDir}-aes`;
  if (!fs.existsSync(path.join(aesDir, '.done'))) {
    // the same segments, encrypted with AES-128 (IV = media sequence number, as HLS defines it)
    const key = crypto.randomBytes(16);
    fs.mkdirSync(path.join(aesDir, 'v0'), { recursive: true });
    fs.writeFileSync(path.join(aesDir, 'enc.key'), key);
    fs.copyFileSync(path.join(plainDir, 'master.m3u8'), path.join(aesDir, 'master.m3u8'));
    const playlist = fs.readFileSync(path.join(plainDir, 'v0', 'index.m3u8'), 'utf8');
    let seq = 0;
    for (const line of playlist.split('\n')) {
      if (!line.endsWith('.ts')) continue;
      const iv = Buffer.alloc(16);
      iv.writeUInt32BE(seq++, 12);
      const c = crypto.createCipheriv('aes-128-cbc', key, iv);
      fs.writeFileSync(
        path.join(aesDir, 'v0', line),
        Buffer.concat([c.update(fs.readFileSync(path.join(plainDir, 'v0', line))), c.final()]),
      );
    }
    fs.writeFileSync(
      path.join(aesDir, 'v0', 'index.m3u8'),
      playlist.replace('#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-KEY:METHOD=AES-128,URI="../enc.key"'),
    );
    fs.writeFileSync(path.join(aesDir, '.done'), '');
  }
  const mp4 = path.join(work, 'media', `big-${path.basename(plainDir)}.mp4`);
  if (!fs.existsSync(mp4)) {
    await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-allowed_extensions',
      'ALL',
      '-i',
      path.join(plainDir, 'v0', 'index.m3u8'),
      '-c',
      'copy',
      '-bsf:a',
      'aac_adtstoasc',
      '-movflags',
      '+faststart',
      `${mp4}.tmp.mp4`,
    ]);
    fs.renameSync(`${mp4}.tmp.mp4`, mp4);
  }
  // the MP4 against curl: a whole episode (24 minutes, the 4 minutes six times over), as a hoster serves one
  const episode = path.join(work, 'media', `episode-${path.basename(plainDir)}.mp4`);
  if (!fs.existsSync(episode)) {
    await run('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-stream_loop',
      '5',
      '-i',
      mp4,
      '-c',
      'copy',
      '-movflags',
      '+faststart',
      `${episode}.tmp.mp4`,
    ]);
    fs.renameSync(`${episode}.tmp.mp4`, episode);
  }
  // read everything once, so no run pays for a cold page cache
  for (const d of [path.join(plainDir, 'v0'), path.join(aesDir, 'v0')]) for (const f of fs.readdirSync(d)) fs.readFileSync(path.join(d, f));
  fs.readFileSync(mp4);
  fs.readFileSync(episode);
  const segs = fs.readdirSync(path.join(plainDir, 'v0')).filter((f) => f.endsWith('.ts'));
  const hlsBytes = segs.reduce((s, f) => s + fs.statSync(path.join(plainDir, 'v0', f)).size, 0);
  return {
    plainDir,
    aesDir,
    mp4,
    episode,
    segments: segs.length,
    hlsBytes,
    mp4Bytes: fs.statSync(mp4).size,
    episodeBytes: fs.statSync(episode).size,
  };
}

// ---------- loopback server ----------
const server = { delayMs: 0, rateBytesPerSec: 0, linkFreeAt: 0, bytesSent: 0, requests: 0, firstRequestAt: 0 };
const nowMs = () => performance.timeOrigin + performance.now(); // comparable across processes
const CHUNK = 256 * 1024;
function startServer(dirs: Record<string, string>): Promise<string> {
  // every file served from memory (loaded before the first run): the server's own work stays small
  // and the same for everybody, as a CDN's would be (it is not on our two cores)
  const files = new Map<string, Buffer>();
  const load = (dir: string) => {
    for (const f of fs.readdirSync(dir)) {
      const full = path.join(dir, f);
      if (fs.statSync(full).isDirectory()) load(full);
      else files.set(full, fs.readFileSync(full));
    }
  };
  for (const dir of Object.values(dirs)) load(dir);
  const srv = http.createServer(async (req, res) => {
    server.requests++;
    server.firstRequestAt ||= nowMs();
    const [, prefix, ...rest] = (req.url ?? '/').split('?')[0]!.split('/');
    const base = dirs[prefix ?? ''];
    const data = base ? files.get(path.join(base, ...rest)) : undefined;
    if (!data) {
      res.writeHead(404).end();
      return;
    }
    if (server.delayMs) await new Promise((r) => setTimeout(r, server.delayMs));
    const size = data.length;
    const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Number(m[2]) : size - 1;
    if (start >= size) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    const headers = { 'content-length': end - start + 1, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
    if (m) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}` });
    else res.writeHead(200, headers);
    for (let at = start; at <= end; at += CHUNK) {
      const chunk = data.subarray(at, Math.min(end + 1, at + CHUNK));
      server.bytesSent += chunk.length;
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      if (res.destroyed) return;
      if (server.rateBytesPerSec) {
        // one link shared by every connection (as a real one is): each chunk takes its slot on it
        const now = performance.now();
        server.linkFreeAt = Math.max(now, server.linkFreeAt) + (chunk.length / server.rateBytesPerSec) * 1000;
        await new Promise((r) => setTimeout(r, server.linkFreeAt - now));
      }
    }
    res.end();
  });
  srv.keepAliveTimeout = 30_000;
  return new Promise((r) => srv.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`)));
}

// ---------- measured runs ----------
/** wall: the process; time: first request seen by the server → exit (or the placed file, see product()). */
interface Measured {
  wall: number;
  time: number;
  cpu: number;
  maxRssMb: number;
  stdout: string;
}
function timed(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Measured> {
  // earlier runs' dirty pages would throttle whoever writes next: every run starts with them on disk
  execFileSync('sync');
  return new Promise((resolve, reject) => {
    server.firstRequestAt = 0;
    const p = spawn('/usr/bin/time', ['-f', '__TIME__ %e %U %S %M', cmd, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => {
      const end = nowMs();
      const m = /__TIME__ ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      if (code !== 0 || !m) return reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${err.slice(-1500)}`));
      if (!server.firstRequestAt) return reject(new Error(`${cmd} made no request`));
      resolve({
        wall: Number(m[1]),
        time: (end - server.firstRequestAt) / 1000,
        cpu: Number(m[2]) + Number(m[3]),
        maxRssMb: Number(m[4]) / 1024,
        stdout: out,
      });
    });
  });
}

// the product runs compiled in production: bundle the client once, so no TypeScript transform is timed
const clientJs = path.join(work, 'downloadClient.mjs');
async function buildClient() {
  await run(
    path.join(root, 'node_modules', '.bin', 'esbuild'),
    [
      'bench/downloadClient.ts',
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--packages=external',
      `--outfile=${clientJs}`,
      '--log-level=warning',
    ],
    { cwd: root },
  );
}
const out = (name: string) => {
  const d = path.join(work, 'out', name);
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
  return d;
};

const defaultConcurrency = DownloadsConfig.parse({}).hls_segment_concurrency;
async function product(mode: 'hls' | 'mp4', url: string, name: string, concurrency = defaultConcurrency) {
  const m = await timed(process.execPath, [clientJs, mode, url, out(name), String(concurrency)]);
  const j = JSON.parse(m.stdout.trim().split('\n').pop()!) as {
    bytes: number;
    download_ms: number;
    verify_ms: number;
    total_ms: number;
    placed_at: number;
  };
  // the product's end is its placed file (it then only tidies up and exits)
  const time = (j.placed_at - server.firstRequestAt) / 1000;
  console.log(
    `    ${name}: ${time.toFixed(2)} s (download ${(j.download_ms / 1000).toFixed(2)}, verify ${(j.verify_ms / 1000).toFixed(2)}; CPU ` +
      `${m.cpu.toFixed(2)} s, RSS ${m.maxRssMb.toFixed(0)} MB)`,
  );
  return { ...m, ...j, time };
}

type Run = Measured & { verify_ms?: number; download_ms?: number };
const rows: string[][] = [];
function row(label: string, m: Run, bytes: number) {
  const verify = m.verify_ms !== undefined ? (m.verify_ms / 1000).toFixed(2) : '';
  rows.push([
    label,
    m.time.toFixed(2),
    verify,
    (bytes / MB / m.time).toFixed(1),
    m.wall.toFixed(2),
    m.cpu.toFixed(2),
    m.maxRssMb.toFixed(0),
  ]);
  console.log(`  ${label}: ${m.time.toFixed(2)} s`);
}

async function killAt40(mode: 'hls' | 'mp4', url: string, name: string, total: number): Promise<{ refetchedMb: number }> {
  const dir = out(name);
  const watch =
    mode === 'mp4' ? () => fileSize(path.join(dir, '.part', 'download.mp4')) : () => dirSize(path.join(dir, '.part', 'segments'));
  server.rateBytesPerSec = 60 * MB; // a 60 MB/s link: slow enough to stop at 40 %
  server.bytesSent = 0;
  const child = spawn(process.execPath, [clientJs, mode, url, dir], { cwd: root, stdio: 'ignore', detached: true });
  while (watch() < total * 0.4) {
    if (child.exitCode !== null) throw new Error('the client finished before 40 %');
    await new Promise((r) => setTimeout(r, 5));
  }
  process.kill(-child.pid!, 'SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const onDisk = watch();
  const sentBefore = server.bytesSent;
  server.rateBytesPerSec = 0;
  server.bytesSent = 0;
  await timed(process.execPath, [clientJs, mode, url, dir]);
  const refetched = sentBefore + server.bytesSent - total;
  console.log(
    `  resume ${mode}: killed at ${((onDisk / total) * 100).toFixed(0)} % on disk, ${(refetched / MB).toFixed(2)} MiB fetched twice`,
  );
  return { refetchedMb: refetched / MB };
}
const fileSize = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
const dirSize = (d: string) =>
  fs.existsSync(d)
    ? fs
        .readdirSync(d)
        .filter((f) => f.endsWith('.ts'))
        .reduce((s, f) => s + fileSize(path.join(d, f)), 0)
    : 0;

async function main() {
  const media = await prepareMedia();
  await buildClient();
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} cores`,
  );
  const url = await startServer({ plain: media.plainDir, aes: media.aesDir, mp4: path.dirname(media.mp4) });
  const plain = `${url}/plain/master.m3u8`;
  const aes = `${url}/aes/master.m3u8`;
  const mp4 = `${url}/mp4/${path.basename(media.mp4)}`;
  const episode = `${url}/mp4/${path.basename(media.episode)}`;
  console.log(
    `HLS: ${media.segments} segments, ${(media.hlsBytes / MB).toFixed(0)} MiB; MP4: a 24-minute episode of ` +
      `${(media.episodeBytes / MB).toFixed(0)} MiB (and ${(media.mp4Bytes / MB).toFixed(0)} MiB for the resume)\n`,
  );
  const ffmpeg = (u: string, name: string) =>
    timed('ffmpeg', ['-v', 'error', '-y', '-i', u, '-c', 'copy', path.join(out(name), 'out.mkv')]);

  const r: Record<string, Run> = {};
  // the product's runs are short (a load spike of the shared machine decides one): the median of three
  const median = (xs: Run[]) => [...xs].sort((a, b) => a.time - b.time)[Math.floor(xs.length / 2)]!;
  const of3 = async (run: () => Promise<Run>) => {
    const runs = [await run(), await run(), await run()];
    return { ...median(runs), times: runs.map((x) => x.time.toFixed(2)).join(', ') };
  };
  const of = (runs: Run[]) => ({ ...median(runs), times: runs.map((x) => x.time.toFixed(2)).join(', ') });
  const other = defaultConcurrency === 8 ? 16 : 8;
  if (want('hls')) {
    server.delayMs = 100;
    const p100 = await of3(() => product('hls', plain, 'p100'));
    r.p100 = p100;
    row(`product HLS plain, +100 ms/request, ${defaultConcurrency} in parallel (default; median of ${p100.times})`, p100, media.hlsBytes);
    r.f100 = await ffmpeg(plain, 'f100');
    row('ffmpeg  HLS plain, +100 ms/request', r.f100, media.hlsBytes);
    r.p100alt = await product('hls', plain, 'p100alt', other);
    row(`product HLS plain, +100 ms/request, ${other} in parallel`, r.p100alt, media.hlsBytes);
    server.delayMs = 20;
    // plain and AES-128 alternate (their ratio is a target): the same moments of the machine for both
    const plains: Run[] = [];
    const aess: Run[] = [];
    for (let i = 0; i < 3; i++) {
      if (i % 2) aess.push(await product('hls', aes, 'pa'));
      plains.push(await product('hls', plain, 'p20'));
      if (!(i % 2)) aess.push(await product('hls', aes, 'pa'));
    }
    r.p20 = of(plains);
    row(
      `product HLS plain, +20 ms/request, ${defaultConcurrency} in parallel (default; median of ` +
        `${(r.p20 as Run & { times: string }).times})`,
      r.p20,
      media.hlsBytes,
    );
    r.f20 = await ffmpeg(plain, 'f20');
    row('ffmpeg  HLS plain, +20 ms/request', r.f20, media.hlsBytes);
    r.pa = of(aess);
    row(`product HLS AES-128, +20 ms/request (median of ${(r.pa as Run & { times: string }).times})`, r.pa, media.hlsBytes);
    r.fa = await ffmpeg(aes, 'fa');
    row('ffmpeg  HLS AES-128, +20 ms/request', r.fa, media.hlsBytes);
  }
  server.delayMs = 0;
  // five rounds in alternating order, the median of each side
  const pms: Run[] = [];
  const cs: Run[] = [];
  const curl = () => timed('curl', ['-s', '-o', path.join(out('c'), 'out.mp4'), episode]);
  for (let i = 0; i < 5 && want('mp4'); i++) {
    if (i % 2) cs.push(await curl());
    pms.push(await product('mp4', episode, 'pm'));
    if (!(i % 2)) cs.push(await curl());
  }
  if (want('mp4')) {
    r.pm = median(pms);
    row(`product MP4 (median of ${pms.map((x) => x.time.toFixed(2)).join(', ')})`, r.pm, media.episodeBytes);
    r.c = median(cs);
    row(`curl    MP4 (median of ${cs.map((x) => x.time.toFixed(2)).join(', ')})`, r.c, media.episodeBytes);
  }
  const resumeMp4 = want('resume') ? await killAt40('mp4', mp4, 'rm', media.mp4Bytes) : { refetchedMb: NaN };
  const resumeHls = want('resume') ? await killAt40('hls', plain, 'rh', media.hlsBytes) : { refetchedMb: NaN };

  console.log(
    '\n| run | time s (first request → file on disk) | of which verify s | MB/s | process wall s | CPU s | peak RSS MB ' +
      '|\n|---|---|---|---|---|---|---|',
  );
  for (const x of rows) console.log(`| ${x.join(' | ')} |`);
  const pass = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const products = ['p100', 'p20', 'pa', 'pm'].filter((k) => r[k]);
  const verifyShare = Math.max(...products.map((k) => r[k]!.verify_ms! / 1000 / r[k]!.time));
  const maxRss = Math.max(...products.map((k) => r[k]!.maxRssMb));
  const t = (k: string) => r[k]?.time ?? NaN;
  const checks: [string, number, boolean][] = [
    ['HLS +100 ms: ffmpeg time / product time (target >= 8)', t('f100') / t('p100'), t('f100') / t('p100') >= 8],
    [
      `HLS +100 ms, ${other} in parallel (the other setting, for reference): ffmpeg time / product time`,
      t('f100') / t('p100alt'),
      t('f100') / t('p100alt') >= 8,
    ],
    ['HLS +20 ms: ffmpeg time / product time (target >= 3)', t('f20') / t('p20'), t('f20') / t('p20') >= 3],
    ['product AES-128 time / plain time, +20 ms (target <= 1.2)', t('pa') / t('p20'), t('pa') / t('p20') <= 1.2],
    ['ffmpeg AES-128 time / plain time, +20 ms (reference)', t('fa') / t('f20'), true],
    [
      'MP4 product throughput / curl throughput, through verification and placement (target >= 0.9)',
      t('c') / t('pm'),
      t('c') / t('pm') >= 0.9,
    ],
    [
      'MP4 product download-phase throughput / curl throughput',
      t('c') / ((r.pm?.download_ms ?? NaN) / 1000),
      t('c') / ((r.pm?.download_ms ?? NaN) / 1000) >= 0.9,
    ],
  ];
  console.log('\n| ratio | value | target |\n|---|---|---|');
  for (const [label, value, ok] of checks) if (!Number.isNaN(value)) console.log(`| ${label} | ${value.toFixed(2)} | ${pass(ok)} |`);
  const extra: [string, string, boolean][] = [
    ['resume after kill at 40 %, MP4: MiB fetched again (target <= 8)', resumeMp4.refetchedMb.toFixed(2), resumeMp4.refetchedMb <= 8],
    ['resume after kill at 40 %, HLS: MiB fetched again (target <= 8)', resumeHls.refetchedMb.toFixed(2), resumeHls.refetchedMb <= 8],
    ['verification share of the product time, max (target <= 10 %)', `${(verifyShare * 100).toFixed(1)} %`, verifyShare <= 0.1],
    ['product peak memory, MB (target < 200)', maxRss.toFixed(0), maxRss < 200],
  ];
  for (const [label, value, ok] of extra)
    if (!value.startsWith('NaN') && !value.startsWith('-Inf')) console.log(`| ${label} | ${value} | ${pass(ok)} |`);
  fs.rmSync(path.join(work, 'out'), { recursive: true, force: true }); // the downloaded copies (the media stay cached)
  console.log(
    `\nload average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} cores`,
  );
  console.log(
    'times run from the first request the server sees to the file on disk (references: process exit; product: ' +
      'placed file, verified); process wall times include start-up.',
  );
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
