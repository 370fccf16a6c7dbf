/**
 * Pages on a 390 px phone in Chromium, English and German: settings (users, API keys), the watchlist
 * and a series page fit the screen with every action reachable; text inputs are styled as the others;
 * an admin-only page opened by a plain user shows who may see it instead of its controls.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { NO_SITE } from '../helpers/server.js';
import { client } from '../helpers/http.js';
import { sql } from '../../backend/src/db/pool.js';
import { addSeries } from '../metadata/helpers.js';
import { PASSWORD, launchBrowser, login, newPage, screenshot, screenshotFailures, startUiServer } from './browser.js';

type Look = { height: string; border: string; radius: string; padding: string };
const lookOf = (page: Page, selector: string): Promise<Look> =>
  page.locator(selector).evaluate((el) => {
    const s = getComputedStyle(el);
    return { height: s.height, border: s.border, radius: s.borderRadius, padding: s.padding };
  });

let srv: TestServer;
let browser: Browser;
/** The setup wizard's second step: its setup code and anime directory inputs. */
let setupLooks: { code: Look; directory: Look };
const PHONE = { width: 390, height: 844 };

/** The page's width, and the elements that end right of the screen (what is clipped away for screen readers only does not count). */
async function overflow(page: Page) {
  return page.evaluate(() => {
    const hidden = (el: Element | null): boolean => !!el && (getComputedStyle(el).clip !== 'auto' || hidden(el.parentElement));
    return {
      width: document.scrollingElement!.scrollWidth,
      outside: Array.from(document.querySelectorAll('main *'))
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5 && !hidden(el))
        .map(
          (el) =>
            `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).replace(/ /g, '.') : ''} ${Math.round(el.getBoundingClientRect().right)}`,
        ),
    };
  });
}

/** A picture of one part of the page, to look at. */
const shoot = (page: Page, selector: string, name: string) =>
  page.locator(selector).screenshot({ path: path.resolve(import.meta.dirname, 'screenshots', `${name}.png`) });

/** Every button in `scope` lies inside the screen. */
async function buttonsInside(page: Page, selector: string) {
  const boxes = await page.locator(`${selector} button`).evaluateAll((els) => els.map((el) => el.getBoundingClientRect().right));
  expect(boxes.length).toBeGreaterThan(0);
  for (const right of boxes) expect(right).toBeLessThanOrEqual(PHONE.width);
}

screenshotFailures('phone-layout');
beforeAll(async () => {
  browser = await launchBrowser();
  srv = await startUiServer({ ANIWORLD_URL: NO_SITE, ANIMESAMA_URL: NO_SITE });
  // the setup through its wizard, which shows the setup code on its second step
  const { page, context } = await newPage(browser);
  await page.goto(srv.url + '/setup');
  await page.getByLabel('Master password').fill(PASSWORD);
  await page.getByLabel('Repeat the password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByTestId('setup-code').waitFor();
  setupLooks = { code: await lookOf(page, '[data-test="setup-code"]'), directory: await lookOf(page, '#setup-dir') };
  await page.getByRole('button', { name: 'Finish setup' }).click();
  await page.waitForURL('**/login?setup=1');
  await context.close();
  const token = (await client(srv.url).post('/api/auth/login', { password: PASSWORD })).body.access_token as string;
  const api = client(srv.url, token);
  expect((await api.post('/api/users', { username: 'viewer-with-a-long-name', password: 'Viewer-pass1!', role: 'user' })).status).toBe(201);
  expect((await api.post('/api/auth/api-keys', { name: 'Home automation server' })).status).toBe(201);
  await addSeries(srv, { key: 'a-series-with-a-rather-long-name', name: 'A Series With A Rather Long Name', folder: 'A Series' });
  await srv.deps.db.query(sql.unsafe`insert into episodes (series_id, season, episode, title, languages)
    select id, 1, n, 'The Journey''s End and a rather long episode title ' || n, '{german_dub,german_sub,english_sub}'
    from series, generate_series(1, 3) n where key = 'a-series-with-a-rather-long-name'`);
  await srv.deps.db.query(sql.unsafe`insert into watchlist_items (user_id, anime_title, anime_url, anime_key, provider_id, status)
    select id, 'Frieren: Beyond Journey''s End', 'https://aniworld.to/anime/stream/frieren', 'frieren', 'aniworld', 'active'
    from users where role = 'admin' order by id limit 1`);
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

describe('at phone width', () => {
  for (const lang of ['en', 'de'] as const) {
    it(`settings and the watchlist fit a 390 px screen with their actions (${lang})`, async () => {
      const { page, problems } = await newPage(browser, PHONE);
      await login(page, srv.url);
      await page.evaluate((l) => localStorage.setItem('aniworld.language', l), lang);

      await page.goto(`${srv.url}/settings`);
      await page.locator('#s-users tr[data-user="viewer-with-a-long-name"]').waitFor();
      await page.locator('[data-test="api-keys"] tr[data-key-id]').waitFor();
      expect(await overflow(page)).toEqual({ width: PHONE.width, outside: [] });
      await buttonsInside(page, '#s-users tr[data-user]');
      await buttonsInside(page, '[data-test="api-keys"] tr[data-key-id]');
      // each figure keeps its label
      expect(await page.locator('#s-users tr[data-user] td[data-label]').count()).toBeGreaterThan(0);
      await shoot(page, '#s-users', `phone-settings-users-${lang}`);
      await shoot(page, '#s-api-keys', `phone-settings-api-keys-${lang}`);

      await page.goto(`${srv.url}/watchlist`);
      const row = page.locator('tr[data-id]').first();
      await row.waitFor();
      expect(await overflow(page)).toEqual({ width: PHONE.width, outside: [] });
      await buttonsInside(page, 'tr[data-id]');
      const quality = (await row.locator('select').boundingBox())!;
      expect(quality.x + quality.width).toBeLessThanOrEqual(PHONE.width);
      await shoot(page, 'main', `phone-watchlist-${lang}`);
      expect(problems).toEqual([]);
    });
  }

  it('a series page fits a 390 px screen', async () => {
    const { page, problems } = await newPage(browser, PHONE);
    await login(page, srv.url);
    await page.goto(`${srv.url}/series/a-series-with-a-rather-long-name`);
    await page.getByTestId('series-title').waitFor();
    await page.locator('tr[data-episode="S01E03"]').waitFor();
    expect(await overflow(page)).toEqual({ width: PHONE.width, outside: [] });
    await buttonsInside(page, 'tr[data-episode]');
    expect(await page.locator('tr[data-episode="S01E03"]').getByRole('button', { name: 'Download S01E03' }).isVisible()).toBe(true);
    await shoot(page, 'section[data-season="1"]', 'phone-series-episodes');
    expect(problems).toEqual([]);
  });
});

describe('text inputs and admin-only pages', () => {
  it('the setup code, the API key name and the import-list user name are styled as the other text inputs', async () => {
    expect(setupLooks.code).toEqual(setupLooks.directory);
    const { page, problems } = await newPage(browser);
    await login(page, srv.url);
    const look = (selector: string) => lookOf(page, selector);
    await page.goto(`${srv.url}/settings`);
    const reference = await look('#s-users #nu-name');
    expect(reference.border).toMatch(/^1px solid/);
    expect(await look('[data-test="api-key-name"]')).toEqual(reference);
    await page.goto(`${srv.url}/watchlist`);
    expect(await look('[data-test="list-username"]')).toEqual(reference);
    expect(await look('#wl-title')).toEqual(reference);
    expect(problems).toEqual([]);
  });

  it('a plain user opening /logs is told it is for administrators, with no controls', async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(`${srv.url}/login`);
    await page.getByLabel(/User name/).fill('viewer-with-a-long-name');
    await page.getByLabel('Password', { exact: true }).fill('Viewer-pass1!');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    await page.goto(`${srv.url}/logs`);
    await page.getByTestId('admin-only').waitFor();
    expect(await page.getByTestId('admin-only').innerText()).toMatch(/administrator/i);
    expect(await page.getByTestId('log-download').count()).toBe(0);
    expect(await page.getByTestId('log-level').count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
    await screenshot(page, 'logs-plain-user');
    // the admin still has the page
    const admin = await newPage(browser);
    await login(admin.page, srv.url);
    await admin.page.goto(`${srv.url}/logs`);
    await admin.page.getByTestId('log-download').waitFor();
    expect(problems).toEqual([]);
    expect(admin.problems).toEqual([]);
  });
});
