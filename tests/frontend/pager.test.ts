/** The page-by-page lists' logic (pager.ts) and their pager (ListPager.vue), over an in-memory list. */
import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import ListPager from '../../frontend/src/components/ListPager.vue';
import { itemRange, pageCount, pageNumbers, pageWithin, usePagedList } from '../../frontend/src/components/pager.ts';
import { setLocale } from '../../frontend/src/i18n/index.ts';
import type { Paging } from '../../frontend/src/api/index.ts';
import { until } from '../helpers/poll.ts';

beforeEach(() => setLocale('en'));

/** A server's list: answers pages of `rows` as it is at the time of the request, and counts the requests. */
function server(n: number) {
  const rows = Array.from({ length: n }, (_, i) => i + 1);
  const asked: Paging[] = [];
  const fetchPage = async (p: Paging) => {
    asked.push(p);
    return { items: rows.slice((p.page - 1) * p.per_page, p.page * p.per_page), total: rows.length };
  };
  return { rows, asked, fetchPage };
}

describe('page arithmetic', () => {
  it('counts pages, clamps a page to the list and names the items shown', () => {
    expect(pageCount(0, 50)).toBe(1);
    expect(pageCount(230, 50)).toBe(5);
    expect(pageCount(250, 50)).toBe(5);
    expect(pageWithin(6, 50, 230)).toBe(5);
    expect(pageWithin(5, 50, 200)).toBe(4);
    expect(pageWithin(3, 50, 0)).toBe(1);
    expect(itemRange(1, 50, 230)).toEqual({ from: 1, to: 50 });
    expect(itemRange(5, 50, 230)).toEqual({ from: 201, to: 230 });
    expect(itemRange(1, 50, 0)).toEqual({ from: 0, to: 0 });
  });

  it('offers every page when few, else the ends and the neighbours of the current one', () => {
    expect(pageNumbers(1, 1)).toEqual([1]);
    expect(pageNumbers(3, 7)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pageNumbers(1, 12)).toEqual([1, 2, 3, 4, 5, null, 12]);
    expect(pageNumbers(4, 12)).toEqual([1, 2, 3, 4, 5, null, 12]);
    expect(pageNumbers(6, 12)).toEqual([1, null, 5, 6, 7, null, 12]);
    expect(pageNumbers(9, 12)).toEqual([1, null, 8, 9, 10, 11, 12]);
    expect(pageNumbers(12, 12)).toEqual([1, null, 8, 9, 10, 11, 12]);
    // a gap always hides at least two numbers, and the current page is always offered
    for (let pages = 1; pages <= 30; pages++)
      for (let page = 1; page <= pages; page++) {
        const shown = pageNumbers(page, pages);
        expect(shown).toContain(page);
        expect(shown[0]).toBe(1);
        expect(shown.at(-1)).toBe(pages);
        shown.forEach((n, i) => {
          if (n === null) expect((shown[i + 1] as number) - (shown[i - 1] as number)).toBeGreaterThan(2);
        });
      }
  });
});

describe('usePagedList', () => {
  it('reaches the last page and keeps the first item in view when the page size changes', async () => {
    const { fetchPage, asked } = server(230);
    const list = usePagedList(fetchPage);
    await list.load();
    expect([list.items.length, list.total, list.items[0]]).toEqual([50, 230, 1]);
    await list.go(5);
    expect(list.items).toEqual(Array.from({ length: 30 }, (_, i) => 201 + i));
    await list.go(3); // items 101–150
    await list.setPerPage(25);
    expect([list.page, list.items[0]]).toEqual([5, 101]);
    expect(asked.at(-1)).toEqual({ page: 5, per_page: 25 });
  });

  it('steps back to the last page that has items when a delete emptied the one shown', async () => {
    const { fetchPage, rows } = server(101);
    const list = usePagedList(fetchPage);
    await list.go(3);
    expect(list.items).toEqual([101]);
    rows.pop();
    await list.load();
    expect([list.page, list.total, list.items.at(-1)]).toEqual([2, 100, 100]);
    rows.length = 0;
    await list.load();
    expect([list.page, list.total, list.items]).toEqual([1, 0, []]);
  });

  it('shows only the answer to the newest request', async () => {
    const { fetchPage } = server(230);
    const list = usePagedList(fetchPage);
    let release!: () => void;
    const slow = usePagedList(async (p: Paging) => {
      if (p.page === 2) await new Promise<void>((r) => (release = r));
      return fetchPage(p);
    });
    const second = slow.go(2);
    await slow.go(3);
    release();
    await second;
    expect([slow.page, slow.items[0]]).toEqual([3, 101]);
    expect(list.total).toBe(0); // the other list was never asked
  });

  it('keeps the error and the last page shown when a request fails', async () => {
    const { fetchPage } = server(60);
    let fail = false;
    const list = usePagedList((p: Paging) => (fail ? Promise.reject(new Error('the server is gone')) : fetchPage(p)));
    await list.load();
    fail = true;
    await list.go(2);
    expect([list.error, list.items.length, list.loading]).toEqual(['the server is gone', 50, false]);
  });
});

describe('ListPager', () => {
  it('shows the range and total, pages by its buttons, and counts a single page with plurals, in English and German', async () => {
    const { fetchPage, rows } = server(230);
    const list = usePagedList(fetchPage);
    await list.load();
    const wrapper = mount(ListPager, { props: { list, kind: 'users' } });
    const summary = () => wrapper.get('[data-test="pager-summary"]').text();
    expect(summary()).toBe('1–50 of 230');
    expect(wrapper.get('nav').attributes('aria-label')).toBe('Pages of users');
    expect(wrapper.get('[data-test="pager-prev"]').attributes('disabled')).toBeDefined();
    await wrapper.get('[data-page="5"]').trigger('click');
    await until(() => list.page === 5 && !list.loading, 'page 5 shown', 5000);
    await nextTick();
    expect(summary()).toBe('201–230 of 230');
    expect(wrapper.get('[data-test="pager-next"]').attributes('disabled')).toBeDefined();
    expect(wrapper.get('[aria-current="page"]').text()).toBe('5');

    rows.length = 1;
    await list.load();
    await nextTick();
    expect(summary()).toBe('1 user');
    expect(wrapper.find('[data-test="pager-next"]').exists()).toBe(false);
    rows.push(2, 3);
    await list.load();
    await setLocale('de');
    await nextTick();
    expect(summary()).toBe('3 Benutzer');
    rows.push(...Array.from({ length: 1200 }, (_, i) => i + 4));
    await list.load();
    await nextTick();
    expect(summary()).toBe('1–50 von 1.203');
  });

  it('names the rows shown until the answer to a page change has arrived', async () => {
    const { fetchPage } = server(60);
    let release = () => {};
    let hold = false;
    const held = async (p: Paging) => {
      if (hold) await new Promise<void>((r) => (release = r));
      return fetchPage(p);
    };
    const list = usePagedList(held);
    await list.go(2);
    const wrapper = mount(ListPager, { props: { list, kind: 'watchlist' } });
    const summary = () => wrapper.get('[data-test="pager-summary"]').text();
    expect(summary()).toBe('51–60 of 60');
    hold = true;
    const answered = list.setPerPage(100);
    await nextTick();
    expect(list.items).toHaveLength(10);
    expect(summary()).toBe('51–60 of 60');
    release();
    await answered;
    await nextTick();
    expect(list.items).toHaveLength(60);
    expect(summary()).toBe('60 series tracked');
  });
});
