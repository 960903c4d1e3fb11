import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**'],
    globalSetup: ['test/setup/tmp-guard.ts'],
    setupFiles: ['test/setup/network-guard.ts', 'test/setup/warnings.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
