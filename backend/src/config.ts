import path from 'node:path';
import { z } from 'zod';
import { animeDirectoryProblem } from './util/animeDirectory.js';
import { trustedProxiesProblem } from './http/clientIp.js';

/** The only reader of process.env: parsed once, frozen, every bad variable listed. */
const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']).transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  ANIME_DIR: z.string().min(1).optional(),
  DATABASE_URL: z.string().url().optional(),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  LOG_FILE: bool.default('true'),
  TRUSTED_PROXIES: z.string().default(''),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  AUTH_RATE_LIMIT: z.coerce.number().int().min(1).default(5),
  ROLE: z.enum(['all', 'web', 'worker']).default('all'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  TMDB_API_KEY: z.string().optional(),
  TMDB_API_URL: z.string().url().optional(),
  TMDB_IMAGE_URL: z.string().url().optional(),
  ANIWORLD_URL: z.string().url().optional(),
  ANIMESAMA_URL: z.string().url().optional(),
  /** Import lists: AniList's GraphQL endpoint and MyAnimeList's site (tests point them at fakes). */
  ANILIST_URL: z.string().url().optional(),
  MYANIMELIST_URL: z.string().url().optional(),
  FFMPEG_PATH: z.string().optional(),
  FFPROBE_PATH: z.string().optional(),
  UI_DIST: z.string().optional(),
  /**
   * Test-only: the download job stops at this placement step (logs it and waits to be killed),
   * so tests can kill the real process at each step of placing a file.
   */
  ANIWORLD_TEST_CRASH_AT: z.enum(['before_rename', 'after_rename', 'after_library_write', 'after_db_write']).optional(),
  /** The server's time zone for the rescan schedule (IANA name, e.g. Europe/Berlin). */
  TZ: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'TZ must be an IANA time zone such as Europe/Berlin')
    .optional(),
});

/** Variables earlier versions read and this one ignores, with what to do instead. */
const RETIRED: Readonly<Record<string, string>> = {
  JWT_SECRET:
    'it is no longer read: access tokens are signed with keys kept in the database and rotated automatically; remove JWT_SECRET from the ' +
    'environment',
};

export type Env = Readonly<
  Omit<z.infer<typeof EnvSchema>, 'TRUSTED_PROXIES'> & {
    TRUSTED_PROXIES: readonly string[];
    DATA_DIR: string;
    /** Retired variables that are set (start-up warns once about each). */
    RETIRED: readonly { name: string; note: string }[];
  }
>;

export class EnvError extends Error {}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new EnvError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const animeProblem = env.ANIME_DIR ? animeDirectoryProblem(env.ANIME_DIR, path.resolve(env.DATA_DIR)) : null;
  if (animeProblem) throw new EnvError(`Invalid environment:\n  ANIME_DIR: ${animeProblem}`);
  const proxies = env.TRUSTED_PROXIES.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const proxyProblem = trustedProxiesProblem(proxies);
  if (proxyProblem) throw new EnvError(`Invalid environment:\n  TRUSTED_PROXIES: ${proxyProblem}`);
  return Object.freeze({
    ...env,
    DATA_DIR: path.resolve(env.DATA_DIR),
    ANIME_DIR: env.ANIME_DIR ? path.resolve(env.ANIME_DIR) : undefined,
    TRUSTED_PROXIES: proxies,
    RETIRED: Object.entries(RETIRED)
      .filter(([name]) => cleaned[name] !== undefined)
      .map(([name, note]) => ({ name, note })),
  });
}
