// Long fuzz runs: `npm run fuzz -- --runs 5000 [--seed N] [--robust-runs N] [--only gradients|robustness|users|generator]`.
// Runs test/fuzz.test.ts (random differentiable programs against finite differences, inputs
// untouched, emitted code safe), test/robustness.test.ts (broken and unsupported inputs
// never crash or hang the transformer) and test/fuzz-users.test.ts (programs written the
// way users write them, in every mode) through vitest with those settings, printing the
// programs tried, the failures and the shrunk counterexamples. `--only generator` runs
// test/fuzz-generator.test.ts: the user programs type-checked alone (2,000 in a minute).
//
// The user programs run in chunks of --chunk programs (500), one vitest process each with
// the seed seed + chunk number (every module a chunk loads stays in memory: helpers inlined
// into helpers make some programs' generated code 100 times their size, and chunks of 1,000
// ran out of heap), drawn from up to --users-choices choices (1500: smaller programs than npm
// test's 3000, compiled faster).
// Each chunk adds its figures to .tmp/fuzz-users-<seed>.json and prints the totals so far.
// With --jobs N, N sequences of chunks run side by side, each with its own totals and its
// log in .tmp/fuzz-users-<seed>-<job>.log; a last vitest run prints their sum.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log(
    'npm run fuzz -- [--runs N (1000)] [--seed N (random)] [--robust-runs N (= runs)] [--choices N (600)] [--only gradients|robustness|users|generator] [--chunk N (500)] [--users-choices N (1500)] [--jobs N (1)]',
  );
  process.exit(0);
}
const runs = option('runs', '1000');
const seed = option('seed', String(Math.floor(Math.random() * 0x7fffffff)));
const only = option('only', undefined);
const files =
  only === 'gradients'
    ? ['test/fuzz.test.ts']
    : only === 'robustness'
      ? ['test/robustness.test.ts']
      : only === 'users'
        ? []
        : only === 'generator'
          ? ['test/fuzz-generator.test.ts']
          : ['test/fuzz.test.ts', 'test/robustness.test.ts'];
console.log(`fuzz: seed ${seed}, ${runs} programs${only ? ` (${only} only)` : ''}; rerun with --seed ${seed}`);
const vitest = (testFiles, env) =>
  spawnSync('npx', ['vitest', 'run', ...testFiles, '--testTimeout=0', '--hookTimeout=0', '--reporter=verbose'], {
    stdio: 'inherit',
    env: { ...process.env, FUZZ_SEED: seed, FUZZ_CHOICES: option('choices', '600'), ...env },
  }).status ?? 1;
let status = files.length > 0 ? vitest(files, { FUZZ_RUNS: runs, FUZZ_ROBUST_RUNS: option('robust-runs', runs), FUZZ_GENERATOR_RUNS: runs }) : 0;
if (!only || only === 'users') {
  const chunk = Number(option('chunk', '500'));
  const jobs = Number(option('jobs', '1'));
  mkdirSync('.tmp', { recursive: true });
  const chunks = [];
  for (let done = 0, k = 0; done < Number(runs); done += chunk, k++) chunks.push({ k, size: Math.min(chunk, Number(runs) - done) });
  const env = (job, { k, size }) => ({
    ...process.env,
    FUZZ_CHOICES: option('choices', '600'),
    FUZZ_USERS_CHOICES: option('users-choices', '1500'),
    FUZZ_RUNS: String(size),
    FUZZ_SEED: String(Number(seed) + k),
    FUZZ_USERS_TOTALS: `.tmp/fuzz-users-${seed}${jobs > 1 ? `-${job}` : ''}.json`,
  });
  // vitest.fuzz.config.ts: no Vite plugin or type tests to start again per chunk. A larger young
  // generation: compiling and loading megabytes of generated code per batch is mostly short-lived garbage.
  const args = [
    'vitest',
    'run',
    '-c',
    'vitest.fuzz.config.ts',
    'test/fuzz-users.test.ts',
    '--testTimeout=0',
    '--hookTimeout=0',
    '--reporter=verbose',
    '--execArgv=--max-semi-space-size=64',
  ];
  const announce = ({ k, size }) =>
    `\nuser programs, chunk ${k}: ${size} programs with seed ${Number(seed) + k} (rerun one with --only users --seed ${Number(seed) + k} --runs ${size})`;
  if (jobs === 1) {
    rmSync(`.tmp/fuzz-users-${seed}.json`, { force: true });
    for (const c of chunks) {
      console.log(announce(c));
      // Every chunk runs, whatever the earlier ones found (`status ||= spawn…` would skip the rest).
      const code = spawnSync('npx', args, { stdio: 'inherit', env: env(0, c) }).status ?? 1;
      status ||= code;
    }
  } else {
    const run = async (job) => {
      const log = createWriteStream(`.tmp/fuzz-users-${seed}-${job}.log`);
      rmSync(`.tmp/fuzz-users-${seed}-${job}.json`, { force: true });
      for (const c of chunks.filter(({ k }) => k % jobs === job)) {
        log.write(`${announce(c)}\n`);
        const child = spawn('npx', args, { env: env(job, c) });
        child.stdout.pipe(log, { end: false });
        child.stderr.pipe(log, { end: false });
        const code = await new Promise((resolve) => child.on('close', (exit) => resolve(exit ?? 1)));
        status ||= code;
      }
      log.end();
    };
    console.log(`${jobs} jobs; logs in .tmp/fuzz-users-${seed}-<job>.log`);
    await Promise.all(Array.from({ length: jobs }, (_, job) => run(job)));
    const files = Array.from({ length: jobs }, (_, job) => `.tmp/fuzz-users-${seed}-${job}.json`).join(',');
    spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, FUZZ_USERS_MERGE: files } });
  }
}
process.exit(status);
