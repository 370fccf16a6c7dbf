import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { DownloadError, isTransient } from './errors.js';
import { openPartFile } from './partFile.js';
import { discard, openMedia, readBody, type MediaRequest, type OpenResponse } from './http.js';
import { sequenceIv, type Segment } from './playlist.js';
import type { Throttle } from './throttle.js';
import { BatchWriter } from './writer.js';
import type { DiskWatch } from './io.js';

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

/** What one segment's attempts share: the request, the partial file, what decrypts it. */
interface SegmentRun {
  o: SegmentFetch;
  init: Buffer | null;
  key: Buffer | null;
  handle: fs.FileHandle;
  w: PartWriter;
  /** The last attempt's AES decipher (null before the IV block arrived). */
  decipher: crypto.Decipher | null;
}

/** How an attempt ended: the segment is whole, or another attempt may help (after `err`). */
type Outcome = { whole: true } | { whole: false; err: unknown };
const WHOLE: Outcome = { whole: true };
const retry = (err: unknown): Outcome => ({ whole: false, err });

export async function fetchSegment(o: SegmentFetch): Promise<SegmentResult> {
  const run = await openRun(o);
  try {
    await resumePart(run);
    await fetchWhole(run);
    if (run.key) finishDecrypt(run);
    await run.w.settle();
    await run.handle.close();
    await fs.rename(partFile(o.file), o.file);
    return { chunks: run.w.chunks, size: (run.init?.length ?? 0) + run.w.written };
  } catch (err) {
    await run.w.settle().catch(() => undefined); // what arrived stays: the next attempt continues after it
    await run.handle.close().catch(() => undefined);
    throw err;
  }
}

async function openRun(o: SegmentFetch): Promise<SegmentRun> {
  const { seg } = o;
  const init = seg.init && seg.startsInit && o.init ? await o.init(seg.init, seg.initRange) : null;
  const key = seg.key && o.key ? await o.key(seg.key.uri) : null;
  const handle = await openPartFile(partFile(o.file), 'append');
  return { o, init, key, handle, w: new PartWriter(handle, o.file, o.io.disk), decipher: null };
}

/** A partial file continues; one too short for the init section, or cut inside an AES block, starts over. */
async function resumePart(run: SegmentRun): Promise<void> {
  const initLen = run.init?.length ?? 0;
  const size = (await run.handle.stat()).size;
  if (size === 0) run.w.start(run.init);
  else if (size <= initLen || (run.key && (size - initLen) % 16 !== 0)) await run.w.restart(run.init);
  else run.w.resumeAt(size - initLen);
}

/** Attempts until the segment is whole (each continuing the partial file), or throws the last error. */
async function fetchWhole(run: SegmentRun): Promise<void> {
  const { o, w } = run;
  let lastErr: unknown = null;
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(4000, 150 * 2 ** (attempt - 1)), o.signal);
    await w.settle();
    if (!run.key && o.seg.range && w.written === o.seg.range[1]) return;
    const outcome = await attemptOnce(run);
    if (outcome.whole) return;
    lastErr = outcome.err;
  }
  throw lastErr instanceof Error ? lastErr : new DownloadError(String(lastErr));
}

/** The Range header that continues the partial file from `from` (plaintext bytes of the segment). */
function rangeHeaders(seg: Segment, from: number): Record<string, string> {
  if (seg.range) return { range: `bytes=${seg.range[0] + from}-${seg.range[0] + seg.range[1] - 1}` };
  return from > 0 ? { range: `bytes=${from}-` } : {};
}

/** One request for the rest of the segment, under its own stall timer. */
async function attemptOnce(run: SegmentRun): Promise<Outcome> {
  const { o } = run;
  // AES: the block before the missing part is fetched again, it is the IV of the next one
  const from = run.key ? Math.max(0, run.w.written - 16) : run.w.written;
  const ac = new AbortController();
  const onAbort = () => ac.abort(o.signal.reason);
  o.signal.addEventListener('abort', onAbort, { once: true });
  const stall = setTimeout(() => ac.abort(new DownloadError(`no data for ${o.stallMs / 1000} s`)), o.stallMs);
  try {
    const res = await openMedia({ ...o, url: o.seg.url, signal: ac.signal, headersTimeoutMs: o.stallMs }, rangeHeaders(o.seg, from));
    return await takeAnswer(run, res, from, stall);
  } catch (err) {
    return retry(retryableError(run, err, ac.signal));
  } finally {
    clearTimeout(stall);
    o.signal.removeEventListener('abort', onAbort);
  }
}

/** The error an attempt ended with when another attempt may help; the others are thrown. */
function retryableError(run: SegmentRun, err: unknown, attempt: AbortSignal): unknown {
  if (run.o.signal.aborted) throw run.o.signal.reason;
  if (err === run.w.error) throw err;
  if (err instanceof DownloadError && err.status && err.status < 500 && err.status !== 403) throw err;
  if (!(err instanceof DownloadError) && !isTransient(err) && !attempt.aborted) throw err;
  return attempt.aborted ? attempt.reason : err;
}

async function takeAnswer(run: SegmentRun, res: OpenResponse, from: number, stall: NodeJS.Timeout): Promise<Outcome> {
  if (res.status < 200 || res.status >= 300) return refused(run, res, from);
  const ivBytes = await fitToPart(run, res, from);
  if (ivBytes === null)
    return retry(new DownloadError(`segment ${run.o.seg.index}: the server answered another range than the one asked for`));
  const got = await readSegmentBody(run, res, ivBytes, stall);
  const announced = res.headers['content-length'];
  if (announced !== undefined && Number(announced) !== got)
    return retry(new DownloadError(`size check failed: got ${got} of ${announced} bytes`));
  return WHOLE;
}

/** A non-2xx answer: a 416 may mean the partial file is whole; 403/408/429/5xx are retried, the rest thrown. */
async function refused(run: SegmentRun, res: OpenResponse, from: number): Promise<Outcome> {
  await discard(res.body);
  const err = new DownloadError(`HTTP ${res.status} for ${new URL(res.url).pathname.split('/').pop()}`, false, res.status);
  if (res.status === 416 && run.w.written > 0) {
    // the partial file is the whole segment (a stop between its last write and the rename), or it does not fit
    if (!run.key && Number(/\/(\d+)/.exec(res.headers['content-range'] ?? '')?.[1]) === from) return WHOLE;
    await run.w.restart(run.init);
    return retry(err);
  }
  if (!(res.status === 403 || res.status === 408 || res.status === 429 || res.status >= 500)) throw err;
  return retry(err);
}

/**
 * Fits a 2xx answer to the partial file: how many bytes of IV it starts with (AES: the block
 * before the missing part), or null (after starting over) when it answered another range.
 */
async function fitToPart(run: SegmentRun, res: OpenResponse, from: number): Promise<number | null> {
  const { w, o } = run;
  if (res.status === 206 && w.written > 0) {
    const start = Number(/bytes (\d+)-/.exec(res.headers['content-range'] ?? '')?.[1] ?? NaN);
    if (start === (o.seg.range ? o.seg.range[0] : 0) + from) return run.key ? 16 : 0;
    await discard(res.body);
    await w.restart(run.init);
    return null;
  }
  if (w.written > 0) await w.restart(run.init); // the server ignored Range: the body is the whole segment
  return 0;
}

/** Reads the body into the partial file (deciphered when AES, throttled); returns the bytes received. */
async function readSegmentBody(run: SegmentRun, res: OpenResponse, ivBytes: number, stall: NodeJS.Timeout): Promise<number> {
  const { o, w, key } = run;
  const ivParts: Buffer[] = [];
  let decipher = key && ivBytes === 0 ? crypto.createDecipheriv('aes-128-cbc', key, o.seg.key!.iv ?? sequenceIv(o.seg.sequence)) : null;
  run.decipher = decipher;
  let got = 0;
  await readBody(res.body, (buf) => {
    stall.refresh();
    got += buf.length;
    const slow = o.throttle.take(buf.length);
    if (ivBytes > 0) {
      const n = Math.min(ivBytes, buf.length);
      ivParts.push(buf.subarray(0, n));
      ivBytes -= n;
      buf = buf.subarray(n);
      if (ivBytes === 0) decipher = run.decipher = crypto.createDecipheriv('aes-128-cbc', key!, Buffer.concat(ivParts));
    }
    const busy = w.push(decipher ? decipher.update(buf) : buf);
    return slow && busy ? Promise.all([slow, busy]) : (slow ?? busy);
  });
  return got;
}

/** The decipher's last block (the padding checked) into the partial file. */
function finishDecrypt(run: SegmentRun): void {
  const { seg } = run.o;
  if (!run.decipher)
    throw new DownloadError(`segment ${seg.index} could not be decrypted: the answer ended inside the block before the missing part`);
  let last: Buffer;
  try {
    last = run.decipher.final();
  } catch (err) {
    const why = (err as Error).message;
    throw new DownloadError(`segment ${seg.index} could not be decrypted: ${/bad decrypt/i.test(why) ? 'bad padding (wrong key?)' : why}`);
  }
  run.w.push(last)?.catch(() => undefined); // settle() reports a write error
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
    disk: DiskWatch,
  ) {
    this.out = new BatchWriter(handle, file, BATCH, disk);
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
