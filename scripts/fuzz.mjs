// Long fuzz runs: `npm run fuzz -- --runs 5000 [--seed N] [--robust-runs N] [--only gradients|robustness]`.
// Runs test/fuzz.test.ts (random differentiable programs against finite differences, inputs
// untouched, emitted code safe) and test/robustness.test.ts (broken and unsupported inputs
// never crash or hang the transformer) through vitest with those settings, printing the
// programs tried, the failures and the shrunk counterexamples.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log('npm run fuzz -- [--runs N (1000)] [--seed N (random)] [--robust-runs N (= runs)] [--choices N (600)] [--only gradients|robustness]');
  process.exit(0);
}
const runs = option('runs', '1000');
const seed = option('seed', String(Math.floor(Math.random() * 0x7fffffff)));
const only = option('only', undefined);
const files = only === 'gradients' ? ['test/fuzz.test.ts'] : only === 'robustness' ? ['test/robustness.test.ts'] : ['test/fuzz.test.ts', 'test/robustness.test.ts'];
console.log(`fuzz: seed ${seed}, ${runs} programs${only ? ` (${only} only)` : ''}; rerun with --seed ${seed}`);
const result = spawnSync('npx', ['vitest', 'run', ...files, '--testTimeout=0', '--hookTimeout=0', '--reporter=verbose'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    FUZZ_RUNS: runs,
    FUZZ_SEED: seed,
    FUZZ_ROBUST_RUNS: option('robust-runs', runs),
    FUZZ_CHOICES: option('choices', '600'),
  },
});
process.exit(result.status ?? 1);
