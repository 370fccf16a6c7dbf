import { z } from 'zod';

/** TMDB image size names look like w780, h632 or original. */
const size = z.string().regex(/^(w\d{2,4}|h\d{2,4}|original)$/, 'size must be like w780, h632 or original');

export const TmdbConfig = z.object({
  api_key: z.string().max(500).nullable().default(null),
  language: z
    .string()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'language must look like de-DE')
    .default('de-DE'),
  poster_size: size.default('w780'),
  fanart_size: size.default('w1280'),
  logo_size: size.default('original'),
  still_size: size.default('original'),
  /** Artwork larger than this is refused (MiB). */
  max_image_mb: z.number().int().min(1).max(100).default(20),
});

export const NfoConfig = z.object({
  create_on_add: z.boolean().default(true),
  episode_nfo_on_download: z.boolean().default(true),
  download_artwork: z.boolean().default(true),
});

export type TmdbConfig = z.infer<typeof TmdbConfig>;
export type NfoConfig = z.infer<typeof NfoConfig>;
