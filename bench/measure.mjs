// Measures one case of bench/cases.ts in a process of its own: bench/run.mjs runs
// `node --expose-gc bench/measure.mjs <case> <output.json> [--quick] [--skip-peers]` once per
// case, so that no case's compiled code, type feedback or garbage weighs on another's.
//
// The variants of the case (primal, tapeless gradient, hand-written gradient, central
// differences, and each peer library's gradient) are first checked against the tapeless
// gradient, then timed in turns, round after round; the report takes medians over rounds.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { flatten, median, mulberry32, quantile, range, rounded } from './stats.mjs';
import { loadPeers } from './peers/peers.mjs';

/** The settings of every case; a case of bench/cases.ts may override some (its `settings`). */
export const SETTINGS = {
  inputs: 1024,
  warmupRounds: 8,
  /** A ratio is the median of its per-round ratios, which cancels drifts of the machine. */
  rounds: 61,
  sampleMilliseconds: 5,
  allocationCalls: 1000,
  primingCalls: 1000,
};

/** `--quick`: fewer and shorter rounds, for trying changes; its figures are rougher. */
export const QUICK = { warmupRounds: 2, rounds: 11, sampleMilliseconds: 2 };

/** The variants that bench/cases.ts defines, by their field there; a case may lack the last two. */
export const OWN_VARIANTS = [
  { key: 'primal', label: 'primal f' },
  { key: 'tapeless', label: 'tapeless grad(f)' },
  { key: 'handWritten', label: 'hand-written gradient' },
  { key: 'finiteDifference', label: 'central differences' },
];

/**
 * The largest difference from the tapeless gradient, relative to its largest entry, that
 * counts as agreement: rounding alone for the hand-written gradient, none for central
 * differences (they are only reported). A peer's is its own (bench/peers).
 */
const OWN_TOLERANCES = { handWritten: 1e-12 };

const ROOT = fileURLToPath(new URL('..', import.meta.url));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [name, output] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  if (typeof globalThis.gc !== 'function') throw new Error('bench/measure.mjs needs node --expose-gc');
  const { cases } = await import(pathToFileURL(path.join(ROOT, '.tmp', 'bench', 'bench', 'cases.js')).href);
  const benchCase = cases.find((candidate) => candidate.name === name);
  if (!benchCase) throw new Error(`no case named ${name} in bench/cases.ts`);
  const quick = process.argv.includes('--quick');
  const settings = { ...SETTINGS, ...benchCase.settings, ...(quick ? QUICK : {}) };
  const peers = await loadPeers({ skip: process.argv.includes('--skip-peers'), caseName: peerCaseName(benchCase) });
  const result = measure(benchCase, peers, settings);
  writeFileSync(output, JSON.stringify({ ...result, quick }, null, 2) + '\n');
}

/** The name of a case in the peers' modules: that of its series, if it is one of a series. */
function peerCaseName(benchCase) {
  return benchCase.series?.name ?? benchCase.name;
}

function measure(benchCase, peers, settings) {
  const own = OWN_VARIANTS.filter(({ key }) => benchCase[key]).map(({ key, label }) => ({ key, label, fn: benchCase[key], own: true }));
  if (benchCase.primingInput) prime(benchCase, own, settings.primingCalls);
  const random = mulberry32(0x7a9e1e55);
  const inputs = range(settings.inputs).map(() => benchCase.input(random));
  const { prepared, skipped } = preparePeers(benchCase, peers, inputs[0]);
  const variants = [...own, ...prepared].map((variant) => ({ ...variant, name: `${benchCase.name}: ${variant.label}`, samples: [], wallSamples: [] }));

  console.log(`${benchCase.name}: checking the gradients...`);
  const agreement = compareGradients(benchCase, variants, inputs);
  console.log(`${benchCase.name}: timing ${variants.map(({ key }) => key).join(', ')}...`);
  const arity = benchCase.parameters.length;
  for (const variant of variants) {
    variant.loop = timingLoop(variant.name, arity, variant.fn(...inputs[0]));
    variant.calls = callsPerSample(variant, inputs, settings.sampleMilliseconds);
  }
  for (let round = 0; round < settings.warmupRounds + settings.rounds; round++) {
    // Rotating the order each round spreads drifts of the machine over all variants.
    for (let v = 0; v < variants.length; v++) {
      const variant = variants[(v + round) % variants.length];
      const { sum, cpu, wall } = timed(() => variant.loop(variant.fn, inputs, variant.calls));
      if (!Number.isFinite(sum)) throw new Error(`${variant.name} returned a non-finite value`);
      if (round >= settings.warmupRounds) {
        variant.samples.push((cpu * 1e6) / variant.calls);
        variant.wallSamples.push((wall * 1e6) / variant.calls);
      }
    }
  }

  console.log(`${benchCase.name}: measuring memory...`);
  const timings = Object.fromEntries(
    variants.map((variant) => [
      variant.key,
      {
        label: variant.label,
        ...(variant.peer ? { api: variant.peer.api, precision: variant.peer.precision, version: variant.peer.version } : {}),
        callsPerSample: variant.calls,
        nsPerCall: rounded(median(variant.samples)),
        quartilesNsPerCall: [rounded(quantile(variant.samples, 0.25)), rounded(quantile(variant.samples, 0.75))],
        wallNsPerCall: rounded(median(variant.wallSamples)),
        ...(variant.own ? bytesPerCall(variant, inputs, settings.allocationCalls) : {}),
        ...(variant.own && benchCase.controlFlow === 'loop' ? peakMemory(() => variant.fn(...inputs[0])) : {}),
      },
    ]),
  );
  for (const { dispose } of prepared) dispose();

  const ratio = pairedRatio(variants);
  return {
    name: benchCase.name,
    description: benchCase.description,
    notes: benchCase.notes,
    controlFlow: benchCase.controlFlow,
    overPrimalTarget: benchCase.overPrimalTarget,
    series: benchCase.series,
    parameters: benchCase.parameters,
    wrt: benchCase.wrt,
    settings,
    primed: Boolean(benchCase.primingInput),
    peers: peers.map(({ key, label, packageName, version, precision, api }) => ({ key, label, packageName, version, precision, api })),
    timings,
    skipped,
    ratios: {
      overPrimal: Object.fromEntries(variants.map(({ key }) => [key, ratio(key, 'primal')])),
      overTapeless: Object.fromEntries(variants.map(({ key }) => [key, ratio(key, 'tapeless')])),
    },
    agreement,
  };
}

/** Calls every function of the case on small inputs first: see `primingInput` in bench/cases.ts. */
function prime(benchCase, variants, calls) {
  const random = mulberry32(0x5eed);
  const inputs = range(16).map(() => benchCase.primingInput(random));
  for (const { fn } of variants) {
    for (let i = 0; i < calls; i++) fn(...inputs[i % inputs.length]);
  }
}

/**
 * Each peer's version of the case, prepared on the first draw of the arguments: `{ key,
 * label, fn, peer }`, where `fn` takes the case's arguments; a peer that is skipped, has no
 * version of the case or fails is listed in `skipped`, with the reason.
 */
function preparePeers(benchCase, peers, args) {
  const prepared = [];
  const skipped = [];
  for (const peer of peers) {
    const skip = (reason) => {
      console.log(`${benchCase.name}: ${peer.label} skipped, ${reason}`);
      skipped.push({ key: peer.key, label: peer.label, reason });
    };
    const version = peer.cases?.[peerCaseName(benchCase)];
    if (peer.skipped) skip(peer.skipped);
    else if (!version) skip(`it has no version of ${benchCase.name}`);
    else {
      try {
        const { gradient, dispose, tolerance = peer.tolerance } = version(...args);
        gradient(...args);
        prepared.push({ key: peer.key, label: `${peer.label} ${peer.version}`, fn: gradient, dispose, tolerance, peer });
      } catch (error) {
        skip(`it failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return { prepared, skipped };
}

/**
 * The largest difference of each variant's gradient from the tapeless one over all draws
 * of the arguments, relative to the largest entry of the tapeless gradient over them all
 * (not of each draw's: a gradient near 0 would magnify a float32 rounding); and, for a case
 * without central differences among its variants, that of central differences on a few
 * entries (`spotChecks`). Each with the tolerance it is checked against, if any.
 */
function compareGradients(benchCase, variants, inputs) {
  const compared = variants.filter(({ key }) => key !== 'primal' && key !== 'tapeless');
  const expected = inputs.map((args) => flatten(benchCase.tapeless(...args)));
  const scale = expected.reduce((largest, gradient) => gradient.reduce((most, value) => Math.max(most, Math.abs(value)), largest), 0) || 1;
  const difference = (actual, reference) => {
    if (actual.length !== reference.length) return Infinity;
    return actual.reduce((largest, value, i) => Math.max(largest, Math.abs(value - reference[i])), 0) / scale;
  };
  const differences = Object.fromEntries(
    compared.map((variant) => [variant.key, inputs.reduce((largest, args, i) => Math.max(largest, difference(flatten(variant.fn(...args)), expected[i])), 0)]),
  );
  if (!benchCase.finiteDifference) {
    const checks = spotChecks(benchCase, inputs[0]);
    differences.spotChecks = checks.reduce((largest, { index, value }) => Math.max(largest, Math.abs(value - expected[0][index])), 0) / scale;
    differences.spotCheckEntries = checks.length;
  }
  const tolerances = Object.fromEntries(compared.map(({ key, tolerance }) => [key, tolerance ?? OWN_TOLERANCES[key]]));
  return { differences, tolerances };
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

/**
 * A loop that calls `fn` on consecutive draws of the arguments and sums numbers of its
 * results, so that no call is dead code. Each variant gets a loop of its own, compiled from
 * its own source text: its call site sees one function only, so V8 can inline it as in a
 * user's own loop, and the type feedback of one variant does not slow another.
 */
function timingLoop(name, arity, probe) {
  return new Function(
    'fn',
    'inputs',
    'calls',
    `// timing loop of ${name}
    let sum = 0;
    for (let i = 0, j = 0; i < calls; i++) {
      const args = inputs[j];
      const r = fn(${range(arity)
        .map((i) => `args[${i}]`)
        .join(', ')});
      sum += ${use(probe, 'r')};
      if (++j === inputs.length) j = 0;
    }
    return sum;`,
  );
}

/** An expression that reads numbers of a result shaped like `probe`: all of a short tuple's, the first of anything longer. */
function use(probe, expression) {
  if (typeof probe === 'number') return expression;
  if (ArrayBuffer.isView(probe)) return `${expression}[0]`;
  if (Array.isArray(probe)) {
    const entries = probe.length <= 8 ? range(probe.length) : [0];
    return entries.map((i) => use(probe[i], `${expression}[${i}]`)).join(' + ');
  }
  const [field] = Object.keys(probe);
  return use(probe[field], `${expression}.${field}`);
}

/**
 * The fewest calls, a power of 2, that take `milliseconds` of processor time in a row, so
 * that the timer's resolution does not matter: the least of 3 tries, since V8's background
 * threads (compiling what the last variant ran) may add to one.
 */
function callsPerSample(variant, inputs, milliseconds) {
  for (let calls = 1; ; calls *= 2) {
    const least = Math.min(...range(3).map(() => timed(() => variant.loop(variant.fn, inputs, calls)).cpu));
    if (least >= milliseconds) return calls;
  }
}

/**
 * Runs `run` and returns its result with the processor time it took (`cpu`: user and system
 * time of this process) and the wall-clock time (`wall`), in milliseconds. The benchmark
 * reports processor time: on a machine shared with other work, a sample's wall-clock time
 * also counts the time other processes had the core (a loop of 8 ms took from 8 to 190 ms
 * of wall-clock time on this project's machine, and 7.5 to 8.3 ms of processor time). It
 * does count this process's other threads: V8's concurrent garbage collection and
 * compilation, which are the variant's own cost once the warm-up rounds are over.
 */
function timed(run) {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const sum = run();
  const wall = performance.now() - start;
  const { user, system } = process.cpuUsage(cpuStart);
  return { sum, cpu: (user + system) / 1000, wall };
}

/** `ratio(a, b)`: the median over rounds of variant a's time ÷ variant b's in the same round. */
function pairedRatio(variants) {
  const samples = Object.fromEntries(variants.map((variant) => [variant.key, variant.samples]));
  return (a, b) => rounded(median(samples[a].map((sample, i) => sample / samples[b][i])));
}

/**
 * The bytes a variant allocates per call (see `allocationPerCall`), over an optimised loop
 * that keeps every result.
 *
 * The arguments come from generic arrays, which hold their numbers boxed: a call that V8
 * does not inline otherwise boxes each double argument (16 bytes), which is the caller's
 * allocation, not the function's.
 */
function bytesPerCall(variant, inputs, calls) {
  const boxedInputs = inputs.map((args) => [...args, 'not a number: keeps the elements generic']);
  // A number kept in a generic array would be boxed there: numbers go into a Float64Array.
  const kept = typeof variant.fn(...inputs[0]) === 'number' ? new Float64Array(calls) : new Array(calls).fill(null);
  const loop = new Function(
    'fn',
    'inputs',
    'kept',
    'calls',
    `// allocation loop of ${variant.name}
    for (let i = 0, j = 0; i < calls; i++) {
      const args = inputs[j];
      kept[i] = fn(${range(inputs[0].length)
        .map((i) => `args[${i}]`)
        .join(', ')});
      if (++j === inputs.length) j = 0;
    }`,
  );
  return allocationPerCall((count) => loop(variant.fn, boxedInputs, kept, count), calls);
}

/**
 * Bytes allocated per call by the function itself, `bytesPerCall`: the growth of the V8
 * heap (`heapUsed`) and of the memory of array buffers (`arrayBuffers`: the storage of
 * typed arrays larger than 64 bytes lies outside the heap) over `run(calls)`, which calls
 * the function `calls` times and keeps the results, minus that of an empty run (the cost of
 * reading the statistics). Of it, `arrayBufferBytesPerCall` is the array buffers' part.
 * `run(calls)` runs first up to 300 times, for up to 0.2 s, so that V8 optimises it.
 *
 * Each run starts after two explicit collections: the first frees the garbage of the run
 * before, the second waits until the first has released the storage of its array buffers
 * (the collector does that concurrently). A function that allocates enough makes the
 * collector run meanwhile (`collectionsPerCall`, 0 for the others): what a collection frees
 * of the heap then counts too, but array buffers it frees do not.
 */
function allocationPerCall(run, calls) {
  const start = performance.now();
  for (let i = 0; i < 300 && (i === 0 || performance.now() - start < 200); i++) run(calls);
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

/**
 * The most memory one call holds beyond what it started with and beyond its result
 * (`peakExtraBytes`; its result's size is `resultBytes`): the V8 heap and the array buffers
 * outside it (external memory), sampled before each garbage collection during the call and
 * at its end, minus what remains of the call after a collection while its result is still
 * kept. A sample counts the garbage not yet collected: an upper bound of what the call
 * needed at once, and the exact figure for a call that allocates only what it keeps to its
 * end, as the tapeless gradient's records. The least of 5 calls: what else the process
 * allocates meanwhile (V8 compiling code in the background) only adds.
 */
function peakMemory(call) {
  const used = (statistics) => statistics.usedHeapSize + statistics.externalMemory;
  const now = () => {
    const { used_heap_size: usedHeapSize, external_memory: externalMemory } = v8.getHeapStatistics();
    return used({ usedHeapSize, externalMemory });
  };
  const samples = range(5).map(() => {
    globalThis.gc();
    globalThis.gc();
    const profiler = new v8.GCProfiler();
    profiler.start();
    const before = now();
    // Held until `kept` is measured, so that the heap still counts what the call returned.
    // eslint-disable-next-line no-useless-assignment
    let result = call();
    const atEnd = now();
    const collections = profiler.stop().statistics;
    const peak = Math.max(atEnd, ...collections.map(({ beforeGC }) => used(beforeGC.heapStatistics))) - before;
    globalThis.gc();
    globalThis.gc();
    const kept = now() - before;
    result = null;
    return { peak, kept, result };
  });
  const peak = Math.min(...samples.map(({ peak }) => peak));
  const kept = Math.min(...samples.map(({ kept }) => kept));
  return { peakExtraBytes: Math.max(0, Math.round(peak - kept)), resultBytes: Math.max(0, Math.round(kept)) };
}
