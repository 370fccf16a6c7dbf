// npm start: builds the web UI when it is missing or stale, then runs the server (TypeScript via tsx).
import { register } from 'tsx/esm/api';
import { buildUiIfStale } from './build-ui.mjs';

await buildUiIfStale();
register();
const { main } = await import('../backend/src/main.ts');
await main();
