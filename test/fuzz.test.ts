// Random programs over the supported subset (test/support/fuzz/programs.ts), drawn by
// fast-check with a fixed seed: each generated function's reverse-mode gradient is checked
// against Richardson-extrapolated central differences at random points away from branch
// boundaries and kinks, its inputs must be unchanged, and the emitted code must be free of
// eval / Function / with and create no globals. Failures are shrunk by fast-check.
//
// Longer runs: `npm run fuzz -- --runs 5000 [--seed N]` (scripts/fuzz.mjs).
import { describe, expect, it } from 'vitest';
import { describeReport, fuzzGradients } from './support/fuzz/run.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x7a9e1e55);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const CHOICES = Number(process.env.FUZZ_CHOICES ?? (process.env.FUZZ_RUNS ? 600 : 300));
const LONG = process.env.FUZZ_RUNS !== undefined;

describe(`random differentiable programs (seed ${SEED})`, () => {
  it(`${RUNS} programs: gradients match finite differences, inputs untouched, emitted code safe`, async () => {
    const report = await fuzzGradients({ seed: SEED, runs: RUNS, choices: CHOICES, shrink: LONG ? 5 : 1, log: LONG ? (line) => console.log(line) : undefined });
    const text = describeReport(report);
    if (LONG || report.failures.length > 0) console.log(text);
    expect(report.failures.length, text).toBe(0);
    // Most programs must be usable, or the generator has drifted into unbounded values.
    expect(report.rejected).toBeLessThan(RUNS / 3);
    // The gradients are not trivially zero.
    expect(report.counts.nonzero).toBeGreaterThan(report.counts.entries / 2);
  });
});
