import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, client } from '../helpers/http.js';
import { until } from '../helpers/poll.js';
import { killProducts, startProduct } from '../helpers/product.js';

// The real product as a user starts it: `node scripts/start.mjs`, embedded PostgreSQL (no DATABASE_URL).
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-life-'));

afterAll(() => {
  // whatever is left of each start (an orphaned postgres keeps its group after its leader died)
  killProducts();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function start() {
  const proc = await startProduct({ dataDir, env: { DATABASE_URL: undefined, EMBEDDED_PG_PORT: undefined, LOG_FILE: undefined } });
  expect((await client(proc.url).get('/health')).status).toBe(200);
  return proc;
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
    second.killGroup('SIGKILL');
    await second.exited;
    await until(() => !alive(pg2), 'the database gone with its group', 10_000);
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

  it('started by `npm start`, stops with its database when npm alone gets SIGTERM', async () => {
    // npm passes the signal to its script's shell only, which dies without passing it on
    const npm = await startProduct({ dataDir, viaNpm: true, env: { DATABASE_URL: undefined, EMBEDDED_PG_PORT: undefined } });
    expect((await client(npm.url).get('/health')).status).toBe(200);
    const server = Number(/"pid":(\d+)/.exec(npm.output())![1]);
    const pg = postmasterPid();
    expect(server).not.toBe(npm.child.pid);
    npm.child.kill('SIGTERM');
    await npm.exited;
    await until(() => !alive(server) && !alive(pg), 'the server and its database stopped', 20_000);
    expect(npm.output()).toMatch(/"signal":"launcher exited".*"msg":"shutting down"/);
    // a clean stop: the database removed its pid file
    expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 120_000);
});
