import { isDeepStrictEqual } from 'node:util';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { client } from '../helpers/http.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeAnimeSama, type FakeAnimeSama } from '../fakes/animesama.js';
import { PASSWORD, launchBrowser, newPage, screenshot, screenshotFailures, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let browser: Browser;
let aniworld: FakeAniworld;
let animesama: FakeAnimeSama;

screenshotFailures('setup');
beforeAll(async () => {
  // the providers' health checks must reach fakes, never the internet
  [aniworld, animesama, browser] = await Promise.all([startFakeAniworld(), startFakeAnimeSama(), launchBrowser()]);
  srv = await startUiServer({ ANIWORLD_URL: aniworld.url, ANIMESAMA_URL: animesama.url });
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await aniworld?.close();
  await animesama?.close();
});

describe('first run, login, settings and system in Chromium', () => {
  it('setup shows the password policy as you type, then login lands on the library', async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(srv.url + '/queue');
    await page.waitForURL('**/setup');
    const pw = page.getByLabel('Master password');
    await pw.fill('short');
    const policy = page.locator('#setup-policy li');
    await until(
      async () =>
        isDeepStrictEqual(await policy.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-ok'))), [
          'false',
          'true',
          'false',
          'false',
          'false',
        ]),
      "policy.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-o…",
    );
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await pw.fill(PASSWORD);
    await until(
      async () => (await policy.evaluateAll((lis) => lis.every((li) => li.getAttribute('data-ok') === 'true'))) === true,
      "policy.evaluateAll((lis) => lis.every((li) => li.getAttribute('data…",
    );
    await page.getByLabel('Repeat the password').fill(PASSWORD + 'x');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('The passwords do not match.').waitFor();
    await screenshot(page, 'setup-policy');
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel(/Anime directory/).fill(srv.animeDir);
    await page.getByRole('button', { name: 'Finish setup' }).click();
    await page.waitForURL('**/login?setup=1');

    // a wrong password shows the server's message
    await page.getByLabel('Password', { exact: true }).fill('Wrong-password1!');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/invalid|incorrect|wrong/i);

    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Remember me on this device').check();
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    await page.getByText('Your library is empty').waitFor();
    await until(
      async () => (await page.getByTestId('link-indicator').getAttribute('data-state')) === 'connected',
      "page.getByTestId('link-indicator').getAttribute('data-state') = 'co…",
    );
    await screenshot(page, 'library-empty');

    const status = await client(srv.url).get('/api/auth/status');
    expect(status.body.configured).toBe(true);
    expect(problems).toEqual([]);
  });

  it('scheduler day pills save and survive a reload; naming shows a live example', async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(srv.url + '/login');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    const editor = page.getByTestId('schedule-editor');
    await editor.waitFor();
    for (const day of ['mon', 'tue', 'thu', 'sat']) await editor.locator(`[data-day="${day}"]`).click();
    await page.getByTestId('sched-time').fill('06:30');
    await page.getByTestId('sched-save').click();
    await page.getByTestId('toast').filter({ hasText: 'Saved' }).first().waitFor();

    await page.reload();
    await editor.waitFor();
    const pressed = await editor
      .locator('[data-day]')
      .evaluateAll((els) => els.filter((e) => e.getAttribute('aria-pressed') === 'true').map((e) => e.getAttribute('data-day')));
    expect(pressed).toEqual(['wed', 'fri', 'sun']);
    expect(await page.getByTestId('sched-time').inputValue()).toBe('06:30');
    expect(await page.getByTestId('next-run').textContent()).not.toContain('—');

    // a bad time is refused in the browser with a message naming the format
    await page.getByTestId('sched-time').fill('25:00');
    await page.getByTestId('sched-save').click();
    await page.getByTestId('err-time').waitFor();

    const naming = page.getByTestId('naming');
    await naming.fill('{series} ({year}) - S{season}E{episode}');
    expect(await page.getByTestId('naming-example').textContent()).toBe('Attack on Titan (2013) - S01E02.mkv');
    await screenshot(page, 'settings');

    // provider sites: a new domain and a user agent for anime-sama (the usual fix when a site moves)
    const sama = page.getByTestId('provider-animesama');
    await sama.getByLabel('Extra domains').fill('anime-sama.new\nanime-sama.other');
    await sama.getByLabel('User agent').fill('MyAgent/2.0');
    await sama.getByLabel('HTTP proxy (optional)').fill('not a url');
    expect(await sama.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await sama.getByLabel('HTTP proxy (optional)').fill('');
    await sama.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Saved' }).first().waitFor();
    await page.locator('#s-providers').scrollIntoViewIfNeeded();
    await screenshot(page, 'settings-providers');

    // backups: tests/e2e/operations.test.ts
    // a token of the browser's login session, from its refresh cookie (the page's own token lives in memory only)
    const cookie = (await page.context().cookies(srv.url + '/api/auth/refresh')).find((c) => c.name === 'aniworld_refresh')!;
    const token = (await client(srv.url).post('/api/auth/refresh', undefined, { Cookie: `${cookie.name}=${cookie.value}` })).body
      .access_token as string;
    const cfg = await client(srv.url, token).get('/api/config');
    expect(cfg.body.scheduler.schedule_days).toEqual(['wed', 'fri', 'sun']);
    expect(cfg.body.providers.animesama).toMatchObject({
      extra_domains: ['anime-sama.new', 'anime-sama.other'],
      user_agent: 'MyAgent/2.0',
      proxy: null,
    });

    // the admin adds a user; after logout (the token is revoked) that user logs in and sees no admin controls
    const users = page.locator('#s-users');
    await users.getByLabel('User name').fill('viewer');
    await users.getByLabel('Password', { exact: true }).fill('Viewer-pass1!');
    await users.getByRole('button', { name: 'Add user' }).click();
    await users.getByRole('cell', { name: 'viewer', exact: true }).waitFor();
    await page.getByTestId('logout').click();
    await page.waitForURL('**/login');
    expect((await client(srv.url, token).get('/api/config')).status).toBe(401);
    await page.getByLabel(/User name/).fill('viewer');
    await page.getByLabel('Password', { exact: true }).fill('Viewer-pass1!');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.locator('#s-account').waitFor();
    expect(await page.locator('#s-users').count()).toBe(0);
    await page.getByRole('link', { name: 'Tasks & system' }).click();
    await page.locator('[data-task="housekeeping"]').waitFor();
    expect(await page.getByRole('button', { name: 'Run now' }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('system page shows health with ffmpeg and the version; German follows the browser', async () => {
    const { page, problems } = await newPage(browser, { locale: 'de-DE', colorScheme: 'dark', width: 390, height: 844 });
    await page.goto(srv.url + '/system');
    await page.waitForURL('**/login?redirect=/system');
    await page.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.waitForURL('**/system');
    await page.getByRole('heading', { name: 'Aufgaben & System' }).waitFor();
    await page.getByTestId('version').waitFor();
    // every word and figure in German: the database's verdict by its status, tasks by their id, schedules from their
    // figures, decimals with a comma (not "69.6 % belegt", "(2.11 ms)", "Library rescan", "daily at 04:00 UTC")
    await page.getByText('Verbindung funktioniert').waitFor();
    await page.locator('[data-task="config_backup"]').waitFor();
    const table = (await page.getByTestId('tasks-table').innerText()).replace(/\s+/g, ' ');
    for (const english of ['Library rescan', 'Watchlist check', 'Housekeeping', 'Scans the anime', 'daily at', ' on ', 'off (', 'every '])
      expect(table).not.toContain(english);
    expect(table).toContain('Bibliotheks-Scan');
    expect(table).toContain('täglich um 04:00 UTC');
    expect(table).toContain('aus (geplante Sicherungen sind ausgeschaltet)');
    for (const figure of ['database', 'memory', 'cpu', 'disk-data', 'db-size'])
      expect(await page.getByTestId(figure).innerText(), figure).not.toMatch(/\d\.\d/);
    expect(await page.getByTestId('memory').innerText()).toMatch(/^\d+(,\d)? %$/);
    expect(await page.getByTestId('db-size').innerText()).toMatch(/^\d+(,\d)? (KiB|MiB|GiB)$/);
    expect(await page.getByTestId('ffmpeg').textContent()).toMatch(/ffmpeg/);
    // run a task now: its outcome and last run appear
    const housekeeping = page.locator('[data-task="housekeeping"]');
    await housekeeping.getByRole('button', { name: 'Jetzt ausführen' }).click();
    await until(
      async () => !!(await housekeeping.textContent())?.includes('Erfolgreich'),
      "housekeeping.textContent() containing 'Erfolgreich'",
      30_000,
    );
    await screenshot(page, 'system-phone-de-dark');

    // a session ended elsewhere (its cookie no longer refreshes) goes back to the login and then returns to the page
    const cookie = (await page.context().cookies(srv.url + '/api/auth/refresh')).find((c) => c.name === 'aniworld_refresh')!;
    const sessionToken = (await client(srv.url).post('/api/auth/refresh', undefined, { Cookie: `${cookie.name}=${cookie.value}` })).body
      .access_token as string;
    expect((await client(srv.url, sessionToken).post('/api/auth/logout')).status).toBe(200);
    await page.goto(srv.url + '/settings');
    await page.waitForURL(/\/login\?/);
    await page.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.waitForURL('**/settings');
    await page.getByRole('heading', { name: 'Einstellungen' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('the first page loads under 250 KB of JavaScript (gzip), routes are lazy', async () => {
    const { page, problems } = await newPage(browser);
    const scripts = new Map<string, number>();
    page.on('response', async (res) => {
      if (res.request().resourceType() !== 'script') return;
      const body = await res.body().catch(() => null);
      if (body) scripts.set(new URL(res.url()).pathname, zlib.gzipSync(body, { level: 9 }).length);
    });
    const total = () => [...scripts.values()].reduce((a, b) => a + b, 0);
    await page.goto(srv.url + '/login');
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await page.waitForLoadState('networkidle');
    const loginKb = total() / 1024;
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    await page.waitForLoadState('networkidle');
    const libraryKb = total() / 1024;
    console.log([...scripts].map(([p, n]) => `${p} ${(n / 1024).toFixed(1)} KB`).join('\n'));
    console.log(`first page JS (gzip): login ${loginKb.toFixed(1)} KB, login + library ${libraryKb.toFixed(1)} KB, ${scripts.size} files`);
    expect(loginKb).toBeLessThan(250);
    expect(libraryKb).toBeLessThan(250);
    // the settings page is a chunk of its own, not part of the first load
    expect([...scripts.keys()].some((p) => /SettingsPage/.test(p))).toBe(false);
    expect(problems).toEqual([]);
  });
});
