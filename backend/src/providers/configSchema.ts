import { z } from 'zod';

const DEFAULT_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const ProviderSite = (baseUrl: string) =>
  z.object({
    enabled: z.boolean().default(true),
    base_url: z.string().url().default(baseUrl),
    extra_domains: z.array(z.string().min(1)).default([]),
    user_agent: z.string().min(1).default(DEFAULT_UA),
    proxy: z.string().url().nullable().default(null),
  });

export const ProvidersConfig = z.object({
  default_provider: z.enum(['aniworld', 'animesama']).default('aniworld'),
  max_concurrent_per_host: z.number().int().min(1).max(32).default(4),
  request_timeout_seconds: z.number().int().min(1).max(300).default(30),
  /** Retries (with backoff) on 5xx, resets and timeouts for provider pages. */
  retries: z.number().int().min(0).max(10).default(2),
  /** Series whose catalogue a rescan fetches at the same time. */
  scan_concurrency: z.number().int().min(1).max(16).default(4),
  aniworld: ProviderSite('https://aniworld.to').default({}),
  animesama: ProviderSite('https://anime-sama.fr').default({}),
  /** Extra embed domains per hoster name (domains rotate). */
  hoster_domains: z.record(z.array(z.string().min(1))).default({}),
  /** Hosters whose recent attempts mostly failed are tried last (hosterHealth.ts). */
  healthy_hosters_first: z.boolean().default(false),
});
