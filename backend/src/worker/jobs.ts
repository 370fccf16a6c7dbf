import { z } from 'zod';
import { sql, type Conn, type Db } from '../db/pool.js';

export interface JobOptions {
  jobKey?: string;
  /** 'replace' (default) moves a pending keyed job; 'preserve_run_at' keeps its time; 'unsafe_dedupe' never touches a running one. */
  jobKeyMode?: 'replace' | 'preserve_run_at' | 'unsafe_dedupe';
  runAt?: Date;
  maxAttempts?: number;
  priority?: number;
  queueName?: string;
}

/** `id` is null when a job with the same key is running right now: add_job leaves it alone then. */
const JobRow = z.object({ id: z.union([z.string(), z.number()]).nullable().transform((v) => (v === null ? null : String(v))) });

/** Adds Graphile Worker jobs with plain SQL, so a job can be added in the same transaction as its rows. */
export class Jobs {
  constructor(private db: Db) {}

  async add(identifier: string, payload: Record<string, unknown> = {}, opts: JobOptions = {}, conn: Conn = this.db) {
    return conn.one(sql.type(JobRow)`select id from graphile_worker.add_job(
      identifier => ${identifier}::text,
      payload => ${JSON.stringify(payload)}::json,
      queue_name => ${opts.queueName ?? null}::text,
      run_at => ${opts.runAt ? opts.runAt.toISOString() : null}::timestamptz,
      max_attempts => ${opts.maxAttempts ?? 5}::int,
      job_key => ${opts.jobKey ?? null}::text,
      priority => ${opts.priority ?? 0}::int,
      flags => null::text[],
      job_key_mode => ${opts.jobKeyMode ?? 'replace'}::text
    )`);
  }

  /** Removes a pending job by key (a running one finishes; it is never interrupted here). */
  async remove(jobKey: string, conn: Conn = this.db): Promise<void> {
    await conn.query(sql.unsafe`select graphile_worker.remove_job(${jobKey})`);
  }
}
