// What the transformer adds to a build, for bench/run.mjs:
// - `tspc` on examples/ with the transformer and without it (the same tsconfig with no
//   plugins), each a process of its own, the two taking turns: processor time (that of the
//   process, bench/cpu-time.cjs) and wall-clock time;
// - the time the transformer takes per differentiated function: in this process, an emit
//   of a fresh ts.Program through the transformer's tspc entry point (the public host
//   `tapeless/transformer`, as ts-patch calls it) and one without it, taking turns, the
//   difference divided by the number of API calls the program makes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, rounded } from './stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(ROOT, '.tmp', 'bench', 'build');
const require = createRequire(import.meta.url);
const ts = require('typescript');
const TRANSFORMER = path.join(ROOT, 'dist', 'transformer', 'hosts', 'tspc.js');

/** The API functions of tapeless: each call of one is a function the transformer differentiates. */
const API = new Set(['grad', 'valueAndGrad', 'derivative', 'jvp', 'jacobian', 'hessian']);

/** The calls in `file` of a function named as one of the API's. */
function apiCalls(file) {
  let count = 0;
  const visit = (node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && API.has(node.expression.text)) count++;
    ts.forEachChild(node, visit);
  };
  visit(file);
  return count;
}

export function measureBuildCost({ runs = 7, emits = 9 } = {}) {
  return {
    tspc: timeTspc(runs),
    transform: [
      timeTransform('examples/', path.join(ROOT, 'examples', 'tsconfig.json'), emits),
      timeTransform('bench/cases.ts', path.join(ROOT, 'bench', 'tsconfig.json'), emits),
    ],
  };
}

/**
 * `tspc -p` on examples/ with and without the transformer, `runs` times each, in turns:
 * medians of the processor times, of their per-run ratios, and of the wall-clock times.
 */
function timeTspc(runs) {
  mkdirSync(OUT, { recursive: true });
  const examples = path.join(ROOT, 'examples');
  const config = (name, plugins) => {
    const file = path.join(OUT, `tsconfig.${name}.json`);
    const tsconfig = {
      extends: path.join(examples, 'tsconfig.json'),
      compilerOptions: { outDir: path.join(OUT, name), rootDir: examples, plugins },
      include: [path.join(examples, '*.ts')],
    };
    writeFileSync(file, JSON.stringify(tsconfig, null, 2));
    return file;
  };
  const variants = [
    { key: 'with', config: config('with', [{ transform: TRANSFORMER }]), samples: [], wall: [] },
    { key: 'without', config: config('without', []), samples: [], wall: [] },
  ];
  const tspc = require.resolve('ts-patch/bin/tspc.js');
  console.log(`build cost: tspc on examples/ with and without the transformer, ${runs} times each...`);
  for (let run = 0; run < runs; run++) {
    for (let v = 0; v < variants.length; v++) {
      const variant = variants[(v + run) % variants.length];
      const start = performance.now();
      const compiler = spawnSync(process.execPath, ['--require', path.join(ROOT, 'bench', 'cpu-time.cjs'), tspc, '-p', variant.config], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      const elapsed = performance.now() - start;
      const cpu = /tapeless-bench-cpu-microseconds (\d+)/.exec(compiler.stderr);
      if (compiler.status !== 0 || !cpu) throw new Error(`tspc ${variant.key} the transformer failed:\n${compiler.stdout}${compiler.stderr}`);
      variant.samples.push(Number(cpu[1]) / 1000);
      variant.wall.push(elapsed);
    }
  }
  const [withTransformer, without] = variants.map(({ samples }) => samples);
  return {
    runs,
    withMs: rounded(median(withTransformer)),
    withoutMs: rounded(median(without)),
    ratio: rounded(median(withTransformer.map((sample, i) => sample / without[i]))),
    samplesMs: { with: withTransformer.map(rounded), without: without.map(rounded) },
    wallMs: { with: rounded(median(variants[0].wall)), without: rounded(median(variants[1].wall)) },
  };
}

/**
 * The emit of a fresh program of the project `tsconfigPath` through the transformer, and
 * without it, `emits` times each in turns (after one of each untimed), in processor time;
 * emitted files are discarded. The transformer's time per API call is the difference of the medians over the
 * number of API calls in the program's own files.
 */
function timeTransform(label, tsconfigPath, emits) {
  const { config } = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
  const { options, fileNames } = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(tsconfigPath));
  const host = ts.createCompilerHost(options);
  const { default: tapelessTransformer } = require(TRANSFORMER);
  const own = (file) => !file.isDeclarationFile && !file.fileName.includes('/node_modules/');
  const emit = (withTransformer) => {
    const program = ts.createProgram({ rootNames: fileNames, options, host });
    // Type-check first, untimed: a build does that with or without the transformer.
    ts.getPreEmitDiagnostics(program);
    const diagnostics = [];
    const transformers = withTransformer ? { before: [tapelessTransformer(program, {}, { ts, addDiagnostic: (d) => diagnostics.push(d) })] } : undefined;
    const start = process.cpuUsage();
    program.emit(undefined, () => {}, undefined, false, transformers);
    const { user, system } = process.cpuUsage(start);
    const elapsed = (user + system) / 1000;
    if (diagnostics.length > 0) throw new Error(`${label}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')}`);
    return { elapsed, program };
  };
  console.log(`build cost: emit of ${label} with and without the transformer, ${emits} times each...`);
  const { program } = emit(true);
  emit(false);
  const calls = program
    .getSourceFiles()
    .filter(own)
    .reduce((count, file) => count + apiCalls(file), 0);
  const samples = { with: [], without: [] };
  for (let i = 0; i < emits; i++) {
    for (const key of i % 2 === 0 ? ['with', 'without'] : ['without', 'with']) samples[key].push(emit(key === 'with').elapsed);
  }
  const [withMs, withoutMs] = [median(samples.with), median(samples.without)];
  return { label, apiCalls: calls, emits, withMs: rounded(withMs), withoutMs: rounded(withoutMs), msPerApiCall: rounded((withMs - withoutMs) / calls) };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(measureBuildCost({ runs: 3, emits: 3 }), null, 2));
