// The user-program fuzz run: draws programs (program.ts), finds their reference points
// (reference.ts), compiles them in batches through the tapeless transformer, loads the
// emitted module (a SyntaxError is a failure), and checks every export of every program
// (modes.ts). Diagnostics are attributed to programs by line: internal errors are failures,
// rejections are counted by message, and a rejection of a construct README does not mark ❌
// (readme.ts) is a failure. A batch whose module does not load, or whose diagnostics
// belong to no program, is split in halves until the culprit is alone. Failures are
// grouped in classes; the first program of each class is shrunk by fast-check.
import fc from 'fast-check';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { catalogue } from '../../catalogue.js';
import { build, typeErrors } from '../../compile.js';
import { type Draw, drawArbitrary } from '../choices.js';
import { unsafeConstructs } from '../safety.js';
import { Checker, type ModeCounts, lookup } from './modes.js';
import { API_IMPORT, type ModeName, type UserProgram, userProgramOf } from './program.js';
import { unsupported } from './readme.js';
import { Oracle, type Reference } from './reference.js';
import type { Classes } from './values.js';

/** What goes wrong, tapeless's fault unless 'invalid' (the generator's: a program that does not type-check or whose twin throws). */
export type Kind = 'wrong' | 'throws' | 'mutates' | 'internal' | 'rejected ✅' | 'untransformed' | 'load' | 'undeclared' | 'invalid';

export interface Finding {
  readonly kind: Kind;
  readonly mode?: ModeName | 'f';
  readonly text: string;
  /** The failure class: kind, mode and the message with names and numbers left out. */
  readonly key: string;
}

export interface Stats {
  programs: number;
  /** Programs with usable points (the others are compiled, never run). */
  withPoints: number;
  points: number;
  readonly modes: Partial<Record<ModeName, ModeCounts>>;
  /** Programs with at least one finding of each kind. */
  readonly kinds: Partial<Record<Kind, number>>;
  /** Expected rejections by message and README entry: programs, and the modes rejected. */
  readonly rejections: Record<string, { programs: number; modes: string[] }>;
}

export const newStats = (): Stats => ({ programs: 0, withPoints: 0, points: 0, modes: {}, kinds: {}, rejections: {} });

const REJECTED_API = pathToFileURL(path.join(import.meta.dirname, 'rejected-api.js')).href;
/**
 * A rejected call is emitted as `(() => { throw new Error("…: error TS91001: tapeless: …"); })()`,
 * which throws when the module loads: the final call is dropped, so that the export throws
 * only when it is used and the rest of the batch loads.
 */
const FAILED_CALL = /(\(\(\) => \{ throw new Error\("(?:[^"\\]|\\.)*"\); \}\))\(\)/g;
let messages: ReturnType<typeof catalogue> | undefined;
/**
 * Node's own import, out of vitest's sight: vitest would send each emitted module (megabytes
 * of generated code per batch) through Vite's transform pipeline and keep it in its module graph.
 */
const nativeImport = createRequire(import.meta.url)('./native-import.cjs') as (url: string) => Promise<Record<string, any>>;

/**
 * A diagnostic's own message, without the line naming the call that reached it where it lies
 * outside the call (`while differentiating 'f' for grad(f), at .tmp/compile-…/main.ts:12:15`,
 * see namingCall in file-transform.ts): a place in one batch's temporary file.
 */
const ownMessage = (message: string) => message.split(/\s+while differentiating (?:'[^']*' for|the function given to) /)[0];

/** A diagnostic's message as README lists it (computed parts as `…`). */
export function listed(message: string): string {
  const text = ownMessage(message).replace(/^tapeless: /, '');
  messages ??= catalogue();
  return messages.find((m) => m.pattern.test(text))?.text ?? text;
}

/** An expected rejection's group: its message as README lists it, and the README entry that marks it ❌. */
const rejection = (text: string, program: UserProgram) => `${listed(text)}  (README ${unsupported(text, program)})`;

/** A message with the names and numbers of one program left out. */
const general = (text: string) =>
  text
    .replace(/'[^']*'/g, "'…'")
    .replace(/\b[\w$]*\d[\w$]*\b/g, '…')
    .replace(/-?\d+(\.\d+)?(e-?\d+)?/g, '…');

function finding(kind: Kind, text: string, mode?: ModeName | 'f'): Finding {
  let what: string;
  if (kind === 'wrong')
    what = /has /.test(text) ? 'the shape of the result' : /value/.test(text) ? 'the value' : /symmetric/.test(text) ? 'not symmetric' : 'the derivative';
  else if (kind === 'rejected ✅') what = general(listed(text.replace(/^TS\d+ at line \d+: /, '')));
  // Internal errors by what went wrong inside.
  else if (kind === 'internal') what = general(text.split('\n')[0].replace(/^tapeless: /, ''));
  else if (kind === 'mutates') what = 'the arguments changed';
  else what = general(text);
  return { kind, mode, text, key: `${kind}${mode ? ` ${mode}` : ''}: ${what}` };
}

/** The 1-based line of a diagnostic in main.ts, or undefined for one of the whole file (or of another file). */
function lineOf(d: ts.Diagnostic, first: number): number | undefined {
  if (!d.file || d.start === undefined || !d.file.fileName.endsWith('main.ts')) return undefined;
  const line = d.file.getLineAndCharacterOfPosition(d.start).line + 1;
  return line >= first ? line : undefined;
}

interface Compiled {
  readonly found: Map<number, Finding[]>;
  /** Expected rejections (README ❌) by program. */
  readonly rejectedBy: Map<number, string[]>;
  /** Programs with tapeless diagnostics. */
  readonly diagnosed: Set<number>;
  /** Diagnostics that belong to no program. */
  readonly orphans: string[];
  readonly js?: string;
  readonly module?: Record<string, any>;
  readonly loadError?: string;
}

/** Compiles `items` as one module, attributes the diagnostics by line, and loads it. */
async function compileBatch(items: readonly Item[]): Promise<Compiled> {
  const found = new Map<number, Finding[]>();
  const add = (k: number, f: Finding) => found.set(k, [...(found.get(k) ?? []), f]);
  const sources = items.map((i) => i.program.source(true));
  const starts: number[] = [];
  let line = API_IMPORT.split('\n').length;
  for (const s of sources) {
    starts.push(line);
    line += s.split('\n').length;
  }
  const owner = (l: number) => starts.filter((start) => start <= l).length - 1;
  // No source maps: nothing reads them, and making them is part of printing megabytes of generated code.
  const built = build({ 'main.ts': API_IMPORT + sources.join('\n') }, { sourceMap: false });
  const orphans: string[] = [];
  for (const d of typeErrors(built)) {
    const l = lineOf(d, starts[0]);
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (l === undefined) orphans.push(text);
    else add(owner(l), finding('invalid', `does not type-check: line ${l - starts[owner(l)] + 1}: ${text}`));
  }
  const diagnosed = new Set<number>();
  const rejectedBy = new Map<number, string[]>();
  for (const d of built.diagnostics) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const l = lineOf(d, starts[0]);
    if (l === undefined) {
      orphans.push(text);
      continue;
    }
    const k = owner(l);
    diagnosed.add(k);
    if (d.code === 91099) add(k, finding('internal', text));
    else if (!unsupported(text, items[k].program)) add(k, finding('rejected ✅', `TS${d.code} at line ${l - starts[k] + 1}: ${text}`));
    else rejectedBy.set(k, [...(rejectedBy.get(k) ?? []), text]);
  }
  const js = built.js['main.ts'];
  let module: Record<string, any> | undefined;
  let loadError: string | undefined;
  if (js === undefined) loadError = 'nothing was emitted';
  else {
    // Rejected calls throw when used, not when the module loads; calls left untransformed get the stand-in (rejected-api.js).
    writeFileSync(path.join(built.dir, 'main.js'), js.replace(FAILED_CALL, '$1').replace(/from 'tapeless'/g, `from '${REJECTED_API}'`));
    try {
      module = await nativeImport(pathToFileURL(path.join(built.dir, 'main.js')).href);
    } catch (error) {
      loadError = String(error);
    }
  }
  rmSync(built.dir, { recursive: true, force: true });
  return { found, rejectedBy, diagnosed, orphans, js, module, loadError };
}

/** Compiles `items` as one module and checks them; returns each one's findings (by position). */
async function examine(items: readonly Item[], stats: Stats): Promise<Map<number, Finding[]>> {
  const { found, rejectedBy, diagnosed, orphans, js, module, loadError } = await compileBatch(items);
  if ((loadError || orphans.length > 0) && items.length > 1) {
    // Split until the culprit is alone.
    const half = Math.ceil(items.length / 2);
    const merged = await examine(items.slice(0, half), stats);
    for (const [k, f] of await examine(items.slice(half), stats)) merged.set(k + half, f);
    return merged;
  }
  const add = (k: number, f: Finding) => found.set(k, [...(found.get(k) ?? []), f]);
  for (const text of orphans) add(0, finding(/internal error/.test(text) ? 'internal' : 'invalid', `a diagnostic of the whole file: ${text}`));
  if (loadError) add(0, finding('load', `the emitted module does not load: ${loadError}`));
  if (js !== undefined) {
    // Attributed by the generated function's name: the program's own name, or it followed by `_`.
    const ownerOf = (fn: string) => items.findIndex((item) => fn === item.program.name || fn.startsWith(`${item.program.name}_`));
    for (const unsafe of unsafeConstructs(js)) {
      const k = ownerOf(/in function ([\w$]+)/.exec(unsafe)?.[1] ?? '');
      add(k >= 0 ? k : 0, finding('undeclared', unsafe));
    }
  }
  items.forEach((item, k) => {
    stats.programs++;
    if (item.invalid) add(k, finding('invalid', item.invalid));
    for (const text of rejectedBy.get(k) ?? []) {
      const entry = (stats.rejections[rejection(text, item.program)] ??= { programs: 0, modes: [] });
      entry.programs++;
    }
    if (!module || found.get(k)?.some((f) => f.kind === 'invalid') || item.refs.length === 0) return;
    stats.withPoints++;
    stats.points += item.refs.length;
    const checker = new Checker(item.program, lookup(item.program, module), module as Classes, item.oracle!);
    const problems = [
      ...checker.value(item.refs),
      ...item.program.exports.flatMap((e) => checker.check(e, item.refs, (stats.modes[e.mode] ??= { points: 0, entries: 0 }), item.seed)),
    ];
    for (const p of problems) {
      if (p.kind !== 'rejected') add(k, finding(p.kind, p.text, p.mode));
      else if (!diagnosed.has(k)) add(k, finding('untransformed', p.text, p.mode));
      else {
        for (const text of rejectedBy.get(k) ?? []) {
          const modes = stats.rejections[rejection(text, item.program)].modes;
          if (!modes.includes(p.mode)) modes.push(p.mode);
        }
      }
    }
  });
  // A program that does not type-check (or whose twin throws) is the generator's fault: only that is reported.
  for (const [k, list] of found)
    if (list.some((f) => f.kind === 'invalid'))
      found.set(
        k,
        list.filter((f) => f.kind === 'invalid'),
      );
  for (const list of found.values()) for (const kind of new Set(list.map((f) => f.kind))) stats.kinds[kind] = (stats.kinds[kind] ?? 0) + 1;
  return found;
}

interface Item {
  readonly index: number;
  readonly program: UserProgram;
  readonly refs: readonly Reference[];
  /** The references' source: second differences of f (where a gradient's differences are not its derivative). */
  readonly oracle?: Oracle;
  readonly seed: number;
  /** Why the program is the generator's fault (its plain JavaScript throws). */
  readonly invalid?: string;
}

/** A program and its reference points. */
function prepare(draw: Draw, index: number, name: string): Item {
  const program = userProgramOf(draw, name);
  try {
    const oracle = new Oracle(program);
    return { index, program, refs: oracle.references(draw.seed), oracle, seed: draw.seed };
  } catch (error) {
    return { index, program, refs: [], seed: draw.seed, invalid: `the plain JavaScript throws: ${error}` };
  }
}

/** A failure class: its findings' key, how many programs showed it, the first program and finding. */
export interface FailureClass {
  readonly key: string;
  readonly kind: Kind;
  programs: number;
  readonly first: { readonly seed: number; readonly index: number; readonly source: string; readonly texts: readonly string[] };
  shrunk?: { readonly source: string; readonly texts: readonly string[]; readonly steps: number };
}

/** A run's figures and failure classes: plain data, so that the chunks of a long run add up (`addReports`). */
export interface UsersReport {
  readonly seeds: number[];
  readonly stats: Stats;
  readonly classes: Record<string, FailureClass>;
}

export interface UsersOptions {
  readonly seed: number;
  readonly runs: number;
  /** The most choices a program is drawn from: its size. */
  readonly choices?: number;
  /**
   * Programs compiled together (25). Not many more: TypeScript numbers the names tapeless
   * generates (`grown_1`, `grown_2`, …) across the whole file, trying each number from 1 up
   * for every name, which made a tenth of a batch of 100 programs (8,000 `grown_…`).
   */
  readonly batch?: number;
  /** Programs of the sequence not run (to rerun a batch of a long run alone: programs keep their numbers). */
  readonly skip?: number;
  /** Failure classes shrunk (each shrink compiles a program per step). */
  readonly shrink?: number;
  /** Time limit of one shrink, in ms: its best counterexample so far is kept. */
  readonly shrinkTime?: number;
  readonly log?: (line: string) => void;
  /** Failure classes already shrunk (in earlier chunks of a long run). */
  readonly known?: ReadonlySet<string>;
}

/** The property fast-check shrinks with: one program alone, failing with a finding of class `key`. */
const property = (choices: number, key: string) =>
  fc.asyncProperty(drawArbitrary(choices), async (draw) => {
    const item = prepare(draw, 0, 'f');
    const found = (await examine([item], newStats())).get(0) ?? [];
    const same = found.filter((f) => f.key === key);
    if (same.length > 0) throw new Error(same.map((f) => f.text).join('\n'));
  });

export async function fuzzUsers({
  seed,
  runs,
  choices = 3000,
  batch = 25,
  skip = 0,
  shrink = 3,
  shrinkTime = 120_000,
  log = () => {},
  known = new Set(),
}: UsersOptions): Promise<UsersReport> {
  const stats = newStats();
  const classes: Record<string, FailureClass> = {};
  const draws = fc.sample(drawArbitrary(choices), { seed, numRuns: runs });
  for (let start = skip; start < draws.length; start += batch) {
    const items: Item[] = [];
    for (let index = start; index < Math.min(start + batch, draws.length); index++) items.push(prepare(draws[index], index, `p${index}`));
    for (const [k, list] of await examine(items, stats)) {
      for (const key of new Set(list.map((f) => f.key))) {
        const seen = classes[key];
        if (!seen) log(`new failure class: ${key} (program ${items[k].index})`);
        if (seen) seen.programs++;
        else
          classes[key] = {
            key,
            kind: list.find((f) => f.key === key)!.kind,
            programs: 1,
            first: { seed, index: items[k].index, source: items[k].program.source(true), texts: list.filter((f) => f.key === key).map((f) => f.text) },
          };
      }
    }
    // The heap grows with every module loaded (they stay in memory): chunks keep it bounded.
    log(
      `seed ${seed}: ${stats.programs}/${runs} programs, ${Object.keys(classes).length} failure classes, heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MB`,
    );
  }
  for (const c of Object.values(classes)
    .filter((c) => c.kind !== 'invalid' && !known.has(c.key))
    .slice(0, shrink)) {
    log(`shrinking program ${c.first.index} (${c.key})...`);
    const result = await fc.check(property(choices, c.key), {
      seed,
      path: String(c.first.index),
      numRuns: 1,
      interruptAfterTimeLimit: shrinkTime,
      markInterruptAsFailure: false,
    });
    if (!result.failed || !result.counterexample) continue;
    const [draw] = result.counterexample;
    c.shrunk = {
      source: userProgramOf(draw, 'f').source(true),
      texts: String((result.errorInstance as Error | undefined)?.message ?? result.errorInstance).split('\n'),
      steps: result.numShrinks,
    };
  }
  return { seeds: [seed], stats, classes };
}

/** Failures that are tapeless's (all but the generator's own invalid programs). */
export const failures = (r: UsersReport) => Object.values(r.classes).filter((c) => c.kind !== 'invalid');

/** Two runs' reports as one: figures added, classes merged (the first example and shrink kept). */
export function addReports(a: UsersReport, b: UsersReport): UsersReport {
  const sum = <K extends string>(x: Partial<Record<K, number>>, y: Partial<Record<K, number>>) => {
    const out = { ...x };
    for (const [k, n] of Object.entries(y) as [K, number][]) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  const modes = { ...a.stats.modes };
  for (const [m, c] of Object.entries(b.stats.modes) as [ModeName, ModeCounts][])
    modes[m] = { points: (modes[m]?.points ?? 0) + c.points, entries: (modes[m]?.entries ?? 0) + c.entries };
  const rejections = structuredClone(a.stats.rejections);
  for (const [message, r] of Object.entries(b.stats.rejections)) {
    const into = (rejections[message] ??= { programs: 0, modes: [] });
    into.programs += r.programs;
    into.modes = [...new Set([...into.modes, ...r.modes])];
  }
  const classes = structuredClone(a.classes);
  for (const [key, c] of Object.entries(b.classes)) {
    if (classes[key]) classes[key].programs += c.programs;
    else classes[key] = c;
  }
  const stats: Stats = {
    programs: a.stats.programs + b.stats.programs,
    withPoints: a.stats.withPoints + b.stats.withPoints,
    points: a.stats.points + b.stats.points,
    modes,
    kinds: sum(a.stats.kinds, b.stats.kinds),
    rejections,
  };
  return { seeds: [...a.seeds, ...b.seeds], stats, classes };
}

/** The figures: programs, points, findings by kind, rejections by message, modes checked. */
export function describeStats(s: Stats): string {
  const lines = [`${s.programs} programs (${s.withPoints} with usable points), ${s.points} points`];
  const kinds = Object.entries(s.kinds)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  lines.push(`programs with findings: ${kinds || 'none'}`);
  lines.push(
    `checked: ${Object.entries(s.modes)
      .map(([m, c]) => `${m} ${c.points} points / ${c.entries} numbers`)
      .join(', ')}`,
  );
  lines.push(`rejections (README ❌), by message:`);
  for (const [message, r] of Object.entries(s.rejections).sort((a, b) => b[1].programs - a[1].programs)) {
    lines.push(`  ${r.programs} programs [${[...r.modes].sort().join(', ')}]: ${message}`);
  }
  return lines.join('\n');
}

export function describeReport(r: UsersReport): string {
  const seeds = r.seeds.length > 3 ? `seeds ${r.seeds[0]}…${r.seeds[r.seeds.length - 1]}` : `seed ${r.seeds.join(', ')}`;
  const lines = [`${seeds}: ${describeStats(r.stats)}`, `failure classes: ${Object.keys(r.classes).length}`];
  for (const c of Object.values(r.classes).sort((a, b) => b.programs - a.programs)) {
    lines.push(`\n--- ${c.key} — ${c.programs} programs; first: seed ${c.first.seed}, program ${c.first.index}\n${c.first.texts.slice(0, 4).join('\n')}`);
    if (c.shrunk) lines.push(`=== shrunk in ${c.shrunk.steps} steps:\n${c.shrunk.texts.slice(0, 4).join('\n')}\n${API_IMPORT}${c.shrunk.source}`);
    else lines.push(c.first.source);
  }
  return lines.join('\n');
}
