/** A server whose ffmpeg is older than 5: the UI says on every page that downloads are disabled, naming the version found. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { oldFfmpeg } from '../fakes/oldFfmpeg.js';
import { launchBrowser, newPage, screenshot, screenshotFailures, setupAndLogin, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let browser: Browser;

screenshotFailures('ffmpeg');
beforeAll(async () => {
  [srv, browser] = await Promise.all([startUiServer(oldFfmpeg()), launchBrowser()]);
  await srv.deps.ffmpeg.checked();
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

describe('the ffmpeg banner', () => {
  it('names the outdated version on the library and the queue page, in English and German', async () => {
    const { page, problems } = await newPage(browser, { width: 390, height: 800 });
    await setupAndLogin(page, srv.url, { animeDir: srv.animeDir });
    const banner = page.getByTestId('ffmpeg-banner');
    await until(
      async () =>
        /Downloads are disabled: this server has ffmpeg 4\.4\.2-0ubuntu0\.22\.04\.1.*FFmpeg 5 or newer/.test(
          (await banner.textContent()) ?? '',
        ),
      'banner.textContent() matching /Downloads are disabled: this server …',
    );
    await screenshot(page, 'ffmpeg-banner-phone');
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Queue' }).click();
    await page.waitForURL('**/queue');
    expect(await banner.textContent()).toMatch(/ffmpeg 4\.4\.2/);

    // the user switches the UI to German
    await page.evaluate(() => localStorage.setItem('aniworld.language', 'de'));
    await page.reload();
    await until(
      async () => /Downloads sind abgeschaltet: .*ffmpeg 4\.4\.2.*FFmpeg 5 oder neuer/.test((await banner.textContent()) ?? ''),
      'banner.textContent() matching /Downloads sind abgeschaltet: .*ffmpe…',
    );
    await screenshot(page, 'ffmpeg-banner-de');
    expect(problems).toEqual([]);
  });
});
