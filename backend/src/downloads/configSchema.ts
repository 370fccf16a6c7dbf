import { z } from 'zod';

export const LANGUAGES = ['german_dub', 'german_sub', 'english_sub'] as const;
export const HOSTERS = [
  'VOE',
  'Filemoon',
  'Vidmoly',
  'Doodstream',
  'Vidoza',
  'Streamtape',
  'SpeedFiles',
  'Luluvdo',
  'Sibnet',
  'SendVid',
] as const;

export const DownloadsConfig = z.object({
  max_parallel_downloads: z.number().int().min(1).max(10).default(2),
  /** Language order; a provider's own codes (vostfr, vf, ...) are allowed too. */
  language_preference: z
    .array(z.string().min(1).max(40))
    .min(1)
    .default([...LANGUAGES]),
  hoster_preference: z.array(z.string().min(1).max(40)).default([...HOSTERS]),
  quality_preference: z
    .enum(['best', '1080p', '720p', '480p'])
    .default('best')
    .describe(
      'Chooses among the sources of the preferred language by resolution (HLS by its variants, MP4 by probing the ' +
        'first 2 MiB of the file with ffprobe): the tallest not above this height first, and that HLS variant. ' +
        'auto/best: the first source in hoster order, its highest variant.',
    ),
  hls_segment_concurrency: z.number().int().min(1).max(32).default(16),
  hls_segment_retries: z.number().int().min(0).max(20).default(4),
  container: z.enum(['mkv', 'mp4']).default('mkv'),
  /** Shared by every download of a process, MB/s; 0 = unlimited. */
  bandwidth_limit_mbps: z.number().min(0).max(10_000).default(0),
  /** A download that moves less than 64 KiB within this time is stalled. */
  stall_timeout_seconds: z.number().int().min(1).max(600).default(60),
  min_free_space_mb: z.number().int().min(0).default(500),
  /** Refuse sources that announce more than this (a huge or lying Content-Length). */
  max_file_size_mb: z.number().int().min(1).default(20_000),
  naming_template: z.string().min(1).max(300).default('{series} - S{season}E{episode} - {title}'),
  season_folders: z.boolean().default(false),
  /** Language profile default: files in a language after this one (in language_preference) stay wanted; null = the first language. */
  language_cutoff: z.string().min(1).max(40).nullable().default(null),
  /** Default of a new series: replace files below the cutoff when a better language appears. */
  upgrades_enabled: z.boolean().default(true),
  /** Episode pages a rescan (or a watchlist check) may read for upgrades and new sources of given-up episodes. */
  page_reads_per_rescan: z.number().int().min(0).max(10_000).default(200),
  /** New series: monitored at all, and their specials/movies (season 0). */
  monitor_new_series: z.boolean().default(true),
  monitor_specials: z.boolean().default(false),
  /** Completed items leave the queue (the history keeps them) this many hours after they finished; null: never by age. */
  completed_keep_hours: z.number().int().min(0).max(8760).nullable().default(24),
  /** At most this many completed items stay in the queue (the newest); null: no limit. */
  completed_keep_count: z.number().int().min(0).max(100_000).nullable().default(200),
});
export type DownloadsConfig = z.infer<typeof DownloadsConfig>;
