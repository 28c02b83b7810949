// The transformer never crashes and never hangs: hand-picked unsupported and broken inputs,
// and (fixed seed) fast-check mutations of valid programs and token soup, each end in
// emitted code or diagnostics within a time budget. Internal errors (TS91099) are reported
// as diagnostics, but each one is a bug: none is expected.
//
// Longer runs: `npm run fuzz -- --runs 5000` (also runs the gradient fuzzer).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Outcome, NASTY, badInputArbitrary, internalErrors, nastyFiles, problemsOf, transformAll } from './support/fuzz/robust.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const RUNS = Number(process.env.FUZZ_ROBUST_RUNS ?? process.env.FUZZ_RUNS ?? 150);
const LONG = process.env.FUZZ_RUNS !== undefined;
/** Per input; generous, as the machine running the suite may be busy. */
const BUDGET = 10_000;

function summary(outcomes: readonly Outcome[]): { text: string; failing: number; internal: number } {
  const failing = outcomes.filter((o) => problemsOf(o, BUDGET).length > 0);
  const internal = outcomes.filter((o) => internalErrors(o).length > 0);
  const slowest = Math.max(...outcomes.map((o) => o.ms));
  const lines = [
    `${outcomes.length} inputs: ${outcomes.filter((o) => o.diagnostics.length > 0).length} with tapeless diagnostics, ${failing.length} failing, ${internal.length} with internal errors, ` +
      `${outcomes.filter((o) => o.typescriptThrows).length} on which TypeScript's own emit throws, slowest ${Math.round(slowest)} ms`,
  ];
  for (const o of failing.slice(0, 5)) lines.push(`\n--- input ${o.index}: ${problemsOf(o, BUDGET).join('; ')}\n${o.source}`);
  for (const o of internal.slice(0, 5))
    lines.push(
      `\n--- input ${o.index}: ${internalErrors(o)
        .map((d) => d.message)
        .join('; ')}\n${o.source}`,
    );
  return { text: lines.join('\n'), failing: failing.length, internal: internal.length };
}

describe('bad input never crashes the transformer', () => {
  it(`${NASTY.length} hand-picked unsupported or broken inputs`, async () => {
    const outcomes = await transformAll(nastyFiles(), BUDGET);
    const { text, failing, internal } = summary(outcomes);
    if (LONG) console.log(`hand-picked: ${text}`);
    expect(outcomes).toHaveLength(NASTY.length);
    expect(failing, text).toBe(0);
    // The one input that crashes TypeScript itself is told apart from a crash of tapeless.
    expect(outcomes.filter((o) => o.typescriptThrows).map((o) => o.source)).toEqual([expect.stringContaining('throw throw with import')]);
    expect(internal, text).toBe(0);
  });

  it(`${RUNS} mutated programs and token soup (seed ${SEED})`, async () => {
    const inputs = fc.sample(badInputArbitrary(), { seed: SEED, numRuns: RUNS });
    const outcomes = await transformAll(inputs, BUDGET, LONG ? (line) => console.log(line) : undefined);
    const { text, failing, internal } = summary(outcomes);
    if (LONG) console.log(`random (seed ${SEED}): ${text}`);
    expect(outcomes).toHaveLength(RUNS);
    expect(failing, text).toBe(0);
    expect(internal, text).toBe(0);
  });
});
