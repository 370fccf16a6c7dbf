import { z } from 'zod';

/** `backup` in config.json. */
export const BackupConfig = z
  .object({
    enabled: z.boolean().default(false).describe('scheduled backups on/off'),
    frequency: z.enum(['daily', 'weekly']).default('weekly'),
    weekday: z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']).default('sun').describe('day of the weekly backup'),
    time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM')
      .default('03:30')
      .describe('server time'),
    include_secrets: z.boolean().default(false).describe('scheduled backups hold the JWT secret, API keys and the TMDB key'),
    path: z.string().min(1).max(4096).default('backups').describe('backup folder: absolute, or relative to DATA_DIR'),
    keep_days: z.number().int().min(1).max(3650).default(30).describe('scheduled and pre-restore backups older than this are removed'),
    keep_count: z.number().int().min(1).max(1000).default(10).describe('at most this many scheduled and pre-restore backups are kept'),
  })
  .strict();
