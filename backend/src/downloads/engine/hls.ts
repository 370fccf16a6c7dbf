import crypto from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DiskFullError, DownloadError, isDiskFull } from './errors.js';
import { fetchBuffer, fetchChunks, type MediaRequest } from './http.js';
import { isMasterPlaylist, parseMaster, parseMedia, pickVariant, sequenceIv, type MediaPlaylist, type Segment } from './playlist.js';
import type { Throttle } from './throttle.js';

/**
 * HLS: master → variant → media playlist → segments fetched in parallel (decrypted when
 * AES-128), each written as its own file under `dir`, so a restart resumes segment by segment.
 */
export interface HlsDownload extends MediaRequest {
  dir: string;
  quality: string | null;
  concurrency: number;
  retries: number;
  stallMs: number;
  throttle: Throttle;
  onProgress?: (done: number, total: number | null) => void;
  onPlaylist?: (info: { segments: number; duration: number; height: number | null }) => Promise<void> | void;
  /**
   * Receives the segments in playlist order while the download runs (each as soon as it and all
   * before it are on disk), so the remux overlaps the download: the bytes themselves (the chunks as
   * they arrived) while they are still in memory (a bounded window), else the file's path.
   */
  consume?: (files: AsyncIterable<string | Buffer[]>) => Promise<void>;
}

export interface HlsResult {
  files: string[];
  totalDuration: number;
  bytes: number;
  /** Segments already on disk when this run started. */
  resumedSegments: number;
}

const HOLD_BYTES = 32 * 1024 * 1024;
const segFile = (dir: string, i: number) => path.join(dir, `seg-${String(i).padStart(6, '0')}.ts`);

/**
 * AES-128-CBC in one call over the whole segment; the PKCS#7 padding is checked and cut off here,
 * so the plaintext is a view of the one output buffer (no second copy).
 */
function decryptSegment(data: Buffer, key: Buffer, iv: Buffer, index: number): Buffer {
  const fail = (why: string) => new DownloadError(`segment ${index} could not be decrypted: ${why}`);
  if (data.length === 0 || data.length % 16 !== 0) throw fail(`${data.length} bytes is not a whole number of AES blocks`);
  const decipher = crypto.createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  const plain = decipher.update(data);
  decipher.final();
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > 16 || pad > plain.length) throw fail('bad padding (wrong key?)');
  for (let i = plain.length - pad; i < plain.length; i++) if (plain[i] !== pad) throw fail('bad padding (wrong key?)');
  return plain.subarray(0, plain.length - pad);
}

async function loadPlaylist(o: HlsDownload): Promise<{ playlist: MediaPlaylist; height: number | null }> {
  const text = (await fetchBuffer(o, { retries: o.retries, stallMs: o.stallMs })).toString('utf8');
  if (!text.startsWith('#EXTM3U')) throw new DownloadError('the media URL did not answer an HLS playlist');
  if (!isMasterPlaylist(text)) return { playlist: parseMedia(text, o.url), height: null };
  const variant = pickVariant(parseMaster(text, o.url), o.quality);
  const media = (await fetchBuffer({ ...o, url: variant.url }, { retries: o.retries, stallMs: o.stallMs })).toString('utf8');
  return { playlist: parseMedia(media, variant.url), height: variant.height };
}

export async function downloadHls(o: HlsDownload): Promise<HlsResult> {
  setMaxListeners(Math.max(64, o.concurrency * 4), o.signal); // every segment request listens for the abort
  const { playlist, height } = await loadPlaylist(o);
  const segments = playlist.segments;
  await fs.mkdir(o.dir, { recursive: true });
  // a different playlist than last time (other variant or hoster): old segments do not fit
  const stateFile = path.join(o.dir, 'playlist.json');
  const state = JSON.stringify({ count: segments.length, duration: playlist.totalDuration, height });
  const previous = await fs.readFile(stateFile, 'utf8').catch(() => null);
  if (previous !== state) {
    for (const f of await fs.readdir(o.dir)) if (f.startsWith('seg-')) await fs.rm(path.join(o.dir, f), { force: true });
    await fs.writeFile(stateFile, state).catch((err) => { throw isDiskFull(err) ? new DiskFullError(o.dir) : err; });
  }
  await o.onPlaylist?.({ segments: segments.length, duration: playlist.totalDuration, height });

  const done = new Set<number>();
  let bytes = 0;
  for (const f of await fs.readdir(o.dir)) {
    const m = /^seg-(\d+)\.ts$/.exec(f);
    if (m) {
      done.add(Number(m[1]));
      bytes += (await fs.stat(path.join(o.dir, f))).size;
    }
  }
  const resumedSegments = done.size;
  // segments written but not yet handed to the consumer, kept so it need not read them back
  const inMemory = new Map<number, { chunks: Buffer[]; size: number }>();
  let held = 0;
  let waiter: (() => void) | null = null;
  const wake = () => {
    const w = waiter;
    waiter = null;
    w?.();
  };
  const keys = new Map<string, Promise<Buffer>>();
  const inits = new Map<string, Promise<Buffer>>();
  const getKey = (uri: string) => {
    if (!keys.has(uri)) {
      keys.set(uri, fetchBuffer({ ...o, url: uri }, { retries: o.retries, stallMs: o.stallMs }).then((k) => {
        if (k.length !== 16) throw new DownloadError(`AES-128 key has ${k.length} bytes, expected 16`);
        return k;
      }));
    }
    return keys.get(uri)!;
  };
  const estimate = () => (done.size > 0 ? Math.round((bytes / done.size) * segments.length) : null);
  o.onProgress?.(bytes, estimate());

  const fetchSegment = async (seg: Segment) => {
    const range = seg.range ? { range: `bytes=${seg.range[0]}-${seg.range[0] + seg.range[1] - 1}` } : undefined;
    let data = await fetchChunks({ ...o, url: seg.url }, {
      retries: o.retries, stallMs: o.stallMs, extraHeaders: range,
      onChunk: (n) => o.throttle.take(n),
    });
    if (seg.key) {
      const key = await getKey(seg.key.uri);
      data = [decryptSegment(data.length === 1 ? data[0]! : Buffer.concat(data), key, seg.key.iv ?? sequenceIv(seg.sequence), seg.index)];
    }
    if (seg.init && seg.index === 0) {
      if (!inits.has(seg.init)) inits.set(seg.init, fetchBuffer({ ...o, url: seg.init }, { retries: o.retries, stallMs: o.stallMs }));
      data = [await inits.get(seg.init)!, ...data];
    }
    let size = 0;
    for (const c of data) size += c.length;
    const target = segFile(o.dir, seg.index);
    try {
      const handle = await fs.open(`${target}.tmp`, 'w');
      try {
        await handle.writev(data);
      } finally {
        await handle.close();
      }
      await fs.rename(`${target}.tmp`, target);
    } catch (err) {
      await fs.rm(`${target}.tmp`, { force: true });
      if (isDiskFull(err)) throw new DiskFullError(o.dir);
      throw err;
    }
    done.add(seg.index);
    if (o.consume && held + size <= HOLD_BYTES) {
      inMemory.set(seg.index, { chunks: data, size });
      held += size;
    }
    bytes += size;
    o.onProgress?.(bytes, estimate());
    wake();
  };

  const todo = segments.filter((s) => !done.has(s.index));
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (failure === null && next < todo.length) {
      const seg = todo[next++]!;
      try {
        await fetchSegment(seg);
      } catch (err) {
        failure ??= err;
        wake();
      }
    }
  };
  async function* ordered(): AsyncGenerator<string | Buffer[]> {
    for (let i = 0; i < segments.length; i++) {
      while (!done.has(i)) {
        if (failure !== null) throw failure;
        await new Promise<void>((r) => { waiter = r; });
      }
      const data = inMemory.get(i);
      if (data) {
        inMemory.delete(i);
        held -= data.size;
        yield data.chunks;
      } else yield segFile(o.dir, i);
    }
  }
  const consumer = o.consume ? o.consume(ordered()).catch((err) => { failure ??= err; throw err; }) : null;
  await Promise.all(Array.from({ length: Math.min(o.concurrency, Math.max(1, todo.length)) }, worker));
  wake();
  if (consumer) await consumer.catch(() => undefined);
  if (o.signal.aborted) throw o.signal.reason;
  if (failure) {
    const e = failure as Error;
    if (e instanceof DownloadError) throw e;
    throw new DownloadError(`segment download failed: ${e.message}`);
  }
  return { files: segments.map((s) => segFile(o.dir, s.index)), totalDuration: playlist.totalDuration, bytes, resumedSegments };
}
