import fs from 'node:fs';
import path from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { DiskFullError, isDiskFull } from './errors.js';
import type { DiskWatch } from './io.js';

function writeAllSync(fd: number, bufs: Buffer[], bytes: number) {
  let left = bytes;
  while (left > 0) {
    let n = fs.writevSync(fd, bufs);
    left -= n;
    // a short write (rare on a file): drop what went out and write the rest
    while (n > 0 && bufs.length > 0) {
      if (n >= bufs[0]!.length) n -= bufs.shift()!.length;
      else {
        bufs[0] = bufs[0]!.subarray(n);
        n = 0;
      }
    }
  }
}

/**
 * Appends a download's chunks to its file in batches (writev: few system calls), one write after
 * the other so the file only ever grows by whole, ordered batches (a resume trusts its size).
 * `push` returns a promise (the caller pauses its body) only while more than `maxQueued` bytes wait
 * for the disk; a slow link still gets its bytes on disk every `maxDelayMs` (they survive a kill).
 */
export class BatchWriter {
  error: unknown = null;
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;
  private queued = 0;
  private chain: Promise<void> = Promise.resolve();
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private lastFlush = Date.now();

  constructor(
    private handle: FileHandle,
    private where: string,
    private opts: { batchBytes: number; maxQueued: number; maxDelayMs?: number },
    /** The app's disk watch: whether writes may go straight into the page cache (io.ts). */
    private disk: DiskWatch,
  ) {}

  push(buf: Buffer): Promise<void> | undefined {
    if (this.error) throw this.error;
    if (buf.length === 0) return undefined;
    this.gathered.push(buf);
    this.gatheredBytes += buf.length;
    if (
      this.gatheredBytes >= this.opts.batchBytes ||
      (this.opts.maxDelayMs !== undefined && Date.now() - this.lastFlush >= this.opts.maxDelayMs)
    )
      this.flush();
    if (this.error) throw this.error;
    if (this.queued < this.opts.maxQueued) return undefined;
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * As push, for a view into a buffer that is reused once this call returns (or the promise it
   * returns settles): written at once when nothing waits before it and the disk takes it quickly,
   * else copied.
   */
  pushView(view: Buffer): Promise<void> | undefined {
    if (this.error) throw this.error;
    if (this.gatheredBytes > 0 || !this.writesNow()) return this.push(Buffer.from(view));
    this.writeNow([view], view.length);
    this.lastFlush = Date.now();
    if (this.error) throw this.error;
    return undefined;
  }

  private writesNow(): boolean {
    return this.disk.quick() && this.queued === 0 && !this.error && this.disk.local(path.dirname(this.where));
  }

  private writeNow(bufs: Buffer[], bytes: number): void {
    const started = performance.now();
    try {
      writeAllSync(this.handle.fd, bufs, bytes);
    } catch (err) {
      this.error = isDiskFull(err) ? new DiskFullError(this.where) : err;
    }
    this.disk.wrote(started);
  }

  /** Writes what was gathered: at once while the page cache takes it quickly, else on the write chain. */
  flush(): void {
    this.lastFlush = Date.now();
    if (this.gatheredBytes === 0) return;
    const bufs = this.gathered;
    const bytes = this.gatheredBytes;
    this.gathered = [];
    this.gatheredBytes = 0;
    if (this.writesNow()) return this.writeNow(bufs, bytes);
    this.queued += bytes;
    this.chain = this.chain.then(async () => {
      if (this.error) return;
      try {
        await this.handle.writev(bufs);
      } catch (err) {
        this.error = isDiskFull(err) ? new DiskFullError(this.where) : err;
      }
      this.queued -= bytes;
      if (this.error || this.queued < this.opts.maxQueued) {
        const ws = this.waiters;
        this.waiters = [];
        for (const w of ws)
          if (this.error) w.reject(this.error);
          else w.resolve();
      }
    });
  }

  /** Everything pushed so far is on disk (or the write error). */
  async settle(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.error) throw this.error;
  }
}
