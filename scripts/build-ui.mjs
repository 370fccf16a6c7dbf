// Builds frontend/ with Vite when frontend/dist is missing or older than any source file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const frontend = path.join(root, 'frontend');
const dist = path.join(frontend, 'dist');
const stampFile = path.join(dist, 'index.html');

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

export async function buildUiIfStale(force = false) {
  if (!fs.existsSync(path.join(frontend, 'index.html'))) return;
  const built = fs.existsSync(stampFile) ? fs.statSync(stampFile).mtimeMs : 0;
  if (!force && built >= newestMtime(frontend)) return;
  console.log('building the web UI (vite build)...');
  const { build } = await import('vite');
  await build({ root: frontend, configFile: path.join(frontend, 'vite.config.ts'), logLevel: 'warn' });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildUiIfStale(process.argv.includes('--force'));
}
