import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { takeBlocked } from '../helpers/outboundGuard.js';

// The suite reaches nothing but this machine (tests/helpers/outboundGuard.ts, a setup file of every
// project; product processes the tests start load outboundGuard.child.mjs). 192.0.2.1 is TEST-NET-1:
// never routed, so even a broken guard sends nothing anywhere.
const root = path.resolve(import.meta.dirname, '../..');
const dir = path.join(root, 'tests', `.guard-check-${process.pid}`);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('outbound connections in tests', () => {
  it('a request to another host is refused at once, naming the host; loopback works', async () => {
    const err = await fetch('http://192.0.2.1:8080/x').then(
      () => null,
      (e: Error) => e,
    );
    expect(String((err?.cause as Error | undefined)?.message)).toMatch(/outbound connection to 192\.0\.2\.1:8080 blocked/);
    await expect(fetch('http://example.invalid/')).rejects.toThrow();
    expect(takeBlocked().map((b) => b.split('\n')[0])).toEqual(['192.0.2.1:8080', 'example.invalid:80']);
    // the suite's own servers stay reachable
    const http = await import('node:http');
    const server = http.createServer((_, res) => res.end('ok')).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
    expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe('ok');
    server.close();
    expect(takeBlocked()).toEqual([]);
  });

  it('fails the test that made the connection, even when the code swallowed the error', () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'outbound.check.ts'),
      "import { it } from 'vitest';\nit('calls out', async () => { await fetch('http://192.0.2.1:8081/').catch(() => undefined); });\n",
    );
    fs.writeFileSync(
      path.join(dir, 'vitest.config.ts'),
      `export default { test: { root: ${JSON.stringify(dir)}, include: ['*.check.ts'], setupFiles: ` +
        `[${JSON.stringify(path.join(root, 'tests/helpers/outboundGuard.ts'))}] } };\n`,
    );
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', path.join(dir, 'vitest.config.ts')],
      { cwd: root, encoding: 'utf8', timeout: 110_000, env: { ...process.env, CI: '1' } },
    );
    const out = run.stdout + run.stderr;
    expect(out).toMatch(/1 failed/);
    expect(out).toMatch(/tried to reach 1 host\(s\) outside 127\.0\.0\.1[\s\S]*192\.0\.2\.1:8081/);
    expect(run.status).toBe(1);
  }, 120_000);

  it('product processes started by the tests refuse other hosts too, and say so on stderr', () => {
    const run = spawnSync(
      process.execPath,
      [
        `--import=${path.join(root, 'tests/helpers/outboundGuard.child.mjs')}`,
        '-e',
        "fetch('http://192.0.2.1:8081/').then(() => console.log('reached'), (e) => console.log(e.cause.message))",
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.stdout).toMatch(/outbound connection to 192\.0\.2\.1:8081 blocked/);
    expect(run.stderr).toContain('OUTBOUND-CONNECTION-BLOCKED 192.0.2.1:8081');
  });
});
