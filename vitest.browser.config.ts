import { defineConfig } from 'vitest/config';

// The diagram webview in headless Chromium (playwright-core, /usr/bin/chromium or CHROMIUM_PATH)
// with a fake host; needs dist/webview.js (`node scripts/build.mjs`). Screenshots go to
// .test-output/browser/.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
