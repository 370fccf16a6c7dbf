import { z } from 'zod';

export const TmdbConfig = z.object({
  api_key: z.string().max(500).nullable().default(null),
  language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'language must look like de-DE').default('de-DE'),
  poster_size: z.string().default('w780'),
  fanart_size: z.string().default('w1280'),
  logo_size: z.string().default('original'),
});

export const NfoConfig = z.object({
  create_on_add: z.boolean().default(true),
  episode_nfo_on_download: z.boolean().default(true),
  download_artwork: z.boolean().default(true),
});
