import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { DownloadError, isTransient } from './errors.js';
import { openPartFile } from './partFile.js';
import { discard, openMedia, readBody, type MediaRequest } from './http.js';
import { sequenceIv, type Segment } from './playlist.js';
import type { Throttle } from './throttle.js';
import { BatchWriter } from './writer.js';

/**
 * One HLS segment, written to `<file>.part` while it arrives (decrypted on the fly when AES-128)
 * and renamed to `<file>` once whole. A partial file is continued with a `Range` request, after a
 * reset as after a restart, so a kill loses at most the bytes not yet written of each segment in
 * flight: many segments can be in flight without a restart fetching much again.
 *
 * The partial file holds the init section (fMP4: the first segment, and one where EXT-X-MAP changes), then the plaintext. AES-128
 * plaintext comes out of the decipher in whole blocks; it is continued by fetching the ciphertext
 * block before the missing part again (the IV of the next block, as CBC defines it).
 */
export interface SegmentFetch extends MediaRequest {
  seg: Segment;
  file: string;
  retries: number;
  stallMs: number;
  throttle: Throttle;
  key: ((uri: string) => Promise<Buffer>) | null;
  init: ((uri: string, range: [number, number] | null) => Promise<Buffer>) | null;
}

export interface SegmentResult {
  /** The segment's bytes as written, when all of them passed through memory in this run. */
  chunks: Buffer[] | null;
  size: number;
}

/** Written in batches of 256 KiB (few system calls); a kill loses little more than that per segment in flight. */
const BATCH = { batchBytes: 256 * 1024, maxQueued: 512 * 1024 };

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

const partFile = (file: string) => `${file}.part`;

export async function fetchSegment(o: SegmentFetch): Promise<SegmentResult> {
  const { seg } = o;
  const part = partFile(o.file);
  const init = seg.init && seg.startsInit && o.init ? await o.init(seg.init, seg.initRange) : null;
  const key = seg.key && o.key ? await o.key(seg.key.uri) : null;
  const initLen = init?.length ?? 0;
  const handle = await openPartFile(part, 'append');
  const w = new PartWriter(handle, o.file);
  try {
    const size = (await handle.stat()).size;
    // a partial file continues; one too short for the init section, or cut inside an AES block, starts over
    if (size === 0) w.start(init);
    else if (size <= initLen || (key && (size - initLen) % 16 !== 0)) await w.restart(init);
    else w.resumeAt(size - initLen);

    let lastErr: unknown = null;
    let decipher: crypto.Decipher | null = null;
    let whole = false;
    for (let attempt = 0; attempt <= o.retries && !whole; attempt++) {
      if (attempt > 0) await sleep(Math.min(4000, 150 * 2 ** (attempt - 1)), o.signal);
      await w.settle();
      if (!key && seg.range && w.written === seg.range[1]) {
        whole = true;
        break;
      }
      // AES: the block before the missing part is fetched again, it is the IV of the next one
      const from = key ? Math.max(0, w.written - 16) : w.written;
      const base = seg.range ? seg.range[0] : 0;
      const headers: Record<string, string> = {};
      if (seg.range) headers.range = `bytes=${base + from}-${base + seg.range[1] - 1}`;
      else if (from > 0) headers.range = `bytes=${from}-`;
      const ac = new AbortController();
      const onAbort = () => ac.abort(o.signal.reason);
      o.signal.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => ac.abort(new DownloadError(`no data for ${o.stallMs / 1000} s`)), o.stallMs);
      try {
        const res = await openMedia({ ...o, url: seg.url, signal: ac.signal, headersTimeoutMs: o.stallMs }, headers);
        if (res.status < 200 || res.status >= 300) {
          await discard(res.body);
          lastErr = new DownloadError(`HTTP ${res.status} for ${new URL(res.url).pathname.split('/').pop()}`, false, res.status);
          if (res.status === 416 && w.written > 0) {
            // the partial file is the whole segment (a stop between its last write and the rename), or it does not fit
            if (!key && Number(/\/(\d+)/.exec(res.headers['content-range'] ?? '')?.[1]) === from) whole = true;
            else await w.restart(init);
          } else if (!(res.status === 403 || res.status === 408 || res.status === 429 || res.status >= 500)) throw lastErr;
          continue;
        }
        let ivBytes = 0;
        if (res.status === 206 && w.written > 0) {
          const start = Number(/bytes (\d+)-/.exec(res.headers['content-range'] ?? '')?.[1] ?? NaN);
          if (start !== base + from) {
            await discard(res.body);
            lastErr = new DownloadError(`segment ${seg.index}: the server answered another range than the one asked for`);
            await w.restart(init);
            continue;
          }
          if (key) ivBytes = 16;
        } else if (w.written > 0) {
          await w.restart(init); // the server ignored Range: the body is the whole segment
        }
        const ivParts: Buffer[] = [];
        decipher = key && ivBytes === 0 ? crypto.createDecipheriv('aes-128-cbc', key, seg.key!.iv ?? sequenceIv(seg.sequence)) : null;
        let got = 0;
        await readBody(res.body, (buf) => {
          timer.refresh();
          got += buf.length;
          const slow = o.throttle.take(buf.length);
          if (ivBytes > 0) {
            const n = Math.min(ivBytes, buf.length);
            ivParts.push(buf.subarray(0, n));
            ivBytes -= n;
            buf = buf.subarray(n);
            if (ivBytes === 0) decipher = crypto.createDecipheriv('aes-128-cbc', key!, Buffer.concat(ivParts));
          }
          const busy = w.push(decipher ? decipher.update(buf) : buf);
          return slow && busy ? Promise.all([slow, busy]) : (slow ?? busy);
        });
        const announced = res.headers['content-length'];
        if (announced !== undefined && Number(announced) !== got) {
          lastErr = new DownloadError(`size check failed: got ${got} of ${announced} bytes`);
          continue;
        }
        whole = true;
      } catch (err) {
        if (o.signal.aborted) throw o.signal.reason;
        if (err === w.error) throw err;
        if (err instanceof DownloadError && err.status && err.status < 500 && err.status !== 403) throw err;
        if (!(err instanceof DownloadError) && !isTransient(err) && !ac.signal.aborted) throw err;
        lastErr = ac.signal.aborted ? ac.signal.reason : err;
      } finally {
        clearTimeout(timer);
        o.signal.removeEventListener('abort', onAbort);
      }
    }
    if (!whole) throw lastErr instanceof Error ? lastErr : new DownloadError(String(lastErr));
    if (key) {
      if (!decipher)
        throw new DownloadError(`segment ${seg.index} could not be decrypted: the answer ended inside the block before the missing part`);
      let last: Buffer;
      try {
        last = (decipher as crypto.Decipher).final();
      } catch (err) {
        const why = (err as Error).message;
        throw new DownloadError(
          `segment ${seg.index} could not be decrypted: ${/bad decrypt/i.test(why) ? 'bad padding (wrong key?)' : why}`,
        );
      }
      w.push(last)?.catch(() => undefined); // settle() reports a write error
    }
    await w.settle();
    await handle.close();
    await fs.rename(part, o.file);
    return { chunks: w.chunks, size: initLen + w.written };
  } catch (err) {
    await w.settle().catch(() => undefined); // what arrived stays: the next attempt continues after it
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** The partial file: what it holds, and the writer that appends to it. */
class PartWriter {
  /** Plaintext bytes of the segment in the file (after the init section). */
  written = 0;
  /** Everything in the file, when all of it passed through memory in this run. */
  chunks: Buffer[] | null = [];
  private out: BatchWriter;

  constructor(
    private handle: fs.FileHandle,
    file: string,
  ) {
    this.out = new BatchWriter(handle, file, BATCH);
  }

  get error() {
    return this.out.error;
  }

  resumeAt(written: number) {
    this.written = written;
    this.chunks = null;
  }

  async restart(init: Buffer | null) {
    await this.out.settle();
    await this.handle.truncate(0);
    this.start(init);
  }

  /** An empty file: the init section first. */
  start(init: Buffer | null) {
    this.written = 0;
    this.chunks = [];
    if (init) {
      this.push(init)?.catch(() => undefined); // settle() reports a write error
      this.written = 0;
    }
  }

  /** Adds bytes; a promise (the body pauses) only while the disk lags behind. */
  push(buf: Buffer): Promise<void> | undefined {
    if (buf.length === 0) return undefined;
    this.chunks?.push(buf);
    this.written += buf.length;
    return this.out.push(buf);
  }

  settle() {
    return this.out.settle();
  }
}
