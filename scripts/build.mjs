// Builds what `npm start` and the image run, each part only when it is missing or older than its
// sources (or always with --force):
//   frontend/dist   the web UI (vite build)
//   backend/dist    the server as JavaScript: esbuild's per-file TypeScript transform (the one tsx
//                   applies; types are `npm run typecheck`'s business), plus ReDoc's standalone
//                   bundle in backend/dist/vendor/ so the redoc package need not ship
// It needs the dev dependencies; `npm start` calls it only when they are installed. Processes that
// start at once (tests, a cluster) build one at a time: the others wait and find it fresh.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const frontend = path.join(root, 'frontend');
const backendSrc = path.join(root, 'backend/src');
const backendDist = path.join(root, 'backend/dist');
const backendStamp = path.join(backendDist, '.built');
const uiStamp = path.join(frontend, 'dist/index.html');
const lockDir = path.join(root, '.build-lock');

/** Whether the build tools (dev dependencies) are installed: after `npm ci --omit=dev` they are not. */
export function devToolsInstalled() {
  try {
    require.resolve('esbuild');
    require.resolve('vite');
    return true;
  } catch {
    return false;
  }
}

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    // a folder's own time changes when a file in it is removed or renamed
    newest = Math.max(newest, fs.statSync(p).mtimeMs, entry.isDirectory() ? newestMtime(p) : 0);
  }
  return newest;
}

const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);
const hasUi = () => fs.existsSync(path.join(frontend, 'index.html'));
const uiStale = () => hasUi() && mtime(uiStamp) < newestMtime(frontend);
const backendStale = () => mtime(backendStamp) < newestMtime(backendSrc);

async function buildUi() {
  console.log('building the web UI (vite build)...');
  const { build } = await import('vite');
  // a test runner's NODE_ENV=test would make Vite bundle Vue's development build
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: frontend, configFile: path.join(frontend, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

function sourceFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

async function buildBackend() {
  console.log('compiling the server (esbuild)...');
  const esbuild = await import('esbuild');
  const out = `${backendDist}.tmp-${process.pid}`;
  fs.rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: sourceFiles(backendSrc),
    outbase: backendSrc,
    outdir: out,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  const redoc = path.join(path.dirname(require.resolve('redoc/package.json')), 'bundles/redoc.standalone.js');
  fs.mkdirSync(path.join(out, 'vendor'), { recursive: true });
  fs.copyFileSync(redoc, path.join(out, 'vendor/redoc.standalone.js'));
  fs.writeFileSync(path.join(out, '.built'), '');
  // swap in whole: a process started from the old output keeps its loaded modules
  const old = `${backendDist}.old-${process.pid}`;
  if (fs.existsSync(backendDist)) fs.renameSync(backendDist, old);
  fs.renameSync(out, backendDist);
  fs.rmSync(old, { recursive: true, force: true });
}

async function withLock(fn) {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      // a build that died long ago left its lock behind
      if (Date.now() - mtime(lockDir) > 10 * 60_000) fs.rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`another build holds ${lockDir}`, { cause: e });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Builds the stale parts (all with force); `ui: false` leaves the UI alone (UI_DIST serves another). */
export async function buildStale({ force = false, ui = true } = {}) {
  if (!force && !(ui && uiStale()) && !backendStale()) return;
  await withLock(async () => {
    if (ui && hasUi() && (force || uiStale())) await buildUi();
    if (force || backendStale()) await buildBackend();
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const force = process.argv.includes('--force');
  if (process.argv.includes('--ui')) await withLock(() => (hasUi() && (force || uiStale()) ? buildUi() : undefined));
  else await buildStale({ force });
}
