import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { route, ApiRouter } from '../http/route.js';
import { sql } from '../db/pool.js';
import { cpuMeter, systemMetrics } from './system.js';
import { about, AboutSchema, diskUsage, DiskUsageSchema } from './about.js';

const Basic = z.object({ status: z.enum(['healthy', 'unhealthy']), timestamp: z.string(), version: z.string() });
const Detailed = Basic.extend({
  dependencies: z.object({
    database: z.object({ status: z.string(), connection_time_ms: z.number().nullable(), message: z.string() }),
    filesystem: z.object({ status: z.string(), data_dir_writable: z.boolean(), logs_dir_writable: z.boolean() }),
    system: z
      .object({
        cpu_percent: z.number(),
        memory_percent: z.number(),
        memory_available_mb: z.number(),
        disk_percent: z.number().describe("the data folder's disk"),
        disk_free_mb: z.number().describe("the data folder's disk"),
        uptime_seconds: z.number(),
      })
      .optional()
      .describe('Logged-in callers only'),
    disks: z
      .object({
        library: DiskUsageSchema.nullable().describe("the anime library's disk (min_free_space_mb is measured here)"),
        data: DiskUsageSchema.nullable().describe("the data folder's disk (config, backups, logs, the embedded database)"),
      })
      .optional()
      .describe('Logged-in callers only'),
    ffmpeg: z
      .object({
        ffmpeg_path: z.string().nullable(),
        ffprobe_path: z.string().nullable(),
        source: z.string(),
        status: z.enum(['checking', 'ok', 'too_old', 'missing']).optional().describe('downloads run only when `ok` (FFmpeg 5 or newer)'),
        ffmpeg_version: z.string().nullable().optional(),
        ffprobe_version: z.string().nullable().optional(),
        message: z.string().optional(),
      })
      .optional()
      .describe('Logged-in callers only'),
    worker: z
      .object({ status: z.enum(['starting', 'running', 'stopping']) })
      .optional()
      .describe(
        'Logged-in callers only, in processes that run jobs (roles all and worker): HTTP answers while the job runner still starts ' +
          '(`starting`); queued jobs wait for it',
      ),
  }),
  about: AboutSchema.optional().describe('Logged-in callers only: versions, uptime, database size, the newest backup'),
  warnings: z
    .array(z.object({ code: z.string(), message: z.string() }))
    .describe('What works only in part although the product runs: e.g. `FFMPEG_UNSUITABLE` (downloads disabled)'),
  startup_time: z.string(),
});

async function writable(dir: string): Promise<boolean> {
  try {
    await fs.mkdir(dir, { recursive: true });
    const probe = path.join(dir, `.health-${process.pid}`);
    await fs.writeFile(probe, 'ok');
    await fs.rm(probe);
    return true;
  } catch {
    return false;
  }
}

export function healthRoutes(
  deps: Pick<Deps, 'env' | 'db' | 'dbAvailability' | 'settings' | 'version' | 'startedAt' | 'ffmpeg' | 'workerState'>,
): ApiRouter {
  const r = new ApiRouter();
  const tags = ['health'];
  const cpuPercent = cpuMeter();

  const basic = () => ({ status: 'healthy' as const, timestamp: new Date().toISOString(), version: deps.version });

  /** Anonymous callers get the verdicts only: no paths, no ffmpeg location, no figures, no error texts. */
  async function detailed(ctx: { status: number }, loggedIn: boolean) {
    const t0 = performance.now();
    let database: { status: string; connection_time_ms: number | null; message: string };
    try {
      await deps.db.oneFirst(sql.type(z.object({ ok: z.number() }))`select 1 as ok`);
      database = {
        status: 'healthy',
        connection_time_ms: Math.round((performance.now() - t0) * 100) / 100,
        message: 'Database connection successful',
      };
    } catch (err) {
      database = { status: 'unhealthy', connection_time_ms: null, message: `Database unreachable: ${(err as Error).message}` };
    }
    const [dataOk, logsOk] = await Promise.all([writable(deps.env.DATA_DIR), writable(path.join(deps.env.DATA_DIR, 'logs'))]);
    const healthy = database.status === 'healthy' && dataOk && logsOk;
    const ffmpeg = deps.ffmpeg.current();
    const warnings =
      ffmpeg && (ffmpeg.status === 'too_old' || ffmpeg.status === 'missing')
        ? [{ code: 'FFMPEG_UNSUITABLE', message: ffmpeg.message ?? '' }]
        : [];
    ctx.status = healthy ? 200 : 503;
    if (!loggedIn) {
      return {
        ...basic(),
        status: healthy ? ('healthy' as const) : ('unhealthy' as const),
        dependencies: {
          database: { ...database, message: database.status === 'healthy' ? 'Database connection successful' : 'Database unreachable' },
          filesystem: { status: dataOk && logsOk ? 'healthy' : 'unhealthy', data_dir_writable: dataOk, logs_dir_writable: logsOk },
        },
        warnings: warnings.map(({ code }) => ({ code, message: 'Downloads are disabled; details for logged-in callers' })),
        startup_time: deps.startedAt.toISOString(),
      };
    }
    return {
      ...basic(),
      status: healthy ? ('healthy' as const) : ('unhealthy' as const),
      dependencies: {
        database,
        filesystem: { status: dataOk && logsOk ? 'healthy' : 'unhealthy', data_dir_writable: dataOk, logs_dir_writable: logsOk },
        system: await systemMetrics(deps.env.DATA_DIR, cpuPercent),
        disks: { library: await diskUsage(deps.settings.animeDirectory()), data: await diskUsage(deps.env.DATA_DIR) },
        ffmpeg,
        ...(deps.workerState ? { worker: { status: deps.workerState() } } : {}),
      },
      about: await about(deps),
      warnings,
      startup_time: deps.startedAt.toISOString(),
    };
  }

  for (const prefix of ['', '/api']) {
    route(
      r,
      {
        method: 'get',
        path: `${prefix}/health`,
        access: 'public',
        summary: 'Basic health check',
        tags,
        description: "From the database's last known state (no query): 503 `unhealthy` while PostgreSQL is unreachable.",
        responses: { 200: Basic, 503: Basic },
      },
      ({ ctx }) => {
        if (deps.dbAvailability.healthy) return basic();
        ctx.status = 503;
        ctx.set('Retry-After', '5');
        ctx.body = { ...basic(), status: 'unhealthy' as const };
        return undefined;
      },
    );
    route(
      r,
      {
        method: 'get',
        path: `${prefix}/health/detailed`,
        access: 'public',
        summary: 'Health of the database, folders and system',
        tags,
        description:
          'Anonymous callers get the verdicts only (no paths, ffmpeg location, system figures or error texts); logged-in ' +
          'callers get everything.',
        responses: { 200: Detailed, 503: Detailed },
      },
      ({ ctx, user }) => detailed(ctx, user !== null),
    );
  }
  return r;
}
