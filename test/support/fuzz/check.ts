// Checking a compiled random program: points inside its domain (away from branch boundaries
// and kinds), a reference gradient, and the generated gradient compared against it, with the
// inputs checked to be untouched.
import { mulberry32 } from './choices.js';
import type { Program } from './programs.js';

export type Value = number | Float64Array | number[];
export type Args = Value[];
/** A coordinate of the input: parameter `param`, entry `entry` if the parameter is an array. */
export interface Coordinate {
  readonly param: number;
  readonly entry?: number;
}

/** Gradient entries must match the reference to this relative tolerance (floor 1 in the scale). */
export const TOLERANCE = 1e-6;
/** Points checked per program (candidates are drawn until this many are usable). */
export const POINTS = 3;
const CANDIDATES = 16;

export function coordinates(p: Program, params: readonly number[] = p.params.map((_, i) => i)): Coordinate[] {
  return params.flatMap((param) => (p.params[param].type === 'number' ? [{ param }] : [0, 1, 2].map((entry) => ({ param, entry }))));
}

function copy(v: Value): Value {
  return typeof v === 'number' ? v : v instanceof Float64Array ? Float64Array.from(v) : [...v];
}

export function shifted(args: Args, c: Coordinate, delta: number): Args {
  return args.map((v, i) => {
    if (i !== c.param) return v;
    if (c.entry === undefined) return (v as number) + delta;
    const moved = copy(v) as number[];
    moved[c.entry] += delta;
    return moved;
  });
}

function valueAt(args: Args, c: Coordinate): number {
  const v = args[c.param];
  return c.entry === undefined ? (v as number) : (v as number[])[c.entry];
}

const step = (args: Args, c: Coordinate) => 1e-3 * Math.max(1, Math.abs(valueAt(args, c)));

/** Central differences with Richardson extrapolation, steps h and h/2. */
function difference(f: (...args: Args) => number, args: Args, c: Coordinate, h: number): number {
  const central = (s: number) => (f(...shifted(args, c, s)) - f(...shifted(args, c, -s))) / (2 * s);
  return (4 * central(h / 2) - central(h)) / 3;
}

/**
 * Runs a program (its twin, its compiled primal or gradient) with Math.random drawing the
 * same numbers at every call: each program is then a function of its arguments, and its
 * gradient that of the numbers drawn, which reverse mode must replay where it recomputes.
 * The numbers start again every `period` draws (the draws of one call of the program), as
 * the check of every call against forward mode calls a second build, and forward mode's
 * gradient calls the program once per input number. `drawn` counts the draws.
 */
export function drawing<T>(run: () => T, period = Infinity, drawn = { count: 0 }): T {
  const random = Math.random;
  let source = mulberry32(0x5eed);
  drawn.count = 0;
  Math.random = () => {
    if (drawn.count > 0 && drawn.count % period === 0) source = mulberry32(0x5eed);
    drawn.count++;
    return source();
  };
  try {
    return run();
  } finally {
    Math.random = random;
  }
}

/** The plain-JavaScript twin of a program, with its branch decisions recorded. */
export interface Twin {
  readonly f: (...args: Args) => number;
  /** The decisions of the last call: outcomes and margins to the nearest boundary. */
  readonly trace: { outcome: unknown; margin: number; scale: number }[];
  /** How many numbers the last call drew. */
  readonly drawn: { count: number };
}

export function twin(p: Program): Twin {
  const trace: Twin['trace'] = [];
  const note = <T>(outcome: T, margin: number, ...values: number[]): T => {
    trace.push({ outcome, margin, scale: Math.max(1, ...values.map(Math.abs)) });
    return outcome;
  };
  const recorders = {
    __c: (a: number, op: string, b: number) => note(op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b, a - b, a, b),
    __abs: (a: number) => (note(a >= 0, a, a) ? a : -a),
    __max: (a: number, b: number) => (note(a >= b, a - b, a, b) ? a : b),
    __min: (a: number, b: number) => (note(a <= b, a - b, a, b) ? a : b),
    // A sort's permutation changes where neighbours tie; a filter's where an entry meets the bound.
    __sorted: (xs: ArrayLike<number>, descending: boolean) => {
      const order = Array.from(xs, (_, k) => k).sort((i, j) => (descending ? xs[j] - xs[i] : xs[i] - xs[j]));
      for (let k = 0; k + 1 < order.length; k++) note(`${order[k]} ${order[k + 1]}`, xs[order[k + 1]] - xs[order[k]], xs[order[k]], xs[order[k + 1]]);
      return order.map((i) => xs[i]);
    },
    __filtered: (xs: ArrayLike<number>, bound: number) => Array.from(xs).filter((v) => note(v > bound, v - bound, v, bound)),
    // Steps jump at integers (floor), at half-integers (round) or at 0 (sign).
    __step: (a: number, f: 'floor' | 'round' | 'sign') => {
      const edge = f === 'floor' ? Math.round(a) : f === 'round' ? Math.floor(a) + 0.5 : 0;
      return note(Math[f](a), a - edge, a);
    },
  };
  const f = new Function(...Object.keys(recorders), `"use strict";\n${p.source('js')}\nreturn ${p.name};`)(...Object.values(recorders)) as (
    ...args: Args
  ) => number;
  const drawn = { count: 0 };
  return {
    trace,
    drawn,
    f: (...args) => {
      trace.length = 0;
      return drawing(() => f(...args), Infinity, drawn);
    },
  };
}

/**
 * A reference for one gradient entry at a point. Finite differences of the JavaScript twin
 * by default; another mode of differentiation (forward mode) can be plugged in here.
 */
export type Oracle = (p: Program, t: Twin, args: Args, c: Coordinate) => number;

export const finiteDifferences: Oracle = (_p, t, args, c) => difference(t.f, args, c, step(args, c));

/**
 * Whether finite differences can be trusted at `args`: a moderate finite value, the same
 * branches taken at every point of every stencil (and not within a hair of a boundary), and
 * two step sizes agreeing far below the tolerance.
 */
function usable(p: Program, t: Twin, args: Args): boolean {
  const value = t.f(...args);
  if (!Number.isFinite(value) || Math.abs(value) > 1e3) return false;
  const outcomes = JSON.stringify(t.trace.map((e) => e.outcome));
  if (t.trace.some((e) => Math.abs(e.margin) < 1e-6 * e.scale)) return false;
  for (const c of coordinates(p)) {
    const h = step(args, c);
    for (const delta of [h / 2, h, 2 * h]) {
      for (const sign of [1, -1]) {
        t.f(...shifted(args, c, sign * delta));
        if (JSON.stringify(t.trace.map((e) => e.outcome)) !== outcomes) return false;
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
  return p.params.map((q) => (q.type === 'number' ? r() : q.type === 'Float64Array' ? Float64Array.from([r(), r(), r()]) : [r(), r(), r()]));
}

/** Up to POINTS points where the program is smooth and finite differences are reliable. */
export function usablePoints(p: Program, t: Twin, rand: () => number): Args[] {
  const points: Args[] = [];
  for (let k = 0; k < CANDIDATES && points.length < POINTS; k++) {
    const args = randomArgs(p, rand);
    if (usable(p, t, args)) points.push(args);
  }
  return points;
}

/** POINTS usable points drawn from `seed`, or none if the program has too few. */
export function mulberry32Points(p: Program, t: Twin, seed: number): Args[] {
  const points = usablePoints(p, t, mulberry32(seed));
  return points.length < POINTS ? [] : points;
}

export const show = (args: Args) =>
  `(${args.map((v) => (typeof v === 'number' ? `${v}` : v instanceof Float64Array ? `Float64Array.from([${[...v].join(', ')}])` : `[${v.join(', ')}]`)).join(', ')})`;

/** The arguments as frozen as JavaScript allows (a typed array's entries cannot be frozen). */
function freeze(args: Args): Args {
  return args.map((v) => (Array.isArray(v) ? (Object.freeze(copy(v)) as number[]) : copy(v)));
}

export interface Counts {
  points: number;
  entries: number;
  nonzero: number;
}

/**
 * Checks the compiled program `m` at `points` against the twin: the primal's value, the value
 * of valueAndGrad, every gradient entry against the oracle, and the inputs unchanged after the
 * gradient call. Returns the problems found, one line each.
 */
export function checkProgram(p: Program, m: Record<string, any>, points: readonly Args[], counts: Counts, oracle: Oracle = finiteDifferences): string[] {
  const t = twin(p);
  const problems: string[] = [];
  for (const point of points) {
    const at = `at ${show(point)}: `;
    const expectedValue = t.f(...point);
    const period = t.drawn.count;
    const value = drawing(() => m[p.name](...point), period);
    if (value !== expectedValue) problems.push(`${at}value ${value}, the plain JavaScript gives ${expectedValue}`);
    const args = freeze(point);
    const before = JSON.stringify(args.map((v) => (typeof v === 'number' ? v : [...v])));
    let raw: any;
    try {
      raw = drawing(() => m[`d_${p.name}`](...args), period);
    } catch (error) {
      problems.push(`${at}gradient threw ${error}`);
    }
    if (JSON.stringify(args.map((v) => (typeof v === 'number' ? v : [...v]))) !== before) problems.push(`${at}the gradient changed its arguments`);
    if (raw !== undefined && p.kind === 'valueAndGrad') {
      if (Math.abs(raw[0] - expectedValue) > 1e-12 * Math.max(1, Math.abs(expectedValue)))
        problems.push(`${at}valueAndGrad value ${raw[0]}, expected ${expectedValue}`);
      raw = raw[1];
    }
    counts.points++;
    if (raw === undefined) continue;
    const entries = p.wrt.length === 1 ? [raw] : (raw as unknown[]);
    p.wrt.forEach((param, k) => {
      const expectedType = p.params[param].type === 'Float64Array' ? 'Float64Array' : p.params[param].type === 'number' ? 'number' : 'Array';
      const entry = entries[k] as Value;
      const type = typeof entry === 'number' ? 'number' : entry instanceof Float64Array ? 'Float64Array' : Array.isArray(entry) ? 'Array' : typeof entry;
      if (type !== expectedType) problems.push(`${at}the gradient for ${p.params[param].name} is a ${type}, expected ${expectedType}`);
      for (const c of coordinates(p, [param])) {
        const actual = c.entry === undefined ? (entry as number) : (entry as number[])[c.entry];
        const expected = oracle(p, t, point, c);
        counts.entries++;
        if (actual !== 0) counts.nonzero++;
        const label = `d/d${p.params[param].name}${c.entry === undefined ? '' : `[${c.entry}]`}`;
        if (!(Math.abs(actual - expected) <= TOLERANCE * Math.max(1, Math.abs(expected))))
          problems.push(`${at}${label}: tapeless ${actual}, reference ${expected}`);
      }
    });
  }
  return problems;
}
