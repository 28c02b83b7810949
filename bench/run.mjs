// `npm run bench`: compiles bench/cases.ts through the tapeless transformer with tspc, as a
// user's build would, then times each case's primal function, its tapeless gradient, a
// gradient written by hand and central finite differences in one process, the variants
// interleaved. Prints the results and writes them to bench/RESULTS.md and bench/results.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

/** The settings of every case; a case of bench/cases.ts may override some (its `settings`). */
const SETTINGS = {
  /** Random inputs per case, cycled through by every timing loop. */
  inputs: 1024,
  /** Calls per timed sample: long enough (milliseconds) that timer resolution does not matter. */
  callsPerSample: 250_000,
  /** Untimed rounds first, so that V8 has optimised every loop and every function. */
  warmupRounds: 8,
  /**
   * Timed rounds; a round takes one sample of each variant. Medians are reported, and a
   * ratio is the median of its per-round ratios, which cancels drifts of the machine.
   */
  rounds: 61,
  /** Calls per allocation measurement (few enough that no garbage collection runs meanwhile). */
  allocationCalls: 1000,
  /** Calls of each function on a case's `primingInput`s, if it has them, before any other. */
  primingCalls: 1000,
};

const TARGETS = {
  /**
   * Tapeless gradient ÷ primal, by the case's `controlFlow`: the gradient of a loop also
   * records each pass's carried variables and recomputes the pass in the reverse sweep.
   */
  gradientOverPrimal: { 'straight-line': 3, loop: 4 },
  tapelessOverHandWritten: 1.2,
  agreement: 1e-12,
};

/** The variants timed for each case, by the name of their field in a case of bench/cases.ts. */
const VARIANTS = [
  { key: 'primal', label: 'primal f' },
  { key: 'tapeless', label: 'tapeless grad(f)' },
  { key: 'handWritten', label: 'hand-written gradient' },
  { key: 'finiteDifference', label: 'central differences' },
];

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = path.join(ROOT, 'bench');
const OUT = path.join(ROOT, '.tmp', 'bench');
const require = createRequire(import.meta.url);

// Allocation is measured with heap statistics around explicit collections: the benchmark
// runs itself again with the collector exposed.
if (typeof globalThis.gc !== 'function') {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

compileCases();
const { cases } = await import(pathToFileURL(path.join(OUT, 'bench', 'cases.js')).href);
const results = cases.map(benchmark);
const machine = describeMachine();
const report = formatReport(results, machine);
console.log(`\n${report}`);
writeFileSync(path.join(BENCH, 'RESULTS.md'), report);
writeFileSync(path.join(BENCH, 'results.json'), JSON.stringify({ machine, settings: SETTINGS, targets: TARGETS, cases: results }, null, 2) + '\n');
console.log('wrote bench/RESULTS.md and bench/results.json');
if (results.some((result) => !result.agreement.ok)) {
  console.error('tapeless and hand-written gradients disagree: see the table above');
  process.exitCode = 1;
}

// ---------------------------------------------------------------------------------------
// Compiling

/** Compiles bench/cases.ts with tspc and bench/tsconfig.json into .tmp/bench. */
function compileCases() {
  // ts-patch resolves the plugin `tapeless/transformer` from the project directory, as it
  // would in a user's project where tapeless is installed: bench/node_modules/tapeless is
  // a link to this package. The output lies inside the package, so that its
  // `import 'tapeless'` resolves by package self-reference.
  mkdirSync(path.join(BENCH, 'node_modules'), { recursive: true });
  rmSync(path.join(BENCH, 'node_modules', 'tapeless'), { force: true });
  symlinkSync(path.relative(path.join(BENCH, 'node_modules'), ROOT), path.join(BENCH, 'node_modules', 'tapeless'), 'junction');
  rmSync(OUT, { recursive: true, force: true });
  console.log('compiling bench/cases.ts with tspc and the tapeless transformer...');
  const tspc = require.resolve('ts-patch/bin/tspc.js');
  const compiler = spawnSync(process.execPath, [tspc, '-p', path.join(BENCH, 'tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
  if (compiler.status !== 0) {
    console.error('tspc failed: the benchmark cases did not compile');
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------------------
// Measuring

function benchmark(benchCase) {
  const settings = { ...SETTINGS, ...benchCase.settings };
  if (benchCase.primingInput) prime(benchCase, settings.primingCalls);
  const arity = benchCase.parameters.length;
  const random = mulberry32(0x7a9e1e55);
  const inputs = new Float64Array(settings.inputs * arity);
  for (let i = 0; i < settings.inputs; i++) inputs.set(benchCase.input(random), i * arity);

  const agreement = compareGradients(benchCase, inputs, arity);
  const variants = VARIANTS.map(({ key, label }) => {
    const fn = benchCase[key];
    const probe = fn(...inputs.subarray(0, arity));
    const resultLength = Array.isArray(probe) ? probe.length : undefined;
    const name = `${benchCase.name}: ${label}`;
    return { key, label, name, fn, resultLength, loop: timingLoop(name, arity, resultLength), keepLoop: allocationLoop(name, arity), samples: [] };
  });

  console.log(`timing ${benchCase.name}...`);
  for (let round = 0; round < settings.warmupRounds + settings.rounds; round++) {
    // Rotating the order each round spreads drifts of the machine over all variants.
    for (let v = 0; v < variants.length; v++) {
      const variant = variants[(v + round) % variants.length];
      const start = performance.now();
      const sum = variant.loop(variant.fn, inputs, settings.callsPerSample);
      const elapsed = performance.now() - start;
      if (!Number.isFinite(sum)) throw new Error(`${benchCase.name}: ${variant.label} returned a non-finite value`);
      if (round >= settings.warmupRounds) variant.samples.push((elapsed * 1e6) / settings.callsPerSample);
    }
  }

  const timings = Object.fromEntries(
    variants.map((variant) => [
      variant.key,
      {
        label: variant.label,
        nsPerCall: rounded(median(variant.samples)),
        quartilesNsPerCall: [rounded(quantile(variant.samples, 0.25)), rounded(quantile(variant.samples, 0.75))],
        ...bytesPerCall(variant, inputs, settings.allocationCalls),
      },
    ]),
  );
  const samples = Object.fromEntries(variants.map((variant) => [variant.key, variant.samples]));
  const ratio = (a, b) => rounded(median(samples[a].map((sample, i) => sample / samples[b][i])));
  return {
    name: benchCase.name,
    description: benchCase.description,
    notes: benchCase.notes,
    controlFlow: benchCase.controlFlow,
    parameters: benchCase.parameters,
    settings: benchCase.settings,
    primingCalls: benchCase.primingInput ? settings.primingCalls : undefined,
    targets: { gradientOverPrimal: TARGETS.gradientOverPrimal[benchCase.controlFlow] },
    timings,
    ratios: {
      overPrimal: Object.fromEntries(VARIANTS.map(({ key }) => [key, ratio(key, 'primal')])),
      tapelessOverHandWritten: ratio('tapeless', 'handWritten'),
    },
    agreement,
  };
}

/** Calls every function of the case on small inputs first: see `primingInput` in bench/cases.ts. */
function prime(benchCase, calls) {
  const random = mulberry32(0x5eed);
  const inputs = range(16).map(() => benchCase.primingInput(random));
  for (const { key } of VARIANTS) {
    for (let i = 0; i < calls; i++) benchCase[key](...inputs[i % inputs.length]);
  }
}

/**
 * A loop that calls `fn` on consecutive inputs and sums its results, so that no call is
 * dead code. Each variant gets a loop of its own, compiled from its own source text: its
 * call site sees one function only, so V8 can inline it as in a user's own loop, and the
 * type feedback of one variant does not slow another.
 */
function timingLoop(name, arity, resultLength) {
  const use = resultLength === undefined ? 'r' : range(resultLength).map((i) => `r[${i}]`).join(' + ');
  return new Function(
    'fn',
    'inputs',
    'calls',
    `// timing loop of ${name}
    let sum = 0;
    for (let i = 0, j = 0; i < calls; i++) {
      const r = fn(${range(arity).map((i) => `inputs[j + ${i}]`).join(', ')});
      sum += ${use};
      j += ${arity};
      if (j === inputs.length) j = 0;
    }
    return sum;`,
  );
}

/** A loop that keeps every result, so that V8 cannot optimise the result's allocation away. */
function allocationLoop(name, arity) {
  return new Function(
    'fn',
    'inputs',
    'kept',
    'calls',
    `// allocation loop of ${name}
    for (let i = 0, j = 0; i < calls; i++, j += ${arity}) {
      kept[i] = fn(${range(arity).map((i) => `inputs[j + ${i}]`).join(', ')});
    }`,
  );
}

/**
 * Bytes allocated per call by the function itself, `bytesPerCall`: the growth of the V8
 * heap (`heapUsed`) and of the memory of array buffers (`arrayBuffers`: the storage of
 * typed arrays larger than 64 bytes lies outside the heap) over `calls` calls of an
 * optimised loop, minus that of an empty run (the cost of reading the statistics). Of it,
 * `arrayBufferBytesPerCall` is the array buffers' part.
 *
 * Each run starts after two explicit collections: the first frees the garbage of the run
 * before, the second waits until the first has released the storage of its array buffers
 * (the collector does that concurrently). No collection may run meanwhile, or memory
 * allocated would not show as growth: the run fails if one does.
 *
 * The arguments come from a generic array, which holds its numbers boxed: a call that V8
 * does not inline otherwise boxes each double argument (16 bytes), which is the caller's
 * allocation, not the function's.
 */
function bytesPerCall(variant, inputs, calls) {
  const boxedInputs = [...inputs, 'not a number: keeps the elements generic'];
  const kept = variant.resultLength === undefined ? new Float64Array(calls) : new Array(calls).fill(null);
  const run = (count) => variant.keepLoop(variant.fn, boxedInputs, kept, count);
  for (let i = 0; i < 300; i++) run(calls);
  const growth = (count) => {
    globalThis.gc();
    globalThis.gc();
    const collections = new v8.GCProfiler();
    collections.start();
    const before = process.memoryUsage();
    run(count);
    const after = process.memoryUsage();
    if (collections.stop().statistics.length > 0) {
      throw new Error(`${variant.name}: the garbage collector ran while allocation was measured; lower allocationCalls in its settings`);
    }
    return { heap: after.heapUsed - before.heapUsed, arrayBuffers: after.arrayBuffers - before.arrayBuffers };
  };
  const estimates = range(7).map(() => {
    const [full, empty] = [growth(calls), growth(0)];
    return { heap: (full.heap - empty.heap) / calls, arrayBuffers: (full.arrayBuffers - empty.arrayBuffers) / calls };
  });
  const heap = median(estimates.map((estimate) => estimate.heap));
  const arrayBuffers = median(estimates.map((estimate) => estimate.arrayBuffers));
  return { bytesPerCall: Math.max(0, Math.round(heap + arrayBuffers)), arrayBufferBytesPerCall: Math.max(0, Math.round(arrayBuffers)) };
}

/** The largest difference between the tapeless, hand-written and finite-difference gradients over all inputs, relative to the gradient's largest entry. */
function compareGradients(benchCase, inputs, arity) {
  let tapeless = 0;
  let finiteDifference = 0;
  for (let j = 0; j < inputs.length; j += arity) {
    const args = inputs.subarray(j, j + arity);
    const expected = [benchCase.handWritten(...args)].flat();
    const scale = Math.max(...expected.map(Math.abs)) || 1;
    const difference = (actual) => Math.max(...[actual].flat().map((value, i) => Math.abs(value - expected[i]))) / scale;
    tapeless = Math.max(tapeless, difference(benchCase.tapeless(...args)));
    finiteDifference = Math.max(finiteDifference, difference(benchCase.finiteDifference(...args)));
  }
  return { tapelessVsHandWritten: tapeless, finiteDifferenceVsHandWritten: finiteDifference, ok: tapeless <= TARGETS.agreement };
}

// ---------------------------------------------------------------------------------------
// Reporting

function describeMachine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    typescript: require('typescript/package.json').version,
    date: new Date().toISOString(),
  };
}

function formatReport(results, machine) {
  const lines = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.mjs); the cases are in bench/cases.ts.',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.platform}; Node ${machine.node} (V8 ${machine.v8}); TypeScript ${machine.typescript}; ${machine.date}.`,
    '',
    `Each variant runs over ${SETTINGS.inputs} random inputs, ${SETTINGS.callsPerSample.toExponential()} calls per sample, ` +
      `summing the results; ${SETTINGS.warmupRounds} warm-up rounds, then ${SETTINGS.rounds} rounds in which the variants take turns. ` +
      'ns/call is the median over rounds (quartiles beside it), a ratio the median of the per-round ratios. ' +
      `Bytes per call: what one call allocates itself, over ${SETTINGS.allocationCalls} calls whose results are all kept ` +
      "(arguments already boxed, so that a caller's boxing of doubles is not counted): the growth of the V8 heap " +
      'plus that of the array buffers outside it, where typed arrays of more than 64 bytes keep their numbers ' +
      '(that part is also shown alone). ' +
      `The target for the tapeless gradient ÷ primal is ≤ ${TARGETS.gradientOverPrimal['straight-line']}× for straight-line code ` +
      `and ≤ ${TARGETS.gradientOverPrimal.loop}× for a function with loops.`,
  ];
  for (const result of results) {
    const { timings, ratios, agreement, targets } = result;
    lines.push(
      '',
      `## ${result.name}(${result.parameters.join(', ')})`,
      '',
      `${result.description}.`,
      ...(result.settings ? ['', `Settings of this case: ${describeSettings(result.settings)}; the others as above.`] : []),
      ...(result.primingCalls
        ? ['', `Before any other call, each function ran ${grouped(result.primingCalls)} times on small inputs (its \`primingInput\`), so that V8 optimised it whole, not from inside its loop.`]
        : []),
      '',
      '| variant | ns/call | quartiles | ÷ primal | bytes/call | of which array buffers |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...VARIANTS.map(({ key }) => {
        const t = timings[key];
        return `| ${t.label} | ${fixed(t.nsPerCall)} | ${t.quartilesNsPerCall.map(fixed).join('–')} | ${fixed(ratios.overPrimal[key])}× | ${grouped(t.bytesPerCall)} | ${grouped(t.arrayBufferBytesPerCall)} |`;
      }),
      '',
      `- tapeless gradient ÷ primal: **${fixed(ratios.overPrimal.tapeless)}×** (target ≤ ${targets.gradientOverPrimal}×, ${result.controlFlow}) ${mark(ratios.overPrimal.tapeless <= targets.gradientOverPrimal)}`,
      `- tapeless ÷ hand-written: **${fixed(ratios.tapelessOverHandWritten)}×** (target ≤ ${TARGETS.tapelessOverHandWritten}×) ${mark(ratios.tapelessOverHandWritten <= TARGETS.tapelessOverHandWritten)}`,
      `- tapeless vs hand-written gradient, largest relative difference: ${agreement.tapelessVsHandWritten.toExponential(1)} (limit ${TARGETS.agreement.toExponential(0)}) ${mark(agreement.ok)}`,
      `- central differences vs hand-written gradient, largest relative difference: ${agreement.finiteDifferenceVsHandWritten.toExponential(1)}`,
      ...(result.notes ? ['', result.notes] : []),
    );
  }
  return lines.join('\n') + '\n';
}

/** A case's overrides of SETTINGS, in words. */
function describeSettings(settings) {
  const names = {
    inputs: 'random inputs',
    callsPerSample: 'calls per sample',
    warmupRounds: 'warm-up rounds',
    rounds: 'timed rounds',
    allocationCalls: 'calls per allocation measurement',
    primingCalls: 'priming calls',
  };
  return Object.entries(settings)
    .map(([key, value]) => `${grouped(value)} ${names[key]}`)
    .join(', ');
}

// ---------------------------------------------------------------------------------------
// Helpers

function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

/** The `p`-quantile of `values`, interpolated linearly between order statistics. */
function quantile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

function median(values) {
  return quantile(values, 0.5);
}

/** Three decimals: well below the noise of any timing. */
function rounded(value) {
  return Math.round(value * 1000) / 1000;
}

/** Two decimals below 10, one below 1000, none above (with thousands separated). */
function fixed(value) {
  return value < 1000 ? value.toFixed(value < 10 ? 2 : 1) : grouped(value);
}

function grouped(value) {
  return Math.round(value).toLocaleString('en-US');
}

function mark(ok) {
  return ok ? '✓' : '✗';
}

/** A small seeded generator, so that every run times the same inputs. */
function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
