import fs from 'node:fs/promises';
import path from 'node:path';
import { openMediaFile, type MediaRequest } from './http.js';
import type { Throttle } from './throttle.js';
import { verifyMedia, type VerifyResult } from './verify.js';

/**
 * MP4 verification while the download runs. As soon as the size is known, the last 4 MiB are
 * fetched on a second connection (the last seconds, and the index of a file that has it at the
 * end); once the first 4 MiB are on disk too, both ends are checked (verify.ts: demux and decode of
 * the first and last seconds, duration) on a sparse copy holding just those bytes. After the
 * download, the file's own first and last 4 MiB are compared with the ones checked: when they are
 * the same, the check stands. Otherwise, or when the ends could not be checked early (a small
 * file, a resumed one, no Range support, an end that needs more than those bytes), the caller
 * checks the whole file as before.
 */
const EDGE_BYTES = 4 * 1024 * 1024;
/** Below this, the second connection and the copy are not worth it. */
const MIN_SIZE = 32 * 1024 * 1024;

export class FileEdges {
  private started = false;
  private tail: Promise<Buffer | null> | null = null;
  private early: Promise<{ result: VerifyResult; head: Buffer; tail: Buffer } | null> | null = null;
  private total = 0;
  private tailSettled = false;
  private readonly tailAbort = new AbortController();
  private readonly check: string;

  /** `resumed`: the file already had bytes when this download started (then the whole file is checked). */
  constructor(
    private o: {
      ffmpegPath: string;
      signal: AbortSignal;
      file: string;
      resumed: boolean;
      request: MediaRequest;
      throttle: Throttle;
      minSize?: number;
    },
  ) {
    this.check = path.join(path.dirname(o.file), 'edges-check.mp4');
  }

  /** Whether the ends are being checked early (then nothing else needs to start ahead). */
  get active(): boolean {
    return this.started;
  }

  /** Called with the download's progress. */
  progress(have: number, total: number | null): void {
    if (!this.started) {
      if (this.o.resumed || total === null || total < Math.max(2 * EDGE_BYTES, this.o.minSize ?? MIN_SIZE)) return;
      this.started = true;
      this.total = total;
      this.tail = this.fetchTail(total - EDGE_BYTES)
        .catch(() => null)
        .finally(() => {
          this.tailSettled = true;
        });
    }
    if (!this.early && have >= EDGE_BYTES) this.early = this.tail!.then((t) => (t ? this.checkEarly(t) : null)).catch(() => null);
  }

  /** The early check's result if it passed and the file holds the bytes it checked; else null. */
  async result(): Promise<VerifyResult | null> {
    // a slow second connection never holds up a finished download: the whole file is checked instead
    if (!this.tailSettled) this.tailAbort.abort();
    const early = await this.early;
    if (!early) return null;
    const fh = await fs.open(this.o.file, 'r');
    try {
      const size = (await fh.stat()).size;
      if (size !== this.total) return null;
      const same = async (checked: Buffer, at: number) => {
        const mine = Buffer.allocUnsafe(checked.length);
        const { bytesRead } = await fh.read(mine, 0, mine.length, at);
        return bytesRead === checked.length && mine.equals(checked);
      };
      return (await same(early.head, 0)) && (await same(early.tail, this.total - EDGE_BYTES)) ? early.result : null;
    } finally {
      await fh.close();
    }
  }

  cancel(): void {
    this.tailAbort.abort();
    void fs.rm(this.check, { force: true });
  }

  /** The last bytes, by Range on a second connection; null when the server does not answer the range. */
  private async fetchTail(start: number): Promise<Buffer | null> {
    const onAbort = () => this.tailAbort.abort();
    this.o.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.fetchRange(start);
    } finally {
      this.o.signal.removeEventListener('abort', onAbort);
    }
  }

  private async fetchRange(start: number): Promise<Buffer | null> {
    const res = await openMediaFile({ ...this.o.request, signal: this.tailAbort.signal }, { range: `bytes=${start}-${this.total - 1}` });
    if (res.status !== 206 || !(res.headers['content-range'] ?? '').startsWith(`bytes ${start}-`)) {
      res.body.destroy();
      return null;
    }
    const buf = Buffer.allocUnsafe(EDGE_BYTES);
    let got = 0;
    await res.body.read((view) => {
      if (got + view.length > buf.length) throw new Error('more bytes than asked for');
      view.copy(buf, got);
      got += view.length;
      return this.o.throttle.take(view.length);
    });
    return got === buf.length ? buf : null;
  }

  /** Both ends checked on a sparse copy of the file that holds just them. */
  private async checkEarly(tail: Buffer): Promise<{ result: VerifyResult; head: Buffer; tail: Buffer } | null> {
    const head = Buffer.allocUnsafe(EDGE_BYTES);
    const src = await fs.open(this.o.file, 'r');
    try {
      if ((await src.read(head, 0, head.length, 0)).bytesRead !== head.length) return null;
    } finally {
      await src.close();
    }
    const dst = await fs.open(this.check, 'w');
    try {
      await dst.write(head, 0, head.length, 0);
      await dst.write(tail, 0, tail.length, this.total - EDGE_BYTES);
      await dst.truncate(this.total);
    } finally {
      await dst.close();
    }
    try {
      return {
        result: await verifyMedia({
          ffmpegPath: this.o.ffmpegPath,
          file: this.check,
          expectedDuration: null,
          signal: this.tailAbort.signal,
          demuxPass: false,
        }),
        head,
        tail,
      };
    } catch {
      return null; // damaged, or an end reaching into bytes the copy does not hold: the whole file decides
    } finally {
      await fs.rm(this.check, { force: true });
    }
  }
}
