/** Debian's Chromium driven by playwright-core, and the helpers every browser test shares. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { chromium, selectors, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { builtUi } from './builtUi.js';
import { startLoopbackProxy } from './loopbackProxy.js';
import { takeBrowserTurn } from './browserTurn.js';

const SCREENSHOTS = path.resolve(import.meta.dirname, 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A closed port on this machine. */
const NOWHERE = 'http://127.0.0.1:9/';

export const PASSWORD = 'Sup3r-Secret!pw';

let endTurn: (() => void) | null = null;
// a file whose browser was not closed (a failed start) gives up its turn all the same
afterAll(() => endTurn?.());

/**
 * Chromium with all its traffic, loopback included, through a proxy that lets only 127.0.0.1 and
 * localhost through: a request elsewhere (from a page or from Chromium itself) fails the test.
 */
export async function launchBrowser(): Promise<Browser> {
  // the UI marks elements for tests with data-test
  selectors.setTestIdAttribute('data-test');
  // one browser at a time in the run (tests/e2e/browserTurn.ts)
  endTurn = await takeBrowserTurn();
  const proxy = await startLoopbackProxy().catch((err: unknown) => {
    endTurn?.();
    throw err;
  });
  const browser = await chromium
    .launch({
      executablePath: CHROMIUM,
      headless: true,
      proxy: { server: proxy.url, bypass: '<-loopback>' },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
        // what Chromium still calls on its own (seen through the proxy) goes to a closed port here instead:
        // the component updater (update.googleapis.com), Google sign-in (accounts.google.com) and form
        // field predictions (content-autofill.googleapis.com). Flags, not --disable-features: a second
        // --disable-features would replace Playwright's own list.
        `--component-updater=url-source=${NOWHERE}`,
        `--gaia-url=${NOWHERE}`,
        `--autofill-server-url=${NOWHERE}`,
      ],
    })
    .catch(async (err: unknown) => {
      endTurn?.();
      await proxy.close();
      throw err;
    });
  browser.on('disconnected', () => {
    endTurn?.();
    void proxy.close();
  });
  return browser;
}

/** A page that fails the test on any console error or CSP violation. */
export async function newPage(
  browser: Browser,
  opts: { width?: number; height?: number; locale?: string; colorScheme?: 'light' | 'dark' } = {},
) {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 },
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  lastPage = page;
  return { page, context, problems };
}

let lastPage: Page | null = null;

/** Saves a screenshot of the last page when a test fails, so the failure can be seen. */
export function screenshotFailures(prefix: string): void {
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && lastPage && !lastPage.isClosed()) {
      await screenshot(lastPage, `FAILED-${prefix}-${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => undefined);
    }
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function startUiServer(env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({ env: { UI_DIST: await builtUi(), ...env } });
}

/** First-run setup and login through the UI, ending on the library page. */
export async function setupAndLogin(page: Page, baseUrl: string, opts: { animeDir?: string; shot?: string } = {}) {
  await page.goto(baseUrl + '/');
  await page.waitForURL('**/setup');
  await page.getByLabel('Master password').fill(PASSWORD);
  await page.getByLabel('Repeat the password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Next' }).click();
  if (opts.animeDir) await page.getByLabel(/Anime directory/).fill(opts.animeDir);
  if (opts.shot) await screenshot(page, `${opts.shot}-setup`);
  await page.getByRole('button', { name: 'Finish setup' }).click();
  await page.waitForURL('**/login?setup=1');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
}

/** Logs in through the login page (the product is set up already). */
export async function login(page: Page, baseUrl: string) {
  await page.goto(baseUrl + '/login');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Library', exact: true }).waitFor();
}
