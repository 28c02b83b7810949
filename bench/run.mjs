// `npm run bench`: compiles bench/cases.ts through the tapeless transformer with tspc, as a
// user's build would, then measures each case in a process of its own (bench/measure.mjs):
// its primal function, its tapeless gradient, a gradient written by hand, central
// differences, and the gradients of TensorFlow.js and jax-js (bench/peers, installed there
// on the first run), the variants interleaved. Then the build cost (bench/build-cost.mjs).
// Prints the summary and writes bench/RESULTS.md, bench/results.json and bench/rosenbrock.svg.
//
//   node bench/run.mjs [--quick] [--cases seed,rosenbrock100,...] [--skip-peers] [--skip-build]
//
// `--quick`: fewer, shorter rounds. `--cases`: only these cases (`build` for the build cost;
// `--cases none` measures nothing and rewrites the report from bench/results.json);
// the results of the others are kept from bench/results.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { measureBuildCost } from './build-cost.mjs';
import { installPeers } from './peers/peers.mjs';
import { formatReport, formatSummary } from './report.mjs';
import { rosenbrockPlot } from './plot.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = path.join(ROOT, 'bench');
const OUT = path.join(ROOT, '.tmp', 'bench');
const RESULTS = path.join(BENCH, 'results.json');
const require = createRequire(import.meta.url);

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const listed = argv.includes('--cases') ? argv[argv.indexOf('--cases') + 1].split(',') : undefined;
const quick = flag('--quick');
const skipPeers = flag('--skip-peers');

compileCases();
const { cases } = await import(pathToFileURL(path.join(OUT, 'bench', 'cases.js')).href);
const unknown = (listed ?? []).filter((name) => name !== 'build' && name !== 'none' && !cases.some((benchCase) => benchCase.name === name));
if (unknown.length > 0) throw new Error(`no case named ${unknown.join(', ')}; the cases: ${cases.map(({ name }) => name).join(', ')}, build`);
const selected = cases.filter(({ name }) => !listed || listed.includes(name));
const measureBuild = !flag('--skip-build') && (!listed || listed.includes('build'));

if (!skipPeers) {
  const problem = installPeers();
  if (problem) console.log(`the peers are skipped: ${problem}`);
}

// Results of earlier runs stand for the cases not measured now.
const previous = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
const results = { cases: {}, ...(previous.format === 2 ? previous : {}), format: 2 };
mkdirSync(path.join(OUT, 'results'), { recursive: true });
let failed = false;
for (const { name } of selected) {
  const output = path.join(OUT, 'results', `${name}.json`);
  rmSync(output, { force: true });
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', path.join(BENCH, 'measure.mjs'), name, output, ...(quick ? ['--quick'] : []), ...(skipPeers ? ['--skip-peers'] : [])],
    { stdio: 'inherit' },
  );
  if (child.status !== 0 || !existsSync(output)) {
    console.error(`${name}: the measurement failed (exit code ${child.status})`);
    failed = true;
    continue;
  }
  results.cases[name] = { ...JSON.parse(readFileSync(output, 'utf8')), machine: describeMachine() };
}
// Cases no longer in bench/cases.ts go; the others keep the order of bench/cases.ts, and
// their descriptions and notes (text about the code, not measurements) are the current ones.
results.cases = Object.fromEntries(
  cases.flatMap(({ name, description, notes }) => (results.cases[name] ? [[name, { ...results.cases[name], description, notes }]] : [])),
);
if (measureBuild) results.build = { ...measureBuildCost(quick ? { runs: 3, emits: 3 } : {}), quick, machine: describeMachine() };
results.machine = describeMachine();

writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
writeFileSync(path.join(BENCH, 'RESULTS.md'), formatReport(results));
writeFileSync(path.join(BENCH, 'rosenbrock.svg'), rosenbrockPlot(results));
console.log(`\n${formatSummary(results).join('\n')}\n`);
console.log('wrote bench/RESULTS.md, bench/results.json and bench/rosenbrock.svg');
if (failed) process.exitCode = 1;

/** Compiles bench/cases.ts with tspc and bench/tsconfig.json into .tmp/bench. */
function compileCases() {
  // ts-patch resolves the plugin `tapeless/transformer` from the project directory, as it
  // would in a user's project where tapeless is installed: bench/node_modules/tapeless is
  // a link to this package. The output lies inside the package, so that its
  // `import 'tapeless'` resolves by package self-reference.
  mkdirSync(path.join(BENCH, 'node_modules'), { recursive: true });
  rmSync(path.join(BENCH, 'node_modules', 'tapeless'), { force: true });
  symlinkSync(path.relative(path.join(BENCH, 'node_modules'), ROOT), path.join(BENCH, 'node_modules', 'tapeless'), 'junction');
  rmSync(path.join(OUT, 'bench'), { recursive: true, force: true });
  console.log('compiling bench/cases.ts with tspc and the tapeless transformer...');
  const tspc = require.resolve('ts-patch/bin/tspc.js');
  const compiler = spawnSync(process.execPath, [tspc, '-p', path.join(BENCH, 'tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
  if (compiler.status !== 0) {
    console.error('tspc failed: the benchmark cases did not compile');
    process.exit(1);
  }
}

function describeMachine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    typescript: require('typescript/package.json').version,
    tapeless: require('../package.json').version,
    commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || undefined,
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
    date: new Date().toISOString(),
  };
}
