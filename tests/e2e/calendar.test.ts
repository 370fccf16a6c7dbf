/**
 * The Calendar page in Chromium against the real server, worker and database: air dates from the
 * fake TMDB (the real calendar_refresh), one episode of each status, month, week and agenda views,
 * colours by status, a click to the series; in English, German and at phone width.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { adminClient } from '../helpers/http.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { FAKE_TMDB_KEY, startFakeTmdb, type FakeTmdb } from '../fakes/tmdb.js';
import { sql } from '../../backend/src/db/pool.js';
import { refreshCalendar } from '../../backend/src/calendar/refresh.js';
import { addDays } from '../../backend/src/calendar/day.js';
import { login, newPage, launchBrowser, screenshot, screenshotFailures, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let browser: Browser;
let aniworld: FakeAniworld;
let tmdb: FakeTmdb;
let page: Page;
let problems: string[];
let today: string;

const day = (n: number) => addDays(today, n);
const entries = (p: Page, scope: string) =>
  p
    .locator(`${scope} [data-test="calendar-entry"]`)
    .evaluateAll((els) =>
      els.map(
        (e) =>
          `${e.closest('[data-day]')?.getAttribute('data-day')} ${e.getAttribute('data-status')} ${e
            .textContent!.replace(/\s+/g, ' ' + '')
            .trim()}`,
      ),
    );

const text = async (l: { textContent(): Promise<string | null> }) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();

screenshotFailures('calendar');
beforeAll(async () => {
  [tmdb, aniworld, browser] = await Promise.all([startFakeTmdb(), startFakeAniworld(), launchBrowser()]);
  srv = await startUiServer({
    ANIWORLD_URL: aniworld.url,
    TMDB_API_URL: tmdb.apiUrl,
    TMDB_IMAGE_URL: tmdb.imageUrl,
    TMDB_API_KEY: FAKE_TMDB_KEY,
  });
  const { api } = await adminClient(srv.url);
  await srv.deps.settings.update({ nfo: { create_on_add: false } });
  today = (await api.get('/api/calendar')).body.today;

  const shows: [string, string, number, 'all' | 'none'][] = [
    ['frieren', 'Frieren', 90123, 'all'],
    ['dandadan', 'Dandadan', 90124, 'none'],
  ];
  for (const [slug, name, id, monitor] of shows) {
    aniworld.addSeries({ slug, name, year: 2024, seasons: { 1: [1, 2, 3, 4].map((e) => ({ episode: e, title: `Folge ${e}` })) } });
    const add = await api.post('/api/anime/add', { link: `${aniworld.url}/anime/stream/${slug}`, name, monitor });
    expect(add.status, add.text).toBe(200);
    fs.writeFileSync(
      path.join(srv.animeDir, add.body.folder, 'tvshow.nfo'),
      `<?xml version="1.0" encoding="UTF-8"?>\n<tvshow><title>${name}</title><uniqueid type="tmdb" ` +
        `default="true">${id}</uniqueid></tvshow>\n`,
    );
  }
  // Frieren: one episode of each status; Dandadan (not monitored): one today
  tmdb.addShow({
    id: 90123,
    name: 'Frieren',
    first_air_date: '2023-09-29',
    seasons: {
      1: [
        { episode_number: 1, name: 'Abschied', air_date: day(-3) },
        { episode_number: 2, name: 'Zauber', air_date: day(-2) },
        { episode_number: 3, name: 'Heute', air_date: today },
        { episode_number: 4, name: 'Die Zukunft', air_date: day(2) },
      ],
    },
  });
  tmdb.addShow({
    id: 90124,
    name: 'Dandadan',
    first_air_date: '2024-10-03',
    seasons: { 1: [{ episode_number: 1, name: 'Okarun', air_date: today }] },
  });
  await srv.deps.db.query(sql.unsafe`update episodes set is_downloaded = true, file_path = 'Frieren - S01E01.mkv'
    where season = 1 and episode = 1 and series_id = (select id from series where key = 'frieren')`);
  expect(await refreshCalendar(srv.deps)).toMatchObject({ series: 2, failed: 0 });

  ({ page, problems } = await newPage(browser));
  await login(page, srv.url);
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await Promise.all([aniworld?.close(), tmdb?.close()]);
});

describe('the Calendar page', () => {
  it('the agenda lists each dated episode with its status and colour', async () => {
    await page.getByRole('link', { name: 'Calendar', exact: true }).click();
    await page.getByRole('heading', { name: 'Calendar', exact: true }).waitFor();
    await page.goto(`${srv.url}/calendar?view=agenda&date=${day(-7)}`);
    await page.getByTestId('calendar-agenda').locator('[data-test="calendar-entry"]').first().waitFor();
    expect(await entries(page, '[data-test="calendar-agenda"]')).toEqual([
      `${day(-3)} downloaded Frieren S01E01 Abschied Downloaded`,
      `${day(-2)} missing Frieren S01E02 Zauber Missing`,
      `${today} airing_today Frieren S01E03 Heute Airing today`,
      `${day(2)} upcoming Frieren S01E04 Die Zukunft Upcoming`,
    ]);
    // four statuses, four colours
    const colours = await page
      .locator('[data-test="calendar-agenda"] [data-test="calendar-entry"]')
      .evaluateAll((els) => els.map((e) => getComputedStyle(e).borderLeftColor));
    expect(new Set(colours).size).toBe(4);
    await screenshot(page, 'calendar-agenda');
    expect(problems).toEqual([]);
  });

  it('the month grid puts each episode on its day; unmonitored ones only when asked', async () => {
    await page.getByTestId('view-month').click();
    await page.getByTestId('calendar-today').click();
    const month = page.getByTestId('calendar-month');
    await month.locator(`[data-day="${today}"] [data-test="calendar-entry"]`).waitFor();
    const shown = await entries(page, '[data-test="calendar-month"]');
    expect(shown.filter((e) => e.startsWith(`${today} airing_today Frieren S01E03`))).toHaveLength(1);
    expect(shown.some((e) => e.includes('Dandadan'))).toBe(false);
    expect(await page.getByTestId('calendar-heading').textContent()).toBe(
      new Date(`${today}T00:00:00Z`).toLocaleDateString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }),
    );
    const chip = month.locator(`[data-day="${today}"] [data-status="airing_today"]`);
    expect(await chip.evaluate((e) => getComputedStyle(e).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');

    await page.getByTestId('calendar-unmonitored').check();
    await until(
      async () => (await entries(page, `[data-day="${today}"]`)).some((e) => e.includes('Dandadan S01E01')) === true,
      '(entries(page, `[data-day="${today}"]`)).some((e) => e.includes(\'Da…',
    );
    expect(page.url()).toMatch(/unmonitored=1/);
    await screenshot(page, 'calendar-month');
    await page.getByTestId('calendar-unmonitored').uncheck();
    await until(
      async () => (await entries(page, `[data-day="${today}"]`)).some((e) => e.includes('Dandadan')) === false,
      '(entries(page, `[data-day="${today}"]`)).some((e) => e.includes(\'Da…',
    );

    // earlier and later months, and back
    const heading = await page.getByTestId('calendar-heading').textContent();
    await page.getByTestId('calendar-next').click();
    await until(
      async () => (await page.getByTestId('calendar-heading').textContent()) !== heading,
      "page.getByTestId('calendar-heading').textContent() ≠ heading",
    );
    await page.getByTestId('calendar-today').click();
    await until(
      async () => (await page.getByTestId('calendar-heading').textContent()) === heading,
      "page.getByTestId('calendar-heading').textContent() = heading",
    );
  });

  it('the week view shows seven days; an episode links to its series', async () => {
    await page.getByTestId('view-week').click();
    const week = page.getByTestId('calendar-week');
    await week.waitFor();
    expect(await week.locator('[data-day]').count()).toBe(7);
    await week.locator(`[data-day="${today}"] [data-status="airing_today"]`).waitFor();
    await screenshot(page, 'calendar-week');
    await week.locator(`[data-day="${today}"] [data-status="airing_today"]`).click();
    await page.getByTestId('series-title').waitFor();
    expect(page.url()).toMatch(/\/series\/frieren$/);
    expect(problems).toEqual([]);
  });

  it('in German', async () => {
    await page.evaluate(() => localStorage.setItem('aniworld.language', 'de'));
    await page.goto(`${srv.url}/calendar`);
    await page.getByRole('heading', { name: 'Kalender', exact: true }).waitFor();
    await page.locator(`[data-day="${today}"] [data-test="calendar-entry"]`).first().waitFor();
    expect(await page.getByTestId('calendar-heading').textContent()).toBe(
      new Date(`${today}T00:00:00Z`).toLocaleDateString('de-DE', { month: 'long', year: 'numeric', timeZone: 'UTC' }),
    );
    expect(await page.getByRole('group', { name: 'Ansicht' }).textContent()).toMatch(/Monat.*Woche.*Agenda/);
    expect(await page.getByRole('list', { name: 'Farben' }).textContent()).toMatch(/Läuft heute.*Demnächst.*Fehlt.*Heruntergeladen/);
    expect(await page.locator('.weekdays').textContent()).toMatch(/^Mo\.?Di\.?Mi\.?/);
    await screenshot(page, 'calendar-de');
    await page.getByTestId('view-agenda').click();
    await page.getByTestId('calendar-agenda').locator('[data-status="airing_today"]').first().waitFor();
    expect(await text(page.getByTestId('calendar-agenda'))).toMatch(/Frieren S01E03 Heute Läuft heute/);
    await page.evaluate(() => localStorage.removeItem('aniworld.language'));
    expect(problems).toEqual([]);
  });

  it('at phone width: the month shows dots, the chosen day lists its episodes; nothing scrolls sideways', async () => {
    const phone = await newPage(browser, { width: 390, height: 844 });
    await login(phone.page, srv.url);
    await phone.page.getByRole('button', { name: 'Menu' }).click();
    await phone.page.getByRole('link', { name: 'Calendar', exact: true }).click();
    const month = phone.page.getByTestId('calendar-month');
    await month.locator(`[data-day="${today}"] [data-test="calendar-entry"]`).first().waitFor();
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const dot = await month.locator(`[data-day="${today}"] [data-test="calendar-entry"]`).first().boundingBox();
    expect(dot!.width).toBeLessThan(16);
    // today is chosen at first: its episodes are listed in full under the grid
    const list = phone.page.getByTestId('calendar-day');
    expect(await text(list)).toMatch(/Frieren S01E03 Heute Airing today/);
    await screenshot(phone.page, 'calendar-phone-month');
    // another day of this month's grid: tap its number
    const [other, shows] = (await month.locator(`[data-day="${day(2)}"]`).count())
      ? [day(2), /Frieren S01E04 Die Zukunft Upcoming/]
      : [day(-2), /Frieren S01E02 Zauber Missing/];
    await month.locator(`[data-day="${other}"] button`).click();
    await until(async () => shows.test((await text(list)) ?? ''), 'text(list) matching shows');

    await phone.page.getByTestId('view-week').click();
    await phone.page.getByTestId('calendar-week').waitFor();
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(phone.page, 'calendar-phone-week');
    await phone.page.getByTestId('view-agenda').click();
    await phone.page.getByTestId('calendar-agenda').locator('[data-test="calendar-entry"]').first().waitFor();
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(phone.page, 'calendar-phone-agenda');
    await phone.page.getByTestId('calendar-agenda').locator('[data-status="upcoming"]').first().click();
    await phone.page.getByTestId('series-title').waitFor();
    expect(phone.page.url()).toMatch(/\/series\/frieren$/);
    expect(phone.problems).toEqual([]);
    await phone.context.close();
  });
});
