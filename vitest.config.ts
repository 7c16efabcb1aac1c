import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    // beforeAll hooks that run a sweep get the same budget as a test (the default 10 s fails on a busy machine)
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
