import type * as Undici from 'undici';

// undici is ~1 MB of the server's code and ~170 ms of CPU to load: nothing answering /health needs
// it, so it loads on first use (an outbound request, a download), or in the background once the
// server listens (server.ts), instead of delaying the start-up.

let loading: Promise<typeof Undici> | null = null;
let loaded: typeof Undici | null = null;

/** undici, loaded once. */
export function loadUndici(): Promise<typeof Undici> {
  if (!loading) {
    loading = import('undici').then((m) => (loaded = m));
    // a failed load is retried by the next caller, which gets the error itself
    loading.catch(() => (loading = null));
  }
  return loading;
}

/** undici once loadUndici() has resolved (a programming error before). */
export function undiciLoaded(): typeof Undici {
  if (!loaded) throw new Error('undici is used before loadUndici() resolved');
  return loaded;
}
