import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { launchBrowser } from '../e2e/browser.js';

// Swagger UI and ReDoc really render in a browser, under the product's CSP, with every request
// that leaves 127.0.0.1 blocked (the product works offline).
let srv: TestServer;
let browser: Browser;
beforeAll(async () => {
  srv = await startTestServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

async function open(path: string, ready: string) {
  const page = await browser.newPage();
  const outside: string[] = [];
  const problems: string[] = [];
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    outside.push(url.href);
    return route.abort();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(srv.url + path);
  await page.waitForSelector(ready, { timeout: 30_000 });
  const text = await page.textContent('body');
  await page.close();
  return { outside, problems, text: text ?? '' };
}

describe('API documentation in a browser', () => {
  it('Swagger UI renders the operations offline, without CSP violations', async () => {
    const r = await open('/api/docs', '.opblock');
    expect(r.text).toContain('/api/auth/login');
    expect(r.text).toContain('Aniworld API');
    expect(r.outside).toEqual([]);
    expect(r.problems).toEqual([]);
  });

  it('ReDoc renders the operations offline, without CSP violations', async () => {
    const r = await open('/api/redoc', '[data-section-id]');
    expect(r.text).toContain('Aniworld API');
    expect(r.text).toMatch(/Log in and get a bearer token/);
    expect(r.outside).toEqual([]);
    // ReDoc always shows Redocly's logo from their CDN: the CSP blocks that image (offline
    // anyway); nothing else may be refused, scripts and eval least of all
    expect(r.problems.filter((p) => !/Loading the image 'https:\/\/cdn\.redoc\.ly\//.test(p))).toEqual([]);
  });
});
