import { defineConfig } from 'vitest/config';

// End-to-end tests: a real VS Code (code-server) in headless Chromium, one at a time (each peaks at
// ~1.3 GiB), with timeouts long enough for a cold start on 2 cores.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    maxWorkers: 1,
    minWorkers: 1,
    // a failed UI step is not retried: it would hide flakiness instead of showing it
    retry: 0,
  },
});
