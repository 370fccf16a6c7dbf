import { z } from 'zod';
import { queryBool } from '../http/route.js';

/** Request and response shapes of section 6 (NFO management) plus the artwork route. */

export const SerieParams = z.object({ serie_id: z.string().min(1).max(300) });

export const MediaFiles = z.object({
  has_poster: z.boolean(),
  has_logo: z.boolean(),
  has_fanart: z.boolean(),
  poster_path: z.string().nullable(),
  logo_path: z.string().nullable(),
  fanart_path: z.string().nullable(),
});

export const CheckResponse = z.object({
  serie_id: z.string(),
  serie_folder: z.string(),
  has_nfo: z.boolean(),
  nfo_path: z.string().nullable(),
  media_files: MediaFiles,
});

export const CreateBody = z
  .object({
    serie_name: z.string().min(1).max(300).optional(),
    year: z.number().int().min(1900).max(2100).optional(),
    /** Not in the reference: settles an ambiguous match. */
    tmdb_id: z.number().int().positive().optional(),
    download_poster: z.boolean().default(true),
    download_logo: z.boolean().default(true),
    download_fanart: z.boolean().default(true),
    overwrite_existing: z.boolean().default(false),
  })
  .strict();

export const WriteResponse = z.object({
  serie_id: z.string(),
  serie_folder: z.string(),
  nfo_path: z.string(),
  media_files: MediaFiles,
  message: z.string(),
  tmdb_id: z.number(),
  warnings: z.array(z.string()),
});

export const UpdateQuery = z.object({ download_media: queryBool.default('true') });

export const ContentResponse = z.object({
  serie_id: z.string(),
  serie_folder: z.string(),
  content: z.string(),
  file_size: z.number(),
  last_modified: z.string(),
});

export const MediaDownloadBody = z
  .object({
    download_poster: z.boolean().default(true),
    download_logo: z.boolean().default(true),
    download_fanart: z.boolean().default(true),
  })
  .strict();

export const BatchBody = z
  .object({
    serie_ids: z.array(z.string().min(1).max(300)).min(1).max(5000),
    download_media: z.boolean().default(true),
    skip_existing: z.boolean().default(true),
    max_concurrent: z.number().int().min(1).max(10).default(3),
  })
  .strict();

export const BatchResponse = z.object({
  batch_id: z.string(),
  finished: z.boolean().describe('false: `successful`, `failed` and `queued` still change; the totals are final once this is true'),
  message: z.string().describe('in words: how many are still to do and where the final totals come from'),
  status_url: z.string().describe('GET it for the current state (or follow the Socket.IO room `nfo`)'),
  total: z.number(),
  successful: z.number(),
  failed: z.number(),
  skipped: z.number(),
  queued: z.number(),
  results: z.array(
    z.object({
      serie_id: z.string(),
      serie_folder: z.string().nullable(),
      success: z.boolean(),
      message: z.string(),
      code: z
        .string()
        .nullable()
        .describe(
          'why it failed or was skipped, stable for a UI to say in its language: TMDB_NO_MATCH, AMBIGUOUS_MATCH (params.title), ' +
            'NFO_EXISTS, SERIES_NOT_FOUND, an error code, NFO_FAILED',
        ),
      params: z.record(z.union([z.string(), z.number()])).describe("the code's figures"),
      nfo_path: z.string().nullable(),
      status: z.enum(['queued', 'running', 'success', 'failed', 'skipped']),
    }),
  ),
});

export const BatchParams = z.object({ batch_id: z.string().uuid() });

export const MissingResponse = z.object({
  total_series: z.number(),
  missing_nfo_count: z.number(),
  series: z.array(
    z.object({
      serie_id: z.string(),
      serie_folder: z.string(),
      serie_name: z.string(),
      has_media: z.boolean(),
      media_files: MediaFiles,
    }),
  ),
});

export const ArtworkParams = z.object({ key: z.string().min(1).max(300), kind: z.enum(['poster', 'fanart', 'logo']) });

// ---- episode mapping ----

export const MappingParams = z.object({ key: z.string().min(1).max(300) });

const Ref = z.object({ season: z.number().int(), episode: z.number().int() });
const MODES = ['auto', 'season', 'absolute', 'episode_group', 'air_date'] as const;

/** A calendar day YYYY-MM-DD that exists (2024-02-30 does not). */
const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((d) => {
    const t = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
  }, 'not a calendar date');

export const MappingResponse = z.object({
  serie_id: z.string(),
  tmdb_id: z.number().int(),
  mode: z.enum(MODES).describe('What the user chose'),
  effective_mode: z.enum(['season', 'absolute', 'episode_group', 'air_date']).describe('What auto stands for here'),
  episode_group_id: z.string().nullable(),
  episode_groups: z
    .array(z.object({ id: z.string(), name: z.string(), type: z.number(), group_count: z.number(), episode_count: z.number() }))
    .describe("TMDB's episode groups of the show"),
  episodes: z.array(
    Ref.extend({
      tmdb: Ref.nullable().describe('The TMDB episode the NFO names; null: none'),
      via: z.enum(['season', 'absolute', 'episode_group', 'air_date', 'manual']),
      tmdb_title: z.string().nullable(),
      tmdb_air_date: z.string().nullable().describe("The TMDB episode's air date"),
    }),
  ),
  season_starts: z
    .array(
      z.object({
        season: z.number().int(),
        user_date: z.string().nullable().describe("The user's start date of this provider season"),
        provider_date: z.string().nullable().describe('The day the provider first listed its episode 1 (seen by a rescan)'),
        start_date: z.string().nullable().describe("The date air_date mode uses: the user's, else the provider's"),
        source: z
          .enum(['user', 'provider_seen', 'continued'])
          .describe("continued: no date; the season follows the previous one on TMDB's air-date order"),
        tmdb: Ref.nullable().describe('air_date mode: the TMDB episode the season starts at'),
      }),
    )
    .describe("Each regular provider season and where air_date mode starts it on TMDB's episodes ordered by air date"),
  nfo_written: z.number().int().optional().describe('After an edit: episode NFOs rewritten'),
});

export const MappingBody = z
  .object({
    mode: z.enum(MODES),
    episode_group_id: z
      .string()
      .regex(/^[0-9a-f]{24}$/, 'a TMDB episode group id (24 hex digits)')
      .nullable()
      .default(null),
    overrides: z
      .array(
        z
          .object({
            season: z.number().int().min(0).max(10_000),
            episode: z.number().int().min(0).max(100_000),
            tmdb_season: z.number().int().min(0).max(10_000),
            tmdb_episode: z.number().int().min(0).max(100_000),
          })
          .strict(),
      )
      .max(5000)
      .default([])
      .refine((xs) => new Set(xs.map((o) => `${o.season}:${o.episode}`)).size === xs.length, 'one override per episode'),
    season_starts: z
      .array(z.object({ season: z.number().int().min(1).max(10_000), start_date: Day }).strict())
      .max(1000)
      .default([])
      .refine((xs) => new Set(xs.map((o) => o.season)).size === xs.length, 'one start date per season')
      .describe(
        'air_date mode: the day each provider season started airing (its first TMDB episode is the first aired ' +
          "on/after it); seasons left out use the provider's first-seen day or follow the previous season",
      ),
  })
  .strict();
