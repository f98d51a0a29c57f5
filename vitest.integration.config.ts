import { defineConfig } from 'vitest/config';

/**
 * The integration tier (`npm run test:integration`): tests that start a real kube-apiserver and
 * etcd from .tools/bin. One file at a time, since each starts a control plane of its own.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/temp-root.ts'],
    include: ['test/integration/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
