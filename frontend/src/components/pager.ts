/**
 * The page-by-page lists (users, backups, watchlist, blocklist, unmatched folders): one page at a
 * time from the server with its total, and a pager (ListPager.vue) to move through them. After a
 * change the current page is asked again; when it has become empty (its last item deleted) the
 * last page that has items is shown instead.
 */
import { shallowReactive } from 'vue';
import { errorMessage } from '../api/client.ts';
import type { Paged, Paging } from '../api/index.ts';

export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PER_PAGE = 50;

/** How many pages `total` items fill (at least one, an empty list is one empty page). */
export const pageCount = (total: number, perPage: number) => Math.max(1, Math.ceil(total / perPage));

/** The page to show of a list that now has `total` items: the same one, or its last when it is past the end. */
export const pageWithin = (page: number, perPage: number, total: number) => Math.min(Math.max(1, page), pageCount(total, perPage));

/** The 1-based positions of the first and last item on a page (0 and 0 for an empty list). */
export function itemRange(page: number, perPage: number, total: number): { from: number; to: number } {
  if (total <= 0) return { from: 0, to: 0 };
  const from = (pageWithin(page, perPage, total) - 1) * perPage + 1;
  return { from, to: Math.min(total, from + perPage - 1) };
}

/**
 * The page numbers a pager offers: all of them when few, else the first, the last and the ones
 * around the current page, with `null` where numbers are left out ("1 … 4 5 6 … 12").
 */
export function pageNumbers(page: number, pages: number): (number | null)[] {
  if (pages <= 7) return Array.from({ length: pages }, (_, i) => i + 1);
  // keep the window five wide near either end, so the row does not change length as one pages through
  let start = Math.max(2, Math.min(page - 1, pages - 4));
  let end = Math.min(pages - 1, Math.max(page + 1, 5));
  // a gap never stands for a single number: that number is shown instead
  if (start === 3) start = 2;
  if (end === pages - 2) end = pages - 1;
  const out: (number | null)[] = [1];
  if (start > 2) out.push(null);
  for (let p = start; p <= end; p++) out.push(p);
  if (end < pages - 1) out.push(null);
  out.push(pages);
  return out;
}

export interface PagedList<T> {
  page: number;
  perPage: number;
  items: T[];
  total: number;
  /** A page has arrived at least once (the list is not still loading for the first time). */
  ready: boolean;
  loading: boolean;
  error: string;
  /** The page and page size of the items shown (page/perPage are the ones asked for, ahead of their answer). */
  shown: { page: number; perPage: number };
  /** Asks for the current page again (after a change); steps back when it has become empty. */
  load: () => Promise<void>;
  go: (page: number) => Promise<void>;
  setPerPage: (perPage: number) => Promise<void>;
}

export function usePagedList<T>(fetchPage: (p: Paging) => Promise<Paged<T>>, perPage = DEFAULT_PER_PAGE): PagedList<T> {
  let asked = 0;
  const list: PagedList<T> = shallowReactive({
    page: 1,
    perPage,
    items: [] as T[],
    total: 0,
    ready: false,
    loading: false,
    error: '',
    shown: { page: 1, perPage },
    load,
    go: (page: number) => {
      list.page = Math.max(1, page);
      return load();
    },
    setPerPage: (size: number) => {
      // keep the first item shown in view
      const first = (list.page - 1) * list.perPage;
      list.perPage = size;
      list.page = Math.floor(first / size) + 1;
      return load();
    },
  });

  async function load(): Promise<void> {
    const mine = ++asked; // only the answer to the newest request is shown
    list.loading = true;
    try {
      let res = await fetchPage({ page: list.page, per_page: list.perPage });
      const within = pageWithin(list.page, list.perPage, res.total);
      if (!res.items.length && within !== list.page && mine === asked) {
        list.page = within;
        res = await fetchPage({ page: within, per_page: list.perPage });
      }
      if (mine !== asked) return;
      list.items = res.items;
      list.total = res.total;
      list.shown = { page: list.page, perPage: list.perPage };
      list.error = '';
      list.ready = true;
    } catch (err) {
      if (mine === asked) list.error = errorMessage(err);
    } finally {
      if (mine === asked) list.loading = false;
    }
  }

  return list;
}
