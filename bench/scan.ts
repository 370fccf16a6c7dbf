// npm run bench:scan: the product's library scanner next to a bare fdir walk of the same tree.
// Builds 4,000 series x 24 episodes (empty files) in a temp folder, registers the series in a
// real (embedded) PostgreSQL, then times, alternating and taking the median of ROUNDS (7) runs:
//   (a) fdir: a bare walk listing every file (the faster of its sync and async APIs)
//   (b) product full scan: every folder re-read (force) + database update
//   (c) product rescan after 1% of the series changed (one episode added to 40 series), in the
//       same process (as the server runs them: the series' scan state is kept between scans)
// plus 3 such rescans with the state reloaded from the database (as a new process would),
// plus the first (import) scan that writes all 96,000 episode rows, once.
// Targets: (b) <= 2x (a), (c) <= 0.3x (b), peak memory < 150 MB. No provider calls, no ffprobe.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { z } from 'zod';
import { loadEnv } from '../backend/src/config.js';
import { createLogger } from '../backend/src/log.js';
import { startEmbeddedPostgres } from '../backend/src/db/embedded.js';
import { migrate } from '../backend/src/db/migrate.js';
import { openPool, sql } from '../backend/src/db/pool.js';
import { SettingsStore } from '../backend/src/settings/store.js';
import { ScanMemo, scanDisk } from '../backend/src/library/scanner.js';

const SERIES = Number(process.env.BENCH_SERIES ?? 4000);
const EPISODES = Number(process.env.BENCH_EPISODES ?? 24);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const ms = (n: number) => `${n.toFixed(1)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The reference walk runs in its own process so its 96,000 result strings do not count against
// the product's memory; it times itself (both fdir APIs, the faster one is the reference).
const FDIR_CHILD = `
const { fdir } = require('fdir');
const dir = process.argv[1];
let t = performance.now();
const count = new fdir().withRelativePaths().crawl(dir).sync().length;
const sync = performance.now() - t;
t = performance.now();
new fdir().withRelativePaths().crawl(dir).withPromise().then(() => {
  console.log(JSON.stringify({ count, sync, async: performance.now() - t }));
});`;

function walkWithFdir(dir: string): { count: number; sync: number; async: number } {
  const r = spawnSync(process.execPath, ['-e', FDIR_CHILD, dir], { cwd: path.resolve(import.meta.dirname, '..'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fdir child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const folderOf = (s: number) => `Series ${String(s).padStart(4, '0')} (20${String(s % 25).padStart(2, '0')})`;

// The tree is built by a child process too: its garbage is not the product's memory.
const BUILD_CHILD =
  `
const fs = require('node:fs');
const path = require('node:path');
const [dir, series, episodes] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const folderOf = ${folderOf.toString()};
for (let s = 0; s < series; s++) {
  const folder = path.join(dir, folderOf(s));
  fs.mkdirSync(folder, { recursive: true });
  for (let e = 1; e <= episodes; e++) fs.writeFileSync(path.join(folder, 'Series ' + s + ' - S01E' + String(e).padStart(2, '0') + ` +
  `'.mkv'), '');
}`;

function buildTree(dir: string): void {
  const r = spawnSync(process.execPath, ['-e', BUILD_CHILD, dir, String(SERIES), String(EPISODES)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the tree failed: ${r.stderr}`);
}

async function time<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-bench-scan-'));
  const animeDir = path.join(tmp, 'anime');
  const log = createLogger({ level: process.env.BENCH_DEBUG ? 'debug' : 'warn' });
  const db0 = await startEmbeddedPostgres(path.join(tmp, 'pg'), log);
  try {
    await migrate(db0.url, log);
    const db = await openPool(db0.url);
    const env = loadEnv({ DATA_DIR: path.join(tmp, 'data'), ANIME_DIR: animeDir });
    fs.mkdirSync(env.DATA_DIR, { recursive: true });
    const settings = new SettingsStore(env, log);
    await settings.load();
    const deps = { db, settings, log, scanMemo: new ScanMemo() };

    console.log(`building ${SERIES} series x ${EPISODES} episodes under ${animeDir} ...`);
    buildTree(animeDir);
    const keys: string[] = [];
    const folders: string[] = [];
    for (let s = 0; s < SERIES; s++) {
      keys.push(`series-${s}`);
      folders.push(folderOf(s));
    }
    await db.query(sql.unsafe`insert into series (key, name, site, provider, folder, link)
      select k, f, 'aniworld.to', 'aniworld', f, '' from unnest(${sql.array(keys, 'text')}, ${sql.array(folders, 'text')}) as x(k, f)`);

    const files = walkWithFdir(animeDir).count; // also warms the page cache for both sides
    console.log(`fdir sees ${files} files; rss before scanning ${mb(process.memoryUsage().rss)}`);

    const [importMs, first] = await time(() => scanDisk(deps));
    const downloaded = await db.oneFirst(
      sql.type(z.object({ n: z.number() }))`select count(*)::int as n from episodes where is_downloaded`,
    );
    if (downloaded !== SERIES * EPISODES) throw new Error(`import scan recorded ${downloaded} episodes, expected ${SERIES * EPISODES}`);
    console.log(
      `first scan (import, writes ${downloaded} episode rows): ${ms(importMs)}, ${first.changed} folders changed; rss now ` +
        `${mb(process.memoryUsage().rss)}, peak so far ${mb(peakRss)}`,
    );

    const fdirTimes: number[] = [];
    const fullTimes: number[] = [];
    const rescanTimes: number[] = [];
    let changedRound = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const walk = walkWithFdir(animeDir);
      if (walk.count !== files + changedRound * round) throw new Error(`fdir saw ${walk.count} files`);
      fdirTimes.push(Math.min(walk.sync, walk.async));
      const [tFull, full] = await time(() => scanDisk(deps, { force: true }));
      if (full.series !== SERIES) throw new Error('full scan missed series');
      fullTimes.push(tFull);

      // 1% of the series change: one new episode each
      const step = 100;
      const changed: string[] = [];
      for (let s = round; s < SERIES; s += step) changed.push(folders[s]);
      for (const f of changed) fs.writeFileSync(path.join(animeDir, f, `${f} - S02E${String(round + 1).padStart(2, '0')}.mkv`), '');
      const [tRescan, re] = await time(() => scanDisk(deps));
      if (re.changed !== changed.length) throw new Error(`rescan saw ${re.changed} changed folders, expected ${changed.length}`);
      changedRound = changed.length;
      rescanTimes.push(tRescan);
    }
    // The same rescan in a process that holds no series state yet (or after another process changed
    // it): the state comes from the database. Bumping the scan generation has that effect.
    const coldTimes: number[] = [];
    for (let k = 0; k < 3; k++) {
      const changed = folders.filter((_, s) => s % 100 === (ROUNDS + k) % 100);
      for (const f of changed) fs.writeFileSync(path.join(animeDir, f, `${f} - S03E${String(k + 1).padStart(2, '0')}.mkv`), '');
      await new Promise((r) => setTimeout(r, 150)); // older than the racy window: this scan stores their fingerprints
      await db.query(sql.unsafe`update library_scan_generation set value = value + 1`);
      const [t, re] = await time(() => scanDisk(deps));
      if (re.changed !== changed.length) throw new Error(`cold rescan saw ${re.changed} changed folders, expected ${changed.length}`);
      coldTimes.push(t);
    }
    const total = await db.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from episodes where is_downloaded`);
    if (total !== SERIES * EPISODES + changedRound * (ROUNDS + 3)) throw new Error(`after rescans ${total} episodes recorded`);

    const a = median(fdirTimes);
    const b = median(fullTimes);
    const c = median(rescanTimes);
    const [amin, bmin, cmin] = [fdirTimes, fullTimes, rescanTimes].map((xs) => Math.min(...xs));
    clearInterval(sampler);
    const rssPeak = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
    const runs = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    console.log('');
    console.log(`median of ${ROUNDS} (best in brackets; on a shared machine the best is the steadier figure)`);
    console.log(`(a) fdir bare walk            ${ms(a).padStart(10)} [${ms(amin)}]   runs ${runs(fdirTimes)}`);
    console.log(`(b) product full scan         ${ms(b).padStart(10)} [${ms(bmin)}]   runs ${runs(fullTimes)}`);
    console.log(
      `(c) rescan after 1% changed   ${ms(c).padStart(10)} [${ms(cmin)}]   runs ${runs(rescanTimes)}   (${changedRound} folders changed)`,
    );
    console.log(`ratio b/a = ${(b / a).toFixed(2)}x [${(bmin / amin).toFixed(2)}x]  (target <= 2x)`);
    console.log(`ratio c/b = ${(c / b).toFixed(2)}x [${(cmin / bmin).toFixed(2)}x]  (target <= 0.3x)`);
    console.log(
      `    rescan, state reloaded    ${ms(median(coldTimes)).padStart(10)}   runs ${runs(coldTimes)}   ratio /b = ` +
        `${(median(coldTimes) / b).toFixed(2)}x (first rescan of a process; no target)`,
    );
    console.log(
      `    first import scan         ${ms(importMs).padStart(10)}   ratio /a = ${(importMs / a).toFixed(2)}x (writes every episode row; ` +
        `no target)`,
    );
    console.log(`peak memory of the product's process (RSS; database and the fdir child excluded): ${mb(rssPeak)} (target < 150 MB)`);
    await db.end();
  } finally {
    await db0.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
