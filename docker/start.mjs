// The image's server entry: the server bundled by scripts/build.mjs (no TypeScript tooling at run time).
import module from 'node:module';

// V8's compiled code of the bundle is kept on disk (NODE_COMPILE_CACHE, else /tmp): a restart of
// the container reuses it
module.enableCompileCache?.();
const { main } = await import('../backend/dist/main.js');
await main();
