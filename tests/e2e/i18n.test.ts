/** vue-i18n in Chromium: plurals in English and German, and a repeated notice grouped into one toast. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { simpleSeries, startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { launchBrowser, newPage, screenshot, screenshotFailures, setupAndLogin, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';
import * as repo from '../../backend/src/downloads/repo.js';
import { sql } from '../../backend/src/db/pool.js';
import { stopQueue } from '../../backend/src/downloads/service.js';

let srv: TestServer;
let browser: Browser;
let aniworld: FakeAniworld;
let page: Page;
let problems: string[];

screenshotFailures('i18n');
beforeAll(async () => {
  [aniworld, browser] = await Promise.all([
    startFakeAniworld({
      series: [
        simpleSeries('one-left', 'One Left', { 1: 1 }, { year: 2021 }),
        simpleSeries('two-left', 'Two Left', { 1: 2 }, { year: 2022 }),
      ],
    }),
    launchBrowser(),
  ]);
  srv = await startUiServer({ ANIWORLD_URL: aniworld.url });
  ({ page, problems } = await newPage(browser));
  await setupAndLogin(page, srv.url, { animeDir: srv.animeDir });
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await aniworld?.close();
});

async function add(query: string, key: string) {
  await page.getByRole('link', { name: 'Search & add' }).click();
  await page.getByTestId('search-input').fill(query);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const card = page.locator(`[data-test="search-results"] [data-key="${key}"]`);
  await card.getByTestId('add').click();
  await card.getByTestId('open-series').waitFor();
}

const badge = (key: string) => page.locator(`[data-test="library-grid"] li:has([data-key="${key}"]) [data-test="missing-badge"]`);

describe('texts in the browser', () => {
  it('a missing-episode count is singular for one and plural for two, in English and German', async () => {
    await add('One Left', 'one-left');
    await add('Two Left', 'two-left');
    await page.getByRole('link', { name: 'Library' }).click();
    await until(
      async () => /^\s*1 missing episode\s*$/.test((await badge('one-left').textContent()) ?? ''),
      "badge('one-left').textContent() matching /^\\s*1 missing episode\\s*$/",
    );
    expect(await badge('two-left').textContent()).toMatch(/^\s*2 missing episodes\s*$/);
    await screenshot(page, 'i18n-plural-en');

    await page.evaluate(() => localStorage.setItem('aniworld.language', 'de'));
    await page.reload();
    await page.getByRole('heading', { name: 'Bibliothek', exact: true }).waitFor();
    await until(
      async () => /^\s*1 fehlende Folge\s*$/.test((await badge('one-left').textContent()) ?? ''),
      "badge('one-left').textContent() matching /^\\s*1 fehlende Folge\\s*$/",
    );
    expect(await badge('two-left').textContent()).toMatch(/^\s*2 fehlende Folgen\s*$/);
    await screenshot(page, 'i18n-plural-de');
    await page.evaluate(() => localStorage.removeItem('aniworld.language'));
    await page.reload();
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
  });

  it('the same notice three times is one toast counted ×3', async () => {
    await page.getByRole('link', { name: 'Watchlist' }).click();
    const checkAll = page.getByRole('button', { name: 'Check all now' });
    for (let i = 0; i < 3; i++) {
      await checkAll.click();
      await until(async () => (await checkAll.isEnabled()) === true, 'checkAll.isEnabled() = true');
    }
    const toast = page.getByTestId('toast').filter({ hasText: 'Checking all due items' });
    await until(async () => (await toast.count()) === 1, 'toast.count() = 1');
    expect(await toast.getByTestId('toast-count').textContent()).toBe('×3');
    await screenshot(page, 'i18n-grouped-toast');
    expect(problems).toEqual([]);
  });

  it('"Retry all" tells how many failed items the server queued again', async () => {
    const db = srv.deps.db;
    await stopQueue(srv.deps); // the retried items stay waiting
    const ids: string[] = [];
    for (const episode of [1, 2, 3]) {
      const row = await repo.insertItem(db, {
        serie_id: 'retry-all',
        serie_folder: 'Retry All',
        serie_name: 'Retry All',
        season: 1,
        episode,
        title: null,
        priority: 'NORMAL',
        source: 'manual',
        language: 'German Dub',
        quality: null,
      });
      await db.query(sql.unsafe`update download_items set status = 'downloading', started_at = now() where id = ${row!.id}::uuid`);
      await repo.markFailed(db, row!.id, 'every hoster failed', 'ALL_SOURCES_FAILED');
      ids.push(row!.id);
    }
    await page.getByRole('link', { name: 'Queue' }).click();
    await page.locator(`[data-test="failed"] [data-id="${ids[2]}"]`).waitFor();
    // the button sends an empty list (every failed item): the toast counts what the server retried, not the list
    await page.getByRole('button', { name: 'Retry all' }).click();
    const toast = page.getByTestId('toast').filter({ hasText: 'queued again' });
    await toast.first().waitFor();
    expect((await toast.first().locator('.text').innerText()).trim()).toBe('3 items queued again');
    await db.query(sql.unsafe`delete from download_items where serie_id = 'retry-all'`);
    expect(problems).toEqual([]);
  });
});
