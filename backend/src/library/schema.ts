import { z } from 'zod';
import { pageQuery } from '../http/schema.js';

/** Request and response schemas of the library API (spec section 3). */
export const AnimeItem = z.object({
  key: z.string(),
  name: z.string(),
  site: z.string(),
  folder: z.string(),
  /** season → missing episode numbers */
  missing_episodes: z.record(z.array(z.number())),
  link: z.string(),
  year: z.number().nullable().optional(),
  provider: z.string().optional(),
  scan_error: z.string().nullable().optional(),
  last_scanned_at: z.string().nullable().optional(),
  /** Automatic downloads fetch this series' monitored episodes (missing_episodes counts only those). */
  monitored: z.boolean().optional(),
});

export const SearchItem = AnimeItem.extend({ cover: z.string().nullable(), description: z.string().nullable(), in_library: z.boolean() });

export const ListQuery = pageQuery(20).extend({
  sort_by: z.enum(['title', 'id', 'name', 'missing_episodes']).optional(),
  filter: z.enum(['no_episodes']).optional(),
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => v || undefined)
    .describe('only series whose name, folder or key contains this text (any case)'),
});

export const SearchQuery = z.object({
  query: z.string().trim().min(1, 'query must not be empty').max(200, 'query must be at most 200 characters'),
  provider: z.enum(['aniworld', 'animesama']).optional(),
});

export const AddBody = z.object({
  /** The series URL; a path like `/anime/stream/{slug}` is taken relative to the default provider. */
  link: z.string().trim().min(1, 'link must not be empty').max(2000),
  name: z.string().trim().min(1, 'name must not be empty').max(300),
  /** all: every episode; future: only episodes the provider does not list yet; none: the series unmonitored. */
  monitor: z.enum(['all', 'future', 'none']).default('all'),
});

const Language = z.string().min(1).max(40);
export const SeriesPatch = z
  .object({
    monitored: z.boolean().optional(),
    monitor_specials: z.boolean().optional(),
    languages: z
      .array(Language)
      .min(1)
      .max(20)
      .refine((l) => new Set(l).size === l.length, 'languages must not repeat')
      .nullable()
      .optional(),
    language_cutoff: Language.nullable().optional(),
    upgrades_enabled: z.boolean().optional(),
  })
  .strict();
export const MonitoredBody = z.object({ monitored: z.boolean() }).strict();
export const BulkMonitorBody = z.object({ keys: z.array(z.string().min(1).max(300)).min(1).max(10_000), monitored: z.boolean() }).strict();
export const BulkMonitorResponse = z.object({
  status: z.literal('success'),
  message: z.string(),
  updated: z.array(z.string()),
  not_found: z.array(z.string()),
});

export const AddResponse = z.object({
  status: z.literal('success'),
  message: z.string(),
  key: z.string(),
  folder: z.string(),
  db_id: z.number(),
  missing_episodes: z.array(z.string()),
  total_missing: z.number(),
  scan_error: z.string().nullable(),
});

export const EpisodeDetail = z.object({
  season: z.number(),
  episode: z.number(),
  title: z.string().nullable(),
  title_en: z.string().nullable(),
  languages: z.array(z.string()),
  on_provider: z.boolean(),
  is_downloaded: z.boolean(),
  file_path: z.string().nullable(),
  file_size: z.number().nullable(),
  monitored: z.boolean(),
  /** The language of the file on disk when this product downloaded it (null: unknown). */
  file_language: z.string().nullable(),
  /** The file's language is below the series' cutoff: an upgrade is wanted. */
  below_cutoff: z.boolean(),
});

export const AnimeDetail = z.object({
  key: z.string(),
  title: z.string(),
  folder: z.string(),
  /** Monitored missing episodes as `season-episode` (what automatic downloads fetch). */
  episodes: z.array(z.string()),
  /** Missing episodes that are not monitored. */
  unmonitored_missing: z.array(z.string()),
  description: z.string().nullable(),
  link: z.string(),
  site: z.string(),
  provider: z.string(),
  year: z.number().nullable(),
  cover_url: z.string().nullable(),
  genres: z.array(z.string()),
  scan_error: z.string().nullable(),
  last_scanned_at: z.string().nullable(),
  monitored: z.boolean(),
  monitor_specials: z.boolean(),
  language_profile: z.object({
    languages: z.array(z.string()),
    cutoff: z.string(),
    upgrades_enabled: z.boolean(),
    /** false: the config's languages and cutoff apply */ custom: z.boolean(),
  }),
  seasons: z.array(z.object({ season: z.number(), monitored: z.boolean() })),
  episode_list: z.array(EpisodeDetail),
});

export const Candidate = z.object({
  provider: z.string(),
  key: z.string(),
  name: z.string(),
  link: z.string(),
  year: z.number().nullable(),
  score: z
    .number()
    .optional()
    .describe(
      'Similarity of the title (or an alternative title) to the folder name, 0-1; 1 = the same title ignoring case, ' +
        'punctuation, diacritics, year and season words',
    ),
});

export const UnmatchedResponse = z.object({
  folders: z.array(
    z.object({
      folder: z.string(),
      status: z.string(),
      candidates: z.array(Candidate),
      error: z.string().nullable(),
      year: z.number().nullable(),
    }),
  ),
  count: z.number().describe('folders on this page'),
  total: z.number().describe('unmatched folders, on every page'),
});

export const ImportBody = z.object({
  folders: z.array(z.string().min(1).max(1000)).max(10_000).optional(),
  matches: z
    .array(
      z.object({
        folder: z.string().min(1).max(1000),
        key: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]*$/i, 'key must be a provider slug')
          .max(300),
        provider: z.enum(['aniworld', 'animesama']).optional(),
      }),
    )
    .max(10_000)
    .optional(),
});

export const ImportResponse = z.object({
  imported: z.array(z.object({ folder: z.string(), key: z.string(), provider: z.string(), missing: z.number() })),
  ambiguous: z.array(z.object({ folder: z.string(), candidates: z.array(Candidate) })),
  not_found: z.array(z.string()),
  failed: z.array(z.object({ folder: z.string(), error: z.string() })),
});

const HosterHealth = z.object({
  hoster: z.string(),
  attempts: z.number(),
  completed: z.number(),
  failed: z.number(),
  success_rate: z.number().nullable().describe('completed / (completed + failed) over the last 7 days; null without finished attempts'),
  last_error: z.string().nullable(),
  last_success_at: z.string().nullable(),
  last_failure_at: z.string().nullable(),
  healthy: z.boolean().describe('false when at least 2 attempts in the window mostly failed'),
});

export const ProvidersResponse = z.object({
  providers: z.array(
    z.object({
      id: z.string(),
      site: z.string().describe('The active domain'),
      base_url: z.string(),
      default: z.boolean(),
      domains: z
        .array(z.string())
        .describe(
          'Every domain accepted in links and watchlist URLs (active, known, extra); links on any are normalised to the active one',
        ),
      reachable: z.boolean(),
      search_works: z.boolean(),
      last_error: z.string().nullable(),
      checked_at: z.string(),
      hosters: z.array(HosterHealth).describe("This site's hosters: the download attempts of its series over the last 7 days"),
    }),
  ),
  hosters: z.array(HosterHealth).describe("Each hoster's download attempts over the last 7 days (from the downloads' attempts, all sites)"),
  healthy_hosters_first: z.boolean().describe('providers.healthy_hosters_first: unhealthy hosters are tried last'),
});
