import { publishRaw } from '../helpers/server.js';
/**
 * The login session in the browser: the access token lives in memory only, a reload brings it back
 * through the HttpOnly refresh cookie, a refused token is renewed without a new login, and the
 * realtime link reconnects with a fresh token when the server ends its socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { client } from '../helpers/http.js';
import { sql } from '../../backend/src/db/pool.js';
import { launchBrowser, login, newPage, screenshotFailures, setupAndLogin, startUiServer } from './browser.js';
import { until } from '../helpers/poll.js';

let srv: TestServer;
let browser: Browser;
screenshotFailures('session');

beforeAll(async () => {
  srv = await startUiServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
});

/** The bearer token the page sends (it is in no storage a script could read). */
function followTokens(page: Page): { last: () => string | null; sent: string[] } {
  const sent: string[] = [];
  page.on('request', (r) => {
    const h = r.headers().authorization;
    if (h?.startsWith('Bearer ') && sent.at(-1) !== h.slice(7)) sent.push(h.slice(7));
  });
  return { last: () => sent.at(-1) ?? null, sent };
}

describe('the login session in the browser', () => {
  it('a reload keeps the session; no script can read a token; logout ends it', async () => {
    const { page, context, problems } = await newPage(browser);
    const tokens = followTokens(page);
    await setupAndLogin(page, srv.url);
    // the queue page's own first request is answered before the reload (it is not one the reload sent)
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/queue/status');
    await page.getByRole('link', { name: 'Queue' }).click();
    await page.waitForURL('**/queue');
    await answered;
    await page.getByTestId('queue-state').waitFor();

    // the load sends the refresh and, with its token, the page's first request before the app's code runs (boot.ts):
    // the app takes both answers instead of asking again
    const asked: string[] = [];
    const onRequest = (r: { url(): string }) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/')) asked.push(url.pathname + url.search);
    };
    page.on('request', onRequest);
    await page.reload();
    await page.getByRole('heading', { name: 'Queue' }).first().waitFor();
    await page.getByTestId('queue-state').waitFor();
    page.off('request', onRequest);
    expect(page.url()).toMatch(/\/queue$/);
    expect(asked.filter((u) => u === '/api/auth/refresh')).toHaveLength(1);
    expect(asked.filter((u) => u.startsWith('/api/queue/status'))).toEqual(['/api/queue/status?page=1&per_page=50']);
    // those two were the inline boot script's (it ran under the page's policy), and the app took both answers
    expect(
      await page.evaluate(() => {
        const boot = (window as unknown as { __aniworldBoot?: { refresh: unknown; opening: unknown } }).__aniworldBoot;
        return boot ? { refresh: boot.refresh, opening: boot.opening } : 'no boot script ran';
      }),
    ).toEqual({ refresh: null, opening: null });
    // the refresh cookie is HttpOnly and the access token is in no web storage
    expect(await page.evaluate(() => document.cookie)).not.toContain('aniworld_refresh');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    for (const t of tokens.sent) expect(stored).not.toContain(t);
    const [cookie] = (await context.cookies(srv.url + '/api/auth/refresh')).filter((c) => c.name === 'aniworld_refresh');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/auth/refresh', expires: -1 });
    // the page after the reload asks with a new token of the same session
    expect(tokens.sent.length).toBeGreaterThanOrEqual(2);

    await page.getByTestId('logout').click();
    await page.waitForURL('**/login');
    expect((await context.cookies(srv.url + '/api/auth/refresh')).filter((c) => c.name === 'aniworld_refresh')).toEqual([]);
    for (const t of tokens.sent) expect((await client(srv.url, t).get('/api/queue/status')).status).toBe(401);
    await page.reload();
    await page.waitForURL('**/login');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a token the server refuses (its signing key retired) is renewed through the cookie: no new login', async () => {
    const { page, context, problems } = await newPage(browser);
    const tokens = followTokens(page);
    await login(page, srv.url);
    const before = tokens.last()!;
    // a new key, and the old one's tokens past their lifetime: the page's token is refused from now on
    await srv.deps.keyring.rotate();
    await srv.deps.db.query(sql.unsafe`update signing_keys set created_at = created_at - interval '1 day'`);
    await srv.deps.keyring.reload();
    expect((await client(srv.url, before).get('/api/queue/status')).status).toBe(401);

    await page.getByRole('link', { name: 'Queue' }).click();
    await page.waitForURL('**/queue');
    await page.getByRole('heading', { name: 'Queue' }).first().waitFor();
    await until(() => tokens.last() !== before, 'tokens.last() ≠ before');
    expect((await client(srv.url, tokens.last()!).get('/api/queue/status')).status).toBe(200);
    expect(page.url()).toMatch(/\/queue$/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('when the server ends the socket of a revoked token, the UI reconnects with a fresh one and gets live events again', async () => {
    const { page, context, problems } = await newPage(browser);
    const tokens = followTokens(page);
    // each socket of the page and the rooms the server said it joined (the UI joins them after connecting)
    const sockets: { url: string; rooms: Set<string> }[] = [];
    page.on('websocket', (ws) => {
      const socket = { url: ws.url(), rooms: new Set<string>() };
      sockets.push(socket);
      ws.on('framereceived', ({ payload }) => {
        const joined = /Joined room (\w+)/.exec(String(payload));
        if (joined) socket.rooms.add(joined[1]);
      });
    });
    let refreshed = 0;
    page.on('response', (r) => {
      if (r.url().endsWith('/api/auth/refresh') && r.status() === 200) refreshed++;
    });
    await login(page, srv.url);
    await until(() => sockets.length === 1, 'sockets.length = 1');
    const token = tokens.last()!;
    const user = srv.deps.signer.verify(token)!;
    // that one token revoked (as its expiry would): the server ends its socket, the login session goes on
    await srv.deps.sessions.revoke(user);
    await until(() => sockets.length === 2, 'sockets.length = 2', 10_000);
    expect(refreshed).toBeGreaterThanOrEqual(1);
    // the new socket is authenticated: a private event reaches the page as a toast
    // connected is not yet joined: an event published before the join reaches no one (a socket count
    // would also see sockets another test's page left open)
    await until(() => sockets[1].rooms.has('library'), 'the new socket joined the library room');
    void publishRaw(srv, 'library', 'scan_complete', {});
    await page.getByTestId('toast').filter({ hasText: 'Library rescan finished' }).first().waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});
