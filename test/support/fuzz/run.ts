// The gradient fuzz run: draws programs with fast-check, compiles them in batches (one
// TypeScript program per batch: a compile costs far more than a check), checks each, and
// shrinks the failures one program at a time with fast-check.
import fc from 'fast-check';
import { compile } from '../compile.js';
import { type Args, type Counts, checkProgram, mulberry32Points, twin } from './check.js';
import { type Draw, drawArbitrary } from './choices.js';
import { type Program, moduleSource, programOf } from './programs.js';
import { globalsCreated, unsafeConstructs } from './safety.js';

export interface Failure {
  readonly index: number;
  readonly program: Program;
  readonly problems: readonly string[];
}

export interface Shrunk {
  readonly index: number;
  readonly source: string;
  readonly problems: readonly string[];
  readonly steps: number;
}

export interface GradientReport {
  readonly seed: number;
  /** Programs generated. */
  tried: number;
  /** Programs without enough usable points (too close to a boundary everywhere, or unbounded). */
  rejected: number;
  readonly counts: Counts;
  readonly failures: Failure[];
  readonly shrunk: Shrunk[];
}

interface Prepared {
  program: Program;
  points: Args[];
}

function prepare(draw: Draw, name: string): Prepared {
  const program = programOf(draw, name);
  return { program, points: mulberry32Points(program, twin(program), draw.seed) };
}

/** Which program of a batch a `main.ts:line:col` message points into. */
function owner(message: string, starts: readonly number[]): number {
  const line = Number(/^main\.ts:(\d+):/.exec(message)?.[1] ?? 0);
  let k = 0;
  while (k + 1 < starts.length && starts[k + 1] <= line) k++;
  return k;
}

/** Compiles `prepared` as one module and checks every program; returns the failures by batch position. */
async function checkBatch(prepared: readonly Prepared[], counts: Counts, explain = true): Promise<Map<number, string[]>> {
  const problems = new Map<number, string[]>();
  const add = (k: number, text: string) => problems.set(k, [...(problems.get(k) ?? []), text]);
  const source = moduleSource(prepared.map((p) => p.program));
  const starts: number[] = [];
  {
    let line = 3;
    for (const { program } of prepared) {
      starts.push(line);
      line += moduleSource([program]).split('\n').length - 2;
    }
  }
  // Type-checked only when something fails (the check costs a third of the compile).
  const typeErrors = () => {
    if (!explain) return;
    try {
      compile({ 'main.ts': source });
    } catch (error) {
      const messages = String((error as Error).message)
        .split('\n')
        .filter((line) => line.startsWith('main.ts:'));
      for (const message of messages) add(owner(message, starts), `does not type-check: ${message}`);
      if (messages.length === 0) add(0, `compile failed: ${(error as Error).message}`);
    }
  };
  const compiled = compile({ 'main.ts': source }, {}, false);
  for (const message of compiled.messages) add(owner(message, starts), `diagnostic: ${message}`);
  if (problems.size > 0) {
    typeErrors();
    return problems;
  }
  const js = compiled.js['main.ts'];
  // Attributed by the generated function's name (p12_grad, p12_h_pullback, ...), else to the first.
  const byName = new Map(prepared.map(({ program }, k) => [program.name, k]));
  const ownerOf = (text: string) => byName.get(/in function ([A-Za-z]+\d*)/.exec(text)?.[1] ?? '') ?? 0;
  for (const unsafe of unsafeConstructs(js)) add(ownerOf(unsafe), `unsafe emitted code: ${unsafe}`);
  let m: Record<string, any>;
  try {
    m = await compiled.load();
  } catch (error) {
    add(0, `the emitted module does not load: ${error}`);
    return problems;
  }
  prepared.forEach(({ program, points }, k) => {
    for (const problem of checkProgram(program, m, points, counts)) add(k, problem);
  });
  // The gradients run once more in a context of their own, which must not gain globals.
  let created: string[] = [];
  try {
    created = globalsCreated(js, (exports) => {
      prepared.forEach(({ program, points }, k) => {
        try {
          exports[`d_${program.name}`](...points[0]);
        } catch (error) {
          add(k, `the gradient throws in a fresh context: ${error}`);
        }
      });
    });
  } catch (error) {
    add(0, `the emitted module fails in a fresh context: ${error}`);
  }
  if (created.length > 0) add(0, `the generated code created the globals ${created.join(', ')}`);
  if (problems.size > 0) typeErrors();
  return problems;
}

/** The property fast-check shrinks with: one program alone, compiled and checked. */
const property = (choices: number) =>
  fc.asyncProperty(drawArbitrary(choices), async (draw) => {
    const prepared = prepare(draw, 'f');
    fc.pre(prepared.points.length > 0);
    const problems = await checkBatch([prepared], { points: 0, entries: 0, nonzero: 0 }, false);
    if (problems.size > 0) throw new Error([...problems.values()].flat().join('\n'));
  });

export interface GradientOptions {
  readonly seed: number;
  readonly runs: number;
  /** The most choices a program is drawn from: its size. */
  readonly choices?: number;
  /** Programs compiled together. */
  readonly batch?: number;
  /** Failures shrunk (each shrink compiles a program per step). */
  readonly shrink?: number;
  /** Time limit of one shrink, in ms: its best counterexample so far is kept. */
  readonly shrinkTime?: number;
  readonly log?: (line: string) => void;
}

export async function fuzzGradients({
  seed,
  runs,
  choices = 600,
  batch = 250,
  shrink = 3,
  shrinkTime = 120_000,
  log = () => {},
}: GradientOptions): Promise<GradientReport> {
  const report: GradientReport = { seed, tried: 0, rejected: 0, counts: { points: 0, entries: 0, nonzero: 0 }, failures: [], shrunk: [] };
  const draws = fc.sample(drawArbitrary(choices), { seed, numRuns: runs });
  for (let start = 0; start < draws.length; start += batch) {
    const prepared: (Prepared & { index: number })[] = [];
    for (let index = start; index < Math.min(start + batch, draws.length); index++) {
      report.tried++;
      const p = prepare(draws[index], `p${index}`);
      if (p.points.length === 0) report.rejected++;
      else prepared.push({ ...p, index });
    }
    const problems = await checkBatch(prepared, report.counts);
    for (const [k, list] of problems) report.failures.push({ index: prepared[k].index, program: prepared[k].program, problems: list });
    log(`seed ${seed}: ${report.tried}/${runs} programs, ${report.failures.length} failing`);
  }
  for (const failure of report.failures.slice(0, shrink)) {
    log(`shrinking program ${failure.index}...`);
    const result = await fc.check(property(choices), {
      seed,
      path: String(failure.index),
      numRuns: 1,
      interruptAfterTimeLimit: shrinkTime,
      markInterruptAsFailure: false,
    });
    if (!result.failed || !result.counterexample) continue;
    const [draw] = result.counterexample;
    const program = programOf(draw, 'f');
    report.shrunk.push({
      index: failure.index,
      source: moduleSource([program]),
      problems: String((result.errorInstance as Error | undefined)?.message ?? result.errorInstance).split('\n'),
      steps: result.numShrinks,
    });
  }
  return report;
}

/** A report as text: totals, then each failure and each shrunk counterexample. */
export function describeReport(r: GradientReport): string {
  const lines = [
    `seed ${r.seed}: ${r.tried} programs tried, ${r.rejected} without usable points, ${r.counts.points} points, ${r.counts.entries} gradient entries (${r.counts.nonzero} nonzero), ${r.failures.length} failing`,
  ];
  for (const f of r.failures.slice(0, 10)) lines.push(`\n--- program ${f.index}:\n${f.problems.slice(0, 6).join('\n')}\n${moduleSource([f.program])}`);
  for (const s of r.shrunk) lines.push(`\n=== program ${s.index}, shrunk in ${s.steps} steps:\n${s.problems.slice(0, 6).join('\n')}\n${s.source}`);
  return lines.join('\n');
}
