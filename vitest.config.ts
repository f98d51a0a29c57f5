import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/temp-root.ts'],
    include: ['test/**/*.test.ts'],
    // The integration tier starts a control plane: `npm run test:integration`.
    exclude: ['test/integration/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
