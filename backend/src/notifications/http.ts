import type { Deps } from '../deps.js';
import { HttpClient } from '../net/httpClient.js';

const clients = new WeakMap<object, HttpClient>();

/** One outbound client per app instance for notification channels and media servers (no retries here: the jobs retry). */
export function outboundClient(deps: Pick<Deps, 'version'>): HttpClient {
  let c = clients.get(deps);
  if (!c) {
    c = new HttpClient({ userAgent: `Aniworld/${deps.version}`, timeoutMs: 30_000, retries: 0 });
    clients.set(deps, c);
  }
  return c;
}
