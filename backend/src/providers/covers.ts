import type { Dispatcher } from 'undici';
import { loadUndici } from '../net/undici.js';
import type { Deps } from '../deps.js';
import { AppError, BadRequest, NotFound } from '../errors.js';
import { providerIds } from './registry.js';
import { announcedOver, readCapped, ResponseTooLarge } from '../net/httpClient.js';
import { bytesMatchType, IMAGE_MAGIC, imageType } from '../net/imageMagic.js';

/**
 * GET /api/anime/search/cover?url=...: a search result's cover, fetched by the server, because the
 * UI's CSP allows no remote images. Only images from the configured provider hosts (base URL or
 * extra domains of an enabled provider) are fetched, never any other address: a foreign host is a
 * 400, so this is no open proxy. The answer must say it is a raster image, its first bytes must
 * agree, and it must stay under MAX_BYTES and arrive within twice the request timeout; answers are
 * kept in a small in-memory cache (entry and byte limits, a TTL) of the app's `Covers`.
 */
export const MAX_BYTES = 2 * 1024 * 1024;
const CACHE_ENTRIES = 300;
const CACHE_BYTES = 32 * 1024 * 1024;
const TTL_MS = 6 * 3600_000;
/** Slots per provider host: one slow host never holds up the covers of another. */
const MAX_PARALLEL = 4;
const MAX_REDIRECTS = 3;

interface Cover {
  type: string;
  body: Buffer;
  at: number;
}

interface Site {
  hosts: string[];
  userAgent: string;
  proxy: string | null;
  referer: string;
}

/** The enabled providers' hosts (host:port, lower case). */
function allowedSites(deps: Pick<Deps, 'settings'>): Site[] {
  const cfg = deps.settings.get().providers;
  return providerIds
    .filter((id) => cfg[id].enabled)
    .map((id) => {
      const p = cfg[id];
      const base = new URL(p.base_url);
      const extra = p.extra_domains.map((d) =>
        d
          .replace(/^https?:\/\//i, '')
          .replace(/\/.*$/, '')
          .toLowerCase(),
      );
      return { hosts: [base.host.toLowerCase(), ...extra], userAgent: p.user_agent, proxy: p.proxy, referer: `${base.origin}/` };
    });
}

export function siteFor(deps: Pick<Deps, 'settings'>, raw: string): Site | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  return allowedSites(deps).find((s) => s.hosts.includes(url.host.toLowerCase())) ?? null;
}

const badGateway = (message: string) => new AppError('upstream', 'BAD_GATEWAY', message);

async function fetchCover(deps: Pick<Deps, 'settings'>, first: string, site: Site, dispatcher: Dispatcher): Promise<Cover> {
  const { request } = await loadUndici();
  const timeout = deps.settings.get().providers.request_timeout_seconds * 1000;
  const signal = AbortSignal.timeout(2 * timeout);
  let current = first;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await request(current, {
      signal,
      method: 'GET',
      headers: { 'user-agent': site.userAgent, referer: site.referer, accept: 'image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8' },
      dispatcher,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    }).catch((err: Error) => {
      throw badGateway(`The cover could not be fetched: ${signal.aborted ? 'no complete answer in time' : err.message}`);
    });
    const header = (name: string) => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    if (res.statusCode >= 300 && res.statusCode < 400 && header('location')) {
      await res.body.dump();
      const next = new URL(header('location')!, current).toString();
      // a redirect must stay on the provider's hosts too
      if (!siteFor(deps, next)) throw new BadRequest('The cover redirects to a host that is not a configured provider');
      current = next;
      continue;
    }
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new NotFound('The provider has no such cover');
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw badGateway(`The provider answered ${res.statusCode} for the cover`);
    }
    const type = imageType(header('content-type'));
    // raster images only: an SVG can carry script
    if (!IMAGE_MAGIC[type]) {
      res.body.on('error', () => undefined).destroy();
      throw badGateway(`The cover is not an image (${type || 'no content type'})`);
    }
    if (announcedOver(res.headers, MAX_BYTES)) {
      res.body.on('error', () => undefined).destroy();
      throw badGateway('The cover is too large (response too large)');
    }
    const body = await readCapped(res.body, MAX_BYTES, current).catch((err: Error) => {
      throw err instanceof ResponseTooLarge
        ? badGateway('The cover is too large (response too large)')
        : badGateway(`The cover could not be fetched: ${signal.aborted ? 'no complete answer in time' : err.message}`);
    });
    if (!bytesMatchType(type, body)) throw badGateway(`The cover's bytes are not ${type}`);
    return { type, body, at: Date.now() };
  }
  throw badGateway('The cover redirects too often');
}

/**
 * An app's covers: the in-memory cache (LRU with entry and byte limits, a TTL), the fetches under
 * way (one per URL), a connection pool per proxy and the slots per provider host. Built once by
 * the app (deps.covers); several app instances in one process share none of it.
 */
export class Covers {
  private readonly cache = new Map<string, Cover>();
  private cachedBytes = 0;
  private readonly inFlight = new Map<string, Promise<Cover>>();
  private readonly agents = new Map<string, Dispatcher>();
  private readonly slots = new Map<string, { active: number; waiting: (() => void)[] }>();

  constructor(private readonly deps: Pick<Deps, 'settings'>) {}

  async get(url: string): Promise<Cover> {
    const site = siteFor(this.deps, url);
    if (!site) throw new BadRequest('Covers are only fetched from the configured provider sites', { url });
    const hit = this.recall(url);
    if (hit) return hit;
    let p = this.inFlight.get(url);
    if (!p) {
      p = this.limited(new URL(url).host.toLowerCase(), () =>
        this.dispatcher(site.proxy).then((d) => fetchCover(this.deps, url, site, d)),
      ).finally(() => this.inFlight.delete(url));
      this.inFlight.set(url, p);
    }
    const cover = await p;
    this.remember(url, cover);
    return cover;
  }

  /** Closes the connection pools (at shutdown). */
  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
  }

  private remember(url: string, c: Cover): void {
    const old = this.cache.get(url);
    if (old) {
      this.cache.delete(url);
      this.cachedBytes -= old.body.length;
    }
    this.cache.set(url, c);
    this.cachedBytes += c.body.length;
    for (const [k, v] of this.cache) {
      if (this.cache.size <= CACHE_ENTRIES && this.cachedBytes <= CACHE_BYTES) break;
      this.cache.delete(k);
      this.cachedBytes -= v.body.length;
    }
  }

  private recall(url: string): Cover | null {
    const c = this.cache.get(url);
    if (!c) return null;
    this.cache.delete(url);
    if (Date.now() - c.at > TTL_MS) {
      this.cachedBytes -= c.body.length;
      return null;
    }
    this.cache.set(url, c); // most recently used last
    return c;
  }

  private async dispatcher(proxy: string | null): Promise<Dispatcher> {
    const { Agent, ProxyAgent } = await loadUndici();
    const k = proxy ?? '';
    let d = this.agents.get(k);
    if (!d) {
      d = proxy
        ? new ProxyAgent({ uri: proxy, connections: MAX_PARALLEL })
        : new Agent({ connections: MAX_PARALLEL, keepAliveTimeout: 10_000 });
      this.agents.set(k, d);
    }
    return d;
  }

  private async limited<T>(host: string, fn: () => Promise<T>): Promise<T> {
    let s = this.slots.get(host);
    if (!s) this.slots.set(host, (s = { active: 0, waiting: [] }));
    if (s.active >= MAX_PARALLEL) await new Promise<void>((r) => s.waiting.push(r));
    s.active++;
    try {
      return await fn();
    } finally {
      s.active--;
      const next = s.waiting.shift();
      if (next) next();
      else if (s.active === 0) this.slots.delete(host);
    }
  }
}
