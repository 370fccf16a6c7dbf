import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
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
 * kept in a small in-memory cache (entry and byte limits, a TTL).
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

const cache = new Map<string, Cover>();
let cachedBytes = 0;
const inFlight = new Map<string, Promise<Cover>>();

function remember(url: string, c: Cover): void {
  const old = cache.get(url);
  if (old) {
    cache.delete(url);
    cachedBytes -= old.body.length;
  }
  cache.set(url, c);
  cachedBytes += c.body.length;
  for (const [k, v] of cache) {
    if (cache.size <= CACHE_ENTRIES && cachedBytes <= CACHE_BYTES) break;
    cache.delete(k);
    cachedBytes -= v.body.length;
  }
}

function recall(url: string): Cover | null {
  const c = cache.get(url);
  if (!c) return null;
  cache.delete(url);
  if (Date.now() - c.at > TTL_MS) {
    cachedBytes -= c.body.length;
    return null;
  }
  cache.set(url, c); // most recently used last
  return c;
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

const agents = new Map<string, Dispatcher>();
function dispatcher(proxy: string | null): Dispatcher {
  const k = proxy ?? '';
  let d = agents.get(k);
  if (!d) {
    d = proxy
      ? new ProxyAgent({ uri: proxy, connections: MAX_PARALLEL })
      : new Agent({ connections: MAX_PARALLEL, keepAliveTimeout: 10_000 });
    agents.set(k, d);
  }
  return d;
}

const slots = new Map<string, { active: number; waiting: (() => void)[] }>();
async function limited<T>(host: string, fn: () => Promise<T>): Promise<T> {
  let s = slots.get(host);
  if (!s) slots.set(host, (s = { active: 0, waiting: [] }));
  if (s.active >= MAX_PARALLEL) await new Promise<void>((r) => s.waiting.push(r));
  s.active++;
  try {
    return await fn();
  } finally {
    s.active--;
    const next = s.waiting.shift();
    if (next) next();
    else if (s.active === 0) slots.delete(host);
  }
}

const badGateway = (message: string) => new AppError('upstream', 'BAD_GATEWAY', message);

async function fetchCover(deps: Pick<Deps, 'settings'>, first: string, site: Site): Promise<Cover> {
  const timeout = deps.settings.get().providers.request_timeout_seconds * 1000;
  const signal = AbortSignal.timeout(2 * timeout);
  let current = first;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await request(current, {
      signal,
      method: 'GET',
      headers: { 'user-agent': site.userAgent, referer: site.referer, accept: 'image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8' },
      dispatcher: dispatcher(site.proxy),
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

export async function getCover(deps: Pick<Deps, 'settings'>, url: string): Promise<Cover> {
  const site = siteFor(deps, url);
  if (!site) throw new BadRequest('Covers are only fetched from the configured provider sites', { url });
  const hit = recall(url);
  if (hit) return hit;
  let p = inFlight.get(url);
  if (!p) {
    p = limited(new URL(url).host.toLowerCase(), () => fetchCover(deps, url, site)).finally(() => inFlight.delete(url));
    inFlight.set(url, p);
  }
  const cover = await p;
  remember(url, cover);
  return cover;
}
