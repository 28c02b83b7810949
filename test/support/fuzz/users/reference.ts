// The reference a user program is checked against: its twin (plain JavaScript, no tapeless)
// at points where it is smooth, with every partial derivative of every output by
// Richardson-extrapolated central differences that two step sizes agree on.
import { mulberry32 } from '../choices.js';
import type { UserProgram } from './program.js';
import { Unusable, loadTwin, type Twin } from './twin.js';
import { type Classes, type Data, type Path, coordinates, materialise, randomData, shifted } from './values.js';

/** Points checked per program (candidates are drawn until this many are usable). */
export const POINTS = 2;
const CANDIDATES = 12;

export interface Reference {
  readonly point: Data[];
  /** f's output at the point, flattened. */
  readonly value: number[];
  /** How deeply the twin nested derivatives by differences to get `value` (Twin['nesting']): how well it knows it. */
  readonly nesting: number;
  /** For each coordinate of `coordinates(params)`, the derivative of each output. */
  readonly partials: number[][];
  /**
   * For each coordinate, whether the values of `stopGradient(…)` change along it: a constant
   * to every derivative (README), so there the differences of a generated gradient are not
   * its derivative, and second orders are checked against second differences of f.
   */
  readonly stopsMove: boolean[];
}

/** The numbers of a result: a number, an array or typed array of numbers. */
export function flat(v: unknown): number[] {
  return typeof v === 'number' ? [v] : Array.from(v as ArrayLike<number>);
}

/** Central differences with Richardson extrapolation, steps h and h/2, of every output. */
export function difference(f: (args: Data[]) => number[], args: Data[], c: Path, h: number): number[] {
  const central = (s: number) => {
    const up = f(shifted(args, c, s)),
      down = f(shifted(args, c, -s));
    return up.map((u, k) => (u - down[k]) / (2 * s));
  };
  const [half, full] = [central(h / 2), central(h)];
  return half.map((d, k) => (4 * d - full[k]) / 3);
}

export const stepAt = (args: Data[], c: Path) => {
  let v: any = args;
  for (const key of c) v = v[key];
  return 1e-3 * Math.max(1, Math.abs(v as number));
};

/** Two difference estimates that agree far below the tolerance. */
export const agree = (d1: readonly number[], d2: readonly number[], within: number) =>
  d1.every((d, k) => Number.isFinite(d) && Math.abs(d) <= 1e4 && Math.abs(d - d2[k]) <= within * Math.max(1, Math.abs(d)));

export class Oracle {
  readonly twin: Twin;
  readonly f: (args: Data[]) => number[];

  constructor(readonly program: UserProgram) {
    this.twin = loadTwin(program.source(false));
    const exports = this.twin.exports;
    const fn = program.factory ? exports[`${program.name}_api`].f : exports[program.name];
    const shapes = program.params.map((p) => p.shape);
    this.f = (args) => {
      this.twin.trace.length = 0;
      this.twin.stops.next = 0;
      this.twin.nesting.deepest = 0;
      return flat(fn(...args.map((d, i) => materialise(d, shapes[i], exports as Classes))));
    };
  }

  private outcomes(): string {
    return JSON.stringify(this.twin.trace.map((d) => d.outcome));
  }

  /** The reference at `point`, or undefined where differences cannot be trusted (near a boundary or kink, unbounded values). */
  reference(point: Data[]): Reference | undefined {
    try {
      return this.trusted(point);
    } catch (error) {
      if (error instanceof Unusable) return undefined;
      throw error;
    }
  }

  private trusted(point: Data[]): Reference | undefined {
    // At the point, stopGradient's values are recorded; at the points around it, replayed.
    Object.assign(this.twin.stops, { mode: 'record', values: [] });
    const value = this.f(point);
    this.twin.stops.mode = 'replay';
    if (!value.every((v) => Number.isFinite(v) && Math.abs(v) <= 1e3)) return undefined;
    // Three levels of differences leave the value ~1e-4 off: nothing to check it against.
    const nesting = this.twin.nesting.deepest;
    if (nesting > 2) return undefined;
    if (this.twin.trace.some((d) => Math.abs(d.margin) < 1e-6 * d.scale)) return undefined;
    const path = this.outcomes();
    const partials: number[][] = [];
    const stopsMove: boolean[] = [];
    for (const c of coordinates(this.program.params.map((p) => p.shape))) {
      stopsMove.push(this.stopsMoveAlong(point, c));
      const h = stepAt(point, c);
      for (const delta of [h / 2, h, 2 * h]) {
        for (const sign of [1, -1]) {
          this.f(shifted(point, c, sign * delta));
          if (this.outcomes() !== path) return undefined;
        }
      }
      const d1 = difference(this.f, point, c, h),
        d2 = difference(this.f, point, c, 2 * h);
      if (!agree(d1, d2, 1e-8)) return undefined;
      partials.push(d1);
    }
    return { point, value, nesting, partials, stopsMove };
  }

  /** Whether stopGradient's values (recorded at `point`) differ a step along `c`; the point's stay replayed. */
  private stopsMoveAlong(point: Data[], c: Path): boolean {
    const recorded = this.twin.stops.values;
    if (recorded.length === 0) return false;
    Object.assign(this.twin.stops, { mode: 'record', values: [] });
    this.f(shifted(point, c, stepAt(point, c)));
    const moved = this.twin.stops.values.length !== recorded.length || this.twin.stops.values.some((v, k) => v !== recorded[k]);
    Object.assign(this.twin.stops, { mode: 'replay', values: recorded });
    return moved;
  }

  /**
   * ∂²f/∂a∂b at `point` (f a number) by central second differences of the twin with
   * Richardson extrapolation, stopGradient's values held at the point's; undefined where a
   * stencil takes another path or two step sizes disagree.
   */
  secondPartial(point: Data[], a: Path, b: Path): number | undefined {
    Object.assign(this.twin.stops, { mode: 'record', values: [] });
    this.f(point);
    this.twin.stops.mode = 'replay';
    const path = this.outcomes();
    const [ha, hb] = [10 * stepAt(point, a), 10 * stepAt(point, b)];
    try {
      const at = (s: number, t: number) => {
        const [v] = this.f(shifted(shifted(point, a, s * ha), b, t * hb));
        if (this.outcomes() !== path) throw new Unusable();
        return v;
      };
      const second = (k: number) => (at(k, k) - at(k, -k) - at(-k, k) + at(-k, -k)) / (4 * k * k * ha * hb);
      const richardson = (k: number) => (4 * second(k / 2) - second(k)) / 3;
      const [d1, d2] = [richardson(1), richardson(2)];
      return agree([d1], [d2], 1e-7) ? d1 : undefined;
    } catch (error) {
      if (error instanceof Unusable) return undefined;
      throw error;
    }
  }

  /** Up to POINTS references at random points drawn from `seed`; none if fewer are usable. */
  references(seed: number): Reference[] {
    const rand = mulberry32(seed);
    const found: Reference[] = [];
    for (let k = 0; k < CANDIDATES && found.length < POINTS; k++) {
      const r = this.reference(this.program.params.map((p) => randomData(p.shape, rand)));
      if (r) found.push(r);
    }
    return found.length < POINTS ? [] : found;
  }
}
