import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, client } from '../helpers/http.js';
import { until } from '../helpers/poll.js';

// The product as a user runs it (embedded PostgreSQL): its postgres is killed; the product restarts it.
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-pgcrash-'));
let child: ChildProcess | null = null;
let out = '';

afterAll(() => {
  try {
    process.kill(-child!.pid!, 'SIGKILL');
  } catch {
    /* gone */
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const postmasterPid = () => Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

describe('the embedded database', () => {
  it('is restarted by the product when its postgres process dies; the product itself stays up', async () => {
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
    child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let exitCode: number | null | undefined;
    child.on('exit', (code) => {
      exitCode = code;
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const url = await until(() => /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1], 'the URL it listens on', { timeout: 90_000, interval: 200 });
    const anon = client(url);
    expect((await anon.post('/api/auth/setup', { master_password: ADMIN_PASSWORD })).status).toBe(201);

    const before = postmasterPid();
    process.kill(before, 'SIGKILL');
    await until(() => /the embedded PostgreSQL stopped unexpectedly; restarting it/.test(out), 'the restart announced', 30_000);
    await until(() => /embedded PostgreSQL restarted/.test(out), 'the restart done', 60_000);
    expect(postmasterPid()).not.toBe(before);
    await until(async () => (await anon.get('/health')).status === 200, 'healthy again', 30_000);
    // a database-backed call works again; the data survived
    await until(async () => (await anon.post('/api/auth/login', { password: ADMIN_PASSWORD })).status === 200, 'a login', 30_000);
    expect(exitCode).toBeUndefined();
  }, 180_000);
});
