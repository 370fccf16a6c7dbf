// The image's server entry: the backend compiled by `tsc -p tsconfig.build.json` (no tsx at run time).
const { main } = await import('../backend/dist/main.js');
await main();
