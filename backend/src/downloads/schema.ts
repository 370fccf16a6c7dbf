import { z } from 'zod';
import { PageQuery } from '../http/schema.js';

/** Request and response schemas of /api/queue (spec section 4, Download Item of section 10). */
export const Priority = z.enum(['LOW', 'NORMAL', 'HIGH']);

/**
 * Why a queue item failed, stable for clients (the item's `error_code`, `download_failed`'s `code`):
 * `SERIES_MISSING` the series left the library; `SOURCE_UNLISTED` the chosen source is no longer
 * listed; `ALL_BLOCKLISTED` every wanted source is blocklisted; `NO_SOURCES` the episode page lists
 * none in the wanted languages; `ALL_SOURCES_FAILED` every source was tried and failed;
 * `DISK_FULL`; `OUTSIDE_LIBRARY` a target leaves the library (a link); otherwise whose fault it
 * was (downloads/failure.ts's classes): `SOURCE_FAILED`, `HOSTER_FAILED`, `NETWORK_FAILED`,
 * `PROVIDER_FAILED`, `LOCAL_FAILED`, `CANCELLED`.
 */
export const DownloadFailureCode = z.enum([
  'SERIES_MISSING',
  'SOURCE_UNLISTED',
  'ALL_BLOCKLISTED',
  'NO_SOURCES',
  'ALL_SOURCES_FAILED',
  'DISK_FULL',
  'OUTSIDE_LIBRARY',
  'SOURCE_FAILED',
  'HOSTER_FAILED',
  'NETWORK_FAILED',
  'PROVIDER_FAILED',
  'LOCAL_FAILED',
  'CANCELLED',
]);
export type DownloadFailureCode = z.infer<typeof DownloadFailureCode>;

export const AddBody = z
  .object({
    serie_id: z.string().min(1).max(200),
    serie_folder: z.string().max(300).optional(),
    serie_name: z.string().max(300).optional(),
    episodes: z
      .array(
        z.object({
          season: z.number().int().min(0).max(1000),
          episode: z.number().int().min(0).max(100_000),
          title: z.string().max(500).nullable().optional(),
        }),
      )
      .min(1)
      .max(5000),
    priority: Priority.default('NORMAL'),
    language: z.string().min(1).max(40).optional(),
    quality: z
      .enum(['best', '1080p', '720p', '480p'])
      .optional()
      .describe(
        'Chooses among the sources of the preferred language by resolution (HLS by its variants, MP4 by probing the ' +
          'first 2 MiB of the file with ffprobe): the tallest not above this height first, and that HLS variant. ' +
          'auto/best: the first source in hoster order, its highest variant.',
      ),
    /** Queue episodes whose file is on disk too: the new file replaces the old one once it is verified. */
    replace: z.boolean().default(false),
    /** A source chosen from GET /api/anime/{key}/episodes/{season}/{episode}/sources (its `url`): only it is tried. One episode only. */
    source_url: z.string().url().max(2000).optional(),
  })
  .refine((b) => !b.source_url || b.episodes.length === 1, {
    message: 'a chosen source_url needs exactly one episode',
    path: ['source_url'],
  });

/** DELETE /api/queue: ids in the body, or as a query list (`?ids=a&ids=b` or `?ids=a,b`). */
export const DeleteIdsQuery = z.object({
  ids: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) =>
      v === undefined
        ? undefined
        : (Array.isArray(v) ? v : [v])
            .flatMap((x) => x.split(','))
            .map((x) => x.trim())
            .filter(Boolean),
    )
    .pipe(z.array(z.string().uuid()).max(10_000).optional()),
});
export const OptionalIdsBody = z.object({ item_ids: z.array(z.string().uuid()).min(1).max(10_000).optional() }).optional();

export const IdsBody = z.object({ item_ids: z.array(z.string().uuid()).max(10_000) });
export const NonEmptyIdsBody = z.object({ item_ids: z.array(z.string().uuid()).min(1).max(10_000) });
export const ItemParams = z.object({ item_id: z.string().uuid() });

export const Progress = z.object({
  percent: z.number(),
  downloaded_mb: z.number(),
  total_mb: z.number().nullable(),
  speed_mbps: z.number(),
  eta_seconds: z.number().nullable(),
});

export const DownloadItem = z.object({
  id: z.string(),
  serie_id: z.string(),
  serie_folder: z.string(),
  serie_name: z.string(),
  episode: z.object({ season: z.number(), episode: z.number(), title: z.string().nullable() }),
  status: z.enum(['pending', 'downloading', 'paused', 'completed', 'failed', 'cancelled']),
  priority: Priority,
  added_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  progress: Progress.partial().nullable(),
  error: z.string().nullable(),
  /** Why a failed item failed, as a stable code (the UI shows it in the user's language; `error` is the server's English). */
  error_code: DownloadFailureCode.nullable(),
  retry_count: z.number(),
  source_url: z.string().nullable(),
  source: z.string(),
  language: z.string().nullable(),
  hoster: z.string().nullable(),
  hoster_errors: z.array(z.string()),
  file_path: z.string().nullable(),
  /** The account that queued it (it and administrators may change it); null: the system. */
  added_by: z.number().nullable().optional(),
  /** Runs of this item (a failed episode queued again is the same item, counted here). */
  attempts: z.number(),
  /** The language of the file an upgrade replaces (null: not an upgrade). */
  upgrade_from: z.string().nullable(),
  /** The new file replaces the one on disk once it is verified. */
  replace: z.boolean(),
});

export const QueueStatus = z.object({
  status: z.object({
    is_running: z.boolean(),
    is_paused: z.boolean(),
    held_reason: z
      .string()
      .nullable()
      .describe("why new downloads do not start although the queue runs (low disk space on the library's disk); null when they do"),
    active_downloads: z.array(DownloadItem),
    pending_queue: z.array(DownloadItem),
    completed_downloads: z.array(DownloadItem),
    failed_downloads: z.array(DownloadItem),
  }),
  statistics: z.object({
    total_items: z.number(),
    pending_count: z.number(),
    active_count: z.number(),
    completed_count: z.number(),
    failed_count: z.number(),
    total_downloaded_mb: z.number(),
    average_speed_mbps: z.number(),
    estimated_time_remaining: z.number().nullable(),
  }),
});

export const StatusQuery = PageQuery.describe('each of the four lists is paged alike; the counts in `statistics` are the totals');
export const MoveBody = z.object({
  item_id: z.string().uuid().describe('the waiting item to move'),
  before_id: z
    .string()
    .uuid()
    .nullable()
    .describe("the waiting item it goes in front of (it takes that one's priority); null: to the end of its priority"),
});

export const PriorityBody = z.object({ priority: Priority });
export const Message = z.object({ status: z.literal('success'), message: z.string() });
export const AddResponse = Message.extend({
  added_items: z.array(z.string()),
  item_ids: z.array(z.string()),
  failed_items: z.array(z.object({ season: z.number(), episode: z.number(), reason: z.string(), file: z.string().optional() })),
});

export const BlockItem = z.object({
  id: z.number(),
  series_key: z.string(),
  season: z.number(),
  episode: z.number(),
  hoster: z.string(),
  language: z.string(),
  source_url: z.string(),
  reason: z.string(),
  created_at: z.string(),
});
export const BlocklistQuery = PageQuery.extend({
  series_key: z.string().min(1).max(300).optional(),
  season: z.coerce.number().int().min(0).max(1000).optional(),
  episode: z.coerce.number().int().min(0).max(100_000).optional(),
});
export const BlocklistResponse = z.object({
  items: z.array(BlockItem),
  count: z.number().describe('entries on this page'),
  total: z.number().describe('entries that match, on every page'),
});
export const EpisodeParams = z.object({
  key: z.string().min(1).max(300),
  season: z.coerce.number().int().min(0).max(1000),
  episode: z.coerce.number().int().min(0).max(100_000),
});
export const SourceItem = z.object({
  hoster: z.string(),
  language: z.string(),
  url: z.string(),
  /** In the series' language profile (automatic downloads use only these). */
  wanted: z.boolean(),
  blocklisted: z.boolean(),
  blocklist_reason: z.string().nullable(),
  blocklist_id: z.number().nullable(),
  last_outcome: z.enum(['completed', 'failed', 'cancelled']).nullable(),
  last_error: z.string().nullable(),
  last_attempt_at: z.string().nullable(),
});
export const SourcesResponse = z.object({
  key: z.string(),
  season: z.number(),
  episode: z.number(),
  sources: z.array(SourceItem),
  backoff: z
    .object({ failures: z.number(), next_try_at: z.string().nullable(), gave_up: z.boolean(), last_error: z.string().nullable() })
    .nullable(),
});
export const CountResponse = Message.extend({ count: z.number() });
export const RetryResponse = Message.extend({ retried_count: z.number(), retried_ids: z.array(z.string()) });
export const PriorityResponse = Message.extend({ item: DownloadItem });
export const MoveResponse = Message.extend({ item: DownloadItem });
