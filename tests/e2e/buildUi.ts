/** Builds the UI once per e2e run (vite build into frontend/dist), so the browser tests what a user gets. */
import path from 'node:path';
import { build } from 'vite';

export async function setup() {
  const root = path.resolve(import.meta.dirname, '../../frontend');
  // vitest sets NODE_ENV=test, which would make Vite bundle Vue's development build
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root, configFile: path.join(root, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
