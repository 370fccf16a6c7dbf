/**
 * The page-by-page lists in Chromium against the real server: users, backups, watchlist, blocklist
 * and unmatched folders each hold more than one page (seeded in the database and the folders), and
 * each reaches its last item through its pager, which shows the total. A delete that empties the
 * last page steps back, an add shows up on the page it lands on; German and a phone width.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { NO_SITE } from '../helpers/server.js';
import { adminClient } from '../helpers/http.js';
import { sql } from '../../backend/src/db/pool.js';
import { PASSWORD, launchBrowser, login, newPage, screenshot, screenshotFailures, startUiServer } from './browser.js';

let srv: TestServer;
let browser: Browser;
let page: Page;
let problems: string[];

const pad = (n: number) => String(n).padStart(2, '0');

/** The pager in `scope` says exactly `text` (it follows the answer to the last click). */
const says = (scope: Locator, text: string) =>
  scope
    .getByTestId('pager-summary')
    .filter({ hasText: new RegExp(`^${text}$`) })
    .waitFor();

/** Shows page 1 of `total` with `last` not on it, then the last page through the pager with `last` on it. */
async function reachLast(scope: Locator, total: number, last: Locator) {
  await says(scope, `1–50 of ${total}`);
  expect(await last.count()).toBe(0);
  await scope.getByTestId('pager-next').click();
  await says(scope, `51–${total} of ${total}`);
  await last.waitFor();
  expect(await scope.getByTestId('pager-next').isDisabled()).toBe(true);
}

screenshotFailures('listPaging');
beforeAll(async () => {
  browser = await launchBrowser();
  srv = await startUiServer({ ANIWORLD_URL: NO_SITE, ANIMESAMA_URL: NO_SITE });
  await adminClient(srv.url);
  const db = srv.deps.db;
  // 60 of each, ordered as each list is: users by id, watchlist by creation, blocklist and backups newest first, folders by name
  await db.query(sql.unsafe`insert into users (username, password_hash, role)
    select 'user-' || lpad(n::text, 2, '0'), 'not-a-hash', 'user' from generate_series(1, 60) n order by n`);
  await db.query(sql.unsafe`insert into watchlist_items (user_id, anime_title, anime_url, anime_key, provider_id, status, created_at)
    select (select id from users where role = 'admin' order by id limit 1), 'Show ' || lpad(n::text, 2, '0'),
      'https://aniworld.to/anime/stream/show-' || n, 'show-' || n, 'aniworld', 'paused', now() - (61 - n) * interval '1 minute'
    from generate_series(1, 60) n`);
  await db.query(sql.unsafe`insert into download_blocklist (series_key, season, episode, hoster, language, source_url, reason, created_at)
    select 'demo', 1, n, 'VOE', 'de', 'https://voe.example/e/' || n, 'gone (404)', now() - n * interval '1 minute'
    from generate_series(1, 60) n`);
  const backups = path.join(srv.dataDir, 'backups');
  fs.mkdirSync(backups, { recursive: true });
  for (let n = 1; n <= 60; n++) {
    const file = path.join(backups, `b-${pad(n)}.tar.gz`);
    fs.writeFileSync(file, 'x');
    const at = new Date(Date.now() - (61 - n) * 60_000);
    fs.utimesSync(file, at, at);
  }
  for (let n = 1; n <= 60; n++) fs.mkdirSync(path.join(srv.animeDir, `Folder ${pad(n)}`));
  ({ page, problems } = await newPage(browser));
  await login(page, srv.url);
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

describe('lists longer than a page', () => {
  it('users: the last one is reached, and a user added lands on the page shown', async () => {
    await page.goto(`${srv.url}/settings`);
    const users = page.locator('#s-users');
    await reachLast(users, 61, users.locator('tr[data-user="user-60"]'));
    expect(await users.locator('tbody tr').count()).toBe(11);
    await users.getByLabel('User name').fill('late-comer');
    await users.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await users.getByRole('button', { name: 'Add user' }).click();
    await users.locator('tr[data-user="late-comer"]').waitFor();
    await says(users, '51–62 of 62');
  });

  it('backups: the oldest is reached', async () => {
    const backups = page.locator('#s-backups');
    await reachLast(backups, 60, backups.locator('li[data-backup="b-01.tar.gz"]'));
    await backups.screenshot({ path: '/tmp/list-paging-backups.png' });
  });

  it('blocklist: the last entry is reached; removing the only entry of the last page steps back', async () => {
    await page.getByRole('link', { name: 'Queue', exact: true }).click();
    const blocklist = page.getByTestId('blocklist');
    const row = (episode: number) => blocklist.locator('tr[data-blocklist-id]', { hasText: `S01E${pad(episode)}` });
    // the oldest is on page 2, reached by its number
    await says(blocklist, '1–50 of 60');
    expect(await blocklist.getByTestId('blocklist-total').innerText()).toBe('(60)');
    expect(await row(60).count()).toBe(0);
    await blocklist.locator('button[data-page="2"]').click();
    await says(blocklist, '51–60 of 60');
    await row(60).waitFor();
    await screenshot(page, 'list-paging-blocklist');

    // others went meanwhile (another tab, a rescan): one is left on page 2, and it is removed here
    await srv.deps.db.query(sql.unsafe`delete from download_blocklist where episode between 52 and 60`);
    await row(51).getByTestId('blocklist-remove').click();
    await says(blocklist, '50 sources blocklisted');
    await row(50).waitFor();
    expect(await blocklist.getByTestId('pager-next').count()).toBe(0);
    expect(await blocklist.getByTestId('blocklist-total').innerText()).toBe('(50)');
  });

  it('watchlist: the last series is reached, and a larger page size shows all of them', async () => {
    await page.getByRole('link', { name: 'Watchlist', exact: true }).click();
    const card = page.locator('section.card', { has: page.getByRole('heading', { name: 'Tracked series' }) });
    await reachLast(card, 60, card.locator('tbody tr', { hasText: 'Show 60' }));
    await card.getByTestId('pager-size').selectOption('100');
    await says(card, '60 series tracked');
    expect(await card.locator('tbody tr').count()).toBe(60);
  });

  it('unmatched folders: the last is reached and "match all" counts every page', async () => {
    await page.getByRole('link', { name: 'Search & add' }).click();
    await page.getByTestId('tab-import').click();
    const panel = page.locator('main');
    await reachLast(panel, 60, page.getByRole('heading', { name: 'Folder 60', exact: true }));
    expect(await page.getByTestId('match-all').innerText()).toBe('Match all automatically (60)');
    expect(await page.getByTestId('unmatched').count()).toBe(10);
  });

  it('in German and at phone width the pager fits and reads the total', async () => {
    const phone = await newPage(browser, { width: 390, height: 844 });
    await login(phone.page, srv.url);
    await phone.page.evaluate(() => localStorage.setItem('aniworld.language', 'de'));
    await phone.page.goto(`${srv.url}/queue`);
    const blocklist = phone.page.getByTestId('blocklist');
    await says(blocklist, '50 Quellen gesperrt');
    await phone.page.goto(`${srv.url}/settings`);
    const users = phone.page.locator('#s-users');
    await says(users, '1–50 von 62');
    const pager = users.getByTestId('pager');
    const box = (await pager.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await users.getByTestId('pager-next').click();
    await says(users, '51–62 von 62');
    await pager.scrollIntoViewIfNeeded();
    await phone.page.screenshot({ path: '/tmp/list-paging-phone.png' });
    expect(phone.problems).toEqual([]);
    await phone.context.close();
  });

  it('logged no errors in the browser', () => {
    expect(problems).toEqual([]);
  });
});
