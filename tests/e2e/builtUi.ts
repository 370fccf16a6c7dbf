/**
 * The UI as `vite build` makes it, so the browser tests what a user gets: built once per state of its
 * sources and kept in a temp folder named by their hash. The browser files of a run (and a second run
 * on other Node, as .ci/run does) share one build; any change to a source builds anew.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const REPO = path.resolve(import.meta.dirname, '../..');
const CACHE = path.join(os.tmpdir(), 'aniworld-ui');
// what the build reads: the UI, the server's rules it imports (frontend/src imports backend/src/rules),
// and the exact packages (vite, vue, ...) of the lock file
const INPUTS = ['frontend', 'backend/src', 'package-lock.json'];
const SKIP = new Set(['dist', 'node_modules']);

function hashInputs(): string {
  const hash = crypto.createHash('sha256');
  const add = (rel: string) => {
    const abs = path.join(REPO, rel);
    if (fs.statSync(abs).isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) if (!SKIP.has(name)) add(path.join(rel, name));
    } else {
      hash.update(`${rel}\0${fs.readFileSync(abs).length}\0`).update(fs.readFileSync(abs));
    }
  };
  for (const rel of INPUTS) add(rel);
  return hash.digest('hex').slice(0, 16);
}

async function build(outDir: string): Promise<void> {
  // in a process of its own: vitest's NODE_ENV=test would make Vite bundle Vue's development build
  const vite = path.join(REPO, 'node_modules/vite/bin/vite.js');
  const args = [vite, 'build', '--config', 'frontend/vite.config.ts', '--mode', 'production'];
  await promisify(execFile)(process.execPath, [...args, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: REPO,
    env: { ...process.env, NODE_ENV: 'production' },
    maxBuffer: 16 * 1024 * 1024,
  });
}

let built: Promise<string> | null = null;

/** The folder of the built UI for the sources as they are now (built first if no run has built them). */
export function builtUi(): Promise<string> {
  built ??= buildOnce();
  return built;
}

async function buildOnce(): Promise<string> {
  const dir = path.join(CACHE, hashInputs());
  const done = path.join(dir, '.done');
  const lock = `${dir}.lock`;
  fs.mkdirSync(CACHE, { recursive: true });
  // one process builds, the others wait for it: a build takes a core for tens of seconds
  for (const deadline = Date.now() + 10 * 60_000; !fs.existsSync(done);) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // a build that died (its process gone, or silent for 10 minutes) left its lock behind
      if (!lockHolderAlive(lock)) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`another process holds ${lock}`, { cause: err });
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      if (fs.existsSync(done)) break;
      const tmp = `${dir}.tmp-${process.pid}`;
      fs.rmSync(tmp, { recursive: true, force: true });
      await build(tmp);
      fs.writeFileSync(path.join(tmp, '.done'), '');
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(tmp, dir);
      pruneOld(dir);
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
  // in use: not pruned as old by another checkout's build
  fs.utimesSync(dir, new Date(), new Date());
  return dir;
}

function lockHolderAlive(lock: string): boolean {
  const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
  if (age > 10 * 60_000) return false;
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    return true; // just made, its pid not yet written
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Builds of sources as they were more than a day ago: no run needs them any more. */
function pruneOld(keep: string): void {
  for (const name of fs.readdirSync(CACHE)) {
    const p = path.join(CACHE, name);
    if (p === keep || name.endsWith('.lock')) continue;
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (st && Date.now() - st.mtimeMs > 24 * 3600_000) fs.rmSync(p, { recursive: true, force: true });
  }
}
