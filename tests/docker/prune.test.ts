import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../backend/src/db/embedded.js';
import { client } from '../helpers/http.js';
import { REPO, emptyDatabase, exportBuildContext, run, stop, waitForHealthy, type Proc } from './recipe.js';

/**
 * A checkout as a self-hoster has it: `npm ci` (here: this repository's node_modules, hard-linked),
 * `npm run build`, then `npm prune --omit=dev`: `npm start` runs the built server without any
 * build tool, and serves the UI and both API documentation pages.
 */
let root = '';
const procs: Proc[] = [];

function sh(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 400_000,
    env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'aniworld-prune-'));
  exportBuildContext(root);
  // hard links: pruning unlinks, never writes into a shared file; npm's own record is rewritten, so it is a copy
  sh('cp', ['-al', path.join(REPO, 'node_modules'), path.join(root, 'node_modules')], root);
  fs.rmSync(path.join(root, 'node_modules/.package-lock.json'), { force: true });
  sh('npm', ['run', 'build'], root);
  sh('npm', ['prune', '--omit=dev'], root);
}, 600_000);

afterAll(async () => {
  for (const p of procs) await stop(p);
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('npm prune --omit=dev after a build', () => {
  it('leaves no build tool or UI package behind', () => {
    for (const dev of [
      'vite',
      'esbuild',
      'tsx',
      'vue',
      'vue-router',
      'redoc',
      'socket.io-client',
      '@vitejs/plugin-vue',
      'vitest',
      'playwright-core',
    ]) {
      expect(fs.existsSync(path.join(root, 'node_modules', dev)), dev).toBe(false);
    }
    expect(fs.existsSync(path.join(root, 'backend/dist/vendor/redoc.standalone.js'))).toBe(true);
  });

  it('npm start runs the built server: health, the UI, Swagger UI and ReDoc', async () => {
    const port = await freePort();
    const env = {
      PATH: process.env.PATH!,
      HOME: root,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATA_DIR: path.join(root, 'data'),
      DATABASE_URL: await emptyDatabase(),
    };
    const proc = run('npm', ['start'], { cwd: root, env, group: true });
    procs.push(proc);
    const url = `http://127.0.0.1:${port}`;
    await waitForHealthy(`${url}/health`, proc);
    expect(proc.output()).not.toMatch(/building|compiling/);
    // the built UI: its document, naming the library page's code (the build's page-preloads.json) at /
    const ui = await (await fetch(`${url}/`)).text();
    const [head, tail] = fs.readFileSync(path.join(root, 'frontend/dist/index.html'), 'utf8').split('</head>');
    const library = (
      JSON.parse(fs.readFileSync(path.join(root, 'frontend/dist/page-preloads.json'), 'utf8')) as Record<string, { js: string[] }>
    )['/'];
    expect(ui.startsWith(head)).toBe(true);
    expect(ui.endsWith(`</head>${tail}`)).toBe(true);
    for (const f of library.js) expect(ui).toContain(`<link rel="modulepreload" crossorigin href="/${f}">`);
    const anon = client(url);
    expect((await anon.get('/api/redoc')).status).toBe(200);
    const redoc = await fetch(`${url}/api/redoc/assets/redoc.standalone.js`);
    expect(redoc.status).toBe(200);
    expect((await redoc.arrayBuffer()).byteLength).toBe(fs.statSync(path.join(root, 'backend/dist/vendor/redoc.standalone.js')).size);
    expect((await fetch(`${url}/api/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
    expect((await anon.get('/api/openapi.json')).body.openapi).toBe('3.1.0');
    await stop(proc);
    expect(proc.output()).toMatch(/shutting down/);
  });
});
