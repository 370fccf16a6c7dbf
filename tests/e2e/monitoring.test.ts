/**
 * Monitoring, the language profile, the choose-source dialog and the blocklist in Chromium against
 * the real server, worker and database, with the fake provider and hosters; in English and German.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { simpleSeries, startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeMp4 } from '../fakes/media.js';
import { listBlocklist } from '../../backend/src/downloads/policy.js';
import { launchBrowser, newPage, screenshot, screenshotFailures, setupAndLogin, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let browser: Browser;
let aniworld: FakeAniworld;
let hosters: FakeHosters;
let page: Page;
let problems: string[];

screenshotFailures('monitoring');
beforeAll(async () => {
  const mp4 = await makeMp4();
  hosters = await startFakeHosters();
  const good = hosters.embed('Vidoza', { mp4 });
  const gone = hosters.embed('VOE', { mp4 }, { page: '404' });
  [aniworld, browser] = await Promise.all([
    startFakeAniworld({
      series: [
        {
          slug: 'watch-me',
          name: 'Watch Me',
          year: 2024,
          seasons: {
            1: [
              {
                episode: 1,
                title: 'Eins',
                sources: [
                  { lang: 1, hoster: 'VOE', embedUrl: gone },
                  { lang: 1, hoster: 'Vidoza', embedUrl: good },
                ],
              },
              { episode: 2, title: 'Zwei', sources: [{ lang: 1, hoster: 'Vidoza', embedUrl: good }] },
            ],
            2: [
              { episode: 1, title: 'Drei' },
              { episode: 2, title: 'Vier' },
            ],
          },
        },
        simpleSeries('other-one', 'Other One', { 1: 1 }, { year: 2020 }),
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
  await Promise.all([aniworld?.close(), hosters?.close()]);
});

async function addFromSearch(query: string, key: string, mode?: 'all' | 'future' | 'none') {
  await page.getByRole('link', { name: 'Search & add' }).click();
  await page.getByTestId('search-input').fill(query);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const card = page.locator(`[data-test="search-results"] [data-key="${key}"]`);
  await card.waitFor();
  if (mode) await page.getByTestId('monitor-mode').selectOption(mode);
  await card.getByTestId('add').click();
  await card.getByTestId('open-series').waitFor();
  return card;
}

describe('monitoring, language profile, sources and blocklist in the browser', () => {
  it('toggles monitoring per season and episode; the missing count follows', async () => {
    const card = await addFromSearch('Watch', 'watch-me');
    expect(await card.getByTestId('folder-created').textContent()).toBe('Watch Me (2024)');
    await card.getByTestId('open-series').click();
    await page.getByTestId('series-title').waitFor();
    const missing = page.getByTestId('missing-count');
    await until(async () => /4 missing/.test((await missing.textContent()) ?? ''), 'missing.textContent() matching /4 missing/');

    await page.locator('section[data-season="2"]').getByTestId('season-monitored').uncheck();
    await until(async () => /2 missing/.test((await missing.textContent()) ?? ''), 'missing.textContent() matching /2 missing/');
    expect(await page.getByTestId('unmonitored-count').textContent()).toMatch(/2 missing, not monitored/);
    await page.getByRole('checkbox', { name: 'Monitor S01E02' }).uncheck();
    await until(async () => /1 missing/.test((await missing.textContent()) ?? ''), 'missing.textContent() matching /1 missing/');
    await page.getByRole('checkbox', { name: 'Monitor S01E02' }).check();
    await until(async () => /2 missing/.test((await missing.textContent()) ?? ''), 'missing.textContent() matching /2 missing/');
    const api = await (await fetch(`${srv.url}/api/anime/watch-me`)).json();
    expect(api.seasons).toEqual([
      { season: 1, monitored: true },
      { season: 2, monitored: false },
    ]);
    await screenshot(page, 'monitoring-series');
  });

  it('edits the language profile and its cutoff', async () => {
    const profile = page.getByTestId('language-profile');
    await profile.locator('summary').click();
    expect(await profile.getByTestId('profile-cutoff').textContent()).toBe('German dub');
    await profile.getByTestId('cutoff').selectOption('german_sub');
    await profile.getByTestId('upgrades').uncheck();
    await profile.getByTestId('save-profile').click();
    await until(
      async () => (await profile.getByTestId('profile-cutoff').textContent()) === 'German sub',
      "profile.getByTestId('profile-cutoff').textContent() = 'German sub'",
    );
    const api = await (await fetch(`${srv.url}/api/anime/watch-me`)).json();
    expect(api.language_profile).toMatchObject({ cutoff: 'german_sub', upgrades_enabled: false, custom: true });
    await screenshot(page, 'monitoring-language-profile');
  });

  it('the choose-source dialog downloads the chosen source; a failed one is blocklisted and shown so', async () => {
    const row = page.locator('tr[data-episode="S01E01"]');
    await row.getByTestId('choose-source').click();
    const dialog = page.getByTestId('source-dialog');
    await dialog.locator('tr[data-hoster="VOE"]').waitFor();
    expect(await dialog.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-hoster')))).toEqual([
      'VOE',
      'Vidoza',
    ]);
    await dialog.locator('tr[data-hoster="VOE"]').getByTestId('use-source').click();
    await dialog.waitFor({ state: 'detached' });

    // the VOE page is gone (404): the attempt fails and blocklists that source
    await until(
      async () => (await listBlocklist(srv.deps, { seriesKey: 'watch-me' })).length === 1,
      "(listBlocklist(srv.deps, { seriesKey: 'watch-me' })).length = 1",
      60_000,
    );
    await row.getByTestId('choose-source').click();
    await until(
      async () => (await dialog.locator('tr[data-hoster="VOE"]').getAttribute('data-blocklisted')) === 'true',
      "dialog.locator('tr[data-hoster=\"VOE\"]').getAttribute('data-blocklis…",
    );
    expect(await dialog.locator('tr[data-hoster="VOE"]').textContent()).toMatch(/Blocklisted.*404/);
    await screenshot(page, 'monitoring-choose-source');
    await dialog.locator('tr[data-hoster="Vidoza"]').getByTestId('use-source').click();
    await until(async () => (await row.getAttribute('data-downloaded')) === 'true', "row.getAttribute('data-downloaded') = 'true'", 60_000);
  });

  it('the queue page lists the blocklist; an entry is removed', async () => {
    await page.getByRole('link', { name: 'Queue' }).click();
    const panel = page.getByTestId('blocklist');
    await panel.locator('tr[data-blocklist-id]').first().waitFor();
    expect(await panel.textContent()).toMatch(/watch-me S01E01.*VOE · German dub.*404/);
    await screenshot(page, 'monitoring-blocklist');
    await panel.getByTestId('blocklist-remove').first().click();
    await panel.getByTestId('blocklist-empty').waitFor();
  });

  it("the library: a card's toggle and a bulk change", async () => {
    await addFromSearch('Other', 'other-one', 'none');
    await page.getByRole('link', { name: 'Library', exact: true }).click();
    const toggle = (name: string) => page.getByRole('checkbox', { name: `Monitor ${name}` });
    await toggle('Other One').waitFor();
    expect(await toggle('Other One').isChecked()).toBe(false);
    expect(await toggle('Watch Me').isChecked()).toBe(true);
    await toggle('Watch Me').uncheck();
    await until(
      async () => (await (await fetch(`${srv.url}/api/anime/watch-me`)).json()).monitored === false,
      '((fetch(`${srv.url}/api/anime/watch-me`)).json()).monitored = false',
    );
    await page.getByRole('checkbox', { name: 'Select Watch Me' }).check();
    await page.getByRole('checkbox', { name: 'Select Other One' }).check();
    await page.getByTestId('bulk-monitor').click();
    await until(async () => (await toggle('Other One').isChecked()) === true, "toggle('Other One').isChecked() = true");
    expect(await toggle('Watch Me').isChecked()).toBe(true);
    await screenshot(page, 'monitoring-library');
  });

  it('in German', async () => {
    await page.evaluate(() => localStorage.setItem('aniworld.language', 'de'));
    await page.goto(`${srv.url}/series/watch-me`);
    await page.getByTestId('series-title').waitFor();
    expect(await page.locator('section[data-season="1"]').textContent()).toMatch(/Staffel überwachen/);
    // the text as rendered: template line breaks are spaces
    expect((await page.getByTestId('language-profile').innerText()).replace(/\s+/g, ' ')).toMatch(/Sprachprofil.*Verbessern bis: Deutsch/);
    expect(await page.locator('tr[data-episode="S01E02"]').getByTestId('choose-source').textContent()).toMatch(/Quelle wählen/);
    await page.locator('tr[data-episode="S01E02"]').getByTestId('choose-source').click();
    await page.getByRole('dialog', { name: 'Quellen von S01E02' }).waitFor();
    await screenshot(page, 'monitoring-de-sources');
    await page.getByTestId('source-dialog-close').click();
    await page.getByRole('link', { name: 'Warteschlange' }).click();
    // the empty list is said once its answer is here (not while it loads)
    await page.getByTestId('blocklist-empty').waitFor();
    expect(await page.getByTestId('blocklist').textContent()).toMatch(/Sperrliste.*Nichts ist gesperrt/);
    await page.getByRole('link', { name: 'Bibliothek' }).click();
    await page.getByRole('checkbox', { name: 'Watch Me überwachen' }).waitFor();
    await screenshot(page, 'monitoring-de-library');
    expect(problems).toEqual([]);
  });
});
