import { availableParallelism } from 'node:os';
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
    // Vitest runs availableParallelism − 1 files at once when not watching: one file at a time
    // on a 2-core machine, where much of the suite waits on child processes (tsc, npm,
    // bundlers, node running the emitted code). Two files at once keep both cores busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Files share their worker's modules: isolating each file re-imported TypeScript and the
    // transformer and re-parsed the lib files of its compiles, half the suite's CPU time.
    // Tests write to directories of their own and restore what they change (process.env).
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
