import crypto from 'node:crypto';
import { z } from 'zod';

export const PathMapping = z.object({
  /** The library path as this server sees it (a prefix, e.g. /anime). */
  from: z.string().min(1).max(4096),
  /** The same folder as the media server sees it (e.g. /data/tv or D:\Anime). */
  to: z.string().min(1).max(4096),
});

/**
 * A media server told to pick up new files. `token`: Jellyfin/Emby API key or Plex token;
 * `username`/`password`: Kodi's web server login. Secrets are masked by the API and never logged.
 */
export const MediaServer = z.preprocess(
  (v) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v as { id?: unknown }).id
      ? {
          ...v,
          id: crypto
            .createHash('sha256')
            .update(String((v as { url?: unknown }).url))
            .digest('hex')
            .slice(0, 10),
        }
      : v,
  z.object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'id: letters, digits, - and _ only'),
    name: z.string().max(100).default(''),
    type: z.enum(['kodi', 'jellyfin', 'emby', 'plex']),
    url: z
      .string()
      .url()
      .refine((u) => /^https?:/i.test(u), 'only http and https URLs'),
    token: z.string().max(1000).optional(),
    username: z.string().max(255).optional(),
    password: z.string().max(1000).optional(),
    path_map: z.array(PathMapping).max(20).default([]),
    enabled: z.boolean().default(true),
  }),
);
export type MediaServer = z.infer<typeof MediaServer>;

export const MediaServersConfig = z.object({
  servers: z
    .array(MediaServer)
    .max(10)
    .default([])
    .refine((list) => new Set(list.map((s) => s.id)).size === list.length, 'media server ids must be unique'),
  /** Files placed within this many seconds of the first one share one refresh per server. */
  batch_seconds: z.number().int().min(0).max(3600).default(60),
});
export type MediaServersConfig = z.infer<typeof MediaServersConfig>;
