/** The NFO batch UI (choose series, progress, results) and the Tasks table on a phone, in Chromium. */
import { NO_SITE } from '../helpers/server.js';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { FAKE_TMDB_KEY, startFakeTmdb, type FakeTmdb } from '../fakes/tmdb.js';
import { addSeries } from '../metadata/helpers.js';
import { launchBrowser, login, newPage, screenshot, screenshotFailures, setupAndLogin, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let browser: Browser;
let tmdb: FakeTmdb;

screenshotFailures('nfo-batch-phone');
beforeAll(async () => {
  [tmdb, browser] = await Promise.all([startFakeTmdb(), launchBrowser()]);
  srv = await startUiServer({
    ANIWORLD_URL: NO_SITE,
    ANIMESAMA_URL: NO_SITE,
    TMDB_API_URL: tmdb.apiUrl,
    TMDB_IMAGE_URL: tmdb.imageUrl,
    TMDB_API_KEY: FAKE_TMDB_KEY,
  });
  for (const n of [1, 2, 3]) await addSeries(srv, { key: `batch-show-${n}`, name: `Batch Show ${n}`, folder: `Batch Show ${n}` });
  // the third has its NFO already
  fs.writeFileSync(path.join(srv.animeDir, 'Batch Show 3', 'tvshow.nfo'), '<tvshow><title>Batch Show 3</title></tvshow>');
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await tmdb?.close();
});

describe('NFO batch and the phone layout', () => {
  it('creates NFOs for the chosen series with progress and a result per series', async () => {
    const { page, problems } = await newPage(browser);
    await setupAndLogin(page, srv.url, { animeDir: srv.animeDir });
    const tile = (key: string) => page.locator(`[data-test="library-grid"] li:has([data-key="${key}"])`);
    for (const n of [1, 2, 3]) await tile(`batch-show-${n}`).getByTestId('card-select').check();
    await page.getByTestId('bulk-nfo').click();
    const panel = page.getByTestId('nfo-batch');
    await until(async () => !!(await panel.textContent())?.includes('3 series chosen'), "panel.textContent() containing '3 series chosen'");
    await screenshot(page, 'nfo-batch-chosen');
    await panel.getByTestId('nfo-batch-start').click();
    const progress = panel.getByTestId('nfo-batch-progress');
    await until(
      async () => /Finished: 2 created, 0 failed, 1 skipped/.test((await progress.textContent()) ?? ''),
      'progress.textContent() matching /Finished: 2 created, 0 failed, 1 s…',
      60_000,
    );
    const status = (key: string) => panel.locator(`[data-test="nfo-batch-results"] li[data-key="${key}"]`).getAttribute('data-status');
    expect(await status('batch-show-1')).toBe('success');
    expect(await status('batch-show-2')).toBe('success');
    expect(await status('batch-show-3')).toBe('skipped');
    expect(fs.existsSync(path.join(srv.animeDir, 'Batch Show 1', 'tvshow.nfo'))).toBe(true);
    await screenshot(page, 'nfo-batch-finished');
    expect(problems).toEqual([]);
  });

  it('the Tasks table fits a 390 px phone: nothing is cut off, every task can be run', async () => {
    const { page, problems } = await newPage(browser, { width: 390, height: 844 });
    await login(page, srv.url);
    await page.goto(`${srv.url}/system`);
    const table = page.getByTestId('tasks-table');
    await table.locator('tr[data-task]').first().waitFor();
    const overflow = await page.evaluate(() => {
      const rows = Array.from(document.querySelectorAll('[data-test="tasks-table"] tr[data-task]'));
      return {
        pageWidth: document.documentElement.scrollWidth,
        widest: Math.max(...rows.map((r) => r.getBoundingClientRect().right)),
        tableWidth: document.querySelector('[data-test="tasks-table"]')!.getBoundingClientRect().right,
      };
    });
    expect(overflow.pageWidth).toBeLessThanOrEqual(390);
    expect(overflow.widest).toBeLessThanOrEqual(390);
    expect(overflow.tableWidth).toBeLessThanOrEqual(390);
    const run = table.locator('tr[data-task="housekeeping"]').getByRole('button', { name: 'Run now' });
    const box = (await run.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    // each figure keeps its label
    expect(await table.locator('tr[data-task="housekeeping"] td[data-label="Next run"]').isVisible()).toBe(true);
    await screenshot(page, 'tasks-phone');
    expect(problems).toEqual([]);
  });
});
