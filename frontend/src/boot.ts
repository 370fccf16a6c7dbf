/**
 * The page load's network work, started while the HTML is still being read: the build inlines this
 * file, bundled on its own, as the first script of index.html (bootScript in vite.config.ts), so the
 * session's refresh, and with its token the opening page's first data request, travel while the
 * browser fetches and compiles the app's code. The app takes both answers once (bootAnswers.ts)
 * instead of asking again. The access token stays in memory as the client keeps it; the refresh
 * cookie is sent only to the refresh. The server names the opening page's code in the HTML it serves
 * for that path (modulepreload links), so that code is on its way from the start as well.
 */
import { firstRequest } from './api/firstRequests.ts';
import { BOOT_GLOBAL, type BootRefresh, type BootState, type RefreshAnswer } from './bootAnswers.ts';

const PUBLIC = /^\/(login|setup)\/?$/;

const state: BootState = { refresh: null, opening: null };
(globalThis as Record<string, unknown>)[BOOT_GLOBAL] = state;

if (!PUBLIC.test(location.pathname)) {
  const url = firstRequest(location.pathname, location.search);
  state.refresh = fetch('/api/auth/refresh', { method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin' }).then(
    async (res): Promise<BootRefresh> => {
      const body = res.ok ? ((await res.json()) as RefreshAnswer) : null;
      if (body && url) {
        const headers = { Accept: 'application/json', Authorization: `Bearer ${body.access_token}` };
        state.opening = { url, token: body.access_token, answer: fetch(url, { headers }).catch(() => null) };
      }
      return { status: res.status, body };
    },
    () => null,
  );
}

/**
 * Two first uses that block the main thread, done here so they fall in the wait for the app's code and
 * the session instead of in the app's start and first render: the first number or date format loads
 * the browser's locale data (ICU: 35-60 ms on the machine the bench runs on), and the first read of
 * localStorage (the chosen language, i18n/index.ts) opens the site's storage (a synchronous call to
 * the browser process).
 */
setTimeout(() => {
  try {
    localStorage.getItem('aniworld.language');
  } catch {
    /* storage off: the app falls back to the browser's language */
  }
  try {
    new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 }).format(1.5);
    new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(0);
  } catch {
    /* no Intl: the app's own formatting says so when it runs */
  }
}, 0);
