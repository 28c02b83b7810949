import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
// The suite runs through tapeless's own Vite plugin, as a user's would (built by `pretest`).
import tapeless from './dist/transformer/hosts/vite.js';

export default defineConfig({
  plugins: [tapeless()],
  resolve: {
    alias: [{ find: /^tapeless$/, replacement: fileURLToPath(new URL('./dist/runtime/index.js', import.meta.url)) }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Type tests (*.test-d.ts) run through tsc with the root tsconfig.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
