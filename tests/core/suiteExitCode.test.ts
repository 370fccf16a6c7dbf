import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';

// CI trusts `npm test`'s exit status. Once, a library hooked 'beforeExit' with process.exit(0) and a
// red suite exited 0: this runs a tiny suite with the same global setup and one failing test.
const root = path.resolve(import.meta.dirname, '../..');
const dir = path.join(root, 'tests', `.exit-check-${process.pid}`);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('a failing test makes the test command exit non-zero', () => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'red.check.ts'), "import { it, expect } from 'vitest';\nit('is red', () => expect(1).toBe(2));\n");
  fs.writeFileSync(
    path.join(dir, 'vitest.config.ts'),
    `export default { test: { root: ${JSON.stringify(dir)}, include: ['*.check.ts'], globalSetup: ` +
      `[${JSON.stringify(path.join(root, 'tests/helpers/globalSetup.ts'))}] } };\n`,
  );
  const run = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', path.join(dir, 'vitest.config.ts')],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 110_000,
      env: { ...process.env, CI: '1' },
    },
  );
  expect(run.stdout + run.stderr).toMatch(/1 failed/);
  expect(run.status).toBe(1);
}, 120_000);
