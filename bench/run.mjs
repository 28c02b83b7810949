// `npm run bench`: compiles bench/cases.ts through the tapeless transformer with tspc, as a
// user's build would, then times each case's primal function, its tapeless gradient, a
// gradient written by hand and central finite differences in one process, the variants
// interleaved. The array cases are timed the same way against TensorFlow.js and jax-js
// instead of central differences (bench/peers, installed there on the first run;
// `npm run bench -- --skip-peers` leaves them out). Prints the results and writes them to
// bench/RESULTS.md and bench/results.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { loadPeers } from './peers/peers.mjs';

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

/**
 * The settings of every array case (bench/cases.ts, `arrayCases`), which may override them.
 * A call takes milliseconds: few calls per sample and few rounds, on one draw of the data.
 */
const ARRAY_SETTINGS = {
  callsPerSample: 4,
  warmupRounds: 3,
  rounds: 41,
  allocationCalls: 4,
  primingCalls: 200,
};

const TARGETS = {
  /**
   * Tapeless gradient ÷ primal, by the case's `controlFlow`: the gradient of a loop also
   * records each pass's carried variables and recomputes the pass in the reverse sweep.
   */
  gradientOverPrimal: { 'straight-line': 3, loop: 4 },
  tapelessOverHandWritten: 1.2,
  agreement: 1e-12,
  /** The array cases' targets; their agreement is `agreement` too, a peer's its own `tolerance`. */
  arrayCases: { gradientOverPrimal: 4, tapelessOverHandWritten: 1.3 },
};

/** The variants timed for each case, by the name of their field in a case of bench/cases.ts. */
const VARIANTS = [
  { key: 'primal', label: 'primal f' },
  { key: 'tapeless', label: 'tapeless grad(f)' },
  { key: 'handWritten', label: 'hand-written gradient' },
  { key: 'finiteDifference', label: 'central differences' },
];

/** The variants of bench/cases.ts timed for each array case, before the peers. */
const ARRAY_VARIANTS = VARIANTS.filter(({ key }) => key !== 'finiteDifference');

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
const { cases, arrayCases } = await import(pathToFileURL(path.join(OUT, 'bench', 'cases.js')).href);
const peers = await loadPeers({ install: !process.argv.includes('--skip-peers') });
for (const peer of peers) if (peer.skipped) console.log(`${peer.label}: skipped, ${peer.skipped}`);
const results = cases.map(benchmark);
const arrayResults = arrayCases.map((benchCase) => benchmarkArrays(benchCase, peers));
const machine = describeMachine();
const peerSummaries = peers.map(({ key, label, packageName, version, precision, api, skipped }) => ({ key, label, packageName, version, precision, api, skipped }));
const report = formatReport(results, arrayResults, peerSummaries, machine);
console.log(`\n${report}`);
writeFileSync(path.join(BENCH, 'RESULTS.md'), report);
writeFileSync(
  path.join(BENCH, 'results.json'),
  JSON.stringify({ machine, peers: peerSummaries, settings: SETTINGS, arraySettings: ARRAY_SETTINGS, targets: TARGETS, cases: results, arrayCases: arrayResults }, null, 2) + '\n',
);
console.log('wrote bench/RESULTS.md and bench/results.json');
if ([...results, ...arrayResults].some((result) => !result.agreement.ok)) {
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
  if (benchCase.primingInput) prime(benchCase, settings.primingCalls, VARIANTS);
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
  const ratio = pairedRatio(variants);
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

/** `ratio(a, b)`: the median over rounds of variant a's time ÷ variant b's in the same round. */
function pairedRatio(variants) {
  const samples = Object.fromEntries(variants.map((variant) => [variant.key, variant.samples]));
  return (a, b) => rounded(median(samples[a].map((sample, i) => sample / samples[b][i])));
}

/** Calls every function of the case (its `variants`) on small inputs first: see `primingInput` in bench/cases.ts. */
function prime(benchCase, calls, variants) {
  const random = mulberry32(0x5eed);
  const inputs = range(16).map(() => benchCase.primingInput(random));
  for (const { key } of variants) {
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
 * The bytes a scalar case's variant allocates per call (see `allocationPerCall`), over an
 * optimised loop that keeps every result.
 *
 * The arguments come from a generic array, which holds its numbers boxed: a call that V8
 * does not inline otherwise boxes each double argument (16 bytes), which is the caller's
 * allocation, not the function's.
 */
function bytesPerCall(variant, inputs, calls) {
  const boxedInputs = [...inputs, 'not a number: keeps the elements generic'];
  const kept = variant.resultLength === undefined ? new Float64Array(calls) : new Array(calls).fill(null);
  return allocationPerCall((count) => variant.keepLoop(variant.fn, boxedInputs, kept, count), calls, 300);
}

/**
 * Bytes allocated per call by the function itself, `bytesPerCall`: the growth of the V8
 * heap (`heapUsed`) and of the memory of array buffers (`arrayBuffers`: the storage of
 * typed arrays larger than 64 bytes lies outside the heap) over `run(calls)`, which calls
 * the function `calls` times and keeps the results, minus that of an empty run (the cost of
 * reading the statistics). Of it, `arrayBufferBytesPerCall` is the array buffers' part.
 * `run(calls)` runs `warmupRuns` times first.
 *
 * Each run starts after two explicit collections: the first frees the garbage of the run
 * before, the second waits until the first has released the storage of its array buffers
 * (the collector does that concurrently). A function that allocates enough makes the
 * collector run meanwhile (`collectionsPerCall`, 0 for the others): what a collection frees
 * of the heap then counts too, but array buffers it frees do not.
 */
function allocationPerCall(run, calls, warmupRuns) {
  for (let i = 0; i < warmupRuns; i++) run(calls);
  const growth = (count) => {
    globalThis.gc();
    globalThis.gc();
    const profiler = new v8.GCProfiler();
    profiler.start();
    const before = process.memoryUsage();
    run(count);
    const after = process.memoryUsage();
    const collections = profiler.stop().statistics;
    const freed = collections.reduce((sum, { beforeGC, afterGC }) => sum + beforeGC.heapStatistics.usedHeapSize - afterGC.heapStatistics.usedHeapSize, 0);
    return { heap: after.heapUsed - before.heapUsed + freed, arrayBuffers: after.arrayBuffers - before.arrayBuffers, collections: collections.length };
  };
  const estimates = range(7).map(() => {
    const [full, empty] = [growth(calls), growth(0)];
    return {
      heap: (full.heap - empty.heap) / calls,
      arrayBuffers: (full.arrayBuffers - empty.arrayBuffers) / calls,
      collections: (full.collections - empty.collections) / calls,
    };
  });
  const heap = median(estimates.map((estimate) => estimate.heap));
  const arrayBuffers = median(estimates.map((estimate) => estimate.arrayBuffers));
  return {
    bytesPerCall: Math.max(0, Math.round(heap + arrayBuffers)),
    arrayBufferBytesPerCall: Math.max(0, Math.round(arrayBuffers)),
    collectionsPerCall: rounded(median(estimates.map((estimate) => estimate.collections))),
  };
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
// Measuring the array cases

/**
 * Times an array case's primal, tapeless and hand-written gradients and each peer's gradient
 * on one draw of its arguments, the variants interleaved as in `benchmark`. A peer prepares
 * its tensors (parameters and data) once, before timing; a timed call computes the gradient
 * and reads it back into JavaScript. Allocation is measured for the case's own variants only.
 */
function benchmarkArrays(benchCase, peers) {
  const settings = { ...ARRAY_SETTINGS, ...benchCase.settings };
  prime(benchCase, settings.primingCalls, ARRAY_VARIANTS);
  const args = benchCase.input(mulberry32(0x7a9e1e55));
  const own = ARRAY_VARIANTS.map(({ key, label }) => ({ key, label, call: () => benchCase[key](...args) }));
  const { prepared, skipped } = preparePeers(benchCase, peers, args);
  const fromPeers = prepared.map(({ peer, gradient }) => ({ key: peer.key, label: `${peer.label} ${peer.version}`, call: gradient, peer }));
  const variants = [...own, ...fromPeers].map((variant) => ({ ...variant, name: `${benchCase.name}: ${variant.label}`, samples: [] }));

  const agreement = compareArrayGradients(benchCase, args, fromPeers);
  console.log(`timing ${benchCase.name}...`);
  for (let round = 0; round < settings.warmupRounds + settings.rounds; round++) {
    for (let v = 0; v < variants.length; v++) {
      const variant = variants[(v + round) % variants.length];
      const start = performance.now();
      let sum = 0;
      for (let i = 0; i < settings.callsPerSample; i++) sum += firstNumber(variant.call());
      const elapsed = performance.now() - start;
      if (!Number.isFinite(sum)) throw new Error(`${variant.name} returned a non-finite value`);
      if (round >= settings.warmupRounds) variant.samples.push((elapsed * 1e6) / settings.callsPerSample);
    }
  }
  const timings = Object.fromEntries(
    variants.map((variant) => [
      variant.key,
      {
        label: variant.label,
        ...(variant.peer ? { api: variant.peer.api, precision: variant.peer.precision } : {}),
        nsPerCall: rounded(median(variant.samples)),
        quartilesNsPerCall: [rounded(quantile(variant.samples, 0.25)), rounded(quantile(variant.samples, 0.75))],
        ...(variant.peer ? {} : keptAllocation(variant.call, settings.allocationCalls)),
      },
    ]),
  );
  for (const { dispose } of prepared) dispose();

  const ratio = pairedRatio(variants);
  return {
    name: benchCase.name,
    description: benchCase.description,
    notes: benchCase.notes,
    parameters: benchCase.parameters,
    wrt: benchCase.wrt,
    settings: benchCase.settings,
    targets: TARGETS.arrayCases,
    timings,
    skipped,
    ratios: {
      overPrimal: Object.fromEntries(variants.map(({ key }) => [key, ratio(key, 'primal')])),
      overTapeless: Object.fromEntries(variants.map(({ key }) => [key, ratio(key, 'tapeless')])),
      tapelessOverHandWritten: ratio('tapeless', 'handWritten'),
    },
    agreement,
  };
}

/** The bytes one call of `call` allocates (see `allocationPerCall`), over `calls` calls whose results are all kept. */
function keptAllocation(call, calls) {
  const kept = new Array(calls).fill(null);
  const run = (count) => {
    for (let i = 0; i < count; i++) kept[i] = call();
  };
  return allocationPerCall(run, calls, 1);
}

/**
 * Each peer's version of the case, prepared on `args` and called once; a peer that is
 * skipped, has no version of the case or fails is listed in `skipped`, with the reason.
 */
function preparePeers(benchCase, peers, args) {
  const prepared = [];
  const skipped = [];
  for (const peer of peers) {
    const skip = (reason) => {
      console.log(`${benchCase.name}: ${peer.label} skipped, ${reason}`);
      skipped.push({ key: peer.key, label: peer.label, reason });
    };
    if (peer.skipped) {
      skipped.push({ key: peer.key, label: peer.label, reason: peer.skipped });
    } else if (!peer.cases[benchCase.name]) {
      skip(`it has no version of ${benchCase.name}`);
    } else {
      try {
        const { gradient, dispose } = peer.cases[benchCase.name](...args);
        gradient();
        prepared.push({ peer, gradient, dispose });
      } catch (error) {
        skip(`it failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return { prepared, skipped };
}

/**
 * The largest difference of the tapeless gradient, of each peer's and of central differences
 * (on a few entries) from the hand-written gradient, relative to its largest entry.
 */
function compareArrayGradients(benchCase, args, peers) {
  const expected = flatten(benchCase.handWritten(...args));
  const scale = expected.reduce((largest, value) => Math.max(largest, Math.abs(value)), 0) || 1;
  const difference = (gradient) => {
    const actual = flatten(gradient);
    if (actual.length !== expected.length) return Infinity;
    return actual.reduce((largest, value, i) => Math.max(largest, Math.abs(value - expected[i])), 0) / scale;
  };
  const tapeless = difference(benchCase.tapeless(...args));
  const fromPeers = Object.fromEntries(
    peers.map(({ key, call, peer }) => {
      const peerDifference = difference(call());
      return [key, { difference: peerDifference, tolerance: peer.tolerance, precision: peer.precision, ok: peerDifference <= peer.tolerance }];
    }),
  );
  const checks = spotChecks(benchCase, args);
  const finiteDifference = checks.reduce((largest, { index, value }) => Math.max(largest, Math.abs(value - expected[index])), 0) / scale;
  return {
    tapelessVsHandWritten: tapeless,
    peersVsHandWritten: fromPeers,
    finiteDifferenceVsHandWritten: finiteDifference,
    finiteDifferenceEntries: checks.length,
    ok: tapeless <= TARGETS.agreement,
  };
}

/**
 * Central differences of the primal for the first, middle and last entry of each
 * differentiated array (and for each differentiated number), each with its index in the
 * flattened gradient. Each entry is changed in place and restored exactly.
 */
function spotChecks(benchCase, args) {
  const leaves = benchCase.wrt.flatMap((name) => leavesOf(args, benchCase.parameters.indexOf(name)));
  const checks = [];
  let start = 0;
  for (const { holder, keys } of leaves) {
    for (const offset of new Set([0, Math.floor(keys.length / 2), keys.length - 1])) {
      const key = keys[offset];
      const value = holder[key];
      const h = 6e-6 * Math.max(1, Math.abs(value));
      holder[key] = value + h;
      const above = benchCase.primal(...args);
      holder[key] = value - h;
      const below = benchCase.primal(...args);
      holder[key] = value;
      checks.push({ index: start + offset, value: (above - below) / (2 * h) });
    }
    start += keys.length;
  }
  return checks;
}

/**
 * The leaves of `holder[key]`: each number alone, each array of numbers whole, as the
 * object or array that holds the numbers and their keys there, in the order in which
 * `flatten` lists the numbers of a gradient.
 */
function leavesOf(holder, key) {
  const value = holder[key];
  if (typeof value === 'number') return [{ holder, keys: [key] }];
  if (ArrayBuffer.isView(value) || (Array.isArray(value) && value.every((entry) => typeof entry === 'number'))) {
    return [{ holder: value, keys: range(value.length) }];
  }
  if (Array.isArray(value)) return range(value.length).flatMap((i) => leavesOf(value, i));
  return Object.keys(value)
    .sort()
    .flatMap((field) => leavesOf(value, field));
}

/** The numbers of a gradient: a number, a typed array, a tuple of them, or an object of them (fields in sorted order). */
function flatten(gradient) {
  if (typeof gradient === 'number') return [gradient];
  if (ArrayBuffer.isView(gradient)) return Array.from(gradient);
  if (Array.isArray(gradient)) return gradient.flatMap(flatten);
  return Object.keys(gradient)
    .sort()
    .flatMap((field) => flatten(gradient[field]));
}

/** One number of a result, so that the timing loop uses every call's result. */
function firstNumber(result) {
  if (typeof result === 'number') return result;
  if (ArrayBuffer.isView(result) || Array.isArray(result)) return firstNumber(result[0]);
  return firstNumber(result[Object.keys(result)[0]]);
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

function formatReport(results, arrayResults, peers, machine) {
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
      ...collectionNote(timings),
      '',
      `- tapeless gradient ÷ primal: **${fixed(ratios.overPrimal.tapeless)}×** (target ≤ ${targets.gradientOverPrimal}×, ${result.controlFlow}) ${mark(ratios.overPrimal.tapeless <= targets.gradientOverPrimal)}`,
      `- tapeless ÷ hand-written: **${fixed(ratios.tapelessOverHandWritten)}×** (target ≤ ${TARGETS.tapelessOverHandWritten}×) ${mark(ratios.tapelessOverHandWritten <= TARGETS.tapelessOverHandWritten)}`,
      `- tapeless vs hand-written gradient, largest relative difference: ${agreement.tapelessVsHandWritten.toExponential(1)} (limit ${TARGETS.agreement.toExponential(0)}) ${mark(agreement.ok)}`,
      `- central differences vs hand-written gradient, largest relative difference: ${agreement.finiteDifferenceVsHandWritten.toExponential(1)}`,
      ...(result.notes ? ['', result.notes] : []),
    );
  }
  lines.push(...formatArrayReport(arrayResults, peers));
  return lines.join('\n') + '\n';
}

/** The array cases' part of the report. */
function formatArrayReport(results, peers) {
  const { arrayCases: targets } = TARGETS;
  const describePeer = (peer) =>
    peer.skipped ? `${peer.label} (\`${peer.packageName}\`): skipped, ${peer.skipped}` : `${peer.label} ${peer.version} (\`${peer.packageName}\`): ${peer.api}, ${peer.precision}`;
  const lines = [
    '',
    '## Array cases',
    '',
    'Losses of models over a batch of data, with typed-array parameters. Each variant runs on one draw of the data and parameters, ' +
      `${ARRAY_SETTINGS.callsPerSample} calls per sample; ${ARRAY_SETTINGS.warmupRounds} warm-up rounds, then ${ARRAY_SETTINGS.rounds} rounds ` +
      'in which the variants take turns (a case may change these), after each function of the case ran ' +
      `${grouped(ARRAY_SETTINGS.primingCalls)} times on tiny arguments (as \`primingInput\` above). ` +
      'Besides the primal, the tapeless and the hand-written gradients, the same loss is differentiated by other libraries, ' +
      'installed into bench/peers for the benchmark only:',
    '',
    ...peers.map((peer) => `- ${describePeer(peer)}`),
    '',
    "A library's timed call starts from its tensors (parameters and data, converted once before timing), computes the gradient " +
      'and reads it back into JavaScript typed arrays; its allocation is not measured. ' +
      '"÷ tapeless" above 1 means slower than the tapeless gradient. Agreement is the largest difference from the hand-written ' +
      "gradient relative to the gradient's largest entry; central differences are checked on the first, middle and last entry " +
      `of each differentiated array. The targets: tapeless gradient ÷ primal ≤ ${targets.gradientOverPrimal}×, ` +
      `tapeless ÷ hand-written ≤ ${targets.tapelessOverHandWritten}×.`,
  ];
  for (const result of results) {
    const { timings, ratios, agreement, skipped } = result;
    const variantKeys = Object.keys(timings);
    const peerKeys = variantKeys.filter((key) => agreement.peersVsHandWritten[key]);
    const bytes = (t) => (t.bytesPerCall === undefined ? ['—', '—'] : [grouped(t.bytesPerCall), grouped(t.arrayBufferBytesPerCall)]);
    lines.push(
      '',
      `### ${result.name}(${result.parameters.join(', ')})`,
      '',
      `${result.description}.`,
      ...(result.settings ? ['', `Settings of this case: ${describeSettings(result.settings)}; the others as above.`] : []),
      '',
      '| variant | ms/call | quartiles | ÷ primal | ÷ tapeless | bytes/call | of which array buffers |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...variantKeys.map((key) => {
        const t = timings[key];
        const label = t.api ? `${t.label} (${t.api}, ${t.precision})` : t.label;
        return `| ${label} | ${milliseconds(t.nsPerCall)} | ${t.quartilesNsPerCall.map(milliseconds).join('–')} | ${fixed(ratios.overPrimal[key])}× | ${fixed(ratios.overTapeless[key])}× | ${bytes(t).join(' | ')} |`;
      }),
      ...skipped.map(({ label, reason }) => `| ${label}: skipped, ${reason} | — | — | — | — | — | — |`),
      ...collectionNote(timings),
      '',
      `- tapeless gradient ÷ primal: **${fixed(ratios.overPrimal.tapeless)}×** (target ≤ ${result.targets.gradientOverPrimal}×) ${mark(ratios.overPrimal.tapeless <= result.targets.gradientOverPrimal)}`,
      `- tapeless ÷ hand-written: **${fixed(ratios.tapelessOverHandWritten)}×** (target ≤ ${result.targets.tapelessOverHandWritten}×) ${mark(ratios.tapelessOverHandWritten <= result.targets.tapelessOverHandWritten)}`,
      ...peerKeys.map((key) => `- ${timings[key].label} ÷ tapeless: **${fixed(ratios.overTapeless[key])}×**`),
      `- tapeless vs hand-written gradient, largest relative difference: ${agreement.tapelessVsHandWritten.toExponential(1)} (limit ${TARGETS.agreement.toExponential(0)}) ${mark(agreement.ok)}`,
      ...peerKeys.map((key) => {
        const peer = agreement.peersVsHandWritten[key];
        return `- ${timings[key].label} vs hand-written gradient: ${peer.difference.toExponential(1)} (limit ${peer.tolerance.toExponential(0)}, ${peer.precision}) ${mark(peer.ok)}`;
      }),
      `- central differences vs hand-written gradient, on ${agreement.finiteDifferenceEntries} entries: ${agreement.finiteDifferenceVsHandWritten.toExponential(1)}`,
      ...(result.notes ? ['', result.notes] : []),
    );
  }
  return lines;
}

/** A note on the variants during whose allocation measurement the garbage collector ran, if any. */
function collectionNote(timings) {
  const collected = Object.values(timings).filter((t) => t.collectionsPerCall > 0);
  if (collected.length === 0) return [];
  const which = collected.map((t) => `${t.label} (${fixed(t.collectionsPerCall)} collections per call)`).join(', ');
  return ['', `The garbage collector ran while the allocation of ${which} was measured: bytes/call includes what it freed of the heap, not array buffers it freed.`];
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

/** Milliseconds from nanoseconds, three significant digits at least. */
function milliseconds(ns) {
  const ms = ns / 1e6;
  return ms.toFixed(ms < 10 ? 3 : 2);
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
