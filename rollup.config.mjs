// Bundles examples/ with rollup through tapeless, as a user's rollup config would:
// `npm run build && npx rollup -c`, output in dist-examples/ (gitignored; next to examples/,
// where @rollup/plugin-typescript's source maps come out right: rollup/plugins#1966).
// Every examples/*.ts is an entry, so the bundle exports what each example exports.
import { readdirSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';
import { tapelessTransformers } from 'tapeless/rollup';

const outDir = 'dist-examples';
const entries = readdirSync('examples').filter((file) => file.endsWith('.ts'));

export default {
  input: Object.fromEntries(entries.map((file) => [file.replace(/\.ts$/, ''), `examples/${file}`])),
  // The runtime's API functions are rewritten away; what is left of it stays an import.
  external: ['tapeless'],
  output: { dir: outDir, format: 'es', sourcemap: true },
  plugins: [typescript({ tsconfig: 'examples/tsconfig.json', outDir, transformers: tapelessTransformers() })],
};
