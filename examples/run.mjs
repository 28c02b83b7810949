// `npm run example`: builds examples/ with tspc (ts-patch) and the tapeless transformer,
// as a user's build would, then runs the result.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tspc = require.resolve('ts-patch/bin/tspc.js');
execFileSync(process.execPath, [tspc, '-p', 'examples/tsconfig.json'], { stdio: 'inherit' });
await import('../.tmp/examples/main.js');
