import fs from 'node:fs/promises';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { sql } from '../db/pool.js';
import { listBackups } from '../backup/service.js';

const MB = 1048576;
const round = (n: number) => Math.round(n * 10) / 10;

export interface DiskUsage {
  path: string;
  free_mb: number;
  total_mb: number;
  used_percent: number;
}

/** Free and total space of the file system holding `dir` (null when it cannot be read). */
export async function diskUsage(dir: string): Promise<DiskUsage | null> {
  const st = await fs.statfs(dir).catch(() => null);
  if (!st) return null;
  const total = Number(st.blocks) * Number(st.bsize);
  const free = Number(st.bavail) * Number(st.bsize);
  return { path: dir, free_mb: round(free / MB), total_mb: round(total / MB), used_percent: total ? round((1 - free / total) * 100) : 0 };
}

export const DiskUsageSchema = z.object({ path: z.string(), free_mb: z.number(), total_mb: z.number(), used_percent: z.number() });

export const AboutSchema = z.object({
  product_version: z.string(),
  node_version: z.string(),
  postgres_version: z.string().nullable(),
  ffmpeg_version: z.string().nullable(),
  uptime_seconds: z.number(),
  database_size_mb: z.number().nullable(),
  last_backup: z.object({ name: z.string(), created: z.string(), kind: z.string(), size: z.number() }).nullable(),
});

/** The System page's facts: versions, uptime, database size and the newest backup. */
export async function about(deps: Pick<Deps, 'env' | 'db' | 'settings' | 'version' | 'ffmpeg'>): Promise<z.infer<typeof AboutSchema>> {
  const db = await deps.db
    .one(
      sql.type(z.object({ version: z.string(), size: z.number() }))`
    select current_setting('server_version') as version, pg_database_size(current_database()) as size`,
    )
    .catch(() => null);
  const [newest] = await listBackups(deps).catch(() => []);
  return {
    product_version: deps.version,
    node_version: process.version,
    postgres_version: db?.version ?? null,
    ffmpeg_version: deps.ffmpeg.current()?.ffmpeg_version ?? null,
    uptime_seconds: round(process.uptime()),
    database_size_mb: db ? round(db.size / MB) : null,
    last_backup: newest ?? null,
  };
}
