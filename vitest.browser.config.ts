import { defineConfig } from "vitest/config";

/**
 * `npm run test:browser`: end-to-end tests in Debian's Chromium (playwright-core). Kept out
 * of `npm test` (vitest.config.ts excludes test/browser) because they need
 * `apt-get install -y chromium` and take seconds.
 */
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
