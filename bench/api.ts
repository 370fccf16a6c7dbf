// npm run bench:api: the product's HTTP stack next to a bare Koa + @koa/router app.
// Both run as child processes; autocannon drives them from this process, one after the other.
//   (a) bare Koa "hello"   (b) product GET /health
//   (c) product GET /api/anime (the library list: 20 series with episodes, built by PostgreSQL and kept
//       in memory until a library_changed NOTIFY says it changed) with a token
//   (d) (c) at a fixed 1,000 requests/s    (e) GET /api/auth/status with a token (no database read once set up)
//   (f) (e) at a fixed 1,000 requests/s  (g) (a) at a fixed 1,000 requests/s, to show what the
//   machine and the load generator add on their own; (a') bare Koa again at the end: the ratios use the
//   mean of (a) and (a'), as other work on the machine comes and goes during a run
// Targets on 2 cores: (b) >= 0.9x (a), (c) >= 0.25x (a), (d) p99 <= 10 ms.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import pg from 'pg';
import { embeddedAppUrl } from '../backend/src/db/embeddedRoles.js';
import { Pool } from 'undici';

const root = path.resolve(import.meta.dirname, '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
// 2 cores hold the load generator, the server and PostgreSQL: a modest connection count, the same for every run
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
// BENCH_PROFILE=dir: the product writes a CPU profile (node --cpu-prof) there when it stops
const PROFILE_DIR = process.env.BENCH_PROFILE;
// BENCH_ONLY=bc: (a) and only the named runs (for profiling one of them); verdicts need them all
const ONLY = process.env.BENCH_ONLY;
const want = (run: string) => !ONLY || ONLY.includes(run);
const PASSWORD = 'Bench-Passw0rd!';
const children: ChildProcess[] = [];

function startChild(args: string[], env: NodeJS.ProcessEnv, urlPattern: RegExp, logged: string[] = []): Promise<string> {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      logged.push(d.toString());
      const m = urlPattern.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume(); // keep draining its logs
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${out.slice(-2000)}`)));
  });
}

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(name: string, url: string, headers: Record<string, string> = {}): Promise<Result> {
  const opts = { url, connections: CONNECTIONS, headers };
  await autocannon({ ...opts, duration: 2 }); // warm-up
  const r = await autocannon({ ...opts, duration: DURATION });
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

/**
 * Open-loop load at a fixed rate: a request leaves every 1/rate s whether or not earlier ones have
 * answered, and each latency is measured from its scheduled start. (autocannon's overallRate sends
 * each connection's quota in a burst at the top of every second, which measures bursts instead.)
 */
async function fixedRate(name: string, url: string, headers: Record<string, string>, rate: number): Promise<Result> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: 64, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const run = async (seconds: number, record: boolean) => {
    const total = rate * seconds;
    const start = performance.now();
    const inflight: Promise<void>[] = [];
    for (let sent = 0; sent < total;) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
      for (; sent < due; sent++) {
        const scheduled = start + (sent * 1000) / rate;
        inflight.push(
          pool.request({ path: u.pathname + u.search, method: 'GET', headers }).then(
            async (res) => {
              await res.body.dump();
              if (!record) return;
              latencies.push(performance.now() - scheduled);
              if (res.statusCode >= 300) non2xx++;
            },
            () => void (record && errors++),
          ),
        );
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(inflight);
    return (performance.now() - start) / 1000;
  };
  await run(2, false); // warm-up
  const elapsed = await run(DURATION, true);
  await pool.close();
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10;
  return { name, rps: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), errors, non2xx };
}

/** 20 series, 24 episodes each, a third of them missing: a small real library. */
async function seedLibrary(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (let i = 1; i <= 20; i++) {
      const { rows } = await c.query<{ id: number }>(
        `insert into series (key, name, site, folder, link, year) values ($1, $2, 'aniworld.to', $3, $4, 2020) returning id`,
        [`bench-series-${i}`, `Bench Series ${i}`, `Bench Series ${i} (2020)`, `https://aniworld.to/anime/stream/bench-series-${i}`],
      );
      await c.query(
        `insert into episodes (series_id, season, episode, title, is_downloaded)
         select $1, s, e, 'Episode ' || e, (e % 3 <> 0) from generate_series(1, 2) s, generate_series(1, 12) e`,
        [rows[0].id],
      );
    }
    // as autovacuum leaves a library that has settled (statistics, visibility map), not mid-way through it
    await c.query('vacuum analyze series, episodes');
  } finally {
    await c.end();
  }
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-bench-'));
  try {
    const bare = await startChild(['--import', 'tsx', 'bench/bareKoa.ts'], process.env, /"url":"([^"]+)"/);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      UI_DIST: path.join(dataDir, 'no-ui'),
    };
    delete env.DATABASE_URL;
    const productLog: string[] = [];
    const product = await startChild(
      [...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(PROFILE_DIR)}`] : []), 'scripts/start.mjs'],
      env,
      /"url":"(http:\/\/[^"]+)"/,
      productLog,
    );
    const pgPort = /"port":(\d+),"dir":"[^"]*postgres"/.exec(productLog.join(''))?.[1];
    if (!pgPort) throw new Error('embedded PostgreSQL port not found in the log');
    await seedLibrary(embeddedAppUrl(path.join(dataDir, 'postgres'), pgPort));
    const post = (p: string, body: unknown) =>
      fetch(product + p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if ((await post('/api/auth/setup', { master_password: PASSWORD })).status !== 201) throw new Error('setup failed');
    const { access_token: token } = await (await post('/api/auth/login', { password: PASSWORD })).json();
    const auth = { Authorization: `Bearer ${token}` };
    const check = await fetch(product + '/api/auth/status', { headers: auth });
    if (!(await check.json()).authenticated) throw new Error('token not accepted');

    console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION} s per run, ${os.cpus().length} CPUs\n`);
    // warm every target (JIT of the servers and of autocannon itself) before the first measured run
    for (const [url, headers] of [
      [`${bare}/hello`, {}],
      [`${product}/health`, {}],
      [`${product}/api/anime?per_page=20`, auth],
      [`${product}/api/auth/status`, auth],
    ] as const)
      await autocannon({ url, connections: CONNECTIONS, headers, duration: 3 });
    const results: Result[] = [];
    results.push(await load('(a) bare Koa hello', `${bare}/hello`));
    if (want('b')) results.push(await load('(b) product GET /health', `${product}/health`));
    const list = await fetch(`${product}/api/anime?per_page=20`, { headers: auth });
    if ((await list.json()).length !== 20) throw new Error('library list is not 20 series');
    if (want('c')) results.push(await load('(c) product GET /api/anime (token, DB-built list)', `${product}/api/anime?per_page=20`, auth));
    if (want('d')) results.push(await fixedRate('(d) (c) at 1,000 req/s', `${product}/api/anime?per_page=20`, auth, 1000));
    if (want('e')) results.push(await load('(e) product GET /api/auth/status (token)', `${product}/api/auth/status`, auth));
    if (want('f')) results.push(await fixedRate('(f) (e) at 1,000 req/s', `${product}/api/auth/status`, auth, 1000));
    if (want('g')) results.push(await fixedRate('(g) (a) at 1,000 req/s (load generator check)', `${bare}/hello`, {}, 1000));
    // other work on the machine comes and goes: bare Koa once more at the end, the ratios use both
    results.push(await load("(a') bare Koa hello again", `${bare}/hello`));

    const base = (results[0].rps + results[results.length - 1].rps) / 2;
    const rows = results.map((r) => ({
      run: r.name,
      'req/s': Math.round(r.rps),
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      "x bare (mean of a, a')": (r.rps / base).toFixed(2),
      errors: r.errors + r.non2xx,
    }));
    console.table(rows);
    if (ONLY) return;
    const [, b, c, d, e, f] = results;
    const verdicts = [
      [`(b) ${(b.rps / base).toFixed(2)}x bare Koa (target >= 0.9x)`, b.rps / base >= 0.9],
      [`(c) ${(c.rps / base).toFixed(2)}x bare Koa (target >= 0.25x)`, c.rps / base >= 0.25],
      [`(e) ${(e.rps / base).toFixed(2)}x bare Koa (target for (c) >= 0.25x)`, e.rps / base >= 0.25],
      [`(d) p99 ${d.p99} ms at ${Math.round(d.rps)} req/s (target <= 10 ms)`, d.p99 <= 10],
      [`(f) p99 ${f.p99} ms at ${Math.round(f.rps)} req/s (target for (d) <= 10 ms)`, f.p99 <= 10],
      [`no errors or non-2xx answers`, results.every((r) => r.errors + r.non2xx === 0)],
    ] as const;
    for (const [text, ok] of verdicts) console.log(`${ok ? 'PASS' : 'MISS'}  ${text}`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
