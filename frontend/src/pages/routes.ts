/**
 * The pages and the paths they open on, with their code loaded on demand: the router's table. The
 * build reads it too (vite.config.ts, pagePreloads: keep each entry's one-line shape), so the server
 * names a page's code in the HTML it serves for that page's path. A page with `admin` is for
 * administrators: the router sends anyone else to the admin-only page (the server refuses its data too).
 */
export interface PageRoute {
  path: string;
  name: string;
  load: () => Promise<unknown>;
  meta: { bare?: boolean; public?: boolean; admin?: boolean; title: string };
}

export const PAGES: PageRoute[] = [
  { path: '/setup', name: 'setup', load: () => import('./SetupPage.vue'), meta: { bare: true, public: true, title: 'nav.setup' } },
  { path: '/login', name: 'login', load: () => import('./LoginPage.vue'), meta: { bare: true, public: true, title: 'nav.login' } },
  { path: '/', name: 'library', load: () => import('./LibraryPage.vue'), meta: { title: 'nav.library' } },
  { path: '/series/:key', name: 'series', load: () => import('./SeriesPage.vue'), meta: { title: 'nav.library' } },
  { path: '/search', name: 'search', load: () => import('./SearchPage.vue'), meta: { title: 'nav.search' } },
  { path: '/queue', name: 'queue', load: () => import('./QueuePage.vue'), meta: { title: 'nav.queue' } },
  { path: '/calendar', name: 'calendar', load: () => import('./CalendarPage.vue'), meta: { title: 'nav.calendar' } },
  { path: '/history', name: 'history', load: () => import('./HistoryPage.vue'), meta: { title: 'nav.history' } },
  { path: '/watchlist', name: 'watchlist', load: () => import('./WatchlistPage.vue'), meta: { title: 'nav.watchlist' } },
  { path: '/settings', name: 'settings', load: () => import('./SettingsPage.vue'), meta: { title: 'nav.settings' } },
  { path: '/logs', name: 'logs', load: () => import('./LogsPage.vue'), meta: { admin: true, title: 'nav.logs' } },
  { path: '/system', name: 'system', load: () => import('./SystemPage.vue'), meta: { title: 'nav.system' } },
  { path: '/admin-only', name: 'admin-only', load: () => import('./AdminOnlyPage.vue'), meta: { title: 'adminOnly.title' } },
];
