import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadMp4 } from '../../backend/src/downloads/engine/mp4.js';
import { FileEdges } from '../../backend/src/downloads/engine/fileEdges.js';
import { Throttle } from '../../backend/src/downloads/engine/throttle.js';
import { createMediaIo } from '../../backend/src/downloads/engine/io.js';
import { verifyMedia } from '../../backend/src/downloads/engine/verify.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeMp4 } from '../fakes/media.js';
import { until } from '../helpers/poll.js';

/** MP4 ends checked while the download runs (a second connection fetches the last 4 MiB). */
const MiB = 1024 * 1024;
const UA = { 'user-agent': 'Mozilla/5.0 test' };
const dispatcher = new Agent();
const io = createMediaIo();
const noLimit = new Throttle(() => 0);
let fake: FakeHosters;
let tmp: string;
let fast: string; // index up front
let late: string; // index at the end
let damaged: string;

beforeAll(async () => {
  [fast, late] = await Promise.all([
    makeMp4({ seconds: 12, width: 640, height: 360, bitrate: '8M' }),
    makeMp4({ seconds: 12, width: 640, height: 360, bitrate: '8M', faststart: false }),
  ]);
  fake = await startFakeHosters();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-edges-'));
  // picture data damaged in the last 5 % (the index up front stays intact)
  const bytes = Buffer.from(fs.readFileSync(fast));
  for (let i = Math.floor(bytes.length * 0.95); i < bytes.length - 2000; i += 397) bytes[i]! ^= 0x5a;
  damaged = path.join(tmp, 'damaged-source.mp4');
  fs.writeFileSync(damaged, bytes);
});
afterAll(async () => {
  await fake?.close();
  await dispatcher.close();
  io.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * The early check races the download twice: a download that finishes first aborts a tail fetch
 * still in flight, and a tail that arrives before the first 4 MiB are written finds no head to
 * check (either way the whole file decides: right, but not what the early-check cases test). This
 * puts the steps in the order a real, slower download has: the tail's last bytes wait until the
 * head is on disk, and the download's last chunk waits until the tail is in.
 */
function inOrder(size: number, file: string): { main: Throttle; tail: Throttle } {
  let release!: () => void;
  const tailIn = new Promise<void>((r) => (release = r));
  let tailBytes = 0;
  let mainBytes = 0;
  const onDisk = () => (fs.existsSync(file) ? fs.statSync(file).size : 0);
  const tail = {
    take: (bytes: number) => {
      tailBytes += bytes;
      if (tailBytes < 4 * MiB) return undefined;
      return until(() => onDisk() >= 4 * MiB, 'the head on disk').then(() => {
        setImmediate(release); // once the tail fetch has settled
      });
    },
  };
  const main = {
    take: (bytes: number) => {
      mainBytes += bytes;
      return mainBytes >= size ? tailIn : undefined;
    },
  };
  return { main: main as unknown as Throttle, tail: tail as unknown as Throttle };
}

let n = 0;
/** The download as attempt.ts runs it, with the ends checked alongside; `between` runs after it. */
async function fetchWithEdges(
  mp4: string,
  behavior: Parameters<FakeHosters['embed']>[2] = {},
  o: { resumedFrom?: number; between?: (file: string) => void; inOrder?: boolean } = {},
) {
  const embed = fake.embed('VOE', { mp4 }, behavior);
  const dir = path.join(tmp, `d${++n}`);
  fs.mkdirSync(dir);
  const file = path.join(dir, 'download.mp4');
  if (o.resumedFrom) fs.writeFileSync(file, fs.readFileSync(mp4).subarray(0, o.resumedFrom));
  const signal = new AbortController().signal;
  const url = fake.mediaUrl(embed);
  const order = o.inOrder ? inOrder(fs.statSync(mp4).size, file) : { main: noLimit, tail: noLimit };
  const edges = new FileEdges({
    ffmpegPath: 'ffmpeg',
    signal,
    file,
    resumed: Boolean(o.resumedFrom),
    request: { url, headers: UA, dispatcher, io, signal },
    throttle: order.tail,
    minSize: 0,
  });
  try {
    await downloadMp4({
      url,
      headers: UA,
      dispatcher,
      io,
      signal,
      file,
      stallMs: 60_000, // its last chunk may wait for the tail (stalls are tested elsewhere)
      maxBytes: 1 << 30,
      throttle: order.main,
      onProgress: (d, t) => edges.progress(d, t),
    });
    o.between?.(file);
    const ranges = fake.log.filter((l) => l.embed === embed.split('/').pop()).map((l) => l.range);
    return { result: await edges.result(), ranges, file, dir };
  } finally {
    edges.cancel();
  }
}

describe('MP4 ends checked during the download', () => {
  it('checks both ends early on a second connection, with the index up front or at the end', async () => {
    for (const mp4 of [fast, late]) {
      const size = fs.statSync(mp4).size;
      expect(size).toBeGreaterThan(8 * MiB);
      const r = await fetchWithEdges(mp4, {}, { inOrder: true });
      expect(r.result).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', height: 360 });
      expect(Math.abs(r.result!.duration - 12)).toBeLessThan(0.2);
      expect(r.ranges).toContain(`bytes=${size - 4 * MiB}-${size - 1}`);
      expect(fs.readFileSync(r.file).equals(fs.readFileSync(mp4))).toBe(true);
      expect(fs.readdirSync(r.dir)).toEqual(['download.mp4']); // the sparse copy is gone
    }
  });

  it('damaged picture data in the last seconds: no early pass, and the whole-file check fails', async () => {
    const r = await fetchWithEdges(damaged, {}, { inOrder: true });
    expect(r.ranges).toContain(`bytes=${fs.statSync(damaged).size - 4 * MiB}-${fs.statSync(damaged).size - 1}`); // it was checked early
    expect(r.result).toBeNull();
    await expect(
      verifyMedia({ ffmpegPath: 'ffmpeg', file: r.file, expectedDuration: null, signal: new AbortController().signal, demuxPass: false }),
    ).rejects.toThrow(/verification failed/);
  });

  it('the check stands only for the bytes it saw: a file whose end differs is checked again as a whole', async () => {
    const r = await fetchWithEdges(
      fast,
      {},
      {
        inOrder: true,
        between: (file) => {
          const fd = fs.openSync(file, 'r+');
          fs.writeSync(fd, Buffer.alloc(16, 1), 0, 16, fs.statSync(file).size - 100);
          fs.closeSync(fd);
        },
      },
    );
    expect(r.result).toBeNull();
  });

  it('no early check for a server without Range, or a resumed download (no second fetch either)', async () => {
    const noRange = await fetchWithEdges(fast, { ignoreRange: true });
    expect(noRange.result).toBeNull();
    expect(fs.readFileSync(noRange.file).equals(fs.readFileSync(fast))).toBe(true);
    const resumed = await fetchWithEdges(fast, {}, { resumedFrom: 3 * MiB });
    expect(resumed.result).toBeNull();
    expect(resumed.ranges).toEqual([`bytes=${3 * MiB}-`]);
  });
});
