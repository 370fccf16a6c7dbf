// npm run bench:start: how long `npm start` takes until GET /health answers 200, beside a bare
// `node -e` HTTP server started and asked the same way (what node, the process spawn and this
// machine cost on their own).
//   (a) bare `node -e` http.createServer().listen()
//   (b) `npm start` on a data folder used before (a restart: the embedded PostgreSQL exists)
//   (c) `npm start` on a fresh, empty data folder (the embedded PostgreSQL's initdb, the migrations)
// Medians of BENCH_START_ROUNDS (5) rounds; the UI and the server are built before timing
// (`npm start` builds them once when stale, which is not start-up). Targets: (b) <= 1.0 s, (c) <= 2.0 s.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { buildStale } from '../scripts/build.mjs';
import { freePort } from '../backend/src/db/embedded.js';

const root = path.resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_START_ROUNDS ?? 5);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-bench-start-'));

async function healthyAfter(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  url: string,
): Promise<{ ms: number; child: ChildProcess; stdout: () => string }> {
  const t0 = performance.now();
  // its own process group: npm does not pass SIGTERM on to the server, so the group gets it
  const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => (stdout += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${cmd} ${args.join(' ')} exited before it was healthy:\n${stderr.slice(-2000)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return { ms: performance.now() - t0, child, stdout: () => stdout };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

const groupAlive = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGTERM to the whole group, then wait until its last process (the server, its database) ended. */
async function stop(child: ChildProcess): Promise<void> {
  process.kill(-child.pid!, 'SIGTERM');
  while (groupAlive(child.pid!)) await new Promise((r) => setTimeout(r, 20));
}

async function bare(): Promise<number> {
  const port = await freePort();
  const code = `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
  const { ms, child } = await healthyAfter(process.execPath, ['-e', code], process.env, `http://127.0.0.1:${port}/health`);
  await stop(child);
  return ms;
}

/** The server's own account of its start-up steps (main.ts logs them once listening). */
type Phases = Record<string, number>;
const phasesOf = (stdout: string): Phases | null => {
  const line = stdout.split('\n').find((l) => l.includes('"startup":'));
  return line ? (JSON.parse(line) as { startup: Phases }).startup : null;
};

async function product(dataDir: string, phases?: Phases[]): Promise<number> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  delete env.NODE_ENV;
  const { ms, child, stdout } = await healthyAfter('npm', ['start', '--silent'], env, `http://127.0.0.1:${port}/health`);
  // the steps are logged once all runs: the download runtime and the worker start after HTTP answers
  for (let i = 0; i < 1500 && !phasesOf(stdout()); i++) await new Promise((r) => setTimeout(r, 20));
  const p = phasesOf(stdout());
  if (p && phases) phases.push(p);
  await stop(child);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

try {
  await buildStale();
  const restartDir = path.join(work, 'restart');
  await product(restartDir); // creates the database: the rounds below are restarts
  const runs = { bare: [] as number[], restart: [] as number[], fresh: [] as number[] };
  const phases = { restart: [] as Phases[], fresh: [] as Phases[] };
  for (let i = 0; i < ROUNDS; i++) {
    // interleaved, so load that comes and goes on the machine hits all three alike
    runs.bare.push(await bare());
    runs.restart.push(await product(restartDir, phases.restart));
    runs.fresh.push(await product(path.join(work, `fresh-${i}`), phases.fresh));
  }
  const rows: [string, number[], string][] = [
    ['(a) bare `node -e` HTTP server', runs.bare, ''],
    ['(b) `npm start`, restart', runs.restart, '<= 1.0 s'],
    ['(c) `npm start`, fresh data folder', runs.fresh, '<= 2.0 s'],
  ];
  console.log(
    `\nspawn to GET /health 200, median of ${ROUNDS} (Node ${process.version}, ${os.cpus().length} cores, load ` +
      `${os.loadavg()[0].toFixed(1)})`,
  );
  for (const [name, xs, target] of rows) {
    const m = median(xs);
    const ratio = name.startsWith('(a)') ? '' : `  ${(m / median(runs.bare)).toFixed(1)}x (a)`;
    const verdict = target ? `  target ${target}: ${m <= (target.includes('1.0') ? 1000 : 2000) ? 'met' : 'NOT met'}` : '';
    console.log(`${name.padEnd(38)} ${fmt(m).padStart(8)}   (${xs.map(fmt).join(', ')})${ratio}${verdict}`);
  }
  // where the time goes: the server's own steps (medians), the rest is npm and the process start
  for (const [name, list] of Object.entries(phases)) {
    if (!list.length) continue;
    const keys = Object.keys(list[0]);
    console.log(
      `${name} steps (server log, median ms; /health answers from http_listen on): ${keys
        .map((k) => `${k.replace(/_ms$/, '')} ` + `${median(list.map((p) => p[k] ?? 0))}`)
        .join(', ')}`,
    );
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
