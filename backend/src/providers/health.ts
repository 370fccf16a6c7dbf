import type { ProviderHealth } from './types.js';
import type { Site } from './site.js';

/** Live check: the home page answers as a real page, and a search returns a list. */
export async function checkHealth(id: string, site: Site, search: () => Promise<unknown>): Promise<ProviderHealth> {
  const out: ProviderHealth = { provider: id, base_url: site.base.origin, reachable: false, search_works: false, last_error: null, checked_at: new Date().toISOString() };
  try {
    await site.request('/', { retries: 0 }, 'home page');
    out.reachable = true;
  } catch (err) {
    out.last_error = (err as Error).message;
    return out;
  }
  try {
    await search();
    out.search_works = true;
  } catch (err) {
    out.last_error = (err as Error).message;
  }
  return out;
}
