import type { Deps } from '../deps.js';
import { HttpClient } from '../net/httpClient.js';

/** Channels answer a few bytes; Plex's section list is the largest answer read here. */
const MAX_ANSWER_BYTES = 1024 * 1024;
const clients = new WeakMap<object, HttpClient>();

/** One outbound client per app instance for notification channels and media servers (no retries here: the jobs retry). */
export function outboundClient(deps: Pick<Deps, 'version'>): HttpClient {
  let c = clients.get(deps);
  if (!c) {
    c = new HttpClient({
      userAgent: `Aniworld/${deps.version}`,
      timeoutMs: 15_000,
      deadlineMs: 60_000,
      maxBytes: MAX_ANSWER_BYTES,
      retries: 0,
    });
    clients.set(deps, c);
  }
  return c;
}
