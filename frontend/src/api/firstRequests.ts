/**
 * The first request of the pages a load usually opens on, shared by those pages and boot.ts (which
 * sends it before the app's code has arrived): built here, the URL is the same, so the page takes
 * that answer instead of asking again. Nothing here may import the app's heavier modules.
 */
type Query = Record<string, string | number | boolean | null | undefined>;

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Rows per list of the queue page's first request (shown at once); further rows load as the list scrolls. */
export const QUEUE_FIRST_PAGE = 50;
export const LIBRARY_PER_PAGE = 48;

export interface LibraryView {
  sort: string;
  missingOnly: boolean;
  search: string;
}

/** The library's query for a page of the view (the server searches, filters and sorts). */
export function libraryQuery(view: LibraryView, page: number) {
  return {
    sort_by: view.sort === 'missing' ? 'missing_episodes' : 'title',
    filter: view.missingOnly ? 'no_episodes' : undefined,
    q: view.search.trim() || undefined,
    page,
    per_page: LIBRARY_PER_PAGE,
  };
}

/** The first data request of the page at `pathname` opened without a query string, if it is one of these. */
export function firstRequest(pathname: string, search: string): string | null {
  if (search) return null;
  if (pathname === '/queue') return buildUrl('/api/queue/status', { page: 1, per_page: QUEUE_FIRST_PAGE });
  if (pathname === '/') return buildUrl('/api/anime', libraryQuery({ sort: 'title', missingOnly: false, search: '' }, 1));
  return null;
}
