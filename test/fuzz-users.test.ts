// Random programs written the way users write them (test/support/fuzz/users/): helpers
// returning tuples, arrays, typed arrays and objects (destructured, indexed, kept, passed
// on), state reassigned in loops (tuples, arrays, Float64Arrays and objects: `s = step(s,
// dt)`, literals, `previous = state`, exits on the state), numbers assigned together (`[a, b]
// = [b, a]`, `({ x, v } = st)`), module and captured constants, matrices and nested
// objects read repeatedly, calls in loop bounds and conditions, classes and their methods,
// for…of, map/reduce/forEach with the index, Math.max(...xs), while loops that stop on the
// data, switch with fall-through and early returns, labelled loops, local arrays created
// anywhere, and the idioms of idioms.ts (arrays of a run-time length reassigned in loops,
// slice/concat/filter/Array.from, sorted copies, objects and class instances written, local
// arrows, default parameters and options objects, string unions, throw guards, early exits
// before a returned local array or object) and of habits.ts (callbacks reading the array
// itself, searches and pairwise loops that stop or skip on the data, switch fall-through
// carrying a value, module tables of objects read by index, reduce into objects and tuples,
// class instances updated in loops, functions passed on, enums). Each program
// is exported in every mode (grad, valueAndGrad, derivative, jvp, vjp, hessian, hvp,
// jacobian) and checked against central differences of its plain JavaScript twin (the
// Hessian and hvp against differences of the gradient); the emitted module must load, the
// generated code must not throw or read undeclared names, inputs must be unchanged, and
// tapeless may reject only what README marks ❌ (test/support/fuzz/users/readme.ts).
//
// Longer runs: `npm run fuzz -- --only users --runs 100000 [--seed N]` (scripts/fuzz.mjs runs
// them in chunks, each adding its figures to the totals in FUZZ_USERS_TOTALS).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue } from './support/catalogue.js';
import { type UsersReport, addReports, describeReport, failures, fuzzUsers, listed } from './support/fuzz/users/run.js';

const LONG = process.env.FUZZ_RUNS !== undefined;
const TOTALS = process.env.FUZZ_USERS_TOTALS;
const MERGE = process.env.FUZZ_USERS_MERGE?.split(',');
const SEED = Number(process.env.FUZZ_SEED ?? 0x05e75);
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
// A program uses about 550 choices (median), 1,500 at the 90th percentile.
const CHOICES = Number(process.env.FUZZ_USERS_CHOICES ?? 3000);
// A batch of a long run alone, program by program (a crash's culprit is the program after the last logged):
// FUZZ_RUNS=600 FUZZ_USERS_SKIP=500 FUZZ_USERS_BATCH=1 FUZZ_USERS_CHOICES=1500 FUZZ_SEED=… npx vitest run test/fuzz-users.test.ts
const SKIP = Number(process.env.FUZZ_USERS_SKIP ?? 0);
const BATCH = Number(process.env.FUZZ_USERS_BATCH ?? 25);

describe(`random user-shaped programs (seed ${SEED})`, () => {
  it.runIf(MERGE)('the totals of parallel long runs', () => {
    const totals = MERGE!
      .filter(existsSync)
      .map((file) => JSON.parse(readFileSync(file, 'utf8')) as UsersReport)
      .reduce(addReports);
    console.log(`\n===== totals of ${MERGE!.length} jobs =====\n${describeReport(totals)}`);
    expect(failures(totals).map((c) => c.key)).toEqual([]);
  });

  it.skipIf(MERGE)('rejections are counted by their message as README lists it, not by the call and the temporary file that reached them', () => {
    // A catalogued message with computed parts, as a diagnostic outside the call that reached it says it.
    const entry = catalogue().find((m) => m.text.includes("'…'"))!;
    const said = (name: string) => `tapeless: ${entry.text.replaceAll('…', name)}`;
    const reached = (name: string, call: string, place: string) =>
      `${said(name)}   while differentiating '${call}' for grad(${call}), at .tmp/compile-${place}/main.ts:1621:25`;
    expect(listed(reached('previous31', 'p24', 'IrDNmj'))).toBe(listed(said('previous31')));
    expect(listed(reached('previous31', 'p24', 'IrDNmj'))).toBe(listed(reached('state7', 'p9', '470cHg')));
  });

  it.skipIf(MERGE)(
    `${RUNS} programs: every mode matches finite differences, no throw, no internal error, no rejection of what README supports`,
    async () => {
      const before: UsersReport | undefined = TOTALS && existsSync(TOTALS) ? JSON.parse(readFileSync(TOTALS, 'utf8')) : undefined;
      const known = new Set(before ? Object.keys(before.classes) : []);
      const report = await fuzzUsers({
        seed: SEED,
        runs: RUNS,
        choices: CHOICES,
        batch: BATCH,
        skip: SKIP,
        shrink: LONG ? 5 : 1,
        known,
        log: LONG ? (line) => console.log(line) : undefined,
      });
      const text = describeReport(report);
      if (TOTALS) {
        const totals = before ? addReports(before, report) : report;
        writeFileSync(TOTALS, JSON.stringify(totals));
        console.log(`\n===== totals so far =====\n${describeReport(totals)}`);
      } else if (LONG || failures(report).length > 0) console.log(text);
      expect(
        failures(report).map((c) => `${c.key} (${c.programs} programs)`),
        text,
      ).toEqual([]);
      // The generator writes valid TypeScript whose plain JavaScript runs.
      expect(report.stats.kinds.invalid ?? 0, text).toBe(0);
      // Most programs have points to check, or the generator has drifted into unbounded values.
      expect(report.stats.withPoints, text).toBeGreaterThan(report.stats.programs / 2);
      // About a minute of one core; on the shared machine at a load of 12, four times that.
    },
    // A long run's chunk has no time limit (its figures would be lost): `npm run fuzz` runs it.
    LONG ? 0 : 600_000,
  );
});
