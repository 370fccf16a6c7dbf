import { isDeepStrictEqual } from 'node:util';
/**
 * A library of 4,000 series in Chromium: the grid is virtual (only the cards around the screen are
 * in the page), fetches the pages of GET /api/anime it shows as it scrolls (a jump to the middle
 * loads the middle), and a poster that is not there (yet) is a placeholder, never a broken image.
 * Besides, the Settings fields of the queue trim (completed items leave the queue).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { sql } from '../../backend/src/db/pool.js';
import { launchBrowser, newPage, screenshotFailures, setupAndLogin, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

const N = 4000;
let srv: TestServer;
let browser: Browser;
let page: Page;
let problems: string[];
/** The pages of /api/anime the page asked for. */
const asked: number[] = [];

screenshotFailures('library-grid');
beforeAll(async () => {
  browser = await launchBrowser();
  srv = await startUiServer();
  ({ page, problems } = await newPage(browser, { width: 1280 }));
  await setupAndLogin(page, srv.url, { animeDir: srv.animeDir });
  // what a big import leaves behind, in one statement (names sort as the numbers do)
  await srv.deps.db.query(sql.unsafe`insert into series (key, name, site, folder, link, year)
    select 'grid-' || lpad(g::text, 4, '0'), 'Grid Series ' || lpad(g::text, 4, '0'), 'aniworld.to',
      'Grid Series ' || lpad(g::text, 4, '0'), 'https://aniworld.to/anime/stream/grid-' || g, 2000 + g % 25
    from generate_series(1, ${N}) g`);
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/anime') asked.push(Number(u.searchParams.get('page')));
  });
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

const keys = () => page.locator('[data-test="library-grid"] [data-key]').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')!));
const cards = () => page.locator('[data-test="library-grid"] > li');

describe('the virtual library grid', () => {
  it('shows the first cards of 4,000 with only a window of them in the page, posters as placeholders', async () => {
    asked.length = 0;
    await page.reload();
    await until(async () => (await keys())[0] === 'grid-0001', "(keys())[0] = 'grid-0001'");
    expect(await page.getByTestId('library-grid').getAttribute('data-total')).toBe(String(N));
    const drawn = await cards().count();
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(120);
    // one page asked for, not the library
    expect(asked).toEqual([1]);
    // no poster in the folders: each card shows its placeholder (initials), no <img> at all
    const first = page.locator('[data-test="library-grid"] li:has([data-key="grid-0001"])');
    await until(
      async () => (await first.locator('[role="img"]').textContent()) === 'GS',
      "first.locator('[role=\"img\"]').textContent() = 'GS'",
    );
    expect(await page.locator('[data-test="library-grid"] img').count()).toBe(0);
    // rows do not overlap and leave no hole: every card is as tall as any other, and rows follow each other by that height
    const boxes = await cards().evaluateAll((els) =>
      els.map((e) => e.getBoundingClientRect()).map((r) => ({ top: r.top, height: r.height })),
    );
    const tops = [...new Set(boxes.map((b) => Math.round(b.top)))].sort((a, b) => a - b);
    expect(tops.length).toBeGreaterThan(1);
    const height = Math.round(boxes[0].height);
    for (const b of boxes) expect(Math.abs(b.height - height)).toBeLessThanOrEqual(1);
    const gaps = tops.slice(1).map((top, i) => top - tops[i]);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(height);
      expect(g).toBeLessThanOrEqual(height + 24);
    }
  });

  it('a card is a link to its series: its address opens in a new tab, a click opens the series page', async () => {
    const link = page.locator('[data-test="library-grid"] [data-key="grid-0002"]');
    expect(await link.getAttribute('href')).toBe('/series/grid-0002');
    await link.click();
    await page.waitForURL('**/series/grid-0002');
    await page.goBack();
    await until(async () => (await keys())[0] === 'grid-0001', "(keys())[0] = 'grid-0001'");
  });

  it('fetches the pages it shows while scrolling: further down, and a jump to the middle', async () => {
    await page.mouse.move(640, 500);
    for (let i = 0; i < 8; i++) await page.mouse.wheel(0, 1200);
    // cards beyond the first page of 48 arrived, and the window moved: the first card left the page
    await until(
      async () => (await keys()).some((k) => Number(k.slice(5)) > 48) === true,
      '(keys()).some((k) => Number(k.slice(5)) > 48) = true',
      30_000,
    );
    await until(async () => (await keys()).includes('grid-0001') === false, "(keys()).includes('grid-0001') = false");
    expect(Math.max(...asked)).toBeGreaterThan(1);
    expect(await cards().count()).toBeLessThan(120);

    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight / 2));
    await until(
      async () => (await keys()).some((k) => Math.abs(Number(k.slice(5)) - N / 2) < 200) === true,
      '(keys()).some((k) => Math.abs(Number(k.slice(5)) - N / 2) < 200) = …',
      30_000,
    );
    // the middle was loaded directly, not every page before it
    expect(new Set(asked).size).toBeLessThan(20);
    expect(await cards().count()).toBeLessThan(120);

    // a search starts at the top again with the server's matches
    await page.getByTestId('library-search').fill('Grid Series 399');
    await until(
      async () =>
        isDeepStrictEqual(
          await keys(),
          [...Array(10)].map((_, i) => `grid-${3990 + i}`),
        ),
      'keys = [...Array(10)].map((_, i) => `grid-${3990 + i}`)',
    );
    expect(problems).toEqual([]);
  });
});

describe('the queue trim settings', () => {
  it('Settings sets how long and how many finished downloads stay in the queue; empty is no limit', async () => {
    expect(srv.deps.settings.get().downloads).toMatchObject({ completed_keep_hours: 24, completed_keep_count: 200 });
    await page.getByRole('link', { name: 'Settings' }).click();
    const hours = page.getByTestId('keep-hours');
    await hours.waitFor();
    expect(await hours.inputValue()).toBe('24');
    expect(await page.getByTestId('keep-count').inputValue()).toBe('200');
    await hours.fill('6');
    await page.getByTestId('keep-count').fill('');
    await page.locator('form:has([data-test="keep-hours"])').getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Saved' }).first().waitFor();
    // what the hourly queue_trim job reads
    expect(srv.deps.settings.get().downloads).toMatchObject({ completed_keep_hours: 6, completed_keep_count: null });
    await page.reload();
    await hours.waitFor();
    expect(await hours.inputValue()).toBe('6');
    expect(await page.getByTestId('keep-count').inputValue()).toBe('');
    expect(problems).toEqual([]);
  });
});
