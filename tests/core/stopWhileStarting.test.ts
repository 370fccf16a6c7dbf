import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { killProducts, startProduct } from '../helpers/product.js';
import { until } from '../helpers/poll.js';

// `npm start` stopped with Ctrl-C or a service manager's SIGTERM to the whole process group right
// after /health answers, while the worker is still starting: the database got the signal too and
// refused new connections, and the start-up waited for it until the 30 s forced exit (code 1).
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-stopstart-'));
afterAll(() => {
  killProducts();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('a stop asked for while starting ends the product and its database at once, exit code 0', async () => {
  const p = await startProduct({ dataDir, env: { DATABASE_URL: undefined, EMBEDDED_PG_PORT: undefined } });
  const startedBefore = p.output().includes('"worker started"');
  p.killGroup('SIGTERM');
  const code = await Promise.race([p.exited, new Promise<string>((r) => setTimeout(() => r('still running after 15 s'), 15_000))]);
  expect(code, p.output().slice(-3000)).toBe(0);
  expect(p.output()).toContain(startedBefore ? 'shutting down' : 'stopped while starting');
  // no PostgreSQL left behind on the data folder
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  await until(() => !fs.existsSync(pidFile), 'postmaster.pid removed by a clean shutdown', 10_000);
}, 120_000);
