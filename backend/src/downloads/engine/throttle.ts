/**
 * A token bucket shared by every download of the process (config downloads.bandwidth_limit_mbps,
 * MB/s; 0 = unlimited). `take(n)` resolves once n bytes may pass; without a limit it returns
 * nothing, so callers skip the await on the hot path.
 */
export class Throttle {
  private tokens = 0;
  private last = Date.now();
  private queue: Promise<void> = Promise.resolve();

  constructor(private limitMBps: () => number) {}

  take(bytes: number): Promise<void> | undefined {
    const limit = this.limitMBps();
    if (!limit || limit <= 0) return undefined;
    // serialise waiters so the rate is shared fairly among downloads
    const next = this.queue.then(() => this.wait(bytes, limit * 1024 * 1024));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async wait(bytes: number, rate: number): Promise<void> {
    const now = Date.now();
    this.tokens = Math.min(rate, this.tokens + ((now - this.last) / 1000) * rate);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens < 0) {
      const ms = (-this.tokens / rate) * 1000;
      await new Promise((r) => setTimeout(r, ms));
    }
  }
}
