import { isDeepStrictEqual } from 'node:util';
/**
 * A 10,000-item queue in Chromium: the pending list is virtualised (a few dozen rows in the page),
 * loads further pages as it scrolls, and reorders by moves (POST /api/queue/move) that the server keeps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { sql } from '../../backend/src/db/pool.js';
import { launchBrowser, newPage, screenshot, screenshotFailures, setupAndLogin, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

const N = 10_000;
let srv: TestServer;
let browser: Browser;
let page: Page;
let problems: string[];

screenshotFailures('virtual-queue');
beforeAll(async () => {
  browser = await launchBrowser();
  srv = await startUiServer();
  ({ page, problems } = await newPage(browser));
  await setupAndLogin(page, srv.url, { animeDir: srv.animeDir });
  await page.getByRole('link', { name: 'Queue' }).click();
  await page.getByTestId('queue-stop').click();
  await page.getByTestId('queue-state').filter({ hasText: 'Stopped' }).waitFor();
  // what "download all" on a few long series leaves behind, in one statement
  await srv.deps.db
    .query(sql.unsafe`insert into download_items (serie_id, serie_folder, serie_name, season, episode, title, priority, source)
    select 'long-one', 'Long One', 'Long One', 1, g, 'Episode ' || g, 'NORMAL', 'manual' from generate_series(1, ${N}) g`);
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

const rows = () => page.locator('[data-test="pending-list"] li[data-id]');
/** The episode codes from top to bottom as drawn (rows are positioned, so the screen order is what counts). */
const codes = () =>
  rows().evaluateAll((els) =>
    els
      .map((e) => ({ top: e.getBoundingClientRect().top, code: e.querySelector('.mono')!.textContent }))
      .sort((a, b) => a.top - b.top)
      .map((r) => r.code),
  );

/**
 * Scrolls the list to its top and waits for its first row. The scroll is set again while waiting: a wheel scroll's
 * smooth animation can still be running on a busy machine and carry the list back down after the first setting.
 */
const backToTop = () =>
  until(async () => {
    const first = (await codes())[0] === 'S01E01';
    if (!first)
      await page.getByTestId('pending-scroller').evaluate((el) => {
        el.scrollTop = 0;
      });
    return first;
  }, "(codes())[0] = 'S01E01' at the list's top");

describe('the virtualised queue', () => {
  it('shows the first rows of 10,000 with only a window of them in the page, and loads more while scrolling', async () => {
    await page.reload();
    await until(
      async () => (await page.getByTestId('pending-total').textContent()) === '10,000',
      "page.getByTestId('pending-total').textContent() = '10,000'",
      15_000,
    );
    await until(async () => (await codes())[0] === 'S01E01', "(codes())[0] = 'S01E01'");
    const drawn = await rows().count();
    expect(drawn).toBeGreaterThan(5);
    expect(drawn).toBeLessThan(60);
    await screenshot(page, 'virtual-queue-top');

    // the middle of the list: placeholders turn into rows as the pages arrive
    await page.getByTestId('pending-scroller').evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await until(
      async () => (await codes()).some((c) => /^S01E(49|50|51)\d\d$/.test(c ?? '')) === true,
      "(codes()).some((c) => /^S01E(49|50|51)\\d\\d$/.test(c ?? '')) = true",
      30_000,
    );
    expect(await rows().count()).toBeLessThan(60);
    await screenshot(page, 'virtual-queue-middle');
    await backToTop();
    expect(problems).toEqual([]);
  });

  it('asks for the queue once when the page opens and the socket connects; scrolling asks pages of about a screen', async () => {
    const asked: URL[] = [];
    const onRequest = (r: { url(): string }) => {
      const url = new URL(r.url());
      if (url.pathname === '/api/queue/status') asked.push(url);
    };
    page.on('request', onRequest);
    // the server answers the join of `downloads` with the queue's statistics: the page knows then whether it missed a change
    let joined!: () => void;
    const stats = new Promise<void>((resolve) => (joined = resolve));
    page.on('websocket', (ws) => ws.on('framereceived', (f) => String(f.payload).includes('"queue_status"') && joined()));
    try {
      await page.reload();
      await page.getByTestId('link-indicator').and(page.locator('[data-state="connected"]')).waitFor();
      await stats;
      await until(async () => (await codes())[0] === 'S01E01', "(codes())[0] = 'S01E01'");
      await page.waitForLoadState('networkidle');
      expect(asked.map((u) => u.search)).toEqual(['?page=1&per_page=50']);

      asked.length = 0;
      await page.getByTestId('pending-scroller').hover();
      for (let i = 0; i < 8; i++) await page.mouse.wheel(0, 600);
      await until(
        async () => (await codes()).some((c) => Number(c?.slice(4)) >= 100) === true,
        '(codes()).some((c) => Number(c?.slice(4)) >= 100) = true',
        30_000,
      );
      expect(asked.length).toBeGreaterThan(0);
      for (const u of asked) expect(Number(u.searchParams.get('per_page')), u.search).toBeLessThanOrEqual(100);
      await backToTop();
    } finally {
      page.off('request', onRequest);
    }
    expect(problems).toEqual([]);
  });

  it('reorders by drag and drop and by the move buttons; the server keeps the order', async () => {
    // shown at once, then the server's order arrives with a reload (under load that can take a while)
    const SETTLED = { timeout: 15_000 };
    const row = (code: string) => rows().filter({ has: page.locator('.mono', { hasText: code }) });
    /** The first five pending items in the order the server keeps them (download_items, as the queue reads it). */
    const kept = async () =>
      (
        await srv.deps.db.anyFirst(
          sql.unsafe`select episode from download_items where status = 'pending' order by position, added_at limit 5`,
        )
      ).map((e) => `S01E${String(e).padStart(2, '0')}`);
    // each move is drawn and kept before the next one is made (the next move is made from what is shown)
    const shownAndKept = async (order: string[]) => {
      await until(async () => isDeepStrictEqual((await codes()).slice(0, 5), order), `shown: ${order.join(' ')}`, SETTLED);
      await until(async () => isDeepStrictEqual(await kept(), order), `kept by the server: ${order.join(' ')}`, SETTLED);
    };
    await row('S01E04').dragTo(row('S01E01'));
    await shownAndKept(['S01E04', 'S01E01', 'S01E02', 'S01E03', 'S01E05']);
    await row('S01E02').getByTestId('move-up').click();
    await shownAndKept(['S01E04', 'S01E02', 'S01E01', 'S01E03', 'S01E05']);
    await row('S01E04').getByTestId('move-down').click();
    await shownAndKept(['S01E02', 'S01E04', 'S01E01', 'S01E03', 'S01E05']);
    await screenshot(page, 'virtual-queue-reordered');
    await page.waitForLoadState('networkidle');
    await page.reload();
    await until(
      async () => isDeepStrictEqual((await codes()).slice(0, 5), ['S01E02', 'S01E04', 'S01E01', 'S01E03', 'S01E05']),
      "(codes()).slice(0, 5) = ['S01E02', 'S01E04', 'S01E01', 'S01E03', 'S…",
    );
    expect(await page.getByTestId('pending-total').textContent()).toBe('10,000');
    expect(problems).toEqual([]);
  });
});
