// The image's server entry: the server compiled by scripts/build.mjs (no TypeScript tooling at run time).
const { main } = await import('../backend/dist/main.js');
await main();
