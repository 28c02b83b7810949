// Random programs over the supported subset, with a fixed seed: each generated function's
// reverse-mode gradient is checked against Richardson-extrapolated central differences at
// random points, away from branch boundaries. All programs go through one compile.
//
// To explore other programs: FUZZ_SEED=123 FUZZ_COUNT=500 npx vitest run test/fuzz.test.ts
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './support/compile.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x7a9e1e55);
const COUNT = Number(process.env.FUZZ_COUNT ?? 200);
/** Points checked per program (candidates are drawn until this many are usable). */
const POINTS = 3;
const CANDIDATES = 16;
/** Gradient entries must match finite differences to this relative tolerance (floor 1 in the scale). */
const TOLERANCE = 1e-6;

// ---------------------------------------------------------------------------------------------
// Generator

/** mulberry32: a small deterministic PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Code is rendered twice: `ts` for tapeless, and `js`, the same function in plain JavaScript
 * with every comparison on differentiable values routed through `__c(a, op, b)`, which records
 * the outcome and the margin `a - b` (used to stay away from branch boundaries).
 */
type Mode = 'ts' | 'js';
type Code = ((mode: Mode) => string) & { negated?: Code };

interface Scope {
  /** Readable number variables. */
  nums: string[];
  /** Assignable number variables (lets and number parameters). */
  mutable: string[];
  /** Loop counters in scope: exact small integers. */
  counters: string[];
  /** Readable arrays of length 3 (the Float64Array parameter, local arrays). */
  arrays: string[];
  /** Local arrays (writable). */
  locals: string[];
  helper?: string;
  loopDepth: number;
  inLoop: boolean;
}

interface Program {
  name: string;
  params: { name: string; array: boolean }[];
  /** The gradient export: `grad(name)`, `grad(name, { wrt })` or `valueAndGrad(name)`. */
  kind: 'grad' | 'wrt' | 'valueAndGrad';
  /** Parameter indices of the gradient's entries, in order. */
  wrt: number[];
  source: Code;
}

/**
 * `e ** 2`. Known bug (reported): tapeless emits a power whose base is a negation without
 * parentheses (`(-x) ** 3` differentiates to `3 * -x ** 2`; in a branch `(-x) ** 2` is
 * recomputed as `-x ** 2`), a SyntaxError. So a negation is not squared here (its operand is:
 * same value), and constants are never 0 or -1.
 */
function square(a: Code): Code {
  let base = a;
  while (base.negated) base = base.negated;
  return (m) => `${base(m)} ** 2`;
}

class Generator {
  private counter = 0;

  constructor(private readonly rand: () => number) {}

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)];
  }
  fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }
  constant(lo = -2, hi = 2): Code {
    let v = 0;
    // Not 0 or -1: tapeless folds `0 - e` and `-1 * e` to `-e`, which meets the bug of `square`.
    while (v === 0 || v === -1) v = Math.round((lo + this.rand() * (hi - lo)) * 100) / 100;
    const text = v < 0 ? `(${v})` : `${v}`;
    return () => text;
  }

  leaf(s: Scope): Code {
    const options: (() => Code)[] = [() => this.constant()];
    for (let k = 0; k < 4; k++) if (s.nums.length > 0) options.push(() => { const v = this.pick(s.nums); return () => v; });
    if (s.counters.length > 0) options.push(() => { const c = this.pick(s.counters), k = this.pick(['0.25', '0.5', '0.3']); return () => `(${c} * ${k})`; });
    if (s.arrays.length > 0) {
      const read = (): Code => {
        const arr = this.pick(s.arrays);
        const index = s.counters.length > 0 && this.chance(0.5)
          ? `(${this.pick(s.counters)} + ${this.int(0, 2)}) % 3`
          : `${this.int(0, 2)}`;
        return () => `${arr}[${index}]`;
      };
      options.push(read, read);
    }
    return this.pick(options)();
  }

  expr(s: Scope, depth: number): Code {
    if (depth <= 0 || this.chance(0.25)) return this.leaf(s);
    const sub = () => this.expr(s, depth - 1);
    const kind = this.int(0, 19);
    switch (kind) {
      case 0: case 1: { const a = sub(), b = sub(); return (m) => `(${a(m)} + ${b(m)})`; }
      case 2: case 3: { const a = sub(), b = sub(); return (m) => `(${a(m)} - ${b(m)})`; }
      case 4: case 5: { const a = sub(), b = sub(); return (m) => `(${a(m)} * ${b(m)})`; }
      case 6: {
        const a = sub(), b = sub(), b2 = square(b);
        return this.chance(0.5) ? (m) => `(${a(m)} / (1.5 + Math.cos(${b(m)})))` : (m) => `(${a(m)} / (1 + ${b2(m)}))`;
      }
      case 7: { const a = sub(); return Object.assign((m: Mode) => `(-${a(m)})`, { negated: a }); }
      case 8: { const a = sub(), f = this.pick(['sin', 'cos', 'tanh', 'atan']); return (m) => `Math.${f}(${a(m)})`; }
      case 9: { const a = sub(), f = this.pick(['sin', 'cos', 'tanh', 'atan']); return (m) => `Math.${f}(${a(m)})`; }
      case 10: {
        const a = sub();
        const form = this.int(0, 2);
        const sq = square(a);
        return form === 0 ? (m) => `Math.exp(Math.sin(${a(m)}))`
          : form === 1 ? (m) => `Math.exp(0.5 * Math.tanh(${a(m)}))`
          : (m) => `Math.exp(-0.5 * ${sq(m)})`;
      }
      case 11: { const a = square(sub()), f = this.pick(['sqrt', 'log']); return (m) => `Math.${f}(1 + ${a(m)})`; }
      case 12: {
        const a = sub(), b = sub();
        return this.chance(0.5) ? (m) => `Math.hypot(${a(m)}, ${b(m)}, 1)` : (m) => `Math.hypot(${a(m)}, 0.5)`;
      }
      case 13: case 14: {
        const c = this.cond(s, depth - 1), a = sub(), b = sub();
        return (m) => `(${c(m)} ? ${a(m)} : ${b(m)})`;
      }
      case 15: case 16: {
        if (!s.helper) return this.expr(s, depth);
        const h = s.helper, a = sub(), b = sub();
        return (m) => `${h}(${a(m)}, ${b(m)})`;
      }
      default: {
        const c = this.constant(-1, 1), a = sub();
        return (m) => `(${c(m)} * ${a(m)})`;
      }
    }
  }

  comparison(s: Scope, depth: number): Code {
    const op = this.pick(['<', '>', '<=', '>=']);
    const a = this.expr(s, Math.min(depth, 2));
    const b = this.chance(0.6) ? this.constant(-1, 1) : this.expr(s, Math.min(depth, 1));
    // TypeScript may read `a < (b) > (c)` as a call with type arguments: \`<\` is written as \`>\` swapped.
    const swapped = op === '<' ? '>' : op === '<=' ? '>=' : undefined;
    return (m) => (m === 'js' ? `__c(${a(m)}, '${op}', ${b(m)})` : swapped ? `(${b(m)}) ${swapped} (${a(m)})` : `(${a(m)}) ${op} (${b(m)})`);
  }

  cond(s: Scope, depth: number): Code {
    if (this.chance(0.15)) {
      const a = this.comparison(s, depth), b = this.comparison(s, depth), op = this.pick(['&&', '||']);
      return (m) => `(${a(m)} ${op} ${b(m)})`;
    }
    const c = this.comparison(s, depth);
    return (m) => `(${c(m)})`;
  }

  /** A bounded factor for `*=`, so that loops do not blow values up. */
  factor(s: Scope): Code {
    const a = this.expr(s, 2);
    return this.chance(0.5) ? (m) => `(0.5 + 0.4 * Math.sin(${a(m)}))` : (m) => `Math.tanh(${a(m)})`;
  }

  statement(s: Scope, depth: number, indent: string): Code {
    const inner = indent + '  ';
    const options: [number, () => Code][] = [
      [3, () => {
        const v = this.fresh('v'), e = this.expr(s, 3);
        s.nums.push(v);
        s.mutable.push(v);
        return (m) => `${indent}let ${v} = ${e(m)};\n`;
      }],
    ];
    if (s.mutable.length > 0) {
      options.push([4, () => {
        const v = this.pick(s.mutable);
        // Inside loops, keep assignments contracting: v = a * v + bounded.
        if (s.inLoop && this.chance(0.6)) {
          const e = this.expr(s, 2), c = this.constant(-0.8, 0.8), f = this.pick(['sin', 'tanh', 'atan']);
          return (m) => `${indent}${v} = ${c(m)} * ${v} + Math.${f}(${e(m)});\n`;
        }
        const e = this.expr(s, 3);
        return s.inLoop ? (m) => `${indent}${v} = Math.tanh(${e(m)});\n` : (m) => `${indent}${v} = ${e(m)};\n`;
      }]);
      options.push([3, () => {
        const v = this.pick(s.mutable);
        switch (this.int(0, 3)) {
          case 0: { const e = s.inLoop ? this.factor(s) : this.expr(s, 3); return (m) => `${indent}${v} += ${e(m)};\n`; }
          case 1: { const e = s.inLoop ? this.factor(s) : this.expr(s, 3); return (m) => `${indent}${v} -= ${e(m)};\n`; }
          case 2: { const e = this.factor(s); return (m) => `${indent}${v} *= ${e(m)};\n`; }
          default: { const e = this.expr(s, 2); return (m) => `${indent}${v} /= 1.5 + Math.sin(${e(m)});\n`; }
        }
      }]);
    }
    if (s.locals.length > 0) {
      options.push([3, () => {
        const arr = this.pick(s.locals);
        const index = s.counters.length > 0 && this.chance(0.5) ? `(${this.pick(s.counters)} + ${this.int(0, 2)}) % 3` : `${this.int(0, 2)}`;
        const e = this.expr(s, 2);
        if (s.inLoop) {
          return this.chance(0.5)
            ? (m) => `${indent}${arr}[${index}] = Math.tanh(${e(m)});\n`
            : (m) => `${indent}${arr}[${index}] += 0.5 * Math.sin(${e(m)});\n`;
        }
        const op = this.pick(['=', '+=', '-=']);
        return (m) => `${indent}${arr}[${index}] ${op} ${e(m)};\n`;
      }]);
    }
    if (depth > 0) {
      options.push([2, () => {
        const c = this.cond(s, 2);
        const then = this.block(this.child(s), depth - 1, inner, this.int(1, 3));
        const otherwise = this.chance(0.6) ? this.block(this.child(s), depth - 1, inner, this.int(1, 3)) : undefined;
        return (m) => `${indent}if ${c(m)} {\n${then(m)}${indent}}${otherwise ? ` else {\n${otherwise(m)}${indent}}` : ''}\n`;
      }]);
    }
    if (depth > 0 && s.loopDepth < 2) {
      options.push([2, () => {
        const i = this.fresh('i'), n = this.int(1, 4);
        const body = this.child(s, true);
        body.counters.push(i);
        const b = this.block(body, depth - 1, inner, this.int(1, 4));
        return (m) => `${indent}for (let ${i} = 0; ${i} < ${n}; ${i}++) {\n${b(m)}${indent}}\n`;
      }]);
      options.push([1, () => {
        const w = this.fresh('w'), n = this.int(1, 4);
        const body = this.child(s, true);
        body.counters.push(w);
        // The counter is incremented first, so that `continue` cannot loop forever.
        const b = this.block(body, depth - 1, inner, this.int(1, 3));
        return (m) => `${indent}let ${w} = 0;\n${indent}while (${w} < ${n}) {\n${inner}${w}++;\n${b(m)}${indent}}\n`;
      }]);
    }
    if (s.inLoop) {
      options.push([1, () => {
        const word = this.pick(['break', 'continue']);
        if (s.counters.length > 0 && this.chance(0.4)) {
          const c = this.pick(s.counters), k = this.int(1, 3);
          return () => `${indent}if (${c} === ${k}) ${word};\n`;
        }
        const c = this.cond(s, 2);
        return (m) => `${indent}if ${c(m)} ${word};\n`;
      }]);
    }
    const total = options.reduce((t, [w]) => t + w, 0);
    let r = this.rand() * total;
    for (const [w, make] of options) {
      if ((r -= w) < 0) return make();
    }
    return options[0][1]();
  }

  child(s: Scope, loop = false): Scope {
    return {
      ...s,
      nums: [...s.nums],
      mutable: [...s.mutable],
      counters: [...s.counters],
      arrays: [...s.arrays],
      locals: [...s.locals],
      loopDepth: s.loopDepth + (loop ? 1 : 0),
      inLoop: s.inLoop || loop,
    };
  }

  block(s: Scope, depth: number, indent: string, count: number): Code {
    const statements: Code[] = [];
    for (let k = 0; k < count; k++) statements.push(this.statement(s, depth, indent));
    return (m) => statements.map((st) => st(m)).join('');
  }

  /** The value returned: a mix of every variable in scope, so that all contribute. */
  result(s: Scope): Code {
    const terms: Code[] = s.nums.map((v) => { const c = this.constant(-1, 1); return (m: Mode) => `${c(m)} * ${v}`; });
    for (const arr of s.locals) { const k = this.int(0, 2); terms.push(() => `${arr}[${k}]`); }
    terms.push(this.expr(s, 2));
    return (m) => terms.map((t) => t(m)).join(' + ');
  }

  program(index: number): Program {
    this.counter = 0;
    const name = `p${index}`;
    const helper = `h${index}`;
    // The helper: two numbers, a short body, maybe a branch or a loop.
    const hs: Scope = { nums: ['u', 'w'], mutable: ['u', 'w'], counters: [], arrays: [], locals: [], loopDepth: 1, inLoop: false };
    const hbody = this.block(hs, 1, '  ', this.int(1, 3));
    const hresult = this.result(hs);
    const helperCode: Code = (m) =>
      `function ${helper}(u${m === 'ts' ? ': number' : ''}, w${m === 'ts' ? ': number' : ''})${m === 'ts' ? ': number' : ''} {\n${hbody(m)}  return ${hresult(m)};\n}\n`;

    const numbers = ['x', 'y', 'z'].slice(0, this.int(2, 3));
    const params = numbers.map((p) => ({ name: p, array: false }));
    if (this.chance(0.4)) params.push({ name: 'a', array: true });
    const s: Scope = {
      nums: [...numbers],
      mutable: this.chance(0.3) ? [...numbers] : [],
      counters: [],
      arrays: params.some((p) => p.array) ? ['a'] : [],
      locals: [],
      helper,
      loopDepth: 0,
      inLoop: false,
    };
    const prelude: Code[] = [];
    if (this.chance(0.5)) {
      const arr = this.fresh('L');
      prelude.push((m) => `  const ${arr} = new Float64Array(3);\n`);
      const init = this.expr(s, 2), k = this.int(0, 2);
      prelude.push((m) => `  ${arr}[${k}] = ${init(m)};\n`);
      s.arrays.push(arr);
      s.locals.push(arr);
    }
    const body = this.block(s, 2, '  ', this.int(3, 6));
    // Make sure the helper is called at least once.
    const call = this.expr({ ...s, nums: [...s.nums] }, 1);
    const called: Code = (m) => `${helper}(${call(m)}, ${s.nums[0]})`;
    const result = this.result(s);
    const signature = (m: Mode) => params.map((p) => (m === 'ts' ? `${p.name}: ${p.array ? 'Float64Array' : 'number'}` : p.name)).join(', ');
    const source: Code = (m) =>
      `${helperCode(m)}export function ${name}(${signature(m)})${m === 'ts' ? ': number' : ''} {\n` +
      `${prelude.map((p) => p(m)).join('')}${body(m)}  return ${result(m)} + 0.5 * ${called(m)};\n}\n`;

    let kind: Program['kind'] = 'grad';
    let wrt = params.map((_, i) => i);
    const r = this.rand();
    if (r < 0.2) kind = 'valueAndGrad';
    else if (r < 0.4) {
      kind = 'wrt';
      const shuffled = [...wrt].sort(() => this.rand() - 0.5);
      wrt = shuffled.slice(0, this.int(1, shuffled.length));
    }
    return { name, params, kind, wrt, source: (m) => source(m).replace(/^export /m, m === 'js' ? '' : 'export ') };
  }
}

function gradientExport(p: Program): string {
  if (p.kind === 'valueAndGrad') return `export const d_${p.name} = valueAndGrad(${p.name});`;
  if (p.kind === 'grad') return `export const d_${p.name} = grad(${p.name});`;
  // A single selection as a name or index alone; several as a list mixing names and indices.
  const sel = p.wrt.map((i, k) => (k % 2 === 0 ? `'${p.params[i].name}'` : `${i}`));
  return `export const d_${p.name} = grad(${p.name}, { wrt: ${sel.length === 1 ? sel[0] : `[${sel.join(', ')}]`} });`;
}

// ---------------------------------------------------------------------------------------------
// Points, finite differences, branch stability

type Args = (number | Float64Array)[];
/** A coordinate of the input: parameter `param`, entry `entry` if the parameter is an array. */
interface Coordinate { param: number; entry?: number }

function coordinates(p: Program, params: number[] = p.params.map((_, i) => i)): Coordinate[] {
  return params.flatMap((param) => (p.params[param].array ? [0, 1, 2].map((entry) => ({ param, entry })) : [{ param }]));
}

function shifted(args: Args, c: Coordinate, delta: number): Args {
  return args.map((v, i) => {
    if (i !== c.param) return v;
    if (c.entry === undefined) return (v as number) + delta;
    const copy = Float64Array.from(v as Float64Array);
    copy[c.entry] += delta;
    return copy;
  });
}

function valueAt(args: Args, c: Coordinate): number {
  const v = args[c.param];
  return c.entry === undefined ? (v as number) : (v as Float64Array)[c.entry];
}

const step = (args: Args, c: Coordinate) => 1e-3 * Math.max(1, Math.abs(valueAt(args, c)));

/** Central differences with Richardson extrapolation, steps h and h/2. */
function difference(f: (...args: Args) => number, args: Args, c: Coordinate, h: number): number {
  const central = (s: number) => (f(...shifted(args, c, s)) - f(...shifted(args, c, -s))) / (2 * s);
  return (4 * central(h / 2) - central(h)) / 3;
}

interface Twin {
  f: (...args: Args) => number;
  /** The comparisons made by the last call: outcomes and margins. */
  trace: { outcome: boolean; margin: number; scale: number }[];
}

function twin(p: Program): Twin {
  const trace: Twin['trace'] = [];
  const compare = (a: number, op: string, b: number) => {
    const outcome = op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
    trace.push({ outcome, margin: a - b, scale: Math.max(1, Math.abs(a), Math.abs(b)) });
    return outcome;
  };
  const f = new Function('__c', `${p.source('js')}\nreturn ${p.name};`)(compare) as (...args: Args) => number;
  return {
    trace,
    f: (...args) => {
      trace.length = 0;
      return f(...args);
    },
  };
}

/**
 * Whether finite differences can be trusted at `args`: a moderate finite value, the same
 * branches taken at every point of every stencil (and not within a hair of a boundary), and
 * two step sizes agreeing far below the tolerance.
 */
function usable(p: Program, t: Twin, args: Args): boolean {
  const value = t.f(...args);
  if (!Number.isFinite(value) || Math.abs(value) > 1e3) return false;
  const outcomes = t.trace.map((e) => e.outcome).join();
  if (t.trace.some((e) => Math.abs(e.margin) < 1e-6 * e.scale)) return false;
  for (const c of coordinates(p)) {
    const h = step(args, c);
    for (const delta of [h / 2, h, 2 * h]) {
      for (const sign of [1, -1]) {
        t.f(...shifted(args, c, sign * delta));
        if (t.trace.map((e) => e.outcome).join() !== outcomes) return false;
      }
    }
    const d1 = difference(t.f, args, c, h);
    const d2 = difference(t.f, args, c, 2 * h);
    if (!Number.isFinite(d1) || Math.abs(d1) > 1e4 || Math.abs(d1 - d2) > 1e-8 * Math.max(1, Math.abs(d1))) return false;
  }
  return true;
}

function randomArgs(p: Program, rand: () => number): Args {
  const r = () => Math.round((rand() * 3 - 1.5) * 1e6) / 1e6;
  return p.params.map((q) => (q.array ? Float64Array.from([r(), r(), r()]) : r()));
}

const show = (args: Args) => `(${args.map((v) => (typeof v === 'number' ? `${v}` : `Float64Array.from([${[...v].join(', ')}])`)).join(', ')})`;

// ---------------------------------------------------------------------------------------------
// Test

interface Case { program: Program; points: Args[] }

const cases: Case[] = [];
let rejected = 0;
let m: Record<string, any>;

beforeAll(async () => {
  const rand = mulberry32(SEED);
  const generator = new Generator(rand);
  let index = 0;
  while (cases.length < COUNT) {
    const program = generator.program(index++);
    const t = twin(program);
    const points: Args[] = [];
    for (let k = 0; k < CANDIDATES && points.length < POINTS; k++) {
      const args = randomArgs(program, rand);
      if (usable(program, t, args)) points.push(args);
    }
    if (points.length < POINTS) rejected++;
    else cases.push({ program, points });
  }
  const source = `import { grad, valueAndGrad } from 'tapeless';\n\n${cases.map(({ program }) => `${program.source('ts')}${gradientExport(program)}\n`).join('\n')}`;
  const compiled = compile({ 'main.ts': source });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

describe(`random programs (seed ${SEED})`, () => {
  it('generates enough programs with usable points', () => {
    expect(cases.length).toBe(COUNT);
    // Most programs must be usable, or the generator has drifted into unbounded values.
    expect(rejected).toBeLessThan(COUNT / 2);
  });

  it('gradients match finite differences', () => {
    const failures: string[] = [];
    let checked = 0;
    let checkedEntries = 0;
    let nonzero = 0;
    for (const { program, points } of cases) {
      const f = m[program.name] as (...args: Args) => number;
      const t = twin(program);
      for (const args of points) {
        const problems: string[] = [];
        const expectedValue = t.f(...args);
        const value = f(...args);
        if (value !== expectedValue) problems.push(`value ${value}, the plain JavaScript gives ${expectedValue}`);
        let raw: any;
        try {
          raw = m[`d_${program.name}`](...args);
        } catch (error) {
          problems.push(`gradient threw ${error}`);
        }
        if (raw !== undefined && program.kind === 'valueAndGrad') {
          if (Math.abs(raw[0] - expectedValue) > 1e-12 * Math.max(1, Math.abs(expectedValue))) problems.push(`valueAndGrad value ${raw[0]}, expected ${expectedValue}`);
          raw = raw[1];
        }
        if (raw !== undefined) {
          const entries = program.wrt.length === 1 ? [raw] : (raw as unknown[]);
          program.wrt.forEach((param, k) => {
            for (const c of coordinates(program, [param])) {
              const actual = c.entry === undefined ? (entries[k] as number) : (entries[k] as Float64Array)[c.entry];
              const expected = difference(f, args, c, step(args, c));
              const label = `d/d${program.params[param].name}${c.entry === undefined ? '' : `[${c.entry}]`}`;
              checkedEntries++;
              if (actual !== 0) nonzero++;
              if (!(Math.abs(actual - expected) <= TOLERANCE * Math.max(1, Math.abs(expected)))) problems.push(`${label}: tapeless ${actual}, finite differences ${expected}`);
            }
          });
        }
        checked++;
        if (problems.length > 0) failures.push(`${gradientExport(program)} at ${show(args)}:\n  ${problems.join('\n  ')}\n${program.source('ts')}`);
      }
    }
    if (process.env.FUZZ_SEED) console.log(`seed ${SEED}: ${cases.length} programs (${rejected} rejected), ${checked} points, ${checkedEntries} gradient entries (${nonzero} nonzero)`);
    if (failures.length > 0) console.error(`${failures.length} failing points:\n\n${failures.join('\n')}`);
    expect(failures.length, failures.slice(0, 3).join('\n')).toBe(0);
    expect(checked).toBe(COUNT * POINTS);
    // The gradients are not trivially zero.
    expect(nonzero).toBeGreaterThan(checkedEntries / 2);
  });
});
