// npm start: builds the web UI when it is missing or stale, then runs the server (TypeScript via tsx).
// With UI_DIST set the server serves a UI built elsewhere, so nothing is built here.
import { register } from 'tsx/esm/api';
import { buildUiIfStale } from './build-ui.mjs';

if (!process.env.UI_DIST) await buildUiIfStale();
register();
const { main } = await import('../backend/src/main.ts');
await main();
