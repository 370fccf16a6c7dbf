/**
 * The pages and the paths they open on, with their code loaded on demand: the router's table, and
 * what boot.ts starts fetching for the path of a page load before the router exists (one module, one
 * fetch). Nothing here may import the app's heavier modules.
 */
export interface PageRoute {
  path: string;
  name: string;
  load: () => Promise<unknown>;
  meta: { bare?: boolean; public?: boolean; title: string };
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
  { path: '/logs', name: 'logs', load: () => import('./LogsPage.vue'), meta: { title: 'nav.logs' } },
  { path: '/system', name: 'system', load: () => import('./SystemPage.vue'), meta: { title: 'nav.system' } },
];

/** The page at a path without parameters (a trailing slash allowed), if any. */
export const pageAt = (pathname: string): PageRoute | undefined =>
  PAGES.find((p) => !p.path.includes(':') && (p.path === pathname || `${p.path}/` === pathname));
