import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The chunks of long user-program fuzz runs (scripts/fuzz.mjs): test/fuzz-users.test.ts
// compiles its programs through the transformer itself (test/support/compile.ts) and calls no
// API function of its own, so it needs neither tapeless's Vite plugin nor the type tests,
// whose start-up (a type-checked program of the test sources, tsc) each chunk would pay again.
export default defineConfig({
  resolve: {
    alias: [{ find: /^tapeless$/, replacement: fileURLToPath(new URL('./dist/runtime/index.js', import.meta.url)) }],
  },
  test: {
    include: ['test/fuzz-users.test.ts'],
    testTimeout: 0,
    hookTimeout: 0,
  },
});
