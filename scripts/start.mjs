// npm start: with the dev dependencies installed, first builds what is stale (the web UI, the
// bundled server: scripts/build.mjs), then runs the bundled server, backend/dist/main.js.
// With UI_DIST set the server serves a UI built elsewhere, so the UI is not built here. After
// `npm prune --omit=dev` nothing is built: the last build runs as it is.
import fs from 'node:fs';
import module from 'node:module';
import { buildStale, devToolsInstalled } from './build.mjs';

// Node 22.1+: V8's compiled code of the server's bundle is kept on disk (NODE_COMPILE_CACHE, else
// the system's temporary folder), so a restart loads it without compiling it again
module.enableCompileCache?.();

if (devToolsInstalled()) await buildStale({ ui: !process.env.UI_DIST });
const entry = new URL('../backend/dist/main.js', import.meta.url);
if (!fs.existsSync(entry)) {
  console.error('backend/dist/main.js is missing: run `npm ci && npm run build` (the build needs the dev dependencies)');
  process.exit(1);
}
const { main } = await import(entry.href);
await main();
