import { defineConfig } from 'vitest/config';

// End to end in a VPC in a box (scripts/e2e): needs root and Linux, skips with the reason otherwise.
// Forks, not threads: the harness removes its namespaces from SIGINT/SIGTERM handlers, which worker
// threads cannot have. Files run one after another: the scenarios depend on probe timeouts and the
// machine has two shared cores.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/e2e/support/global-setup.ts'],
  },
});
