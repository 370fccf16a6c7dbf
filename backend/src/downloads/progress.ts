/**
 * Progress of one download: speed over a sliding window, ETA, and a throttle so that at most
 * two `download_progress` events per second and one database write per second go out.
 */
export interface ProgressData {
  percent: number;
  downloaded_mb: number;
  total_mb: number | null;
  speed_mbps: number;
  eta_seconds: number | null;
}

const MB = 1024 * 1024;
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export class ProgressTracker {
  private samples: { t: number; bytes: number }[] = [];
  private lastEmit = 0;
  private lastSave = 0;
  done = 0;
  total: number | null = null;

  constructor(
    private emit: (p: ProgressData) => void,
    private save: (p: ProgressData, done: number, total: number | null) => void,
    private now: () => number = Date.now,
  ) {}

  snapshot(): ProgressData {
    const t = this.now();
    this.samples = this.samples.filter((s) => t - s.t <= 3000);
    const first = this.samples[0];
    const dt = first ? (t - first.t) / 1000 : 0;
    const speed = first && dt > 0.2 ? Math.max(0, this.done - first.bytes) / dt : 0;
    const percent = this.total ? Math.min(100, (this.done / this.total) * 100) : 0;
    const eta = this.total && speed > 0 ? Math.max(0, (this.total - this.done) / speed) : null;
    return {
      percent: round(percent, 1),
      downloaded_mb: round(this.done / MB),
      total_mb: this.total !== null ? round(this.total / MB) : null,
      speed_mbps: round(speed / MB),
      eta_seconds: eta === null ? null : Math.round(eta),
    };
  }

  update(done: number, total: number | null): void {
    this.done = done;
    if (total !== null) this.total = total;
    const t = this.now();
    // a sample every 50 ms is enough for the speed: per-chunk updates stay O(1) without allocation
    const latest = this.samples[this.samples.length - 1];
    if (!latest || t - latest.t >= 50) this.samples.push({ t, bytes: done });
    if (t - this.lastEmit >= 500) {
      this.lastEmit = t;
      const snap = this.snapshot();
      this.emit(snap);
      if (t - this.lastSave >= 1000) {
        this.lastSave = t;
        this.save(snap, this.done, this.total);
      }
    }
  }
}
