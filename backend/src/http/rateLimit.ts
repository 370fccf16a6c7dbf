/** Fixed-window counters kept in memory; old windows are dropped as they expire. */
export class WindowCounter {
  private hits = new Map<string, { count: number; resetAt: number }>();

  constructor(private limit: number, private windowMs: number, private now: () => number = Date.now) {}

  /** Counts one hit; returns seconds to wait when over the limit, else 0. */
  hit(key: string): number {
    const t = this.now();
    let entry = this.hits.get(key);
    if (!entry || entry.resetAt <= t) {
      entry = { count: 0, resetAt: t + this.windowMs };
      this.hits.set(key, entry);
      if (this.hits.size > 10_000) this.sweep(t);
    }
    entry.count += 1;
    return entry.count > this.limit ? Math.ceil((entry.resetAt - t) / 1000) : 0;
  }

  /** Over the limit already, without counting a hit. */
  blocked(key: string): number {
    const t = this.now();
    const entry = this.hits.get(key);
    if (!entry || entry.resetAt <= t || entry.count < this.limit) return 0;
    return Math.ceil((entry.resetAt - t) / 1000);
  }

  private sweep(t: number) {
    for (const [k, e] of this.hits) if (e.resetAt <= t) this.hits.delete(k);
  }
}
