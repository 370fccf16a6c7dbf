/**
 * One browser at a time across the run's parallel test files: the browser files run beside the
 * backend files (the machine is small, and two Chromiums at once on a busy one made waits in the UI
 * time out), each waiting for its turn. A lock folder named after the run (its template database).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';

function lockDir(): string {
  return path.join(os.tmpdir(), `aniworld-browser-${inject('pgTemplate')}.lock`);
}

function holderGone(lock: string): boolean {
  const pid = Number(fs.readFileSync(path.join(lock, 'pid'), { encoding: 'utf8', flag: 'r' }).trim() || NaN);
  if (!Number.isInteger(pid)) return false; // being written
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Waits until no other test file of this run has a browser open; the returned function ends the turn. */
export async function takeBrowserTurn(): Promise<() => void> {
  const lock = lockDir();
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // a test process that died with its browser open leaves the lock behind
      if (safe(() => holderGone(lock))) fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    fs.rmSync(lock, { recursive: true, force: true });
  };
}

function safe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false; // the lock went or its pid file is not written yet
  }
}
