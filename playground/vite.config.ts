// Builds the playground into playground/dist: a static page with relative URLs, which any
// static file server serves (`npm run playground` builds it and serves it with `vite preview`).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  resolve: {
    alias: {
      // The transformer's only uses of Node: path arithmetic, and reading runtime/*.js, which
      // the playground gives as text instead (TransformOptions.runtimeSources).
      path: 'pathe',
      fs: here('src/no-fs.ts'),
    },
  },
  // TypeScript makes the compile worker large (about 4 MB); the timing report of a slow build is noise.
  build: { outDir: here('dist'), emptyOutDir: true, chunkSizeWarningLimit: 6000, rolldownOptions: { checks: { bundlerTimings: false } } },
  worker: { rolldownOptions: { checks: { bundlerTimings: false } } },
  preview: { port: 5180, strictPort: false },
});
