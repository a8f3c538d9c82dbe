import { defineConfig } from 'vitest/config';

// Three projects: fast unit/conformance tests; end-to-end suites that spawn the built CLI and the
// emulator (slow; they build dist/ once in their global setup); and the k6 engine's end-to-end
// suite, which needs a k6 binary (K6_BIN, PATH, ../shared/bin/k6) and skips in one line without.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/k6/**', 'node_modules/**'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'k6',
          include: ['test/k6/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 150_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
