import { isDeepStrictEqual } from 'node:util';
/**
 * The details that arrive on their own, in Chromium against the real server: search covers
 * through the server's proxy (the CSP allows no remote image), the languages of missing episodes
 * before any download, a pending item's priority changed from the queue, and the Tasks page
 * following a task over Socket.IO without polling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeAnimeSama, type FakeAnimeSama } from '../fakes/animesama.js';
import { launchBrowser, newPage, screenshot, screenshotFailures, setupAndLogin, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let browser: Browser;
let aniworld: FakeAniworld;
let animesama: FakeAnimeSama;
let page: Page;
let problems: string[];

const embed = 'http://127.0.0.1:9/e/none'; // never reached: nothing is downloaded here

screenshotFailures('live');
beforeAll(async () => {
  [aniworld, animesama, browser] = await Promise.all([
    startFakeAniworld({
      series: [
        {
          slug: 'lingo-tales',
          name: 'Lingo Tales',
          year: 2022,
          description: 'Three episodes in three languages.',
          seasons: {
            1: [
              {
                episode: 1,
                title: 'Hallo',
                sources: [
                  { lang: 1, hoster: 'VOE', embedUrl: embed },
                  { lang: 3, hoster: 'VOE', embedUrl: embed },
                ],
              },
              { episode: 2, title: 'Hello', sources: [{ lang: 2, hoster: 'VOE', embedUrl: embed }] },
              { episode: 3, title: 'Servus', sources: [{ lang: 3, hoster: 'Vidoza', embedUrl: embed }] },
            ],
          },
        },
      ],
    }),
    startFakeAnimeSama(),
    launchBrowser(),
  ]);
  srv = await startUiServer({ ANIWORLD_URL: aniworld.url, ANIMESAMA_URL: animesama.url });
  ({ page, problems } = await newPage(browser));
  await setupAndLogin(page, srv.url, { animeDir: srv.animeDir });
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await Promise.all([aniworld?.close(), animesama?.close()]);
});

describe('live details in a real browser', () => {
  it('search shows the provider cover through the server; the series page shows the languages of missing episodes', async () => {
    await page.getByRole('link', { name: 'Search & add' }).click();
    await page.getByTestId('search-input').fill('Lingo');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const card = page.locator('[data-test="search-results"] [data-key="lingo-tales"]');
    const img = card.locator('[data-test="cover"] img');
    await img.waitFor();
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    await until(
      async () => (await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)) === 44,
      'img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWid…',
    );
    expect(aniworld.requests).toContain('GET /public/img/cover/lingo-tales-220x330.png');
    await screenshot(page, 'live-search-cover');

    await card.getByTestId('add').click();
    await card.getByTestId('open-series').click();
    await page.getByTestId('series-title').waitFor();
    // read from the episode pages in the background; the page follows over Socket.IO
    const langs = (code: string) => page.locator(`tr[data-episode="${code}"] [data-test="language"]`);
    await until(
      async () => isDeepStrictEqual(await langs('S01E01').allTextContents(), ['German dub', 'German sub']),
      "langs('S01E01').allTextContents() = ['German dub', 'German sub']",
      20_000,
    );
    expect(await langs('S01E02').allTextContents()).toEqual(['English sub']);
    expect(await langs('S01E03').allTextContents()).toEqual(['German sub']);
    expect(await page.locator('tr[data-episode="S01E01"]').textContent()).toContain('Missing');
    expect(aniworld.requests.some((r) => r.startsWith('GET /redirect/'))).toBe(false); // nothing was downloaded
    // no poster in the folder yet: the provider's cover stands in, through the server
    const poster = page.locator('.poster img');
    await poster.waitFor();
    await until(
      async () => (await poster.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)) === 44,
      'poster.evaluate((el: HTMLImageElement) => el.complete && el.natural…',
    );
    expect(aniworld.requests).toContain('GET /public/img/cover/lingo-tales.png');
    await screenshot(page, 'live-series-languages');
  });

  it("a pending item's priority moves it ahead in the queue", async () => {
    // stopped, so the items wait
    await page.getByRole('link', { name: 'Queue' }).click();
    await page.getByTestId('queue-stop').click();
    await page.getByTestId('queue-start').waitFor();
    await page.goBack();
    await page.getByTestId('download-all').click();
    await page
      .getByTestId('toast')
      .filter({ hasText: /3 episodes queued/ })
      .first()
      .waitFor();

    await page.getByRole('link', { name: 'Queue' }).click();
    const rows = page.locator('[data-test="pending-list"] li');
    await until(async () => (await rows.count()) === 3, 'rows.count() = 3');
    const names = () => rows.evaluateAll((els) => els.map((el) => el.querySelector('.mono')?.textContent));
    expect(await names()).toEqual(['S01E01', 'S01E02', 'S01E03']);

    await page.getByLabel('Priority of Lingo Tales S01E03').selectOption('HIGH');
    await until(async () => isDeepStrictEqual(await names(), ['S01E03', 'S01E01', 'S01E02']), "names = ['S01E03', 'S01E01', 'S01E02']");
    await page.getByLabel('Priority of Lingo Tales S01E01').selectOption('LOW');
    await until(async () => isDeepStrictEqual(await names(), ['S01E03', 'S01E02', 'S01E01']), "names = ['S01E03', 'S01E02', 'S01E01']");
    // the server agrees, so a reload shows the same order
    await page.reload();
    await until(async () => isDeepStrictEqual(await names(), ['S01E03', 'S01E02', 'S01E01']), "names = ['S01E03', 'S01E02', 'S01E01']");
    expect(await page.getByLabel('Priority of Lingo Tales S01E03').inputValue()).toBe('HIGH');
    await screenshot(page, 'live-queue-priority');
  });

  it('the Tasks page follows a task it started over Socket.IO, without polling', async () => {
    const taskRequests: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/tasks') taskRequests.push(r.url());
    });
    await page.getByRole('link', { name: 'Tasks & system' }).click();
    const row = page.locator('tr[data-task="housekeeping"]');
    await row.waitFor();
    expect(await row.textContent()).not.toContain('Succeeded');
    await page.getByTestId('run-housekeeping').click();
    await row.getByText('Succeeded').waitFor({ timeout: 20_000 });
    await screenshot(page, 'live-tasks');
    // at most the first load, one after "run now" and one after the end: never a loop on a timer
    expect(taskRequests.length).toBeLessThanOrEqual(3);
    expect(problems).toEqual([]);
  });
});
