import { createRouter, createWebHistory, START_LOCATION, type RouteLocationNormalized } from 'vue-router';
import { dropOpeningAnswer } from './bootAnswers.ts';
import { authApi } from './api/index.ts';
import { expireSession, refreshSession, setSessionExpiredHandler } from './api/client.ts';
import { setTokenRenewer } from './realtime/socket.ts';
import { session, clearSession, isAdmin } from './stores/session.ts';
import { PAGES } from './pages/routes.ts';
import type { Component } from 'vue';

declare module 'vue-router' {
  interface RouteMeta {
    bare?: boolean;
    public?: boolean;
    admin?: boolean;
    title?: string;
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    ...PAGES.map(({ path, name, load, meta }) => ({ path, name, component: load as () => Promise<Component>, meta })),
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

/** Asks the server once per load whether it is set up and who the token belongs to. */
async function refreshStatus(): Promise<void> {
  const st = await authApi.status();
  session.configured = st.configured;
  if (st.authenticated && st.user) session.user = st.user;
  else if (session.token) clearSession();
}

/** Starts loading the page's code at once, while the session is being restored (not after it). */
function preload(to: RouteLocationNormalized): void {
  for (const record of to.matched) {
    const component = record.components?.default;
    if (typeof component === 'function') void (component as () => Promise<unknown>)().catch(() => undefined);
  }
}

router.beforeEach(async (to: RouteLocationNormalized, from: RouteLocationNormalized) => {
  if (from !== START_LOCATION) dropOpeningAnswer();
  preload(to);
  if (session.configured === null || (session.token && !session.user)) {
    try {
      // a page load: the refresh cookie (if any) brings the session back
      // (its answer names the account: then nothing more to ask)
      if (session.configured === null && !session.token) await refreshSession();
      if (session.configured === null || !session.user) await refreshStatus();
    } catch {
      // server unreachable: let the page render and show its own error
      return true;
    }
  }
  if (!session.configured) return to.name === 'setup' ? true : { name: 'setup' };
  if (to.name === 'setup') return { name: session.token ? 'library' : 'login' };
  if (to.meta.public) {
    if (to.name === 'login' && session.token) return typeof to.query.redirect === 'string' ? to.query.redirect : { name: 'library' };
    return true;
  }
  if (!session.token) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
  // an administrator's page (the logs) is not shown to a plain user: a page that says so, without its controls
  if (to.meta.admin && !isAdmin()) return { name: 'admin-only', query: { page: to.fullPath }, replace: true };
  return true;
});

// The server ended the socket's session (its token expired or was revoked): the link goes on with a
// fresh token while the login session lasts.
setTokenRenewer(async () => {
  const outcome = await refreshSession();
  if (outcome === 'ended') expireSession();
  return outcome === 'ok' ? session.token : null;
});

// An expired or revoked session: back to the login, which returns here afterwards.
setSessionExpiredHandler(() => {
  const current = router.currentRoute.value;
  // before the first navigation has finished, the route guard takes care of it
  if (current.meta.public || current.matched.length === 0) return;
  void router.push({ name: 'login', query: { redirect: current.fullPath, expired: '1' } });
});
