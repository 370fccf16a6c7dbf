import type { Conn, Db } from '../db/pool.js';
import type { Jobs, JobName, JobPayload } from './jobs.js';
import { keyedJob, whilePlanning } from './repo.js';

/**
 * A self-rescheduling job: one keyed Graphile Worker job whose run_at is the next due time; when
 * it runs, its task does its work and plans its successor with `plan`. Being one keyed job, a run
 * missed while the server was down runs once at start-up (`ensure`), never once per missed slot.
 * Used by the rescan schedule, the scheduled backup and the watchlist's check-all.
 */
export class RecurringJob<N extends JobName> {
  constructor(
    readonly task: N,
    readonly key: string = task,
    private readonly maxAttempts = 3,
  ) {}

  /** Plans the next run at `runAt` (moving a waiting one), or removes the waiting job when `runAt` is null. */
  async plan(deps: { jobs: Jobs }, runAt: Date | null, payload: JobPayload<N>): Promise<void> {
    if (!runAt) await deps.jobs.remove(this.key);
    else await deps.jobs.add(this.task, payload, { jobKey: this.key, runAt, maxAttempts: this.maxAttempts, keepPayload: true });
  }

  /**
   * Plans from the schedule `fingerprint` names, one at a time per key: a waiting job planned from
   * the same schedule stays. So a config change applied twice (by its route and by the config
   * watcher, or by two processes) plans once, and an interval schedule does not move by the
   * moments between the two.
   */
  async planFrom(
    deps: { db: Db; jobs: Jobs },
    fingerprint: string,
    next: () => Date | null,
    payload: JobPayload<N> & { fingerprint: string },
  ): Promise<Date | null> {
    return deps.db.connect((conn) =>
      whilePlanning(conn, this.key, async () => {
        const job = await this.current(deps.db);
        if (job && !job.locked_at && (job.payload as { fingerprint?: unknown } | null)?.fingerprint === fingerprint) return job.run_at;
        const runAt = next();
        await this.plan(deps, runAt, payload);
        return runAt;
      }),
    );
  }

  /** The waiting or running job, with the payload it was planned with. */
  current(db: Conn) {
    return keyedJob(db, this.key);
  }

  /** When the waiting job is due (null while it runs or when none is planned). */
  async nextRun(db: Conn): Promise<Date | null> {
    const job = await this.current(db);
    return job && !job.locked_at ? job.run_at : null;
  }

  /**
   * At start-up: a running job plans its own successor, and a waiting one that `keep` accepts (its
   * payload tells what schedule planned it) stays, so an overdue one runs once, now; otherwise `replan`.
   */
  async ensure(db: Conn, keep: (payload: Partial<JobPayload<N>> | null) => boolean, replan: () => Promise<unknown>): Promise<void> {
    const job = await this.current(db);
    if (job?.locked_at) return;
    if (job && keep((job.payload ?? null) as Partial<JobPayload<N>> | null)) return;
    await replan();
  }
}
