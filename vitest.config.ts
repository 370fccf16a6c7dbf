import { defineConfig } from 'vitest/config';

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
    ],
  },
});
