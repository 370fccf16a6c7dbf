import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { ADMIN_PASSWORD, client } from '../helpers/http.js';
import { until } from '../helpers/poll.js';

// The product as a user runs it (embedded PostgreSQL): its postgres is killed; the product restarts it.
const root = path.resolve(import.meta.dirname, '../..');
const started: { child: ChildProcess; dataDir: string }[] = [];

afterAll(() => {
  for (const { child, dataDir } of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

/** `npm start`'s script on a new data folder; what it prints is collected (and shown when the test fails). */
function startProduct() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-pgcrash-'));
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
  const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push({ child, dataDir });
  const p = {
    out: '',
    exitCode: undefined as number | null | undefined,
    postmasterPid: () => Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]),
    url: () => until(() => /"url":"(http:\/\/[^"]+)"/.exec(p.out)?.[1], 'the URL it listens on', { timeout: 90_000, interval: 20 }),
  };
  child.on('exit', (code) => (p.exitCode = code));
  child.stdout!.on('data', (d) => (p.out += d));
  child.stderr!.on('data', (d) => (p.out += d));
  onTestFailed(() => console.error(`the product printed:\n${p.out.slice(-6000)}`));
  return p;
}

/** Kills the product's postgres and waits for the product to start another one and to answer from the database again. */
async function killAndRecover(p: ReturnType<typeof startProduct>, url: string, answers: () => Promise<boolean>) {
  const before = p.postmasterPid();
  process.kill(before, 'SIGKILL');
  await until(() => /the embedded PostgreSQL stopped unexpectedly; restarting it/.test(p.out), 'the restart announced', 30_000);
  await until(() => /embedded PostgreSQL restarted/.test(p.out), 'the restart done', 60_000);
  expect(p.postmasterPid()).not.toBe(before);
  await until(async () => (await client(url).get('/health')).status === 200, 'healthy again', 30_000);
  await until(answers, 'an answer from the database', 30_000);
  expect(p.exitCode).toBeUndefined();
  expect(p.out).not.toMatch(/unhandled rejection/);
}

describe('the embedded database', () => {
  it('is restarted by the product when its postgres process dies; the product itself stays up', async () => {
    const p = startProduct();
    const url = await p.url();
    const anon = client(url);
    expect((await anon.post('/api/auth/setup', { master_password: ADMIN_PASSWORD })).status).toBe(201);
    await until(() => p.out.includes('"worker started"'), 'the worker started', 60_000);
    // a login works again: the data survived
    await killAndRecover(p, url, async () => (await anon.post('/api/auth/login', { password: ADMIN_PASSWORD })).status === 200);
  }, 180_000);

  it('may die while the product is still starting (HTTP answers, the worker is not running yet)', async () => {
    const p = startProduct();
    const url = await p.url();
    expect(p.out).not.toContain('"worker started"');
    await killAndRecover(p, url, async () => {
      const res = await client(url).get('/api/auth/status');
      return res.status === 200 && (res.body as { configured?: boolean }).configured === false;
    });
    await until(() => p.out.includes('"worker started"'), 'the worker started', 60_000);
    expect(p.exitCode).toBeUndefined();
  }, 180_000);
});
