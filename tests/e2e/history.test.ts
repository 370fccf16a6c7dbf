import { isDeepStrictEqual } from 'node:util';
/**
 * The History page and a series' history tab in Chromium against the real server, worker and
 * database, with the fake provider and hosters: a download that failed on one hoster and completed
 * on another, filters, paging with the total, links to the series; in English, German and at phone width.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { adminClient } from '../helpers/http.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeHosters, type FakeHosters } from '../fakes/hosters.js';
import { makeMp4 } from '../fakes/media.js';
import { sql } from '../../backend/src/db/pool.js';
import { login, newPage, launchBrowser, screenshot, screenshotFailures, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let browser: Browser;
let aniworld: FakeAniworld;
let hosters: FakeHosters;
let page: Page;
let problems: string[];
let api: Awaited<ReturnType<typeof adminClient>>['api'];

const events = (p: Page) =>
  p.locator('[data-test="history-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event')));

screenshotFailures('history');
beforeAll(async () => {
  const mp4 = await makeMp4();
  hosters = await startFakeHosters();
  const good = hosters.embed('SendVid', { mp4 });
  const gone = hosters.embed('VOE', { mp4 }, { page: '404' });
  [aniworld, browser] = await Promise.all([
    startFakeAniworld({
      series: [
        {
          slug: 'frieren',
          name: 'Frieren',
          year: 2023,
          seasons: {
            1: [
              {
                episode: 1,
                title: 'Abschied',
                sources: [
                  { lang: 1, hoster: 'VOE', embedUrl: gone },
                  { lang: 1, hoster: 'SendVid', embedUrl: good },
                ],
              },
              { episode: 2, title: 'Zauber', sources: [{ lang: 1, hoster: 'SendVid', embedUrl: good }] },
            ],
          },
        },
        { slug: 'dandadan', name: 'Dandadan', year: 2024, seasons: { 1: [{ episode: 1, title: 'Eins' }] } },
      ],
    }),
    launchBrowser(),
  ]);
  srv = await startUiServer({ ANIWORLD_URL: aniworld.url });
  ({ api } = await adminClient(srv.url));
  for (const [slug, name] of [
    ['frieren', 'Frieren'],
    ['dandadan', 'Dandadan'],
  ]) {
    const add = await api.post('/api/anime/add', { link: `${aniworld.url}/anime/stream/${slug}`, name });
    expect(add.status, add.text).toBe(200);
  }
  const queued = await api.post('/api/queue/add', {
    serie_id: 'frieren',
    episodes: [
      { season: 1, episode: 1 },
      { season: 1, episode: 2 },
    ],
  });
  expect(queued.status, queued.text).toBe(201);
  for (let i = 0; (await api.get('/api/queue/status')).body.status.completed_downloads.length < 2; i++) {
    if (i > 360) throw new Error('the downloads did not complete');
    await new Promise((r) => setTimeout(r, 250));
  }
  // an older past: enough events for three pages of 50
  await srv.deps.db.query(sql.unsafe`insert into history_events (event, series_key, series_name, at, data)
    select 'nfo_written', 'dandadan', 'Dandadan', now() - interval '30 days' - n * interval '1 minute', '{"files": ["tvshow.nfo"]}'
    from generate_series(1, 110) n`);
  ({ page, problems } = await newPage(browser));
  await login(page, srv.url);
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await Promise.all([aniworld?.close(), hosters?.close()]);
});

describe('the History page', () => {
  it('lists every step newest first with its facts, and pages with the total', async () => {
    await page.getByRole('link', { name: 'History', exact: true }).click();
    await page.getByRole('heading', { name: 'History', exact: true }).waitFor();
    const table = page.getByTestId('history-table');
    await table.waitFor();
    const total = (await api.get('/api/history?per_page=1')).body.total;
    expect(total).toBeGreaterThan(110);
    expect(await page.getByTestId('history-page').textContent()).toBe(`Page 1 of ${Math.ceil(total / 50)} · ${total} events`);
    // the downloads are the newest steps: two completed, one failed on the page that was gone
    const first = await events(page);
    expect(first.slice(0, 8).filter((e) => e === 'download_completed')).toHaveLength(2);
    expect(first).toContain('download_failed');
    const failed = table.locator('tr[data-event="download_failed"]').first();
    expect(await failed.textContent()).toMatch(/Download failed.*Frieren.*S01E01.*VOE · German dub · .*404/);
    const done = table.locator('tr[data-event="download_completed"]').first();
    expect(await done.textContent()).toMatch(/Downloaded.*Frieren.*SendVid · German dub · [\d.,]+ [KMG]iB.*Frieren - S01E0\d.*\.(mkv|mp4)/);
    expect(await table.locator('tr[data-event="queued"]').first().textContent()).toMatch(/Queued.*by hand.*admin/);
    await screenshot(page, 'history-page');

    await page.getByTestId('history-next').click();
    await until(
      async () => /^Page 2 of /.test((await page.getByTestId('history-page').textContent()) ?? ''),
      "page.getByTestId('history-page').textContent() matching /^Page 2 of /",
    );
    expect(await events(page)).toHaveLength(50);
    expect(page.url()).toMatch(/[?&]page=2/);
    await page.getByTestId('history-prev').click();
    await until(
      async () => /^Page 1 of /.test((await page.getByTestId('history-page').textContent()) ?? ''),
      "page.getByTestId('history-page').textContent() matching /^Page 1 of /",
    );
    expect(problems).toEqual([]);
  });

  it('filters by event type, series, user and date range, and sorts oldest first', async () => {
    await page.getByTestId('history-event').selectOption('download_failed');
    await until(async () => isDeepStrictEqual(await events(page), ['download_failed']), "events(page) = ['download_failed']");
    expect(await page.getByTestId('history-page').textContent()).toBe('Page 1 of 1 · 1 event');
    expect(page.url()).toMatch(/event=download_failed/);
    await page.getByTestId('history-event').selectOption('');

    await page.getByTestId('history-series').fill('dandadan');
    await until(
      async () => isDeepStrictEqual(new Set(await events(page)), new Set(['series_added', 'nfo_written'])),
      "new Set(events(page)) = new Set(['series_added', 'nfo_written'])",
    );
    expect(await page.getByTestId('history-page').textContent()).toBe('Page 1 of 3 · 111 events');
    await page.getByTestId('history-sort').selectOption('oldest');
    await until(async () => (await events(page))[0] === 'nfo_written', "(events(page))[0] = 'nfo_written'");
    // the old events are a month back: a range of the last week leaves only the series being added
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toLocaleDateString('en-CA');
    await page.getByTestId('history-from').fill(day(-7));
    await page.getByTestId('history-to').fill(day(0));
    await until(async () => isDeepStrictEqual(await events(page), ['series_added']), "events(page) = ['series_added']");
    await page.getByTestId('history-clear').click();
    await page.getByTestId('history-sort').selectOption('newest');

    await page.getByTestId('history-user').fill('admin');
    await until(
      async () =>
        isDeepStrictEqual(
          new Set(await events(page)),
          new Set(['series_added', 'queued', 'download_started', 'download_failed', 'blocklisted', 'download_completed']),
        ),
      "new Set(events(page)) = new Set(['series_added', 'queued', 'download_started', 'dow…",
    );
    await page.getByTestId('history-user').fill('nobody');
    await page.getByTestId('history-empty').waitFor();
    expect(await page.getByTestId('history-empty').textContent()).toMatch(/No events match these filters/);
    await screenshot(page, 'history-filtered-empty');
    await page.getByTestId('history-clear').click();
    await until(async () => (await events(page)).length === 50, '(events(page)).length = 50');
  });

  it("a row links to its series; the series page has the series' history in a tab", async () => {
    await page.locator('tr[data-event="download_completed"]').first().getByTestId('history-series-link').click();
    await page.getByTestId('series-title').waitFor();
    expect(page.url()).toMatch(/\/series\/frieren$/);
    await page.getByTestId('tab-history').click();
    const tab = page.locator('#panel-history');
    await tab.getByTestId('history-table').waitFor();
    const rows = await events(page);
    expect(rows.filter((e) => e === 'download_completed')).toHaveLength(2);
    expect(rows).not.toContain('nfo_written'); // dandadan's
    expect(await tab.getByTestId('history-series').count()).toBe(0); // no series filter on a series' own history
    expect(page.url()).toMatch(/tab=history/);
    await screenshot(page, 'history-series-tab');
    await page.getByTestId('tab-episodes').click();
    await page.locator('tr[data-episode="S01E01"]').waitFor();
    expect(problems).toEqual([]);
  });

  it('the retention setting: empty keeps everything; a number is saved', async () => {
    await page.goto(`${srv.url}/history`);
    const box = page.getByTestId('history-retention');
    await box.locator('summary').click();
    expect(await box.getByTestId('retention-days').inputValue()).toBe('');
    await box.getByTestId('retention-days').fill('365');
    await box.getByRole('button', { name: 'Save' }).click();
    await until(
      async () => (await api.get('/api/config')).body.history.retention_days === 365,
      "(api.get('/api/config')).body.history.retention_days = 365",
    );
    await box.getByTestId('retention-days').fill('');
    await box.getByRole('button', { name: 'Save' }).click();
    await until(
      async () => (await api.get('/api/config')).body.history.retention_days === null,
      "(api.get('/api/config')).body.history.retention_days = null",
    );
  });

  it('in German', async () => {
    await page.evaluate(() => localStorage.setItem('aniworld.language', 'de'));
    await page.goto(`${srv.url}/history?event=download_completed`);
    await page.getByRole('heading', { name: 'Verlauf', exact: true }).waitFor();
    await until(
      async () => isDeepStrictEqual(await events(page), ['download_completed', 'download_completed']),
      "events(page) = ['download_completed', 'download_completed']",
    );
    expect(await page.getByTestId('history-table').locator('thead').textContent()).toMatch(
      /Wann.*Ereignis.*Serie.*Folge.*Details.*Benutzer/,
    );
    expect(await page.locator('tr[data-event="download_completed"]').first().textContent()).toMatch(/Heruntergeladen.*Deutsch/);
    expect(await page.getByTestId('history-page').textContent()).toBe('Seite 1 von 1 · 2 Ereignisse');
    expect(await page.getByRole('navigation', { name: 'Hauptnavigation' }).textContent()).toMatch(/Verlauf/);
    await screenshot(page, 'history-de');
    await page.goto(`${srv.url}/series/frieren?tab=history`);
    await page.getByRole('tab', { name: 'Verlauf' }).waitFor();
    expect(await page.getByRole('tab', { name: 'Verlauf' }).getAttribute('aria-selected')).toBe('true');
    await page.locator('#panel-history [data-test="history-table"]').waitFor();
    await page.evaluate(() => localStorage.removeItem('aniworld.language'));
    expect(problems).toEqual([]);
  });

  it('at phone width: rows stack, nothing scrolls sideways', async () => {
    const phone = await newPage(browser, { width: 390, height: 844 });
    await login(phone.page, srv.url);
    await phone.page.getByRole('button', { name: 'Menu' }).click();
    await phone.page.getByRole('link', { name: 'History', exact: true }).click();
    await phone.page.getByTestId('history-table').waitFor();
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // each cell names its column (the table head is hidden)
    const cell = phone.page.locator('tr[data-event="download_failed"] td').first();
    expect(await cell.evaluate((td) => getComputedStyle(td, '::before').content)).toBe('"When"');
    await screenshot(phone.page, 'history-phone');
    await phone.page.goto(`${srv.url}/series/frieren?tab=history`);
    await phone.page.locator('#panel-history [data-test="history-table"]').waitFor();
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(phone.page, 'history-phone-series');
    expect(phone.problems).toEqual([]);
    await phone.context.close();
  });
});
