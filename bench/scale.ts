// npm run bench:scale: a big library and a long queue, as "download all" on long series makes them.
// The product (`scripts/start.mjs`, built UI, embedded PostgreSQL) is seeded with 4,000 series
// (12 episodes each, a third missing) and 10,000 pending queue items, then:
//   (a) GET /health, sequential keep-alive requests on loopback (what any answer costs here)
//   (b) GET /api/queue/status?per_page=50 (one page of each list, as a paging client asks)
//   (c) GET /api/queue/status without paging parameters (500 per list)
//   (d) GET /api/anime?per_page=50 (one library page of 4,000 series)
//   medians (p50) and p95 of BENCH_SCALE_REQUESTS (300) each (0: (a) to (d) skipped), (a) to (d) interleaved in rounds so
//   load that comes and goes on the machine hits all alike; loopback round trips, so (a) is what the
//   HTTP stack and the client add: (b) minus (a) is the server's own work for the page, and the
//   page's statement alone in PostgreSQL (EXPLAIN ANALYZE, median of 30) is printed beside it.
// In Chromium (playwright-core, /usr/bin/chromium), medians of BENCH_SCALE_ROUNDS (5) loads:
//   (e) the queue page: first rows on screen after navigation starts (target <= 300 ms)
//   (f) scrolling the queue page with the mouse wheel: long tasks (PerformanceObserver 'longtask')
//       over 50 ms (target: none)
//   (g) the library page with 4,000 series: first series card rendered (target <= 500 ms)
//   (e) and (g) twice: a first visit (a new browser context each load: empty HTTP cache, no V8 code
//   cache), which the targets are read on, and a returning user (one context whose earlier loads
//   cached the app's files; Playwright's contexts are off the record, where Chromium likely keeps no
//   V8 code cache, so a real returning user may be faster still), interleaved
//   (r) side by side, the floor any page has here: a one-element page from a bare `node:http` server (with the
//   product's Cross-Origin-Opener-Policy header: such a navigation gets a renderer of its own), loaded as a first
//   visit in the same rounds; (e) and (g) are printed as a multiple of it too
// It measures whatever UI is built from this checkout (the rows it looks for are listed below).
// The wait for the first row is the page's own frame check (window.__first), polled every 100 ms: Playwright's
// waitForSelector, used before, ran its selector engine in the page each frame, on the main thread being measured.
import fs from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { embeddedAppUrl } from '../backend/src/db/embeddedRoles.js';
import { Pool } from 'undici';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { buildStale } from '../scripts/build.mjs';
import { snapshotQuery } from '../backend/src/downloads/repo.js';

const root = path.resolve(import.meta.dirname, '..');
const REQUESTS = Number(process.env.BENCH_SCALE_REQUESTS ?? 300);
const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 5);
const SERIES = 4000;
const QUEUE = 10_000;
const PASSWORD = 'Bench-Passw0rd!';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// a queue row and a library card in the UI, whichever shape the pages have
const QUEUE_ROW = '[data-test="pending"] li, [data-test="queue-row"], [data-test="pending"] [role="row"]';
const LIBRARY_CARD = '[data-test="library-grid"] [data-key], [data-test="library-card"]';

/**
 * Chromium's headless mode is the whole browser: each new context is a new window, and a new window loads the
 * browser's own omnibox popup (chrome://omnibox-popup.top-chrome, a WebUI page) in a renderer of its own, about a
 * second of CPU on this 2-core machine during the very load being measured (seen in a trace). A user's browser
 * has its window open before they type the address, so the bench turns that off. One --disable-features
 * replaces another, so Playwright's own list (playwright-core's chromiumSwitches) is repeated here.
 */
const DISABLED_FEATURES =
  '--disable-features=' +
  [
    ...['AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades', 'HttpsFirstBalancedModeAutoEnable'],
    ...['LensOverlay', 'MediaRouter', 'PaintHolding', 'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect'],
    ...['OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch'],
    ...['WebUIOmniboxPopup', 'WebUIOmniboxFullPopup', 'WebUIOmniboxAimPopup', 'PreloadTopChromeWebUI'],
  ].join(',');

const children: ChildProcess[] = [];

function startProduct(env: NodeJS.ProcessEnv, logged: string[]): Promise<string> {
  const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      logged.push(d.toString());
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`the product exited with ${code}:\n${out.slice(-2000)}`)));
  });
}

async function seed(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(
      `insert into series (key, name, site, folder, link, year)
      select 'scale-' || g, 'Scale Series ' || g, 'aniworld.to', 'Scale Series ' || g || ' (2020)', ` +
        `'https://aniworld.to/anime/stream/scale-' || g, 2020
      from generate_series(1, ${SERIES}) g`,
    );
    await c.query(`insert into episodes (series_id, season, episode, title, is_downloaded)
      select s.id, 1, e, 'Episode ' || e, (e % 3 <> 0) from series s, generate_series(1, 12) e where s.key like 'scale-%'`);
    // three long series, "download all": 10,000 pending items in queue order
    await c.query(
      `insert into download_items (serie_id, serie_folder, serie_name, season, episode, title, source)
      select 'long-' || (g % 3), 'Long ' || (g % 3), 'Long ' || (g % 3), 1, g, 'Episode ' || g, 'manual' from generate_series(1, ` +
        `${QUEUE}) g`,
    );
    await c.query('vacuum analyze series, episodes, download_items');
  } finally {
    await c.end();
  }
}

/**
 * (b)'s statement in PostgreSQL alone: EXPLAIN ANALYZE of the page's statement on the seeded queue,
 * median execution time of 30 (BENCH_SCALE_PLAN=1 prints the last plan).
 */
async function explainPage(url: string): Promise<{ ms: number; plan: string }> {
  const q = snapshotQuery({ limit: 50, offset: 0 });
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const times: number[] = [];
    let plan = '';
    for (let i = 0; i < 30; i++) {
      // slonik names its placeholders $slonik_N
      const text = q.sql.replace(/\$slonik_(\d+)/g, '$$$1');
      const r = await c.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${text}`, [...q.values]);
      plan = r.rows.map((x) => x['QUERY PLAN']).join('\n');
      times.push(Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN));
    }
    return { ms: median(times), plan };
  } finally {
    await c.end();
  }
}

/**
 * The steps to the first row, as medians: navigation start to the HTML, the page's code run, the session restored, the data asked and
 * answered.
 */
function breakdown({ steps, first }: Loads): string {
  const m = (k: string) => median(steps.map((x) => x[k]));
  return (
    `HTML ${m('html').toFixed(0)} ms, code run (DOMContentLoaded) ${m('code').toFixed(0)}, session (refresh) ` +
    `${m('session').toFixed(0)}, data ${m('dataStart').toFixed(0)} -> ${m('dataEnd').toFixed(0)}, first row ${median(first).toFixed(0)}`
  );
}

/** One page's measured loads: the time to its first row, where it went, how many rows it drew. */
class Loads {
  first: number[] = [];
  steps: Record<string, number>[] = [];
  rows = 0;
  add(load: { first: number; steps: Record<string, number>; rows: number }): void {
    this.first.push(load.first);
    this.steps.push(load.steps);
    this.rows = load.rows;
  }
}

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const median = (xs: number[]) => pct(xs, 0.5);
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;

async function http(base: string, auth: Record<string, string>) {
  const pool = new Pool(base, { connections: 1 });
  const targets: [string, string, Record<string, string>][] = [
    ['(a) GET /health', '/health', {}],
    ['(b) GET /api/queue/status?per_page=50', '/api/queue/status?per_page=50', auth],
    ['(c) GET /api/queue/status (500 per list)', '/api/queue/status', auth],
    ['(d) GET /api/anime?per_page=50 (4,000 series)', '/api/anime?per_page=50', auth],
  ];
  const times = targets.map(() => [] as number[]);
  const bytes = targets.map(() => 0);
  const one = async (i: number) => {
    const t0 = performance.now();
    const res = await pool.request({ path: targets[i][1], method: 'GET', headers: targets[i][2] });
    const body = await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`${targets[i][1]}: ${res.statusCode}`);
    bytes[i] = body.byteLength;
    return performance.now() - t0;
  };
  for (let i = 0; i < targets.length; i++) for (let w = 0; w < 30; w++) await one(i); // warm-up
  for (let r = 0; r < REQUESTS; r++) for (let i = 0; i < targets.length; i++) times[i].push(await one(i));
  await pool.close();
  return targets.map(([name], i) => ({ name, p50: median(times[i]), p95: pct(times[i], 0.95), bytes: bytes[i] }));
}

/**
 * A browser context logged in as a returning user is (the session's refresh cookie; the UI renews its token
 * with it), watching for the first frame that shows a queue row or a library card.
 */
async function visitor(browser: Browser, base: string): Promise<BrowserContext> {
  const context = await watchedContext(browser);
  const login = await context.request.post(`${base}/api/auth/login`, { data: { password: PASSWORD, remember: true } });
  if (!login.ok()) throw new Error(`login in the browser failed: ${login.status()}`);
  return context;
}

/** A new browser context whose pages note their first frame that shows a queue row or a library card, and their long tasks. */
async function watchedContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  // a string, not a function: tsx would wrap named functions in helpers the page does not have
  await context.addInitScript(
    `(() => {
    if (location.protocol === 'about:') return;
    window.__long = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(e.duration); }).observe({ type: ` +
      `'longtask', buffered: true });
    // checked before every frame: the first frame that can show a row
    const tick = () => {
      if (document.querySelector(${JSON.stringify(`${QUEUE_ROW}, ${LIBRARY_CARD}`)})) window.__first = performance.now();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })();`,
  );
  return context;
}

/** (r): a bare `node:http` server answering any path with one library card, with the product's COOP header. */
async function bareServer(): Promise<{ base: string; close: () => Promise<void> }> {
  const page = '<!doctype html><meta charset="utf-8"><title>bare</title><div data-test="library-card">a bare page</div>';
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cross-Origin-Opener-Policy': 'same-origin' });
    res.end(page);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { base: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * Navigation start to the first element matching `selector` in the DOM, and long tasks while scrolling.
 * A first visit is a new context (empty HTTP cache, no V8 code cache); a returning user's loads share one.
 */
async function pageLoad(context: BrowserContext, base: string, route: string, selector: string, scroll: boolean) {
  const page = await context.newPage();
  try {
    await page.goto(base + route);
    // the init script's frame check notes the first row; waiting for that note, not for the selector: Playwright's
    // waitForSelector runs its selector engine in the page on every frame, on the main thread the page loads on
    // (tens of ms of a load on this machine were the bench's, not the product's)
    const deadline = Date.now() + 30_000;
    while ((await page.evaluate(() => (window as unknown as { __first?: number }).__first)) === undefined) {
      if (Date.now() > deadline) throw new Error(`no ${selector} in 30 s on ${route}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const first = await page.evaluate(() => (window as unknown as { __first: number }).__first);
    // where the time to the first row went (Performance API): the page's code, the session, the data
    const steps = await page.evaluate(
      (dataPath) => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
        // (no named functions in here: tsx would wrap them in a helper the page does not have)
        const refresh = res.find((r) => r.name.includes('/api/auth/refresh'));
        const data = res.find((r) => r.name.includes(dataPath));
        return {
          html: nav.responseEnd,
          code: nav.domContentLoadedEventEnd,
          session: refresh?.responseEnd ?? 0,
          dataStart: data?.startTime ?? 0,
          dataEnd: data?.responseEnd ?? 0,
        };
      },
      route === '/queue' ? '/api/queue/status' : '/api/anime?',
    );
    let longDuringScroll: number[] = [];
    if (scroll) {
      await page.waitForTimeout(500); // settled: what follows belongs to the scrolling
      const box = await page.locator(selector).first().boundingBox();
      await page.mouse.move((box?.x ?? 400) + 20, (box?.y ?? 400) + 10);
      const before = await page.evaluate(() => (window as unknown as { __long: number[] }).__long.length);
      for (let i = 0; i < 60; i++) {
        await page.mouse.wheel(0, 600);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
      }
      await page.waitForTimeout(300);
      longDuringScroll = await page.evaluate((n) => (window as unknown as { __long: number[] }).__long.slice(n), before);
    }
    const rows = await page.locator(selector).count();
    return { first, longDuringScroll, rows, steps };
  } finally {
    await page.close();
  }
}

async function printHttp(base: string, auth: Record<string, string>, dbUrl: string): Promise<void> {
  const rows = await http(base, auth);
  console.log(`\nloopback round trips, ${REQUESTS} each, interleaved (one keep-alive connection):`);
  for (const r of rows)
    console.log(
      `${r.name.padEnd(48)} p50 ${ms(r.p50).padStart(9)}   p95 ${ms(r.p95).padStart(9)}   ${(r.bytes / 1024).toFixed(0).padStart(6)} KiB`,
    );
  const pageServer = rows[1].p50 - rows[0].p50;
  console.log(
    `(b) a page of /api/queue/status: p50 ${ms(rows[1].p50)} (server work beyond /health: ${ms(pageServer)})   target <= 20 ms: ` +
      `${rows[1].p50 <= 20 ? 'met' : 'NOT met'}`,
  );
  const explained = await explainPage(dbUrl);
  console.log(`    of which its statement in PostgreSQL (EXPLAIN ANALYZE, median of 30): ${ms(explained.ms)}`);
  if (process.env.BENCH_SCALE_PLAN) console.log(explained.plan);
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-bench-scale-'));
  let browser: Browser | null = null;
  const closers: (() => Promise<void>)[] = [];
  try {
    await buildStale();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    delete env.DATABASE_URL;
    delete env.UI_DIST;
    const log: string[] = [];
    const base = await startProduct(env, log);
    const pgPort = /"port":(\d+),"dir":"[^"]*postgres"/.exec(log.join(''))?.[1];
    if (!pgPort) throw new Error('embedded PostgreSQL port not found in the log');
    const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(base + p, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    if ((await post('/api/auth/setup', { master_password: PASSWORD })).status !== 201) throw new Error('setup failed');
    const { access_token: token } = await (await post('/api/auth/login', { password: PASSWORD })).json();
    const auth = { Authorization: `Bearer ${token}` };
    // nothing may download the seeded queue while it is measured
    if ((await post('/api/queue/stop', {}, auth)).status !== 200) throw new Error('queue stop failed');
    const dbUrl = embeddedAppUrl(path.join(dataDir, 'postgres'), pgPort);
    await seed(dbUrl);
    const status = await (await fetch(`${base}/api/queue/status?per_page=1`, { headers: auth })).json();
    if (status.statistics.pending_count !== QUEUE)
      throw new Error(`queue holds ${status.statistics.pending_count} pending items, not ${QUEUE}`);

    console.log(
      `\n${SERIES.toLocaleString('en')} series, ${QUEUE.toLocaleString('en')} queue items; Node ${process.version}, ${os.cpus().length} ` +
        `cores, load ${os.loadavg()[0].toFixed(1)}`,
    );
    // BENCH_SCALE_REQUESTS=0: the browser's part alone
    if (REQUESTS > 0) await printHttp(base, auth, dbUrl);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', DISABLED_FEATURES],
    });
    // first visits: each load a new context; a returning user: one context, its first loads (not measured)
    // fill its HTTP cache with the app's files, as the user's earlier visits did
    const first = { queue: new Loads(), library: new Loads() };
    const bare = new Loads();
    const reference = await bareServer();
    closers.push(reference.close);
    const returning = { queue: new Loads(), library: new Loads() };
    const long: number[] = [];
    const user = await visitor(browser, base);
    try {
      for (let i = 0; i < 2; i++) {
        await pageLoad(user, base, '/queue', QUEUE_ROW, false);
        await pageLoad(user, base, '/', LIBRARY_CARD, false);
      }
      for (let i = 0; i < ROUNDS; i++) {
        const fresh = await visitor(browser, base);
        try {
          const q = await pageLoad(fresh, base, '/queue', QUEUE_ROW, true);
          first.queue.add(q);
          long.push(...q.longDuringScroll);
        } finally {
          await fresh.close();
        }
        const freshLibrary = await visitor(browser, base);
        try {
          first.library.add(await pageLoad(freshLibrary, base, '/', LIBRARY_CARD, false));
        } finally {
          await freshLibrary.close();
        }
        const freshBare = await watchedContext(browser);
        try {
          bare.add(await pageLoad(freshBare, reference.base, '/', LIBRARY_CARD, false));
        } finally {
          await freshBare.close();
        }
        returning.queue.add(await pageLoad(user, base, '/queue', QUEUE_ROW, false));
        returning.library.add(await pageLoad(user, base, '/', LIBRARY_CARD, false));
      }
    } finally {
      await user.close();
    }
    const worst = long.length ? Math.max(...long) : 0;
    const floor = median(bare.first);
    const line = (label: string, l: Loads, what: string, target?: number) =>
      `${label.padEnd(46)} ${ms(median(l.first)).padStart(9)}   (${l.first.map(ms).join(', ')})   ${l.rows} ${what} in the DOM` +
      (target === undefined
        ? ''
        : `   ${(median(l.first) / floor).toFixed(1)}x (r)   target <= ${target} ms: ${median(l.first) <= target ? 'met' : 'NOT met'}`);
    console.log(`\nChromium, median of ${ROUNDS} loads each (navigation start to the first row in the DOM); the targets are read on the`);
    console.log("first visit (empty HTTP cache, no V8 code cache); a returning user has the app's files in the HTTP cache:");
    console.log(line('(r) a bare node:http page, first visit', bare, 'element'));
    console.log(line('(e) queue page, first rows, first visit', first.queue, 'rows', 300));
    console.log(`    where it goes (medians): ${breakdown(first.queue)}`);
    console.log(line('    returning user', returning.queue, 'rows'));
    console.log(`    where it goes (medians): ${breakdown(returning.queue)}`);
    console.log(
      `(f) queue page, scrolling         ${long.length} long tasks over 50 ms in ${ROUNDS} scrolls (longest ${ms(worst)})   target: ` +
        `none: ${long.length === 0 ? 'met' : 'NOT met'}`,
    );
    console.log(line('(g) library page, first card, first visit', first.library, 'cards', 500));
    console.log(`    where it goes (medians): ${breakdown(first.library)}`);
    console.log(line('    returning user', returning.library, 'cards'));
    console.log(`    where it goes (medians): ${breakdown(returning.library)}`);
  } finally {
    await browser?.close();
    for (const close of closers) await close();
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
