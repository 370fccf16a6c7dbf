/** Builds the UI once per e2e run (vite build into frontend/dist), so the browser tests what a user gets. */
import path from 'node:path';
import { build } from 'vite';

export const UI_DIST = path.resolve(import.meta.dirname, '../../frontend/dist');

export async function setup() {
  const root = path.resolve(import.meta.dirname, '../../frontend');
  await build({ root, configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
}
