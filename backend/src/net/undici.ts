import type * as Undici from 'undici';

// undici is ~1 MB of the server's code and ~170 ms of CPU to load: nothing answering /health needs
// it, so it loads on first use (an outbound request, a download) instead of delaying the start-up.
// Node's module cache keeps it: a later call answers with the same module at once.

/** undici, loaded on the first call. */
export async function loadUndici(): Promise<typeof Undici> {
  const m = await import('undici');
  // the server's bundle makes undici (CommonJS) a chunk whose only export is the default one
  return 'Agent' in m ? m : (m as { default: typeof Undici }).default;
}
