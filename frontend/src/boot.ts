/**
 * The page load's network work, started before the app's code has arrived: index.html loads this
 * small module on its own (async), so the session's refresh, and with its token the opening page's
 * first data request and the page's own code, travel while the browser fetches and compiles the rest. The app imports this
 * same module and takes both answers once (api/client.ts) instead of asking again. The access token
 * stays in module memory as the client keeps it; the refresh cookie is sent only to the refresh.
 */
import { firstRequest } from './api/firstRequests.ts';
import { pageAt } from './pages/routes.ts';

export interface RefreshAnswer {
  access_token: string;
  expires_at: string;
  user?: { id: number; username: string; role: 'admin' | 'user' };
}
/** The refresh's status and, when it succeeded, its answer; null when the server could not be reached. */
export type BootRefresh = { status: number; body: RefreshAnswer | null } | null;

const PUBLIC = /^\/(login|setup)\/?$/;

let refresh: Promise<BootRefresh> | null = null;
let opening: { url: string; token: string; answer: Promise<Response | null> } | null = null;

/** Loaded by the built page (its tag is marked): not in the dev server, nor when tests import the client. */
const pageLoad = typeof document !== 'undefined' && document.querySelector('script[data-boot]') !== null;

if (pageLoad && !PUBLIC.test(location.pathname)) {
  const url = firstRequest(location.pathname, location.search);
  refresh = fetch('/api/auth/refresh', { method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin' }).then(
    async (res): Promise<BootRefresh> => {
      const body = res.ok ? ((await res.json()) as RefreshAnswer) : null;
      if (body && url) {
        const headers = { Accept: 'application/json', Authorization: `Bearer ${body.access_token}` };
        opening = { url, token: body.access_token, answer: fetch(url, { headers }).catch(() => null) };
      }
      return { status: res.status, body };
    },
    () => null,
  );
}

// then the page's code: the router asks for the same module later and finds it loaded or on its way
if (pageLoad) {
  void pageAt(location.pathname)
    ?.load()
    .catch(() => undefined);
  setTimeout(warmFormats, 0);
}

/**
 * The first number or date format a page makes loads the browser's locale data (ICU): 35-60 ms of the
 * main thread on the machine the bench runs on, once per page load, whichever language. Done here,
 * it falls in the wait for the app's code and the session instead of in the first render.
 */
function warmFormats(): void {
  try {
    new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 }).format(1.5);
    new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(0);
  } catch {
    /* no Intl: the app's own formatting says so when it runs */
  }
}

/** The refresh sent at load (once; later callers get null and ask themselves). */
export function takeBootRefresh(): Promise<BootRefresh> | null {
  const r = refresh;
  refresh = null;
  return r;
}

/** The opening request's answer when `url` is that request sent with `token` (once, and only by the opening page). */
export function takeOpeningAnswer(url: string, token: string): Promise<Response | null> | null {
  if (!opening || opening.url !== url || opening.token !== token) return null;
  const { answer } = opening;
  opening = null;
  return answer;
}

/**
 * A navigation after the opening one: an answer its page did not take (it redirected elsewhere)
 * is old by now, and another page asking the same URL later asks again.
 */
export function dropOpeningAnswer(): void {
  opening = null;
}
