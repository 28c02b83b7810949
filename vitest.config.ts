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
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
