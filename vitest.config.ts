import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'backend',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/e2e/**', 'tests/frontend/**', 'node_modules/**'],
          globalSetup: ['tests/helpers/globalSetup.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [vue()],
        test: {
          name: 'frontend',
          include: ['tests/frontend/**/*.test.ts'],
          environment: 'happy-dom',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          // the database first, then one `vite build` of the UI the server will serve
          globalSetup: ['tests/helpers/globalSetup.ts', 'tests/e2e/buildUi.ts'],
          environment: 'node',
          pool: 'forks',
          // one browser at a time: the machine is small and the screenshots should not race
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
