import * as os from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * The integration tier (`npm run test:integration`): tests that start a real kube-apiserver and
 * etcd from .tools/bin. Each file starts a control plane of its own (its own ports and directory),
 * so files run side by side, one per core.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/temp-root.ts'],
    include: ['test/integration/**/*.test.ts'],
    maxWorkers: os.availableParallelism(),
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
