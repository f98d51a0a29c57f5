import { defineConfig } from 'vitest/config';

/**
 * The cluster tier (`npm run test:cluster`, opt-in: `CLUSTER_TIER=1 .ci/run`): Argo CD in the
 * loop on a simulated cluster, from argocd/<env>/bootstrap/ to every Application Synced and
 * Healthy. Its files end in .cluster.ts so that the default `vitest run` never picks them up;
 * one at a time, since each starts a cluster of its own. It also runs the integration tier's
 * Kyverno file, which `npm run test:integration` skips unless this tier's tools are built.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/temp-root.ts'],
    include: ['test/cluster/**/*.cluster.ts', 'test/integration/kyverno.test.ts'],
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
  },
});
