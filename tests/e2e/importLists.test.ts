/** Import lists in Chromium: an AniList list added on the Watchlist page, read, and a close call settled. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { startFakeAniworld, simpleSeries, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeAnimeLists, type FakeAnimeLists } from '../fakes/animeLists.js';
import { launchBrowser, newPage, screenshot, screenshotFailures, setupAndLogin, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let browser: Browser;
let fake: FakeAniworld;
let lists: FakeAnimeLists;

screenshotFailures('import-lists');
beforeAll(async () => {
  [browser, fake, lists] = await Promise.all([
    launchBrowser(),
    startFakeAniworld({
      series: [
        simpleSeries('frieren-beyond-journeys-end', "Frieren: Beyond Journey's End", { 1: 1 }, { year: 2023 }),
        simpleSeries('hunter-x-hunter', 'Hunter x Hunter', { 1: 1 }, { year: 1999 }),
        simpleSeries('hunter-x-hunter-2011', 'Hunter x Hunter', { 1: 1 }, { year: 2011 }),
      ],
    }),
    startFakeAnimeLists(),
  ]);
  lists.anilist.set('alice_a', {
    CURRENT: [
      {
        id: 154587,
        title: { english: "Frieren: Beyond Journey's End", romaji: 'Sousou no Frieren', native: null },
        startDate: { year: 2023 },
      },
      { id: 11061, title: { english: null, romaji: 'Hunter x Hunter', native: null }, startDate: { year: null } },
    ],
  });
  srv = await startUiServer({ ANIWORLD_URL: fake.url, ANILIST_URL: lists.anilistUrl, MYANIMELIST_URL: lists.malUrl });
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await Promise.all([fake?.close(), lists?.close()]);
});

describe('import lists in Chromium', () => {
  it('adds an AniList list, reads it, and the user picks the series of a close call', async () => {
    const { page, problems } = await newPage(browser);
    await setupAndLogin(page, srv.url);
    await page.getByRole('link', { name: 'Watchlist' }).click();
    const panel = page.getByTestId('import-lists');
    await panel.getByTestId('list-username').fill('alice_a');
    await panel.getByTestId('list-add').click();
    const row = panel.locator('[data-list="anilist:alice_a"]');
    await row.waitFor();
    await row.getByTestId('list-sync').click();
    await page.getByTestId('toast').filter({ hasText: 'List read: 1 added, 1 to choose, 0 not found' }).first().waitFor();
    const entry = row.locator('[data-entry="11061"]');
    await entry.getByRole('radio', { name: /2011/ }).check();
    await entry.getByTestId('entry-add').click();
    await page.getByTestId('toast').filter({ hasText: 'Added to your watchlist' }).first().waitFor();
    await until(
      async () => !!(await row.getByTestId('list-counts').textContent())?.includes('2 on the watchlist · 0 to choose'),
      "row.getByTestId('list-counts').textContent() containing '2 on the w…",
    );
    await page.getByText('Hunter x Hunter').first().waitFor();
    await screenshot(page, 'import-lists');
    expect(problems).toEqual([]);
  });
});
