import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadHls } from '../../backend/src/downloads/engine/hls.js';
import { Throttle } from '../../backend/src/downloads/engine/throttle.js';
import { createMediaIo } from '../../backend/src/downloads/engine/io.js';
import { makeHls, type HlsMedia } from '../fakes/media.js';
import { until } from '../helpers/poll.js';

// A segment that was in flight continues from where its partial file ends (Range), after a cut
// connection as after an interrupted run, so segments in flight are not fetched twice.
// A loopback server serves the HLS folders; the first answer for segment 2 stops after half of it.

interface Served {
  path: string;
  range: string | null;
  bytes: number;
}
let plain: HlsMedia;
let aes: HlsMedia;
let tmp: string;
let srv: http.Server;
let base: string;
const served: Served[] = [];
/** What the first answer for seg_0002.ts does after half of it: cut the connection, or hang. */
let firstHalf: 'cut' | 'hang' | null = null;
let halfSent: () => void = () => undefined;
const hanging: http.ServerResponse[] = [];
const dispatcher = new Agent();
const io = createMediaIo();

beforeAll(async () => {
  [plain, aes] = await Promise.all([
    makeHls({ seconds: 6, heights: [360], bitrate: '4M' }),
    makeHls({ seconds: 6, heights: [360], bitrate: '4M', aes: true }),
  ]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-segresume-'));
  srv = http.createServer((req, res) => {
    const [, which, ...rest] = req.url!.split('/');
    const file = path.join((which === 'aes' ? aes : plain).dir, ...rest);
    if (!fs.existsSync(file)) return void res.writeHead(404).end();
    const data = fs.readFileSync(file);
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    if (start >= data.length) {
      served.push({ path: req.url!, range: req.headers.range ?? null, bytes: 0 });
      return void res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
    }
    const body = data.subarray(start);
    const entry = { path: req.url!, range: req.headers.range ?? null, bytes: 0 };
    served.push(entry);
    res.writeHead(m ? 206 : 200, {
      'content-length': body.length,
      ...(m ? { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}),
    });
    const mode = req.url!.endsWith('seg_0002.ts') && !m ? firstHalf : null;
    if (!mode) {
      entry.bytes = body.length;
      return void res.end(body);
    }
    firstHalf = null;
    const half = body.subarray(0, Math.floor(body.length / 2));
    entry.bytes = half.length;
    res.write(half, () => {
      halfSent();
      if (mode === 'cut') setTimeout(() => req.socket.destroy(), 50);
      else hanging.push(res);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  await new Promise((r) => srv.close(r));
  await dispatcher.close();
  io.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const opts = (which: string, dir: string, signal = new AbortController().signal) => ({
  url: `${base}/${which}/master.m3u8`,
  headers: {},
  dispatcher,
  io,
  signal,
  dir,
  quality: null,
  concurrency: 2,
  retries: 2,
  stallMs: 5000,
  throttle: new Throttle(() => 0),
});

/** The plaintext of a variant's segment (decrypted as the playlist says). */
function expected(media: HlsMedia, n: number): Buffer {
  const data = fs.readFileSync(path.join(media.dir, 'v0', `seg_${String(n).padStart(4, '0')}.ts`));
  if (!media.key) return data;
  const iv = /IV=0x([0-9a-f]+)/i.exec(fs.readFileSync(path.join(media.dir, 'v0', 'index.m3u8'), 'utf8'))![1]!;
  const d = crypto.createDecipheriv('aes-128-cbc', media.key, Buffer.from(iv, 'hex'));
  return Buffer.concat([d.update(data), d.final()]);
}

const segRequests = (which: string) => served.filter((s) => s.path === `/${which}/v0/seg_0002.ts`);
const segSize = (media: HlsMedia) => fs.statSync(path.join(media.dir, 'v0', 'seg_0002.ts')).size;

describe('a segment in flight', () => {
  for (const which of ['plain', 'aes'] as const) {
    it(`continues with Range after its connection is cut (${which})`, async () => {
      const media = which === 'aes' ? aes : plain;
      served.length = 0;
      firstHalf = 'cut';
      const dir = path.join(tmp, `cut-${which}`);
      const r = await downloadHls(opts(which, dir));
      expect(r.files).toHaveLength(6);
      for (let n = 0; n < 6; n++) expect(fs.readFileSync(r.files[n]!).equals(expected(media, n))).toBe(true);
      const reqs = segRequests(which);
      expect(reqs).toHaveLength(2);
      expect(reqs[0]!.range).toBeNull();
      expect(reqs[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
      // plain: not one byte twice; AES-128: at most the block kept back and the one before it (the IV)
      const twice = reqs[0]!.bytes + reqs[1]!.bytes - segSize(media);
      if (which === 'plain') expect(twice).toBe(0);
      else expect(twice).toBeLessThanOrEqual(32);
    });

    it(`continues from its partial file after the run was interrupted (${which})`, async () => {
      const media = which === 'aes' ? aes : plain;
      served.length = 0;
      firstHalf = 'hang';
      const dir = path.join(tmp, `stop-${which}`);
      const ac = new AbortController();
      // stopped once every other segment is on disk (on a busy machine they can take longer than the half)
      const othersDone = () => [0, 1, 3, 4, 5].every((n) => fs.existsSync(path.join(dir, `seg-00000${n}.ts`)));
      halfSent = () => void until(othersDone, 'the other segments are on disk').then(() => ac.abort(new Error('stopped')));
      await expect(downloadHls(opts(which, dir, ac.signal))).rejects.toThrow(/stopped/);
      halfSent = () => undefined;
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual(['seg-000002.ts.part']);
      const r = await downloadHls(opts(which, dir));
      for (let n = 0; n < 6; n++) expect(fs.readFileSync(r.files[n]!).equals(expected(media, n))).toBe(true);
      const reqs = segRequests(which);
      expect(reqs).toHaveLength(2);
      expect(reqs[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
      const twice = reqs[0]!.bytes + reqs[1]!.bytes - segSize(media);
      if (which === 'plain') expect(twice).toBe(0);
      else expect(twice).toBeLessThanOrEqual(32);
    });
  }

  it('a partial file that is already the whole segment (stopped before its rename) is kept as it is', async () => {
    served.length = 0;
    const first = path.join(tmp, 'first');
    await downloadHls(opts('plain', first));
    const dir = path.join(tmp, 'whole');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(first, 'playlist.json'), path.join(dir, 'playlist.json'));
    fs.writeFileSync(path.join(dir, 'seg-000002.ts.part'), expected(plain, 2));
    served.length = 0;
    const r = await downloadHls(opts('plain', dir));
    for (let n = 0; n < 6; n++) expect(fs.readFileSync(r.files[n]!).equals(expected(plain, n))).toBe(true);
    expect(segRequests('plain').map((s) => s.bytes)).toEqual([0]);
  });
});
