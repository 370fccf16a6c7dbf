import type fs from 'node:fs/promises';
import { DiskFullError, isDiskFull } from './errors.js';

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
    private handle: fs.FileHandle,
    private where: string,
    private opts: { batchBytes: number; maxQueued: number; maxDelayMs?: number },
  ) {}

  push(buf: Buffer): Promise<void> | undefined {
    if (this.error) throw this.error;
    if (buf.length === 0) return undefined;
    this.gathered.push(buf);
    this.gatheredBytes += buf.length;
    if (this.gatheredBytes >= this.opts.batchBytes || (this.opts.maxDelayMs !== undefined && Date.now() - this.lastFlush >= this.opts.maxDelayMs)) this.flush();
    if (this.queued < this.opts.maxQueued) return undefined;
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Hands what was gathered to the write chain. */
  flush(): void {
    this.lastFlush = Date.now();
    if (this.gatheredBytes === 0) return;
    const bufs = this.gathered;
    const bytes = this.gatheredBytes;
    this.gathered = [];
    this.gatheredBytes = 0;
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
        for (const w of ws) if (this.error) w.reject(this.error); else w.resolve();
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
