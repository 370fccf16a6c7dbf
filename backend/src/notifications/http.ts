import { HttpClient } from '../net/httpClient.js';

/** Channels answer a few bytes; Plex's section list is the largest answer read here. */
const MAX_ANSWER_BYTES = 1024 * 1024;
/**
 * The outbound client for notification channels and media servers (no retries here: the jobs
 * retry): built once by the app (deps.outbound).
 */
export function outboundClient(version: string): HttpClient {
  return new HttpClient({
    userAgent: `Aniworld/${version}`,
    timeoutMs: 15_000,
    deadlineMs: 60_000,
    maxBytes: MAX_ANSWER_BYTES,
    retries: 0,
  });
}
