/** Operations in Chromium: a backup made and downloaded from Settings; the Logs page. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { startFakeAniworld, type FakeAniworld } from '../fakes/aniworld.js';
import { startFakeAnimeSama, type FakeAnimeSama } from '../fakes/animesama.js';
import { launchBrowser, newPage, screenshot, screenshotFailures, setupAndLogin, startUiServer } from './browser.js';
import { recordAttempt } from '../../backend/src/downloads/attemptLog.js';
import { sql } from '../../backend/src/db/pool.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let browser: Browser;
let aniworld: FakeAniworld;
let animesama: FakeAnimeSama;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-e2e-ops-'));

screenshotFailures('operations');
beforeAll(async () => {
  // the System page checks the providers: against the fakes, never the internet
  [browser, aniworld, animesama] = await Promise.all([launchBrowser(), startFakeAniworld(), startFakeAnimeSama()]);
  // no LOG_LEVEL: the level chosen on the Settings page decides
  srv = await startUiServer({ ANIWORLD_URL: aniworld.url, ANIMESAMA_URL: animesama.url, LOG_LEVEL: '' });
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await aniworld?.close();
  await animesama?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('operations in Chromium', () => {
  it('makes a backup on the Settings page and downloads it', async () => {
    const { page, problems } = await newPage(browser);
    await setupAndLogin(page, srv.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    const backups = page.locator('#s-backups');
    await backups.getByPlaceholder('Name (optional)').fill('before-e2e');
    await backups.getByRole('button', { name: 'Create backup' }).click();
    const entry = backups.locator('li', { hasText: 'before-e2e.tar.gz' });
    await entry.waitFor();
    expect(await entry.textContent()).toContain('manual');
    await screenshot(page, 'settings-backups');
    const [download] = await Promise.all([page.waitForEvent('download'), entry.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toBe('before-e2e.tar.gz');
    const file = path.join(tmp, 'downloaded.tar.gz');
    await download.saveAs(file);
    expect(fs.statSync(file).size).toBe(fs.statSync(path.join(srv.dataDir, 'backups', 'before-e2e.tar.gz')).size);
    const names: string[] = [];
    await tar.t({ file, onReadEntry: (e) => names.push(e.path) });
    expect(names).toEqual(expect.arrayContaining(['manifest.json', 'config.json', 'db/users.jsonl']));

    // hoster health per site, from the downloads' attempts of that site's series
    await srv.deps.db.query(
      sql.unsafe`insert into series (key, name, site, provider, folder) values ('frieren', 'Frieren', 'aniworld.to', 'aniworld',
        'Frieren (2023)')`,
    );
    const now = srv.deps.clock.now().getTime();
    for (const [hoster, minutesAgo, error] of [
      ['VOE', 90, null],
      ['VOE', 30, 'VOE: 403 Forbidden'],
      ['VOE', 10, 'VOE: no video source found'],
      ['Filemoon', 20, null],
    ] as const) {
      await recordAttempt(
        srv.deps,
        {
          item: {
            id: '00000000-0000-0000-0000-000000000001',
            serie_id: 'frieren',
            serie_name: 'Frieren',
            season: 1,
            episode: 1,
            source: 'manual',
          },
          source: { hoster, language: 'german_dub', url: `http://127.0.0.1:9/e/${hoster}` },
          startedAt: new Date(now - minutesAgo * 60_000),
        },
        error ? { outcome: 'failed', error: new Error(error) } : { outcome: 'completed', bytes: 1000 },
      );
    }

    // the System page names it as the last backup, with versions and both disks
    await page.getByRole('link', { name: 'Tasks & system' }).click();
    await page.getByTestId('last-backup').filter({ hasText: 'before-e2e.tar.gz' }).waitFor();
    expect((await page.getByTestId('versions').innerText()).replace(/\s+/g, ' ').trim()).toMatch(
      /^Aniworld \S+ · Node v\d+\.\d+\.\d+ · PostgreSQL \d+\.\d+.* · FFmpeg \S+/,
    );
    expect(await page.getByTestId('disk-library').textContent()).toContain(srv.animeDir);
    expect(await page.getByTestId('disk-data').textContent()).toContain(srv.dataDir);
    expect(await page.getByTestId('db-size').textContent()).toMatch(/MiB$/);
    const hosters = page.getByTestId('hoster-health-aniworld');
    const voe = hosters.locator('tr[data-hoster="VOE"]');
    await voe.waitFor();
    expect((await voe.locator('td').allTextContents()).map((c) => c.trim())).toEqual([
      'Problem VOE',
      '33 %',
      '1 / 3',
      expect.stringMatching(/\d/),
      'VOE: no video source found',
    ]);
    expect(await voe.getAttribute('data-healthy')).toBe('false');
    expect(await hosters.locator('tr[data-hoster="Filemoon"] td').nth(1).textContent()).toBe('100 %');
    expect(await page.locator('[data-provider="animesama"]').textContent()).toContain('No download attempts yet.');
    await screenshot(page, 'system-about');
    await page.getByRole('link', { name: 'Settings' }).click();
    await entry.getByRole('button', { name: 'Delete' }).click();
    await until(async () => (await entry.count()) === 0, 'entry.count() = 0');
    expect(problems).toEqual([]);
  });

  it('reads the Logs page: level filter, search, a live line, secrets redacted, download', async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(srv.url + '/login');
    await page.getByLabel('Password', { exact: true }).fill('Sup3r-Secret!pw');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    srv.deps.log.child({ module: 'e2e' }).warn({ password: 'never-shown-pw' }, 'e2e-warning before the page opened');
    srv.deps.log.child({ module: 'e2e' }).info('e2e-info before the page opened');
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.getByRole('heading', { name: 'Logs', exact: true }).waitFor();
    const entries = page.getByTestId('log-entry');
    await entries.filter({ hasText: 'e2e-warning before the page opened' }).waitFor();
    await page.getByTestId('log-search').fill('e2e-');
    await until(async () => (await entries.count()) === 2, 'entries.count() = 2');
    await page.getByTestId('log-level').selectOption('warn');
    await until(async () => (await entries.count()) === 1, 'entries.count() = 1');
    await entries.first().getByRole('button').click();
    const line = await page.locator('pre.line').textContent();
    expect(line).toContain('"password":"[redacted]"');
    expect(line).not.toContain('never-shown-pw');
    // a line written while the page is open arrives over Socket.IO
    srv.deps.log.child({ module: 'e2e' }).error('e2e-live line');
    await entries.filter({ hasText: 'e2e-live line' }).waitFor();
    await screenshot(page, 'logs');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('log-download').click()]);
    expect(download.suggestedFilename()).toMatch(/^aniworld-all\.\d+\.log$/);
    const file = path.join(tmp, 'log.txt');
    await download.saveAs(file);
    expect(fs.readFileSync(file, 'utf8')).toContain('e2e-live line');
    expect(problems).toEqual([]);
  });

  it('the log level chosen on the Settings page changes the log at once; the installation name applies at once too', async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(srv.url + '/login');
    await page.getByLabel('Password', { exact: true }).fill('Sup3r-Secret!pw');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    const log = srv.deps.log.child({ module: 'e2e' });
    const written = (text: string) => srv.logs().includes(text);

    await page.locator('#log-level').selectOption('ERROR');
    await until(() => srv.deps.settings.get().logging.level === 'ERROR', "srv.deps.settings.get().logging.level = 'ERROR'");
    log.warn('e2e-warn while ERROR');
    log.error('e2e-error while ERROR');
    await until(() => written('e2e-error while ERROR') === true, "written('e2e-error while ERROR') = true");
    expect(written('e2e-warn while ERROR')).toBe(false);

    await page.locator('#log-level').selectOption('DEBUG');
    await until(() => srv.deps.settings.get().logging.level === 'DEBUG', "srv.deps.settings.get().logging.level = 'DEBUG'");
    log.debug('e2e-debug while DEBUG');
    await until(() => written('e2e-debug while DEBUG') === true, "written('e2e-debug while DEBUG') = true");
    await page.locator('#log-level').selectOption('INFO');
    await until(() => srv.deps.settings.get().logging.level === 'INFO', "srv.deps.settings.get().logging.level = 'INFO'");

    const name = page.getByLabel('Name of this installation');
    await name.fill('Attic server');
    await name.press('Tab');
    await until(() => srv.deps.settings.get().name === 'Attic server', "srv.deps.settings.get().name = 'Attic server'");
    expect(await page.locator('#app-name-hint').textContent()).toContain('calendar feed');
    await screenshot(page, 'settings-general');
    expect(problems).toEqual([]);
  });
});
