// Building and reading arrays the way TypeScript code does: typed arrays from literals and
// arrays, Array.from, fill, slice, concat, filter, indexOf / includes / findIndex, at, sort of a
// copy (medians, quantiles, order statistics: the derivative follows the permutation) and
// reverse. Every gradient is checked against finite differences, and against forward mode (by
// compile(): every call of an exported function runs both builds); Hessians against differences
// of the gradient.
import { beforeAll, describe, expect, it } from 'vitest';
import ts from 'typescript';
import { close, compile, finiteDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, jacobian, valueAndGrad } from 'tapeless';

/** A point as a typed array, from a literal. */
export function typedLiteral(a: number, b: number): number {
  const p = new Float64Array([a, b * a]);
  const q = Float64Array.of(a, b);
  const r = new Float64Array(p);
  r[0] += q[1];
  return p[0] * p[1] + Math.sin(r[1]) + r[0] * q[0];
}

/** A Float32Array of values: they are rounded, their derivatives computed in float64. */
export function rounded(a: number, b: number): number {
  const q = Float32Array.of(a, b * b);
  return q[0] * q[1];
}

/** Copies that are then changed, and copies mapped. */
export function copies(xs: number[], w: Float64Array): number {
  const t = Float64Array.from(xs);
  t[0] *= 2;
  const scaled = Float64Array.from(w, (v, i) => v * (i + 1));
  const plain = Array.from(xs);
  plain[1] = plain[0] * plain[1];
  return t.reduce((s, v) => s + v * v, 0) + scaled[1] * plain[1] + Array.of(xs[0], w[0])[1];
}

/** A power series built with Array.from({ length: n }, (_, i) => …). */
export function series(x: number, n: number): number {
  const terms = Array.from({ length: n }, (_, i) => x ** i / (i + 1));
  let s = 0;
  for (const term of terms) s += term;
  return s;
}

/** Nearest distances kept per class: new Float64Array(k).fill(Infinity), then Math.min. */
export function nearest(points: number[], labels: number[], x: number): number {
  const best = new Float64Array(3).fill(Infinity);
  for (let i = 0; i < points.length; i++) {
    const d = (points[i] - x) ** 2;
    best[labels[i]] = Math.min(best[labels[i]], d);
  }
  return best[0] + 2 * best[1] + 3 * best[2];
}

/** fill over a range, from the end, and new Array<number>(n) filled by a loop. */
export function ranges(x: number, y: number): number {
  const a = new Array<number>(6).fill(1);
  a.fill(x, 1, 3);
  a.fill(x * y, -2);
  const b = new Array<number>(4);
  for (let i = 0; i < b.length; i++) b[i] = a[i + 1] * y;
  return a.reduce((s, v, i) => s + v * (i + 1), 0) + b[0] * b[3];
}

/** Differences of neighbours with slice; windows with variable and negative bounds. */
export function slices(xs: Float64Array, k: number): number {
  const tail = xs.slice(1);
  const head = xs.slice(0, -1);
  let s = 0;
  for (let i = 0; i < tail.length; i++) s += (tail[i] - head[i]) ** 2;
  const window = xs.slice(k, k + 2);
  const last = xs.slice(-2);
  const none = xs.slice(5, 2);
  return s + window[0] * window[1] + last[1] * 3 + none.length + xs.at(-1)! * xs.at(k)!;
}

/** concat of arrays and numbers. */
export function joined(xs: number[], ys: readonly number[], c: number): number {
  const all = xs.concat(ys, c, [c * c]);
  return all.reduce((s, v, i) => s + Math.cos(v) * (i + 1), 0) + all.length;
}

/** A trimmed mean: the entries within bounds, by filter. */
export function trimmedMean(xs: number[], low: number, high: number): number {
  const kept = xs.filter((v) => v > low && v < high);
  let s = 0;
  for (const v of kept) s += v;
  kept.push(s);
  return s / (kept.length - 1) + kept[kept.length - 1];
}

/** filter on a typed array, with the index. */
export function everyOther(xs: Float64Array): number {
  const even = xs.filter((_, i) => i % 2 === 0);
  return even.reduce((s, v) => s + v * v, 0) * even.length;
}

/** Data decides which weight: indexOf, includes, findIndex, lastIndexOf. */
export function lookups(w: number[], x: number, labels: number[], label: number): number {
  const k = labels.indexOf(label);
  const last = labels.lastIndexOf(label);
  const missing = labels.indexOf(-5);
  const big = w.findIndex((v) => v > 1);
  const bonus = labels.includes(label) ? 5 * w[0] : 0;
  return (k >= 0 ? w[k] * x : 0) + (last >= 0 ? w[last] * x * x : 0) + missing + (big >= 0 ? w[big] ** 3 : 0) + bonus;
}

/** The median of a copy sorted ascending. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A quantile with linear interpolation, of a typed copy sorted in its own numeric order. */
export function quantile(xs: Float64Array, q: number): number {
  const s = Float64Array.from(xs).sort();
  const position = q * (s.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, s.length - 1);
  return s[below] + (position - below) * (s[above] - s[below]);
}

/** The smallest entry, of a typed copy sorted in its own order. */
export function smallest(xs: Float32Array): number {
  return Float32Array.from(xs).sort()[0];
}

/** The sum of the k largest, sorted descending, squared after. */
export function topK(xs: number[], k: number): number {
  const s = xs.map((v) => v * v).sort((a, b) => b - a);
  let total = 0;
  for (let i = 0; i < k; i++) total += s[i];
  return total;
}

/** An L-statistic by an argsort: the indices sorted by the values. */
export function lStatistic(xs: number[], w: number[]): number {
  const order = xs.map((_, i) => i);
  order.sort((i, j) => xs[i] - xs[j]);
  let s = 0;
  for (let r = 0; r < order.length; r++) s += w[r] * xs[order[r]];
  return s;
}

/** Sorting by a key of each entry, descending. */
export function byKey(xs: number[]): number {
  const s = [...xs].sort((a, b) => Math.abs(b - 1) - Math.abs(a - 1));
  return s[0] * 10 + s[1] * 3 + s[s.length - 1];
}

/** Running medians of windows: sorts inside a loop, which reverse mode recomputes. */
export function runningMedian(xs: number[]): number {
  let s = 0;
  for (let t = 0; t + 3 <= xs.length; t++) {
    const window = xs.slice(t, t + 3).sort((a, b) => a - b);
    s += window[1] * window[1] * (t + 1);
  }
  return s;
}

/** A local array sorted and reversed in place. */
export function inPlace(xs: number[]): number {
  const a = xs.map((v, i) => v * (i + 2));
  a.sort((p, q) => q - p);
  a[0] *= 0.5;
  const r = [...a].reverse();
  a.reverse();
  return a[0] + 2 * a[1] + 3 * r[0] + r[r.length - 1] * a[a.length - 1];
}

/** The gradient of a function of a median, twice differentiable away from ties. */
export function spread(xs: number[]): number {
  const m = median(xs);
  return xs.reduce((s, v) => s + (v - m) ** 2 * v, 0);
}

function weight(v: number, i: number): number {
  return v * (i + 1);
}

function positive(v: number): boolean {
  return v > 0;
}

function half(_: unknown, i: number): number {
  return i * 0.5;
}

/** Callbacks declared in the function (closures reading c) or in the program, given by name. */
export function namedCallbacks(xs: number[], c: number): number {
  const near = (v: number) => Math.abs(v - 1) < 1;
  const pair = (v: number): number[] => [v, v * c];
  const power = (_: unknown, i: number) => c ** i;
  const kept = xs.filter(positive);
  const nearby = xs.filter(near);
  const k = xs.findIndex(near);
  const scaled = Float64Array.from(xs, weight);
  const powers = Array.from({ length: 3 }, power);
  const pairs = xs.flatMap(pair);
  const rows = xs.map(pair);
  const halves = Array.from({ length: 2 }, half);
  return kept.reduce((s, v) => s + v * v, 0) + nearby.length * c + (k >= 0 ? xs[k] * c : 0) + scaled[1] * powers[2] + pairs[1] * pairs[3] + rows[1][1] * rows[0][0] + halves[1];
}

export const dTypedLiteral = grad(typedLiteral);
export const hTypedLiteral = hessian(typedLiteral);
export const dCopies = grad(copies);
export const dRounded = grad(rounded);
export const dSmallest = grad(smallest);
export const dSeries = grad(series, { wrt: 'x' });
export const fSeries = derivative(series);
export const dNearest = grad(nearest, { wrt: ['points', 'x'] });
export const dRanges = grad(ranges);
export const hRanges = hessian(ranges);
export const dSlices = grad(slices, { wrt: 'xs' });
export const jSlices = jacobian((xs: Float64Array) => xs.slice(1, -1).reverse());
export const dJoined = grad(joined, { wrt: ['xs', 'ys', 'c'] });
export const dTrimmed = grad(trimmedMean, { wrt: 'xs' });
export const dEveryOther = grad(everyOther);
export const dLookups = grad(lookups, { wrt: ['w', 'x'] });
export const vLookups = valueAndGrad(lookups, { wrt: ['w', 'x'] });
export const dMedian = grad(median);
export const dQuantile = grad(quantile);
export const dTopK = grad(topK, { wrt: 'xs' });
export const dLStatistic = grad(lStatistic);
export const dByKey = grad(byKey);
export const dRunningMedian = grad(runningMedian);
export const hRunningMedian = hessian(runningMedian);
export const dInPlace = grad(inPlace);
export const hSpread = hessian(spread);
export const dSpread = grad(spread);
export const dNamedCallbacks = grad(namedCallbacks);
export const hNamedCallbacks = hessian(namedCallbacks, { wrt: 'c' });
export const jSorted = jacobian((xs: number[]) => [...xs].sort((a, b) => a - b));
`;

let m: Record<string, any>;
beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

type Value = number | number[] | Float64Array | Float32Array;

/** A copy of `args` with the number at (arg, index) replaced. */
function shifted(args: readonly Value[], arg: number, index: number | undefined, t: number): Value[] {
  return args.map((value, k) => {
    if (k !== arg) return typeof value === 'number' ? value : value.slice();
    if (index === undefined) return t;
    const copy = (value as number[]).slice();
    copy[index] = t;
    return copy;
  });
}

/** Checks a gradient (one selected argument, or a tuple) against central differences. */
function expectGradient(f: (...args: any[]) => number, gradient: unknown, args: readonly Value[], selected: readonly number[], tolerance = 1e-6): void {
  const parts = selected.length === 1 ? [gradient] : (gradient as unknown[]);
  selected.forEach((arg, k) => {
    const value = args[arg];
    const part = parts[k];
    if (typeof value === 'number') {
      close(
        part as number,
        finiteDifference((t) => f(...shifted(args, arg, undefined, t)), value),
        tolerance,
      );
      return;
    }
    expect((part as ArrayLike<number>).length).toBe(value.length);
    for (let i = 0; i < value.length; i++)
      close(
        (part as ArrayLike<number>)[i],
        finiteDifference((t) => f(...shifted(args, arg, i, t)), value[i], 1e-4),
        tolerance,
      );
  });
}

/** Checks a Hessian of number arguments against differences of the gradient. */
function expectHessian(gradient: (...args: number[]) => number[], hessian: number[][], args: readonly number[]): void {
  args.forEach((_, j) => {
    args.forEach((__, i) =>
      close(
        hessian[i][j],
        finiteDifference((t) => gradient(...args.map((a, k) => (k === j ? t : a)))[i], args[j]),
        1e-5,
      ),
    );
  });
}

describe('building arrays', () => {
  it('typed arrays from a literal, Float32Array.of and a copy', () => {
    for (const [a, b] of [
      [0.7, 1.3],
      [-1.2, 0.4],
    ]) {
      expectGradient(m.typedLiteral, m.dTypedLiteral(a, b), [a, b], [0, 1]);
      expectHessian(m.dTypedLiteral, m.hTypedLiteral(a, b), [a, b]);
    }
  });

  it('Float32Array.of rounds the values, not their derivatives', () => {
    const [ga, gb] = m.dRounded(0.3, 1.7);
    expect(ga).toBe(Math.fround(1.7 * 1.7));
    expect(gb).toBe(Math.fround(0.3) * 2 * 1.7);
  });

  it('Float64Array.from, Array.from of an array (with a callback), Array.of', () => {
    const xs = [0.5, -1.5, 2];
    const w = Float64Array.of(1.2, -0.3);
    const [gx, gw] = m.dCopies(xs, w);
    expect(gw).toBeInstanceOf(Float64Array);
    expectGradient(m.copies, [gx, gw], [xs, w], [0, 1]);
  });

  it('Array.from({ length: n }, (_, i) => …)', () => {
    for (const [x, n] of [
      [0.5, 6],
      [-1.3, 4],
      [2, 0],
    ]) {
      expectGradient(m.series, m.dSeries(x, n), [x, n], [0]);
      close(m.fSeries(x, n), m.dSeries(x, n), 1e-12);
    }
  });

  it('new Float64Array(k).fill(Infinity) and Math.min into it', () => {
    const points = [0.5, 2, -1, 3.5, 1.2, -0.4];
    const labels = [0, 1, 2, 0, 1, 2];
    expectGradient(m.nearest, m.dNearest(points, labels, 0.9), [points, labels, 0.9], [0, 2]);
  });

  it('fill over a range and from the end; new Array<number>(n)', () => {
    for (const [x, y] of [
      [0.6, -1.1],
      [2, 0.3],
    ]) {
      expectGradient(m.ranges, m.dRanges(x, y), [x, y], [0, 1]);
      expectHessian(m.dRanges, m.hRanges(x, y), [x, y]);
    }
  });
});

describe('reading parts of arrays', () => {
  it('slice with positive, negative, variable and empty bounds; at', () => {
    const xs = Float64Array.of(0.3, 1.7, -0.8, 2.2, 0.9);
    for (const k of [0, 2, 3]) {
      const g = m.dSlices(xs, k);
      expect(g).toBeInstanceOf(Float64Array);
      expectGradient(m.slices, g, [xs, k], [0]);
    }
  });

  it('the Jacobian of a slice reversed is a permutation', () => {
    const J = m.jSlices(Float64Array.of(1, 2, 3, 4, 5));
    expect(J).toEqual([
      [0, 0, 0, 1, 0],
      [0, 0, 1, 0, 0],
      [0, 1, 0, 0, 0],
    ]);
  });

  it('concat of arrays and numbers', () => {
    expectGradient(m.joined, m.dJoined([0.5, 1], [2, -0.5, 0.25], 0.7), [[0.5, 1], [2, -0.5, 0.25], 0.7], [0, 1, 2]);
  });

  it('filter: the gradient flows to the entries kept', () => {
    const xs = [0.5, 3, -2, 1.5, 0.8, 5];
    const g = m.dTrimmed(xs, 0, 2);
    expectGradient(m.trimmedMean, g, [xs, 0, 2], [0]);
    expect(g[1]).toBe(0);
    const typed = Float64Array.of(0.5, 3, -2, 1.5, 0.8);
    expectGradient(m.everyOther, m.dEveryOther(typed), [typed], [0]);
  });

  it('callbacks declared in the function or the program, given by name to filter, findIndex, flatMap, Array.from and a map building rows', () => {
    for (const [xs, c] of [
      [[0.5, -1.2, 1.7], 0.8],
      [[-0.3, 2.5, 0.9, 1.1], -1.4],
    ] as [number[], number][]) {
      expectGradient(m.namedCallbacks, m.dNamedCallbacks(xs, c), [xs, c], [0, 1]);
      close(
        m.hNamedCallbacks(xs, c)[0][0],
        finiteDifference((t) => m.dNamedCallbacks(xs, t)[1], c),
        1e-5,
      );
    }
  });

  it('indexOf, lastIndexOf, includes and findIndex choose entries by data', () => {
    const w = [0.5, 2, -1, 1.5];
    const labels = [3, 7, 3, 9];
    for (const label of [3, 9]) {
      const [gw, gx] = m.dLookups(w, 0.8, labels, label);
      expectGradient(m.lookups, [gw, gx], [w, 0.8, labels, label], [0, 1]);
    }
    // includes finds NaN; indexOf and lastIndexOf do not (strict equality).
    const [value, [gw, gx]] = m.vLookups([0.5, 0.2], 1, [1, NaN], NaN);
    expect(value).toBe(m.lookups([0.5, 0.2], 1, [1, NaN], NaN));
    expect(gw).toEqual([5, 0]);
    expect(gx).toBe(0);
  });
});

describe('sorting: the derivative follows the permutation', () => {
  it('median (odd and even lengths): the gradient is 1 (or 1/2) at the middle entries', () => {
    expect(m.dMedian([3, 1, 2])).toEqual([0, 0, 1]);
    expect(m.dMedian([4, 1, 3, 2])).toEqual([0, 0, 0.5, 0.5]);
    const xs = [0.3, -1.2, 2.5, 0.9, 1.1];
    expectGradient(m.median, m.dMedian(xs), [xs], [0]);
  });

  it('a quantile of a typed array sorted in its own order', () => {
    const xs = Float64Array.of(0.3, -1.2, 2.5, 0.9, 1.1, -0.4);
    for (const q of [0.1, 0.5, 0.83]) expectGradient(m.quantile, m.dQuantile(xs, q), [xs, q], [0, 1]);
    // -0 sorts before 0 as in a typed array's sort; NaN last.
    expect(m.smallest(Float32Array.of(0, 1, -0))).toBe(-0);
    expect(m.quantile(Float64Array.of(NaN, 2, 1, 3), 0.5)).toBe(2.5);
    const g = m.dSmallest(Float32Array.of(2, NaN, -1, 0.5));
    expect(g).toBeInstanceOf(Float32Array);
    expect([...g]).toEqual([0, 0, 1, 0]);
  });

  it('the k largest, sorted descending', () => {
    const xs = [0.3, -1.2, 2.5, 0.9, 1.1];
    expectGradient(m.topK, m.dTopK(xs, 2), [xs, 2], [0]);
  });

  it('an argsort: indices sorted by a key array', () => {
    const xs = [0.3, -1.2, 2.5, 0.9];
    const w = [4, 3, 2, 1];
    const [gx, gw] = m.dLStatistic(xs, w);
    expectGradient(m.lStatistic, [gx, gw], [xs, w], [0, 1]);
    expect(gw).toEqual([-1.2, 0.3, 0.9, 2.5]);
  });

  it('sorting by a key of each entry', () => {
    const xs = [0.3, -1.2, 2.5, 0.9, 1.7];
    expectGradient(m.byKey, m.dByKey(xs), [xs], [0]);
  });

  it('sorts inside a loop, which reverse mode recomputes: the permutation is replayed', () => {
    const xs = [0.3, -1.2, 2.5, 0.9, 1.7, -0.6];
    expectGradient(m.runningMedian, m.dRunningMedian(xs), [xs], [0]);
    const H = m.hRunningMedian(xs);
    xs.forEach((_, j) => {
      const column = finiteDifference((t) => m.dRunningMedian(xs.map((v, k) => (k === j ? t : v)))[0], xs[j]);
      close(H[0][j], column, 1e-5);
    });
  });

  it('sort and reverse in place on a local array, and reverse of a copy', () => {
    const xs = [0.3, -1.2, 2.5, 0.9];
    expectGradient(m.inPlace, m.dInPlace(xs), [xs], [0]);
  });

  it('the Hessian through a median, and the Jacobian of a sort', () => {
    const xs = [0.3, -1.2, 2.5, 0.9, 1.4];
    const H = m.hSpread(xs);
    xs.forEach((_, j) => {
      const column = xs.map((__, i) => finiteDifference((t) => m.dSpread(xs.map((v, k) => (k === j ? t : v)))[i], xs[j]));
      column.forEach((value, i) => close(H[i][j], value, 1e-5));
    });
    expect(m.jSorted([3, 1, 2])).toEqual([
      [0, 1, 0],
      [0, 0, 1],
      [1, 0, 0],
    ]);
  });
});

describe('ES2023 copies: toSorted and toReversed', () => {
  it('are sorts and reverses of a copy', async () => {
    const source = `
import { grad } from 'tapeless';
export function ends(xs: number[]): number {
  const s = xs.toSorted((a, b) => a - b);
  const r = Float64Array.from(xs).toReversed();
  return s[0] * 2 + s[s.length - 1] + r[0] * r[1];
}
export const dEnds = grad(ends);
`;
    const compiled = compile({ 'main.ts': source }, { target: ts.ScriptTarget.ES2023, lib: ['lib.es2023.d.ts'] });
    expect(compiled.messages).toEqual([]);
    const module = await compiled.load();
    const xs = [0.3, -1.2, 2.5, 0.9];
    expectGradient(module.ends, module.dEnds(xs), [xs], [0]);
  });
});
