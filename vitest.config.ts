import * as os from 'node:os';
import { defineConfig } from 'vitest/config';

/** Test files that replace a module or a global with vitest's mocker: each runs in a module registry of its own. */
export const MOCKING = ['test/synth/incremental-collision.test.ts'];

const INCLUDE = ['test/**/*.test.ts'];
// The integration tier starts a control plane: `npm run test:integration`.
const EXCLUDE = ['test/integration/**', '**/node_modules/**'];
const TIMEOUTS = { testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    globalSetup: ['test/temp-root.ts'],
    // vitest's run mode keeps a core for its main process, which leaves one worker on two cores;
    // the tests mostly wait for the processes they start, so each core gets a worker.
    maxWorkers: os.availableParallelism(),
    projects: [
      // The rest share each worker's module registry (no per-file re-import of cdk8s): tests restore
      // what they change (environment, cwd, spies), which test/vitest-config.test.ts checks for mocks.
      { test: { name: 'shared', include: INCLUDE, exclude: [...EXCLUDE, ...MOCKING], isolate: false, ...TIMEOUTS } },
      { test: { name: 'isolated', include: MOCKING, ...TIMEOUTS } },
    ],
  },
});
