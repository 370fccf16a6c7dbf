import os from 'node:os';
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';
import BrowserSpreadSequencer from './tests/helpers/sequencer.ts';

// Most test files wait on IO (the database, fake sites, ffmpeg, child processes), not on the CPU:
// TEST_WORKERS runs that many test files at once (default: one per core less one, but at least two,
// so a 2-core machine runs two files at once; each file has its own database, folders and ports).
const workers = Number(process.env.TEST_WORKERS) || Math.max(2, os.availableParallelism() - 1);

export default defineConfig({
  test: {
    maxWorkers: workers,
    sequence: { sequencer: BrowserSpreadSequencer },
    projects: [
      {
        test: {
          name: 'backend',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/e2e/**', 'tests/frontend/**', 'node_modules/**'],
          globalSetup: ['tests/helpers/globalSetup.ts'],
          // only 127.0.0.1 is reachable: a connection elsewhere fails the test
          setupFiles: ['tests/helpers/outboundGuard.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [vue({ template: { compilerOptions: { whitespace: 'preserve' } } })],
        test: {
          name: 'frontend',
          include: ['tests/frontend/**/*.test.ts'],
          environment: 'happy-dom',
          setupFiles: ['tests/helpers/outboundGuard.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          // the UI's `vite build` starts with the run; the browser files wait for it (tests/e2e/builtUi.ts)
          globalSetup: ['tests/helpers/globalSetup.ts', 'tests/e2e/buildUiEarly.ts'],
          setupFiles: ['tests/helpers/outboundGuard.ts'],
          environment: 'node',
          pool: 'forks',
          // beside the backend files, one browser at a time (tests/e2e/browserTurn.ts; the order: tests/helpers/sequencer.ts)
          testTimeout: 120_000,
          // a file's beforeAll also waits for its browser turn: another file's whole run
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
