import type { Db } from '../db/pool.js';
import { hitRateWindow, sweepRateWindows } from './rateWindowsRepo.js';

/**
 * Fixed-window counters in PostgreSQL, so every web process on the database shares one budget.
 * One statement per hit; expired windows are swept now and then. While the database is
 * unreachable the process counts on its own (the limit still holds per process, and a request
 * that needs no database, e.g. a token check, is not turned into an error).
 */
export class SharedWindow {
  private hitsSinceSweep = 0;
  private local = new Map<string, { hits: number; resetAt: number }>();

  constructor(
    private db: Db,
    private prefix: string,
    private limit: number,
    private windowSeconds: number,
  ) {}

  /** Counts one hit; returns seconds to wait when over the limit, else 0. */
  async hit(key: string): Promise<number> {
    try {
      return await this.sharedHit(key);
    } catch {
      return this.localHit(key);
    }
  }

  private localHit(key: string): number {
    const now = Date.now();
    if (this.local.size > 10_000) for (const [k, w] of this.local) if (w.resetAt <= now) this.local.delete(k);
    let w = this.local.get(key);
    if (!w || w.resetAt <= now) this.local.set(key, (w = { hits: 0, resetAt: now + this.windowSeconds * 1000 }));
    w.hits += 1;
    return w.hits > this.limit ? Math.max(Math.ceil((w.resetAt - now) / 1000), 1) : 0;
  }

  private async sharedHit(key: string): Promise<number> {
    const k = `${this.prefix}:${key}`;
    const row = await hitRateWindow(this.db, k, this.windowSeconds);
    if (++this.hitsSinceSweep >= 1000) {
      this.hitsSinceSweep = 0;
      await sweepRateWindows(this.db);
    }
    return row.hits > this.limit ? Math.max(row.wait, 1) : 0;
  }
}
