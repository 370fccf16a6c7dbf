import { z } from 'zod';
import { sql, type Conn, type Db } from '../db/pool.js';
import { NotifyEvent } from '../rules/notifyEvent.js';
import { savePayload } from './repo.js';

/** Jobs whose handler reads nothing from the payload (cron adds `_cron` to it). */
const NoPayload = z.object({}).passthrough();

/**
 * Every Graphile Worker task: its name and the payload its handler accepts. Jobs are added only
 * through `Jobs.add` with a name from here; the worker refuses to start unless every task here has
 * a handler and every handler is here (taskList.ts). A domain's handler parses with its entry.
 */
export const JOB_PAYLOADS = {
  housekeeping: NoPayload,
  /** With auto_download it adds `downloads_queue_missing {keys}` at the end. */
  library_rescan: z.object({ auto_download: z.boolean().optional(), trigger: z.string().max(100).optional() }).passthrough(),
  series_scan: z.object({ key: z.string().min(1) }),
  episode_languages: z.object({ key: z.string().min(1) }),
  /** `fingerprint`: the schedule it was planned under (a changed schedule replaces it). */
  scheduled_rescan: z.object({ fingerprint: z.string().optional() }).passthrough(),
  config_backup: z.object({ scheduled: z.boolean().default(false), fingerprint: z.string().optional() }).passthrough(),
  watchlist_check_all: z.object({ scheduled: z.boolean().default(false) }).passthrough(),
  watchlist_check_item: z.object({ item_id: z.string() }),
  /** Queued by an earlier version only: dropped when it runs. */
  watchlist_notify: NoPayload,
  /** A watchlist download finished: queued in the transaction that marks the queue item completed or failed. */
  watchlist_download_finished: z.object({
    key: z.string().min(1),
    season: z.number().int().min(0),
    episode: z.number().int().min(0),
    title: z.string().nullable(),
    completed: z.boolean(),
  }),
  /** Without `overwrite` an existing tvshow.nfo is left alone; batch jobs carry `batch_id` and `position`. */
  nfo_create: z.object({
    key: z.string().min(1),
    overwrite: z.boolean().optional().default(false),
    download_media: z.boolean().optional(),
    batch_id: z.string().uuid().optional(),
    position: z.number().int().min(0).optional(),
    /** Who asked (a batch, an add): the history's `user` of what the job writes; absent: the system. */
    user_id: z.number().int().nullable().optional(),
  }),
  /** `video_path`: the absolute path of the placed video. */
  nfo_episode: z.object({
    series_key: z.string().min(1),
    season: z.number().int().min(0),
    episode: z.number().int().min(0),
    video_path: z.string().min(1),
  }),
  download_episode: z.object({ id: z.string().uuid() }),
  downloads_queue_missing: z.object({ keys: z.array(z.string()).optional() }).passthrough(),
  /** Hourly (crontab): completed items leave the queue for the history. */
  queue_trim: NoPayload,
  notify_send: z.object({ channel_id: z.string(), event: NotifyEvent }),
  media_refresh: z.object({ server_id: z.string() }),
  calendar_refresh: NoPayload,
  /** Hourly (crontab): every enabled AniList / MyAnimeList import list is read. */
  import_lists_sync: NoPayload,
} as const;

export type JobName = keyof typeof JOB_PAYLOADS;
/** What a caller passes for a job (defaults not yet applied). */
export type JobPayload<N extends JobName> = z.input<(typeof JOB_PAYLOADS)[N]>;
export const JOB_NAMES = Object.keys(JOB_PAYLOADS) as JobName[];

/** The start-up check: the handlers are exactly the tasks of JOB_PAYLOADS. */
export function checkHandlers(handlerNames: string[]): void {
  const missing = JOB_NAMES.filter((n) => !handlerNames.includes(n));
  const unknown = handlerNames.filter((n) => !(n in JOB_PAYLOADS));
  if (missing.length) throw new Error(`tasks without a handler: ${missing.join(', ')}`);
  if (unknown.length) throw new Error(`handlers of tasks missing from JOB_PAYLOADS (worker/jobs.ts): ${unknown.join(', ')}`);
}

export interface JobOptions {
  jobKey?: string;
  /** 'replace' (default) moves a pending keyed job; 'preserve_run_at' keeps its time; 'unsafe_dedupe' never touches a running one. */
  jobKeyMode?: 'replace' | 'preserve_run_at' | 'unsafe_dedupe';
  runAt?: Date;
  maxAttempts?: number;
  priority?: number;
  queueName?: string;
  /** Keep the payload where `keyedJob` and `runningJob` (worker/repo.ts) read it (Graphile's public view has none). */
  keepPayload?: boolean;
}

/** `id` is null when a job with the same key is running right now: add_job leaves it alone then. */
const JobRow = z.object({
  id: z
    .union([z.string(), z.number()])
    .nullable()
    .transform((v) => (v === null ? null : String(v))),
});

/** Adds Graphile Worker jobs with plain SQL, so a job can be added in the same transaction as its rows. */
export class Jobs {
  constructor(private db: Db) {}

  /** Adds a job of a known task; a payload its handler would refuse throws here, before anything is stored. */
  async add<N extends JobName>(identifier: N, payload: JobPayload<N>, opts: JobOptions = {}, conn: Conn = this.db) {
    const checked = JOB_PAYLOADS[identifier]?.safeParse(payload);
    if (!checked) throw new Error(`unknown task ${identifier}`);
    if (!checked.success)
      throw new Error(`bad payload for ${identifier}: ${checked.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    const add = (c: Conn) =>
      c.one(sql.type(JobRow)`select id from graphile_worker.add_job(
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
    if (!opts.keepPayload) return add(conn);
    return conn.transaction(async (tx) => {
      const job = await add(tx);
      if (job.id !== null) await savePayload(tx, job.id, payload);
      return job;
    });
  }

  /** Removes a pending job by key (a running one finishes; it is never interrupted here). */
  async remove(jobKey: string, conn: Conn = this.db): Promise<void> {
    await conn.query(sql.unsafe`select graphile_worker.remove_job(${jobKey})`);
  }
}
