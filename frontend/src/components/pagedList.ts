/**
 * A long server-paged list held sparsely: the pages the screen needs are fetched as it scrolls
 * (any page, not only the next one), so a library of thousands starts with one small request and
 * never holds what nobody looked at. `fetchPage` gets 1-based page numbers; a new `reset` (another
 * search or sort) drops everything and ignores answers still on their way.
 */
import { shallowRef, ref, triggerRef } from 'vue';

export interface PageAnswer<T> {
  items: T[];
  total: number | null;
}

export function createPagedList<T>(perPage: number, fetchPage: (page: number, signal: AbortSignal) => Promise<PageAnswer<T>>) {
  /** Loaded items by index (holes where pages have not arrived). */
  const items = shallowRef<(T | undefined)[]>([]);
  const total = ref<number | null>(null);
  const error = ref<unknown>(null);
  let requested = new Set<number>();
  let controller = new AbortController();

  async function load(page: number): Promise<void> {
    if (requested.has(page)) return;
    requested.add(page);
    const signal = controller.signal;
    try {
      const res = await fetchPage(page, signal);
      if (signal.aborted) return;
      const list = items.value;
      const start = (page - 1) * perPage;
      res.items.forEach((it, i) => (list[start + i] = it));
      if (res.total !== null) {
        total.value = res.total;
        if (list.length > res.total) list.length = res.total;
      } else if (res.items.length < perPage) total.value = start + res.items.length;
      error.value = null;
      triggerRef(items);
    } catch (err) {
      if (signal.aborted || (err as Error).name === 'AbortError') return;
      requested.delete(page); // asked again when still needed
      error.value = err;
    }
  }

  /** Makes sure the pages holding indexes `from` to `to` (inclusive) are loaded or on their way. */
  function ensure(from: number, to: number): Promise<void[]> {
    const first = Math.floor(Math.max(0, from) / perPage) + 1;
    const last = Math.floor(Math.max(0, to) / perPage) + 1;
    const pending: Promise<void>[] = [];
    for (let p = first; p <= last; p++) pending.push(load(p));
    return Promise.all(pending);
  }

  /** Forgets everything (a new search, sort or filter) and loads the first page again. */
  function reset(): Promise<void> {
    controller.abort();
    controller = new AbortController();
    requested = new Set();
    items.value = [];
    total.value = null;
    return load(1);
  }

  /** Loads the pages already held again (after a change), keeping what is shown until they arrive. */
  function refresh(): Promise<void[]> {
    const pages = [...requested];
    controller.abort();
    controller = new AbortController();
    requested = new Set();
    return Promise.all(pages.map(load));
  }

  /** The loaded items, without holes (for a selection's names). */
  const loaded = () => items.value.filter((x): x is T => x !== undefined);

  return { items, total, error, ensure, reset, refresh, loaded, perPage };
}
