// Builds the package: the runtime as ESM, the transformer and its hosts as CommonJS
// (ts-patch loads transformers with require, and cannot load TypeScript on Node 20).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
// Every build starts from an empty dist, so that no output of a moved or deleted source
// stays behind (and is shipped, or imported by a test).
rmSync('dist', { recursive: true, force: true });
for (const project of ['tsconfig.runtime.json', 'tsconfig.transformer.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
}
mkdirSync('dist/transformer', { recursive: true });
// `tsp` is ts-patch's plugin package config (read from the package.json nearest to the
// transformer): since TypeScript 5.3 tsc skips JSDoc in .ts/.d.ts files unless a plugin asks
// for it, and the transformer recognises the API functions by their `@tapeless` JSDoc tag.
writeFileSync('dist/transformer/package.json', JSON.stringify({ type: 'commonjs', tsp: { tscOptions: { parseAllJsDoc: true } } }) + '\n');
chmodSync('dist/transformer/hosts/cli.js', 0o755);
