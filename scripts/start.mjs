// npm start: with the dev dependencies installed, first builds what is stale (the web UI, the
// bundled server: scripts/build.mjs), then runs the bundled server, backend/dist/main.js.
// With UI_DIST set the server serves a UI built elsewhere, so the UI is not built here. After
// `npm prune --omit=dev` nothing is built: the last build runs as it is.
import fs from 'node:fs';
import module from 'node:module';
import { anyStale, buildStale, devToolsInstalled } from './build.mjs';

// Node 22.1+: V8's compiled code of the server's bundle is kept on disk (NODE_COMPILE_CACHE, else
// the system's temporary folder), so a restart loads it without compiling it again
module.enableCompileCache?.();

const entry = new URL('../backend/dist/main.js', import.meta.url);
const ui = !process.env.UI_DIST;
// A restart (the usual case) finds the build fresh: the last build's entry loads (~0.1 s of this
// thread) while the thread pool stats the sources to tell. When it is stale, that load is dropped
// and the new build's entry loaded instead (another URL: a new module).
const tools = devToolsInstalled();
// a failed check counts as stale: buildStale() checks again (and says why it fails)
const stale = tools ? anyStale({ ui }).catch(() => true) : Promise.resolve(false);
const early = fs.existsSync(entry) ? import(entry.href).catch(() => null) : Promise.resolve(null);
let loaded = (await stale) ? null : await early;
if (!loaded) {
  await early; // settled before the build swaps the folder it reads
  if (tools) await buildStale({ ui });
  if (!fs.existsSync(entry)) {
    console.error('backend/dist/main.js is missing: run `npm ci && npm run build` (the build needs the dev dependencies)');
    process.exit(1);
  }
  loaded = await import(`${entry.href}?built=${fs.statSync(entry).mtimeMs}`);
}
await loaded.main();
