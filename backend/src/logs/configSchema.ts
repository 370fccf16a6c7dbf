import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** `logging` in config.json. The level applies at once; the file settings when the server starts. */
export const LoggingConfig = z
  .object({
    level: z
      .enum(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'])
      .default('INFO')
      .describe('applies at once (LOG_LEVEL, when set, wins)'),
    file: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a file name: letters, digits, . _ -')
      .nullable()
      .default(null)
      .describe(
        'base name of the log files in DATA_DIR/logs (null: aniworld); the role and number are added: aniworld-web.1.log; after a restart',
      ),
    max_bytes: z
      .preprocess(
        (v) => (v === null ? undefined : v),
        z
          .number()
          .int()
          .min(16_384)
          .max(1024 ** 3)
          .default(10 * 1024 ** 2),
      )
      .describe('a log file is rotated at this size; after a restart'),
    backup_count: z.number().int().min(1).max(100).default(3).describe('rotated files kept besides the current one; after a restart'),
  })
  .strict();
export type LoggingConfig = z.infer<typeof LoggingConfig>;

export const logsDir = (dataDir: string) => path.join(dataDir, 'logs');
export const logBaseName = (cfg: LoggingConfig) => (cfg.file ?? 'aniworld').replace(/\.log$/, '');

/**
 * The logging section of config.json, read before anything else starts (the logger comes first);
 * a missing or unreadable file gives the defaults (the settings store reports its problems later).
 */
export function readLoggingConfig(dataDir: string): LoggingConfig {
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(dataDir, 'config.json'), 'utf8')) as { logging?: unknown };
    const parsed = LoggingConfig.safeParse(raw.logging ?? {});
    if (parsed.success) return parsed.data;
  } catch {
    /* defaults */
  }
  return LoggingConfig.parse({});
}
