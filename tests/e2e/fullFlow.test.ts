import { isDeepStrictEqual } from 'node:util';
/**
 * The whole user journey in Chromium against the real server, database, worker and ffmpeg, with the
 * fake aniworld site and fake hosters serving real media: setup → login → search → add → the
 * series shows its missing episodes → queue them → a progress bar moves (over Socket.IO, no
 * polling) → the file is in the library folder → the series shows it downloaded; a failed
 * download shows its reason and retry works.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeAnimeSama, type FakeAnimeSama } from '../fakes/animesama.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeMp4 } from '../fakes/media.js';
import { launchBrowser, login, newPage, screenshot, screenshotFailures, setupAndLogin, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let browser: Browser;
let aniworld: FakeAniworld;
let animesama: FakeAnimeSama;
let hosters: FakeHosters;
let goodEmbed: string;
let brokenEmbed: string;

screenshotFailures('flow');
beforeAll(async () => {
  const mp4 = await makeMp4();
  hosters = await startFakeHosters();
  // slow enough that the progress bar is seen moving, fast enough for a short test
  goodEmbed = hosters.embed('Vidoza', { mp4 }, { rateBytesPerSec: 110_000 });
  brokenEmbed = hosters.embed('VOE', { mp4 }, { status: 404 });
  [aniworld, animesama, browser] = await Promise.all([
    startFakeAniworld({
      series: [
        {
          slug: 'demo-quest',
          name: 'Demo Quest',
          year: 2021,
          seasons: {
            1: [
              { episode: 1, title: 'Der Anfang', titleEn: 'The Beginning', sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: goodEmbed }] },
              {
                episode: 2,
                title: 'Das Ende',
                titleEn: 'The End',
                sources: [
                  { lang: 1, hoster: 'VOE', embedUrl: brokenEmbed },
                  { lang: 3, hoster: 'VOE', embedUrl: brokenEmbed },
                ],
              },
            ],
          },
        },
      ],
    }),
    startFakeAnimeSama(),
    launchBrowser(),
  ]);
  srv = await startUiServer({ ANIWORLD_URL: aniworld.url, ANIMESAMA_URL: animesama.url });
  await srv.deps.settings.update({ downloads: { stall_timeout_seconds: 5, min_free_space_mb: 0 } });
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await Promise.all([aniworld?.close(), animesama?.close(), hosters?.close()]);
});

let folderName = '';
const folder = () => path.join(srv.animeDir, folderName);
const videos = () => (fs.existsSync(folder()) ? fs.readdirSync(folder()).filter((f) => /\.(mp4|mkv)$/.test(f)) : []);

async function episodeRow(page: Page, code: string) {
  return page.locator(`tr[data-episode="${code}"]`);
}

describe('search → add → queue → download in a real browser', () => {
  it('walks the whole journey and sees live progress', async () => {
    const { page, problems } = await newPage(browser);
    const statusRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/queue/status')) statusRequests.push(r.url());
    });

    await setupAndLogin(page, srv.url, { animeDir: srv.animeDir, shot: 'flow' });

    // search and add: the folder name is shown before anything is created
    await page.getByRole('link', { name: 'Search & add' }).click();
    await page.getByTestId('search-input').fill('Demo');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const card = page.locator('[data-test="search-results"] [data-key="demo-quest"]');
    await card.waitFor();
    const preview = await card.getByTestId('folder-preview').textContent();
    expect(preview).toMatch(/^Demo Quest/);
    expect(fs.readdirSync(srv.animeDir)).toEqual([]);
    await screenshot(page, 'flow-search');
    await card.getByTestId('add').click();
    await card.getByTestId('open-series').waitFor();
    // the folder the server created is shown, and it is there
    folderName = (await card.getByTestId('folder-created').textContent())!;
    expect(fs.readdirSync(srv.animeDir)).toEqual([folderName]);
    await card.getByTestId('open-series').click();

    // the series page lists both episodes as missing
    await page.getByTestId('series-title').waitFor();
    const ep1 = await episodeRow(page, 'S01E01');
    const ep2 = await episodeRow(page, 'S01E02');
    await ep1.waitFor();
    expect(await ep1.getAttribute('data-downloaded')).toBe('false');
    expect(await ep1.textContent()).toContain('Missing');
    expect(await ep2.textContent()).toContain('Missing');
    expect(await page.getByTestId('missing-count').textContent()).toContain('2 missing');
    await screenshot(page, 'flow-series-missing');

    await page.getByTestId('download-all').click();
    await page
      .getByTestId('toast')
      .filter({ hasText: /2 episodes queued/ })
      .first()
      .waitFor();

    // the queue: a progress bar that moves while the file arrives
    await page.getByRole('link', { name: 'Queue' }).click();
    const requestsAtQueue = statusRequests.length;
    const bar = page.locator('[data-test="active"] [role="progressbar"]').first();
    await bar.waitFor({ timeout: 30_000 });
    const seen = new Set<number>();
    let shot = false;
    for (let i = 0; i < 200 && !(await page.locator('[data-test="completed"] [data-id]').count()); i++) {
      if (await bar.count()) {
        const v = Number(await bar.getAttribute('aria-valuenow').catch(() => null));
        if (v > 0 && v < 100) {
          seen.add(v);
          if (!shot && seen.size >= 2) {
            await screenshot(page, 'flow-queue-progress');
            shot = true;
          }
        }
      }
      await page.waitForTimeout(100);
    }
    expect(seen.size, `progress values seen: ${[...seen].join(', ')}`).toBeGreaterThanOrEqual(2);
    const values = [...seen];
    expect(values).toEqual([...values].sort((a, b) => a - b));
    // live over Socket.IO: the page loaded the queue once and a few times after list changes, never on a timer
    expect(statusRequests.length - requestsAtQueue).toBeLessThanOrEqual(4);

    // done: completed, and the other one failed with its reason
    await page.locator('[data-test="completed"] [data-id]').first().waitFor();
    const failed = page.locator('[data-test="failed"] [data-id]');
    await failed.first().waitFor({ timeout: 30_000 });
    // the reason in the user's language (by its code), and below it what each hoster answered
    expect(await failed.first().getByTestId('reason').textContent()).toMatch(/every source was tried and failed/i);
    const detail = await failed.first().getByTestId('reason-detail').textContent();
    expect(detail).toMatch(/VOE/);
    expect(detail).toMatch(/404/);
    await screenshot(page, 'flow-queue-done');

    // the file is in the library folder under the template name
    expect(videos()).toHaveLength(1);
    expect(videos()[0]).toMatch(/^Demo Quest - S01E01 - .+\.(mp4|mkv)$/);

    // retry works once the hoster is back
    hosters.setBehavior(brokenEmbed, { status: undefined });
    await failed.first().getByTestId('retry').click();
    await until(
      async () => (await page.locator('[data-test="completed"] [data-id]').count()) === 2,
      'page.locator(\'[data-test="completed"] [data-id]\').count() = 2',
      60_000,
    );
    expect(await failed.count()).toBe(0);
    await until(() => videos().length === 2, 'videos().length = 2');

    // the series shows both downloaded, with their file names
    await page.getByRole('link', { name: 'Library' }).click();
    const tile = page.locator('[data-test="library-grid"] [data-key="demo-quest"]');
    await tile.waitFor();
    await screenshot(page, 'flow-library');
    await tile.click();
    await (await episodeRow(page, 'S01E01')).waitFor();
    await until(async () => (await (await episodeRow(page, 'S01E02')).getAttribute('data-downloaded')) === 'true', 'S01E02 downloaded');
    expect(await (await episodeRow(page, 'S01E01')).getAttribute('data-downloaded')).toBe('true');
    const names = await page.getByTestId('file-name').allTextContents();
    expect(names.sort()).toEqual(videos().sort());
    expect(await page.getByTestId('missing-count').textContent()).toContain('Complete');
    await screenshot(page, 'flow-series-downloaded');
    expect(problems).toEqual([]);
  });

  it('watches a series: check now records the result, pause and resume, settings save', async () => {
    const { page, problems } = await newPage(browser);
    await login(page, srv.url);
    await page.getByRole('link', { name: 'Search & add' }).click();
    await page.getByTestId('search-input').fill('Demo');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const card = page.locator('[data-test="search-results"] [data-key="demo-quest"]');
    await card.getByRole('button', { name: 'Watch' }).click();
    await page.getByTestId('toast').filter({ hasText: 'is on your watchlist' }).first().waitFor();

    await page.getByRole('link', { name: 'Watchlist' }).click();
    const row = page.locator('tr', { hasText: 'Demo Quest' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Active');
    await row.getByRole('button', { name: 'Check now' }).click();
    // the check runs as a job; its result arrives over Socket.IO and the row shows it
    await until(
      async () =>
        /Nothing new|new episode/.test(
          (await row
            .getByTestId('last-result')
            .textContent()
            .catch(() => null)) ?? '',
        ),
      "row .getByTestId('last-result') .textContent() .catch(() => null) m…",
      30_000,
    );

    // each change is saved at once (a PUT per change): wait for both answers before leaving the page
    const saved = () => page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes('/api/watchlist/'));
    await Promise.all([saved(), row.getByRole('combobox', { name: 'Quality of Demo Quest' }).selectOption('720p')]);
    await Promise.all([saved(), row.getByRole('checkbox', { name: 'Auto-download Demo Quest' }).uncheck()]);
    await page.reload();
    await until(
      async () => (await row.getByRole('combobox', { name: 'Quality of Demo Quest' }).inputValue()) === '720p',
      "row.getByRole('combobox', { name: 'Quality of Demo Quest' }).inputV…",
    );
    expect(await row.getByRole('checkbox', { name: 'Auto-download Demo Quest' }).isChecked()).toBe(false);

    await row.getByRole('button', { name: 'Pause' }).click();
    await until(async () => !!(await row.textContent())?.includes('Paused'), "row.textContent() containing 'Paused'");
    await row.getByRole('button', { name: 'Resume' }).click();
    await until(async () => !!(await row.textContent())?.includes('Active'), "row.textContent() containing 'Active'");

    await page.getByLabel('Check every (hours, 1–168)').fill('200');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('The interval must be a whole number of hours from 1 to 168.').waitFor();
    await page.getByLabel('Check every (hours, 1–168)').fill('12');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('toast').filter({ hasText: 'Saved' }).first().waitFor();
    await page.reload();
    await until(
      async () => (await page.getByLabel('Check every (hours, 1–168)').inputValue()) === '12',
      "page.getByLabel('Check every (hours, 1–168)').inputValue() = '12'",
    );
    await screenshot(page, 'flow-watchlist');

    // the same pages at a phone's width
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Queue' }).click();
    await page.locator('[data-test="completed"] [data-id]').first().waitFor();
    await screenshot(page, 'flow-phone-queue');
    await page.goto(srv.url + '/series/demo-quest');
    await page.locator('tr[data-episode="S01E02"]').waitFor();
    await screenshot(page, 'flow-phone-series');
    expect(problems).toEqual([]);
  });

  it('stopped queue: pending items are reordered by drag and drop and keep their order after a reload', async () => {
    aniworld.addSeries({
      slug: 'order-show',
      name: 'Order Show',
      year: 2022,
      seasons: {
        1: [1, 2, 3].map((n) => ({
          episode: n,
          title: `Teil ${n}`,
          sources: [{ lang: 1 as const, hoster: 'Vidoza', embedUrl: goodEmbed }],
        })),
      },
    });
    const { page, problems } = await newPage(browser);
    await login(page, srv.url);
    await page.getByRole('link', { name: 'Queue' }).click();
    await page.getByTestId('queue-stop').click();
    await page.getByTestId('queue-state').filter({ hasText: 'Stopped' }).waitFor();

    await page.getByRole('link', { name: 'Search & add' }).click();
    await page.getByTestId('search-input').fill('Order');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const card = page.locator('[data-test="search-results"] [data-key="order-show"]');
    await card.getByTestId('add').click();
    await card.getByTestId('open-series').click();
    await page.locator('tr[data-episode="S01E03"]').waitFor();
    // two by selection, the third on its own
    await page.getByRole('checkbox', { name: 'Select S01E01' }).check();
    await page.getByRole('checkbox', { name: 'Select S01E02' }).check();
    await page.getByTestId('download-selected').click();
    await page
      .getByTestId('toast')
      .filter({ hasText: /2 episodes queued/ })
      .first()
      .waitFor();
    await page.getByRole('button', { name: 'Download S01E03' }).click();
    await page
      .getByTestId('toast')
      .filter({ hasText: /1 episode queued/ })
      .first()
      .waitFor();
    expect(await page.locator('tr[data-episode="S01E01"]').textContent()).toContain('Queued');

    await page.getByRole('link', { name: 'Queue' }).click();
    const rows = page.locator('[data-test="pending-list"] li');
    await until(async () => (await rows.count()) === 3, 'rows.count() = 3');
    const order = () => rows.evaluateAll((els) => els.map((e) => e.textContent!.match(/S01E0\d/)![0]));
    expect(await order()).toEqual(['S01E01', 'S01E02', 'S01E03']);
    await rows.nth(2).dragTo(rows.nth(0));
    await until(async () => isDeepStrictEqual(await order(), ['S01E03', 'S01E01', 'S01E02']), "order = ['S01E03', 'S01E01', 'S01E02']");
    // the keyboard way: move the last one up
    await rows.nth(2).getByTestId('move-up').click();
    await until(async () => isDeepStrictEqual(await order(), ['S01E03', 'S01E02', 'S01E01']), "order = ['S01E03', 'S01E02', 'S01E01']");
    await screenshot(page, 'flow-queue-reorder');
    await page.waitForLoadState('networkidle');
    await page.reload();
    await until(async () => (await rows.count()) === 3, 'rows.count() = 3');
    expect(await order()).toEqual(['S01E03', 'S01E02', 'S01E01']);

    await page.getByTestId('queue-start').click();
    await page.getByTestId('queue-state').filter({ hasText: 'Running' }).waitFor();
    // the first in the new order starts first
    const active = page.locator('[data-test="active"] [data-id]').first();
    await active.waitFor({ timeout: 30_000 });
    expect(await active.textContent()).toContain('S01E03');
    expect(problems).toEqual([]);
  });
});
