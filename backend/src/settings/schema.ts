import { z } from 'zod';
import { SchedulerConfig } from '../scheduler/configSchema.js';
import { DownloadsConfig } from '../downloads/configSchema.js';
import { ProvidersConfig } from '../providers/configSchema.js';
import { TmdbConfig, NfoConfig } from '../metadata/configSchema.js';
import { BackupConfig } from '../backup/configSchema.js';
import { NotificationsConfig } from '../notifications/configSchema.js';
import { MediaServersConfig } from '../mediaServers/configSchema.js';
import { LoggingConfig } from '../logs/configSchema.js';
import { HistoryConfig } from '../history/configSchema.js';
import { libraryFolderProblem } from '../util/animeDirectory.js';

/** A folder outside the anime directory that linked series folders may lead to (another disk of a NAS). */
const ExtraLibraryRoot = z
  .string()
  .min(1)
  .max(4096)
  .superRefine((dir, ctx) => {
    const problem = libraryFolderProblem(dir);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

/**
 * Keys that older versions stored but that never did anything: the data folder is `DATA_DIR`
 * (config.json lives inside it, so the file cannot move it), `other` was a free-form bag nothing
 * read, `ui.language` was saved by the Settings page while the UI language is chosen per browser.
 * Files, backups and requests that still carry them load as before; the keys are dropped.
 */
export const REMOVED_KEYS = ['data_dir', 'other', 'ui'] as const;

function withoutRemovedKeys(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  if (!REMOVED_KEYS.some((k) => k in v)) return v;
  const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  for (const k of REMOVED_KEYS) delete out[k];
  return out;
}

/** config.json: the spec's AppConfig plus one section per domain (each owned by its domain). */
export const AppConfig = z.preprocess(
  withoutRemovedKeys,
  z
    .object({
      /** This installation's name toward the outside: notification sender and the calendar feed's name. */
      name: z.string().min(1).max(100).default('Aniworld'),
      anime_directory: z.string().nullable().default(null),
      extra_library_roots: z.array(ExtraLibraryRoot).max(32).default([]),
      scheduler: SchedulerConfig.default({}),
      logging: LoggingConfig.default({}),
      backup: BackupConfig.default({}),
      downloads: DownloadsConfig.default({}),
      providers: ProvidersConfig.default({}),
      tmdb: TmdbConfig.default({}),
      nfo: NfoConfig.default({}),
      notifications: NotificationsConfig.default({}),
      media_servers: MediaServersConfig.default({}),
      history: HistoryConfig.default({}),
    })
    .strict(),
);

export type AppConfig = z.infer<typeof AppConfig>;

/** Secrets the API never returns in clear; a PUT that sends the mask back keeps the stored value. */
export const SECRET_MASK = '********';
