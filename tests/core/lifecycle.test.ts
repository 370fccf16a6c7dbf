import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, client } from '../helpers/http.js';

// The real product as a user starts it: `node scripts/start.mjs`, embedded PostgreSQL (no DATABASE_URL).
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-life-'));
const children: ChildProcess[] = [];

afterAll(() => {
  // whatever is left of each start (an orphaned postgres keeps its group after its leader died)
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* group already gone */
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    UI_DIST: path.join(dataDir, 'no-ui'),
    LOG_LEVEL: 'info',
  };
  delete env.DATABASE_URL;
  delete env.EMBEDDED_PG_PORT;
  // its own process group, so the test can kill the product and its postgres together
  const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no listening line within 90 s:\n${out.slice(-2000)}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d));
    void exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${out.slice(-2000)}`)));
  });
  expect((await client(url).get('/health')).status).toBe(200);
  return { child, url, exited };
}

const postmasterPid = () => Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the product as a process', () => {
  it('stops cleanly on SIGTERM, restarts on its data, and survives a crash and an orphaned database', async () => {
    // first start: a fresh data folder gets an embedded database; set up the admin
    const first = await start();
    expect((await client(first.url).post('/api/auth/setup', { master_password: ADMIN_PASSWORD })).status).toBe(201);
    const pg1 = postmasterPid();
    expect(alive(pg1)).toBe(true);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(alive(pg1)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    // second start on the same folder: the same data
    const second = await start();
    expect((await client(second.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).status).toBe(200);
    const pg2 = postmasterPid();
    // a crash: the whole process group dies at once, leaving a stale postmaster.pid
    process.kill(-second.child.pid!, 'SIGKILL');
    await second.exited;
    for (let i = 0; i < 100 && alive(pg2); i++) await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(true);

    // third start: still comes up with the data
    const third = await start();
    expect((await client(third.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).status).toBe(200);
    expect((await client(third.url).get('/api/auth/status')).body.configured).toBe(true);
    const pg3 = postmasterPid();
    // the server alone is killed (as the OOM killer would): its postgres lives on, orphaned
    third.child.kill('SIGKILL');
    await third.exited;
    expect(alive(pg3)).toBe(true);

    // fourth start: the orphan is stopped and the data served again
    const fourth = await start();
    expect(alive(pg3)).toBe(false);
    expect((await client(fourth.url).post('/api/auth/login', { password: ADMIN_PASSWORD })).status).toBe(200);
    const pg4 = postmasterPid();
    fourth.child.kill('SIGTERM');
    expect(await fourth.exited).toBe(0);
    expect(alive(pg4)).toBe(false);
  }, 240_000);
});
