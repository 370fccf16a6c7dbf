import type { Deps } from '../deps.js';
import type { Logger } from '../log.js';
import type { z } from 'zod';
import type { ProvidersConfig } from './configSchema.js';
import { NotFound, ServiceUnavailable } from '../errors.js';
import type { Provider } from './types.js';
import type { SiteOptions } from './site.js';
import { AniworldProvider } from './aniworld/provider.js';
import { AnimeSamaProvider } from './animesama/provider.js';

/**
 * The provider registry, built from config `providers` (base_url, extra_domains, user_agent,
 * proxy per provider; env ANIWORLD_URL / ANIMESAMA_URL override the base URLs through
 * settings.get()). Rebuilt when that section changes; the app holds it (deps.providers).
 *
 *   getProvider(deps, id?)  → the provider (default: providers.default_provider); NotFound for
 *                             an unknown id, ServiceUnavailable for a disabled one.
 *   listProviders(deps)     → every enabled provider.
 *   providerIds             → every known id.
 */
export const providerIds = ['aniworld', 'animesama'] as const;
export type ProviderId = (typeof providerIds)[number];

type Closable = Provider & { close(): Promise<void> };
interface Built {
  signature: string;
  providers: Map<string, Closable>;
}

function siteOptions(cfg: z.infer<typeof ProvidersConfig>, id: ProviderId, log?: Logger): SiteOptions {
  const p = cfg[id];
  return {
    id,
    baseUrl: p.base_url,
    extraDomains: p.extra_domains,
    userAgent: p.user_agent,
    proxy: p.proxy,
    timeoutMs: cfg.request_timeout_seconds * 1000,
    retries: cfg.retries,
    perHostConcurrency: cfg.max_concurrent_per_host,
    log: log?.child({ module: 'providers' }),
  };
}

function build(cfg: z.infer<typeof ProvidersConfig>, log?: Logger): Map<string, Closable> {
  const map = new Map<string, Closable>();
  if (cfg.aniworld.enabled) map.set('aniworld', new AniworldProvider(siteOptions(cfg, 'aniworld', log)));
  if (cfg.animesama.enabled) map.set('animesama', new AnimeSamaProvider(siteOptions(cfg, 'animesama', log)));
  return map;
}

/** An app's providers, built from the settings on first use and again when their section changed. */
export class ProviderRegistry {
  private built: Built | null = null;

  constructor(private readonly deps: Pick<Deps, 'settings' | 'log'>) {}

  current(): Built {
    const cfg = this.deps.settings.get().providers;
    const signature = JSON.stringify(cfg);
    const existing = this.built;
    if (existing && existing.signature === signature) return existing;
    const next = { signature, providers: build(cfg, this.deps.log) };
    this.built = next;
    if (existing) {
      // let requests in flight finish on the old clients
      setTimeout(() => {
        for (const p of existing.providers.values()) void p.close().catch(() => undefined);
      }, 60_000).unref();
    }
    return next;
  }

  /** Closes the current providers' clients (at shutdown). */
  async close(): Promise<void> {
    const providers = this.built ? [...this.built.providers.values()] : [];
    this.built = null;
    await Promise.all(providers.map((p) => p.close().catch(() => undefined)));
  }
}

type RegistryDeps = Pick<Deps, 'settings' | 'providers'>;

const current = (deps: RegistryDeps): Built => deps.providers.current();

export function getProvider(deps: RegistryDeps, id?: string | null): Provider {
  const wanted = id || deps.settings.get().providers.default_provider;
  if (!(providerIds as readonly string[]).includes(wanted)) throw new NotFound(`Unknown provider ${wanted}`);
  const p = current(deps).providers.get(wanted);
  if (!p) throw new ServiceUnavailable(`Provider ${wanted} is disabled in the configuration`);
  return p;
}

export function listProviders(deps: RegistryDeps): Provider[] {
  return [...current(deps).providers.values()];
}

/** The provider whose site `link` belongs to, with the key it names; null when none does. */
export function providerForLink(deps: RegistryDeps, link: string): { provider: Provider; key: string } | null {
  for (const provider of listProviders(deps)) {
    const key = provider.keyFromLink(link);
    if (key) return { provider, key };
  }
  return null;
}
