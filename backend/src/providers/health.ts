import type { ProviderHealth } from './types.js';
import type { Site } from './site.js';
import type { HttpRequestOptions } from '../net/httpClient.js';

/** A health check answers within seconds: no retries, at most 10 s per request. */
const HEALTH_TIMEOUT_MS = 10_000;

/** Live check: the home page answers as a real page, and a search returns a list. */
export async function checkHealth(id: string, site: Site, search: (o: HttpRequestOptions) => Promise<unknown>): Promise<ProviderHealth> {
  const o: HttpRequestOptions = { retries: 0, timeoutMs: Math.min(site.opts.timeoutMs, HEALTH_TIMEOUT_MS) };
  const out: ProviderHealth = {
    provider: id,
    base_url: site.base.origin,
    reachable: false,
    search_works: false,
    last_error: null,
    checked_at: new Date().toISOString(),
  };
  try {
    await site.request('/', o, 'home page');
    out.reachable = true;
  } catch (err) {
    out.last_error = (err as Error).message;
    return out;
  }
  try {
    await search(o);
    out.search_works = true;
  } catch (err) {
    out.last_error = (err as Error).message;
  }
  return out;
}
