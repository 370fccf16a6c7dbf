import { z } from 'zod';
import { QUALITIES, STATUSES } from './repo.js';
import { WatchlistSettings } from './settings.js';

const HttpUrl = z
  .string()
  .trim()
  .url()
  .max(2000)
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');
const Lang = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[\w-]+$/, 'letters, digits, _ and - only');

/** Owner fields (owner, user_id) are not part of any request: they are ignored, never applied. */

/** Where quality_preference applies (shown in the OpenAPI document and the UI). */

const QUALITY_NOTE =
  'Chooses among the sources of the preferred language by resolution (HLS by its variants, MP4 by probing the first 2 MiB of the file ' +
  'with ffprobe): the tallest not above this height first, and that HLS variant. auto/best: the first source in hoster order, its ' +
  'highest variant.';
export const ItemCreate = z.object({
  anime_title: z.string().trim().min(1).max(300),
  anime_url: z.string().trim().url().max(2000),
  provider_id: z.string().max(40).optional(),
  lang: Lang.nullable().optional(),
  auto_download: z.boolean().default(true),
  quality_preference: z.enum(QUALITIES).default('auto').describe(QUALITY_NOTE),
  poster_image: HttpUrl.nullable().optional(),
  synopsis: z.string().max(10_000).nullable().optional(),
  genres: z.array(z.string().trim().min(1).max(60)).max(50).default([]),
});

export const ItemUpdate = z.object({
  anime_title: z.string().trim().min(1).max(300).optional(),
  lang: Lang.nullable().optional(),
  auto_download: z.boolean().optional(),
  quality_preference: z.enum(QUALITIES).optional().describe(QUALITY_NOTE),
  status: z.enum(STATUSES).optional(),
  last_episode_downloaded: z.number().int().min(0).max(100_000).optional(),
  poster_image: HttpUrl.nullable().optional(),
  synopsis: z.string().max(10_000).nullable().optional(),
  genres: z.array(z.string().trim().min(1).max(60)).max(50).optional(),
});

export const Item = z.object({
  id: z.string(),
  owner: z.number(),
  owner_name: z.string(),
  anime_title: z.string(),
  anime_url: z.string(),
  anime_key: z.string(),
  provider_id: z.string(),
  lang: z.string().nullable(),
  auto_download: z.boolean(),
  quality_preference: z.enum(QUALITIES).describe(QUALITY_NOTE),
  status: z.enum(STATUSES),
  last_episode_downloaded: z.number(),
  poster_image: z.string().nullable(),
  synopsis: z.string().nullable(),
  genres: z.array(z.string()),
  series_key: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  last_checked: z.string().nullable(),
  last_check_result: z
    .object({ status: z.enum(['ok', 'error']), new_episodes: z.number().nullable(), error: z.string().nullable() })
    .nullable(),
});

export const Episode = z.object({ season: z.number(), episode: z.number(), title: z.string().nullable() });

export const CheckResult = z.object({
  item_id: z.string(),
  anime_title: z.string(),
  checked: z.boolean(),
  status: z.enum(['ok', 'error', 'skipped']),
  new_episodes: z.array(Episode),
  queued: z.number(),
  deferred: z.number(),
  queue_errors: z.array(z.string()),
  error: z.string().nullable(),
  checked_at: z.string(),
});

export const SettingsUpdate = WatchlistSettings.partial().strict();

export const Stats = z.object({
  total: z.number(),
  active: z.number(),
  paused: z.number(),
  completed: z.number(),
  archived: z.number(),
  auto_download_enabled: z.number(),
  providers: z.record(z.number()),
});

export const SchedulerStatus = z.object({
  running: z.boolean(),
  next_run: z.string().nullable(),
  last_run: z.string().nullable(),
  settings: WatchlistSettings,
});

export const IdParams = z.object({ id: z.string().max(64) });
