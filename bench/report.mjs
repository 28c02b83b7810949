// The report of bench/run.mjs: bench/RESULTS.md from bench/results.json, and the summary
// it prints. The targets are those of issue 7.
import { QUICK, SETTINGS } from './measure.mjs';

export const TARGETS = {
  /** Tapeless gradient ÷ primal, by the case's `controlFlow`. */
  gradientOverPrimal: { 'straight-line': 3, loop: 5 },
  tapelessOverHandWritten: 1.2,
  /** A peer's time ÷ the tapeless gradient's, at least, by case and peer. */
  peerOverTapeless: {
    seed: { tfjs: 1000, jax: 1000 },
    rosenbrock100: { tfjs: 100, jax: 100 },
    logisticRegression: { tfjs: 1 },
    mlp: { tfjs: 1 },
  },
  /** The transformer's build time: tspc with it ÷ without it, at most. */
  buildOverhead: 1.25,
};

const PEERS = [
  { key: 'tfjs', label: 'TF.js' },
  { key: 'jax', label: 'jax-js' },
];

/** Each target a case has, with its measured value: `{ name, value, limit, ok, text }`. */
function caseTargets(result) {
  const { ratios, controlFlow, name } = result;
  const targets = [];
  // A case may set its own target (forward mode), or none (a Hessian).
  const limit = result.overPrimalTarget === undefined ? TARGETS.gradientOverPrimal[controlFlow] : result.overPrimalTarget;
  const kind = result.overPrimalTarget === undefined ? controlFlow : 'forward mode, issue 5';
  if (limit !== null)
    targets.push({
      name: 'overPrimal',
      value: ratios.overPrimal.tapeless,
      ok: ratios.overPrimal.tapeless <= limit,
      text: `tapeless ÷ primal ≤ ${limit}× (${kind})`,
    });
  if (ratios.overTapeless.handWritten !== undefined) {
    const value = 1 / ratios.overTapeless.handWritten;
    targets.push({
      name: 'overHandWritten',
      value,
      ok: value <= TARGETS.tapelessOverHandWritten,
      text: `tapeless ÷ hand-written ≤ ${TARGETS.tapelessOverHandWritten}×`,
    });
  }
  const { tapeless, handWritten } = result.timings;
  if (controlFlow === 'straight-line' && handWritten) {
    const ok = tapeless.bytesPerCall <= handWritten.bytesPerCall;
    targets.push({
      name: 'memory',
      value: tapeless.bytesPerCall,
      shown: bytes(tapeless.bytesPerCall),
      ok,
      text: `tapeless allocates its result only (the hand-written gradient: ${bytes(handWritten.bytesPerCall)}/call)`,
    });
  }
  for (const [key, least] of Object.entries(TARGETS.peerOverTapeless[name] ?? {})) {
    const value = ratios.overTapeless[key];
    const label = PEERS.find((peer) => peer.key === key).label;
    targets.push({
      name: key,
      value,
      ok: value !== undefined && value >= least,
      text: least === 1 ? `no slower than ${label}` : `≥ ${grouped(least)}× faster than ${label}`,
    });
  }
  return targets;
}

/** A target's measured value, as a ratio unless it says otherwise. */
function shown(target) {
  if (target.value === undefined) return 'not measured';
  return target.shown ?? ratio(target.value);
}

function mark(ok) {
  return ok ? '✓' : '✗';
}

/** A ratio with ✓ or ✗ after it if `target` is given. */
function withMark(value, target) {
  if (value === undefined) return '—';
  return target ? `${ratio(value)} ${mark(target.ok)}` : ratio(value);
}

/** The summary table: one row per case, the ratios that have targets marked. */
export function formatSummary(results) {
  const rows = Object.values(results.cases).map((result) => {
    const targets = Object.fromEntries(caseTargets(result).map((target) => [target.name, target]));
    const { overPrimal, overTapeless } = result.ratios;
    return [
      `[${result.name}](#${anchor(result.name)})`,
      result.controlFlow,
      time(result.timings.primal.nsPerCall),
      withMark(overPrimal.tapeless, targets.overPrimal),
      withMark(overPrimal.handWritten),
      withMark(overTapeless.handWritten === undefined ? undefined : 1 / overTapeless.handWritten, targets.overHandWritten),
      withMark(overPrimal.finiteDifference),
      ...PEERS.map(({ key }) => withMark(overTapeless[key], targets[key])),
      targets.memory ? `${bytes(result.timings.tapeless.bytesPerCall)} ${mark(targets.memory.ok)}` : bytes(result.timings.tapeless.bytesPerCall),
      result.timings.tapeless.peakExtraBytes === undefined ? '—' : bytes(result.timings.tapeless.peakExtraBytes),
    ];
  });
  return [
    '| case | control flow | primal | tapeless ÷ primal | hand-written ÷ primal | tapeless ÷ hand-written | central differences ÷ primal | TF.js ÷ tapeless | jax-js ÷ tapeless | tapeless bytes/call | tapeless peak extra |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ];
}

export function formatReport(results) {
  const cases = Object.values(results.cases);
  const peerVersions = new Map(cases.flatMap(({ peers = [] }) => peers.filter(({ version }) => version).map((peer) => [peer.key, peer])));
  const machine = results.machine;
  const lines = [
    '# Benchmark results',
    '',
    "Written by `npm run bench` (bench/run.mjs, from bench/results.json); the cases are in bench/cases.ts, bench/rosenbrock.ts and bench/gmm.ts, the peers' versions of them in bench/peers.",
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.platform}; Node ${machine.node} (V8 ${machine.v8}); TypeScript ${machine.typescript}; tapeless ${machine.tapeless}${machine.commit ? ` at ${machine.commit}` : ''}; ` +
      [...peerVersions.values()].map((peer) => `${peer.packageName} ${peer.version}`).join(', ') +
      `. Last run ${machine.date}, load average ${machine.loadAverage.join(', ')} (the machine is shared: rely on the ratios, which pair variants measured in the same round).`,
    '',
    '## Summary',
    '',
    '"a ÷ b": the median over rounds of a\'s processor time per call ÷ b\'s in the same round. A peer ÷ tapeless above 1 means tapeless is faster. ✓/✗: the targets of issue 7, listed below. Bytes/call: what one gradient call allocates; peak extra: the most memory one call of a case with loops holds at once beyond its result.',
    '',
    ...formatSummary(results),
    '',
    "![Gradient time against n for Rosenbrock's function](rosenbrock.svg)",
    '',
    '### Targets',
    '',
    ...formatTargets(results),
    '',
    ...formatBuild(results.build),
    '## How it is measured',
    '',
    "Each case runs in a process of its own (`node --expose-gc bench/measure.mjs <case>`). Before timing, every variant's gradient is compared with the tapeless one: the largest difference relative to the tapeless gradient's largest entry, over all draws of the arguments. " +
      `A timed sample calls one variant over the draws of the arguments in a loop compiled for it alone, summing numbers of the results; its calls per sample are the fewest (a power of 2) that take ${SETTINGS.sampleMilliseconds} ms. ` +
      "Times are processor time (user and system time of the process, `process.cpuUsage()`), not wall-clock time: the machine is shared, and a sample's wall-clock time also counts the time other processes had the core (a loop of 8 ms of processor time took from 8 to 190 ms of wall-clock time here). Processor time does count V8's own background threads (concurrent garbage collection and compilation). The median wall-clock time is in bench/results.json (`wallNsPerCall`). " +
      `After ${SETTINGS.warmupRounds} warm-up rounds, ${SETTINGS.rounds} rounds take one sample of each variant, in turns (a case may change these; \`--quick\`: ${QUICK.warmupRounds} and ${QUICK.rounds} rounds of ${QUICK.sampleMilliseconds} ms samples). ` +
      'Time per call is the median over rounds (quartiles beside it). A case with long loops first calls each of its own functions many times on small arguments (`primingInput`), so that V8 optimises each whole rather than from inside its loop.',
    '',
    "Bytes per call: what one call allocates itself, over calls whose results are all kept (arguments already boxed, so that a caller's boxing of doubles is not counted): the growth of the V8 heap plus that of the array buffers outside it, where typed arrays of more than 64 bytes keep their numbers (that part also alone). " +
      'Peak extra: the V8 heap and array buffers above their level before one call, sampled before each garbage collection during the call and at its end, minus what the result keeps; garbage not yet collected counts, so it is exact for a call that keeps what it allocates to its end, and an upper bound otherwise.',
    '',
    "A peer's timed call starts from its tensors for the cases over arrays (parameters and data converted once, before timing) and from JavaScript numbers for the cases over numbers; it computes the gradient and reads it back into JavaScript typed arrays. Its allocation is not measured.",
    '',
    ...[...peerVersions.values()].map((peer) => `- ${peer.label} ${peer.version} (\`${peer.packageName}\`): ${peer.api}, ${peer.precision}`),
  ];
  for (const result of cases) lines.push('', ...formatCase(result));
  return lines.join('\n') + '\n';
}

function formatTargets(results) {
  const lines = [];
  for (const result of Object.values(results.cases)) {
    for (const target of caseTargets(result)) lines.push(`- ${mark(target.ok)} ${result.name}: ${target.text}: **${shown(target)}**`);
  }
  if (results.build) {
    const { ratio: value } = results.build.tspc;
    lines.push(
      `- ${mark(value <= TARGETS.buildOverhead)} build: tspc on examples/ with the transformer ≤ ${TARGETS.buildOverhead}× without: **${ratio(value)}**`,
    );
  }
  const failing = lines.filter((line) => line.startsWith('- ✗')).length;
  return [`${lines.length - failing} of ${lines.length} met.`, '', ...lines];
}

function formatBuild(build) {
  if (!build) return [];
  const { tspc, transform } = build;
  return [
    '## Build cost',
    '',
    `\`tspc -p\` on examples/ (${build.quick ? 'quick run, ' : ''}${tspc.runs} runs of each, in turns, each a process of its own; medians of processor time): ` +
      `**${seconds(tspc.withMs)}** with the transformer, **${seconds(tspc.withoutMs)}** without it (the same tsconfig without plugins): ` +
      `**${ratio(tspc.ratio)}** (target ≤ ${TARGETS.buildOverhead}×) ${mark(tspc.ratio <= TARGETS.buildOverhead)}, the median of the runs' ratios. ` +
      (tspc.wallMs ? `Wall-clock: ${seconds(tspc.wallMs.with)} and ${seconds(tspc.wallMs.without)}. ` : '') +
      'Most of either is starting Node and TypeScript and type-checking.',
    '',
    "Transform time per differentiated function: an emit of a fresh `ts.Program` through the transformer's tspc entry point (`tapeless/transformer`, as ts-patch calls it) minus one without it, after type-checking (untimed in both), in processor time, " +
      "over the number of API calls (`grad`, `valueAndGrad`, … ) in the program's files; medians of alternating emits.",
    '',
    '| program | API calls | emit with | emit without | per API call |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...transform.map((t) => `| ${t.label} | ${t.apiCalls} | ${t.withMs.toFixed(0)} ms | ${t.withoutMs.toFixed(0)} ms | ${t.msPerApiCall.toFixed(1)} ms |`),
    '',
  ];
}

function formatCase(result) {
  const { timings, ratios, agreement, settings } = result;
  const keys = Object.keys(timings);
  const peak = result.controlFlow === 'loop';
  const differences = agreement.differences;
  const agreementCell = (key) => {
    if (key === 'tapeless') return 'reference';
    if (!(key in differences)) return '—';
    const tolerance = agreement.tolerances[key];
    return `${differences[key].toExponential(1)}${tolerance ? ` ${mark(differences[key] <= tolerance)}` : ''}`;
  };
  const label = (t) => (t.api ? `${t.label} (${t.api}, ${t.precision})` : t.label);
  const cell = (t, field) => (t[field] === undefined ? '—' : grouped(t[field]));
  const lines = [
    `## ${result.name}`,
    '',
    `${result.name}(${result.parameters.join(', ')}), gradient with respect to ${result.wrt.join(', ')}: ${result.description}.`,
    '',
    `${settings.inputs === 1 ? 'One draw of the arguments' : `${grouped(settings.inputs)} draws of the arguments`}; ${settings.warmupRounds} warm-up and ${settings.rounds} timed rounds${result.quick ? ' (quick run)' : ''}${result.primed ? `; primed with ${grouped(settings.primingCalls)} calls on small arguments` : ''}. Measured ${result.machine.date}.`,
    '',
    `| variant | time/call | quartiles | ÷ primal | ÷ tapeless | vs tapeless | bytes/call | of which array buffers |${peak ? ' peak extra |' : ''}`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${peak ? ' ---: |' : ''}`,
    ...keys.map((key) => {
      const t = timings[key];
      const cells = [
        label(t),
        time(t.nsPerCall),
        t.quartilesNsPerCall.map(time).join('–'),
        ratio(ratios.overPrimal[key]),
        ratio(ratios.overTapeless[key]),
        agreementCell(key),
        cell(t, 'bytesPerCall'),
        cell(t, 'arrayBufferBytesPerCall'),
      ];
      if (peak) cells.push(cell(t, 'peakExtraBytes'));
      return `| ${cells.join(' | ')} |`;
    }),
    ...result.skipped.map(({ label, reason }) => `| ${label}: skipped, ${reason} |${' — |'.repeat(peak ? 8 : 7)}`),
    ...collectionNote(timings),
  ];
  if (differences.spotChecks !== undefined)
    lines.push(
      '',
      `Central differences of the primal on ${differences.spotCheckEntries} entries of the gradient (the first, middle and last of each array): ${differences.spotChecks.toExponential(1)} from the tapeless gradient.`,
    );
  lines.push('', ...caseTargets(result).map((target) => `- ${target.text}: **${shown(target)}** ${mark(target.ok)}`));
  if (result.notes) lines.push('', result.notes);
  return lines;
}

/** A note on the variants during whose allocation measurement the garbage collector ran, if any. */
function collectionNote(timings) {
  const collected = Object.values(timings).filter((t) => t.collectionsPerCall > 0);
  if (collected.length === 0) return [];
  const which = collected.map((t) => `${t.label} (${fixed(t.collectionsPerCall)} collections per call)`).join(', ');
  return [
    '',
    `The garbage collector ran while the allocation of ${which} was measured: bytes/call includes what it freed of the heap, not array buffers it freed.`,
  ];
}

function anchor(name) {
  return name.toLowerCase();
}

/** Two decimals below 10, one below 1000, none above (with thousands separated). */
function fixed(value) {
  return value < 1000 ? value.toFixed(value < 10 ? 2 : 1) : grouped(value);
}

function ratio(value) {
  return value === undefined ? '—' : `${fixed(value)}×`;
}

/** A time in the unit that suits it, three significant digits or more. */
export function time(ns) {
  if (ns < 1e4) return `${fixed(ns)} ns`;
  if (ns < 1e7) return `${fixed(ns / 1e3)} µs`;
  return `${fixed(ns / 1e6)} ms`;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(2)} s`;
}

function bytes(value) {
  if (value === undefined) return '—';
  if (value < 1e4) return `${grouped(value)} B`;
  if (value < 1e7) return `${fixed(value / 1e3)} kB`;
  return `${fixed(value / 1e6)} MB`;
}

function grouped(value) {
  return Math.round(value).toLocaleString('en-US');
}
