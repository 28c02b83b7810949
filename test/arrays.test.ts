// Arrays, typed arrays and objects as parameters: gradients of losses over parameter arrays
// and data, against finite differences and hand formulas.
import { beforeAll, describe, expect, it } from 'vitest';
import { arrayEntryDifference, close, compile, entryDifference, expectArrayHessian, finiteDifference, partialDifference } from './support/compile.js';

const MAIN = `
import { grad, valueAndGrad } from 'tapeless';

export interface Linear { w: Float64Array; b: number }

/** Mean squared error of a linear model; xs holds n rows of d features. */
export function mse(model: Linear, xs: Float64Array, ys: Float64Array): number {
  const d = model.w.length;
  const n = ys.length;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let z = model.b;
    for (let j = 0; j < d; j++) z += model.w[j] * xs[i * d + j];
    const r = z - ys[i];
    loss += r * r;
  }
  return loss / n;
}

/** Logistic regression: mean cross-entropy with labels in {0, 1}. */
export function logistic(w: number[], b: number, xs: readonly number[][], labels: readonly number[]): number {
  let loss = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    let z = b;
    for (let j = 0; j < w.length; j++) z += w[j] * x[j];
    // log(1 + exp(-z)) for label 1, log(1 + exp(z)) for label 0, computed stably
    const s = labels[i] === 1 ? -z : z;
    loss += s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s));
  }
  return loss / xs.length;
}

/** Softmax cross-entropy of logits against a class index. */
export function softmaxCrossEntropy(logits: Float32Array, target: number): number {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return Math.log(sum) + max - logits[target];
}

export function frobenius(m: number[][]): number {
  let s = 0;
  for (const row of m) for (const v of row) s += v * v;
  return Math.sqrt(s);
}

export function tuple(p: readonly [number, number, number]): number {
  return p[0] * p[1] + Math.sin(p[2]);
}

export interface Nested { layer: { weights: number[][]; bias: number[] }; scale: number }
export function nested(n: Nested, x: number): number {
  let s = 0;
  for (let i = 0; i < n.layer.bias.length; i++) {
    let z = n.layer.bias[i];
    for (let j = 0; j < n.layer.weights[i].length; j++) z += n.layer.weights[i][j] * x;
    s += Math.tanh(z);
  }
  return n.scale * s;
}

export class Point {
  constructor(public x: number, public y: number) {}
  /** A method that reads the instance's fields. */
  dot(ax: number, ay: number): number {
    return this.x * ax + this.y * ay;
  }
}
export class Grid {
  constructor(public values: Float64Array, public width: number) {}
  at(i: number, j: number): number {
    return this.values[i * this.width + j];
  }
}
export function methods(p: Point, grid: Grid, t: number): number {
  let s = p.dot(t, 2 * t);
  for (let i = 0; i < 2; i++) for (let j = 0; j < grid.width; j++) s += grid.at(i, j) * grid.at(i, j) * t;
  return s;
}
export const dMethods = grad(methods, { wrt: ['p', 'grid', 't'] });

/** Object literals built inside the function, nested, holding a parameter array. */
export function objects(x: number, w: Float64Array): number {
  const model = { scale: 2 * x, weights: w, offset: { value: x * x } };
  const { scale, offset } = model;
  return scale * model.weights[0] + offset.value + model.weights[1];
}
export const dObjects = grad(objects);
export function distance(p: Point, q: Point): number {
  return Math.hypot(p.x - q.x, p.y - q.y);
}

/** Idiomatic array code: reduce, forEach, every / some in conditions, Math.max(...xs). */
export function idiomatic(xs: number[], scale: number): number {
  const squares = xs.map((x) => x * x);
  const sumOfSquares = squares.reduce((acc, x) => acc + x, 0);
  let weighted = 0;
  xs.forEach((x, i) => {
    weighted += (i + 1) * Math.sin(x);
  });
  const peak = Math.max(...xs);
  const bonus = xs.every((x) => x > -10) ? scale * peak : 0;
  const penalty = xs.some((x) => x > 100) ? 1e6 : 0;
  return sumOfSquares + weighted + bonus + penalty;
}

/** Destructured parameters and locals. */
export function destructured({ w, b }: Linear, [x0, x1]: readonly [number, number]): number {
  const [w0, w1] = w;
  const { length } = w;
  return w0 * x0 + w1 * x1 + b * length;
}

export const dIdiomatic = grad(idiomatic);
export const dDestructured = grad(destructured);
export const dMse = grad(mse, { wrt: 'model' });
export const vgMse = valueAndGrad(mse, { wrt: 'model' });
export const dLogistic = grad(logistic, { wrt: ['w', 'b'] });
export const dSoftmax = grad(softmaxCrossEntropy, { wrt: 'logits' });
export const dFrobenius = grad(frobenius);
export const dTuple = grad(tuple);
export const dNested = grad(nested, { wrt: ['n', 'x'] });
export const dDistance = grad(distance, { wrt: 0 });
`;

let m: Record<string, any>;
let js: string;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
  js = compiled.js['main.ts'];
});

/** Central differences of f with respect to entry i of a mutable array inside args. */

describe('arrays, typed arrays and objects', () => {
  it('linear-regression MSE with an object parameter { w: Float64Array; b: number }', () => {
    const model = { w: Float64Array.from([0.5, -1, 2]), b: 0.3 };
    const xs = Float64Array.from([1, 2, 3, -1, 0.5, 2, 0, 1, -2, 3, 3, 3]);
    const ys = Float64Array.from([1, -2, 0.5, 4]);
    const g = m.dMse(model, xs, ys);
    expect(g.w).toBeInstanceOf(Float64Array);
    expect(Object.keys(g)).toEqual(['w', 'b']);
    // Hand formula: dL/dw_j = 2/n sum_i r_i x_ij, dL/db = 2/n sum_i r_i
    const r = [0, 1, 2, 3].map((i) => model.b + [0, 1, 2].reduce((s, j) => s + model.w[j] * xs[i * 3 + j], 0) - ys[i]);
    [0, 1, 2].forEach((j) => close(g.w[j], (2 / 4) * r.reduce((s, ri, i) => s + ri * xs[i * 3 + j], 0), 1e-13));
    close(g.b, (2 / 4) * r.reduce((s, ri) => s + ri, 0), 1e-13);
    const [value, same] = m.vgMse(model, xs, ys);
    expect(value).toBe(m.mse(model, xs, ys));
    expect(same).toEqual(g);
  });

  it('logistic regression over number[][] data', () => {
    const w = [0.4, -0.7];
    const xs = [
      [1, 2],
      [-1, 0.5],
      [3, -1],
      [0.2, 0.1],
    ];
    const labels = [1, 0, 1, 0];
    const [gw, gb] = m.dLogistic(w, 0.1, xs, labels);
    expect(Array.isArray(gw)).toBe(true);
    gw.forEach((value: number, j: number) =>
      close(
        value,
        entryDifference(() => m.logistic(w, 0.1, xs, labels), w, j),
      ),
    );
    close(
      gb,
      finiteDifference((b) => m.logistic(w, b, xs, labels), 0.1, 1e-4),
    );
    // Hand formula: dL/db = mean(sigmoid(z) - label)
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    close(gb, xs.reduce((s, x, i) => s + sigmoid(0.1 + w[0] * x[0] + w[1] * x[1]) - labels[i], 0) / 4, 1e-13);
  });

  it('softmax cross-entropy on a Float32Array', () => {
    const logits = Float32Array.from([1, 2.5, -0.5, 0.25]);
    const g = m.dSoftmax(logits, 1);
    expect(g).toBeInstanceOf(Float32Array);
    const exps = [...logits].map((v) => Math.exp(v));
    const total = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, i) => close(g[i], e / total - (i === 1 ? 1 : 0), 1e-6));
  });

  it('the Frobenius norm of a number[][]', () => {
    const matrix = [
      [1, 2, 3],
      [-4, 5.5, 0.5],
    ];
    const g = m.dFrobenius(matrix);
    const norm = Math.sqrt(matrix.flat().reduce((s, v) => s + v * v, 0));
    matrix.forEach((row, i) => row.forEach((v, j) => close(g[i][j], v / norm, 1e-14)));
    expect(g.map((row: number[]) => row.length)).toEqual([3, 3]);
  });

  it('tuples give number[] gradients', () => {
    expect(m.dTuple([2, 3, 0.5])).toEqual([3, 2, Math.cos(0.5)]);
  });

  it('nested objects and arrays', () => {
    const n = {
      layer: {
        weights: [
          [0.5, -0.25],
          [1, 0.1],
        ],
        bias: [0.1, -0.2],
      },
      scale: 1.5,
    };
    const [g, gx] = m.dNested(n, 0.7);
    const f = () => m.nested(n, 0.7);
    n.layer.weights.forEach((row, i) => row.forEach((_, j) => close(g.layer.weights[i][j], entryDifference(f, row, j))));
    n.layer.bias.forEach((_, i) => close(g.layer.bias[i], entryDifference(f, n.layer.bias, i)));
    close(g.scale, entryDifference(f, n, 'scale'));
    close(
      gx,
      finiteDifference((x) => m.nested(n, x), 0.7, 1e-4),
    );
  });

  it('methods of class instances that read this', () => {
    const p = new m.Point(0.5, -1.5);
    const grid = new m.Grid(Float64Array.from([1, 2, 3, 4, 5, 6]), 3);
    const [gp, gGrid, gt] = m.dMethods(p, grid, 0.7);
    expect(gp).toEqual({ x: 0.7, y: 1.4 });
    [...grid.values].forEach((v, i) => close(gGrid.values[i], 2 * v * 0.7, 1e-14));
    expect(gGrid.width).toBe(0);
    close(gt, 0.5 + 2 * -1.5 + [1, 2, 3, 4, 5, 6].reduce((a, v) => a + v * v, 0), 1e-14);
  });

  it('object literals built in the function, nested, sharing a parameter array', () => {
    const [gx, gw] = m.dObjects(1.5, Float64Array.from([3, 4]));
    expect(gx).toBe(2 * 3 + 2 * 1.5);
    expect([...gw]).toEqual([3, 1]);
  });

  it('class instances with numeric fields', () => {
    const g = m.dDistance(new m.Point(3, 4), new m.Point(0, 0));
    expect(g).toEqual({ x: 0.6, y: 0.8 });
  });

  it('reduce, forEach, every and some with inline callbacks, and Math.max(...xs)', () => {
    const xs = [0.5, -1.25, 2, 0.75];
    const [g, gScale] = m.dIdiomatic(xs, 3);
    const peak = 2;
    xs.forEach((x, i) => close(g[i], 2 * x + (i + 1) * Math.cos(x) + (x === peak ? 3 : 0), 1e-14));
    expect(gScale).toBe(peak);
    g.forEach((value: number, i: number) =>
      close(
        value,
        entryDifference(() => m.idiomatic(xs, 3), xs, i),
      ),
    );
    // every fails: no bonus, so the peak gets no gradient from it and scale none at all
    const [g2, gScale2] = m.dIdiomatic([1, -20], 3);
    expect(gScale2).toBe(0);
    close(g2[0], 2 + Math.cos(1), 1e-14);
  });

  it('Math.hypot(...xs) in every mode, with entries of 0, at the origin (gradient 0), beside other arguments, for huge and tiny entries', async () => {
    const compiled = compile({
      'main.ts': `import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';
export function norm(xs: number[]): number { return Math.hypot(...xs); }
export function mixed(xs: Float64Array, t: number): number { return Math.hypot(t, ...xs, 2 * t) * Math.sin(t) + Math.max(0, ...xs); }
export const gNorm = grad(norm);
export const vNorm = valueAndGrad(norm);
export const hNorm = hessian(norm);
export const jvNorm = jvp(norm);
export const gMixed = grad(mixed);
export const dMixed = derivative(mixed, { wrt: 't' });
export const hMixed = hessian(mixed, { wrt: 't' });`,
    });
    expect(compiled.messages).toEqual([]);
    const mod = await compiled.load();
    for (const xs of [
      [3, 4],
      [-1, 2, -3, 0.5],
      [0, 3],
      [0, 0, -2],
      [1, 1],
    ]) {
      const h = Math.hypot(...xs);
      const [value, gradient] = mod.vNorm(xs);
      close(value, h, 1e-15);
      close(mod.norm(xs), h, 0);
      xs.forEach((x, i) => {
        close(gradient[i], x / h, 1e-15);
        close(mod.gNorm(xs)[i], arrayEntryDifference(mod.norm, xs, i), 1e-8);
      });
      // The Hessian of the length, (δij - xi xj / h²) / h: right where an entry is 0 (nested pairs of hypot are not).
      const hessian: number[][] = mod.hNorm(xs);
      xs.forEach((a, i) => xs.forEach((b, j) => close(hessian[i][j], ((i === j ? 1 : 0) - (a * b) / h / h) / h, 1e-12)));
      expectArrayHessian(hessian, mod.gNorm, xs);
      const direction = xs.map((_, i) => i + 1);
      const [primal, tangent] = mod.jvNorm([xs], [direction]);
      close(primal, h, 1e-15);
      close(
        tangent,
        direction.reduce((sum, d, i) => sum + (d * xs[i]) / h, 0),
        1e-12,
      );
    }
    // hypot's convention at the origin: gradient 0, Hessian 0, as for Math.hypot(x, y); of no numbers, 0.
    expect(mod.vNorm([0, 0, 0])).toEqual([0, [0, 0, 0]]);
    expect(mod.hNorm([0, 0])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(mod.vNorm([])).toEqual([0, []]);
    // Scaled by the largest magnitude as Math.hypot is: no overflow nor underflow; an infinite entry makes it infinite.
    close(mod.vNorm([3e200, 4e200])[0], 5e200, 1e-15);
    close(mod.vNorm([3e-200, 4e-200])[1][1], 0.8, 1e-15);
    expect(mod.jvNorm([[Infinity, 1]], [[0, 0]])[0]).toBe(Infinity);
    const ys = Float64Array.from([0.3, -1.1, 0]);
    const [gy, gt] = mod.gMixed(ys, 0.8);
    ys.forEach((_, i) =>
      close(
        gy[i],
        entryDifference(() => mod.mixed(ys, 0.8), ys, i),
        1e-8,
      ),
    );
    close(
      gt,
      finiteDifference((t) => mod.mixed(ys, t), 0.8),
      1e-8,
    );
    close(mod.dMixed(ys, 0.8), gt, 1e-12);
    close(
      mod.hMixed(ys, 0.8)[0][0],
      finiteDifference((t) => mod.dMixed(ys, t), 0.8),
      1e-6,
    );
  });

  it('reduce without an initial value starts from the first entry, and throws on an empty array as JavaScript does', async () => {
    const compiled = compile({
      'main.ts': `import { derivative, grad, hessian } from 'tapeless';
export function total(xs: number[]): number { return xs.map((x) => x * x).reduce((a, b) => a + b); }
export function largest(xs: Float64Array, t: number): number { return xs.reduce((m, v) => Math.max(m, Math.sin(v * t))); }
export function product(xs: number[]): number { return xs.reduce((p, v, i) => p * (v + i)); }
const K = { a: 0.61, b: [1.47, -1.34] };
function loss(o: { a: number; b: number[] }): number { return o.a * o.b[0]; }
// A callback calling a function of the program (the fuzzer's case: the empty array's throw ran the call as written, which read 'loss' as a constant).
export function calling(xs: number[], x: number): number { return xs.reduce((acc, e) => acc + Math.hypot(loss(K) * x, e)) * x; }
export const dCalling = grad(calling);
export const dTotal = grad(total);
export const dLargest = derivative(largest, { wrt: 1 });
export const gLargest = grad(largest);
export const hProduct = hessian(product);
export const dProduct = grad(product);`,
    });
    expect(compiled.messages).toEqual([]);
    const mod = await compiled.load();
    const xs = [0.5, -1.25, 2];
    expect(mod.dTotal(xs)).toEqual(xs.map((x) => 2 * x));
    const ys = Float64Array.from([0.3, 1.1, -0.4]);
    close(
      mod.dLargest(ys, 0.8),
      finiteDifference((t) => mod.largest(ys, t), 0.8),
      1e-9,
    );
    const [gy, gt] = mod.gLargest(ys, 0.8);
    close(gt, mod.dLargest(ys, 0.8), 1e-14);
    ys.forEach((_, i) =>
      close(
        gy[i],
        entryDifference(() => mod.largest(ys, 0.8), ys, i),
        1e-8,
      ),
    );
    mod.dProduct(xs).forEach((g: number, i: number) =>
      close(
        g,
        entryDifference(() => mod.product(xs), xs, i),
        1e-8,
      ),
    );
    const H: number[][] = mod.hProduct(xs);
    H.forEach((row, i) =>
      row.forEach((h, j) =>
        close(
          h,
          entryDifference(() => mod.dProduct(xs)[i], xs, j),
          1e-6,
        ),
      ),
    );
    expect(mod.dTotal([4])).toEqual([8]);
    const zs = [0.3, 1.2, -0.5];
    close(
      mod.dCalling(zs, 0.7)[1],
      finiteDifference((x) => mod.calling(zs, x), 0.7),
      1e-9,
    );
    zs.forEach((_, i) =>
      close(
        mod.dCalling(zs, 0.7)[0][i],
        entryDifference(() => mod.calling(zs, 0.7), zs, i),
        1e-8,
      ),
    );
    for (const call of [
      () => mod.total([]),
      () => mod.dTotal([]),
      () => mod.dLargest(new Float64Array(0), 1),
      () => mod.hProduct([]),
      () => mod.dCalling([], 1),
    ])
      expect(call).toThrow(new TypeError('Reduce of empty array with no initial value'));
  });

  it("reduceRight: Horner's rule, without an initial value, with the index and the array, over a Float64Array, a local array of objects and a table of functions", async () => {
    const compiled = compile({
      'main.ts': `import { derivative, grad, hessian } from 'tapeless';
export function horner(coefficients: number[], x: number): number { return coefficients.reduceRight((p, c) => p * x + c, 0); }
export function folded(xs: number[]): number { return xs.reduceRight((a, b) => a * 0.5 + Math.sin(b)); }
export function weighted(xs: Float64Array, k: number): number { return xs.reduceRight((acc, v, i, arr) => acc + v * (i + 1) * k + (arr[i - 1] ?? 0) * v, 0); }
export function corners(a: number, b: number): number {
  const points = [{ x: a, w: 1 }, { x: b, w: 2 }, { x: a * b, w: 3 }];
  return points.reduceRight((acc, p, i) => acc * p.x + p.w * i, 1);
}
const TERMS = [{ f: (x: number) => x * x }, { f: Math.sin }, { f: (x: number) => Math.exp(-x) }];
export function series(x: number): number { return TERMS.reduceRight((acc, t, i) => acc * 0.5 + t.f(x) * (i + 1), 0); }
export const dHorner = grad(horner);
export const hHorner = hessian((c0: number, c1: number, c2: number, x: number) => horner([c0, c1, c2], x));
export const dFolded = grad(folded);
export const dWeighted = grad(weighted);
export const dCorners = grad(corners);
export const dSeries = derivative(series);
export const gSeries = grad(series);
`,
    });
    expect(compiled.messages).toEqual([]);
    const mod = await compiled.load();
    // Horner's rule against the polynomial written out: p(x) = 1 - 2x + 0.5x² + 3x³.
    expect(mod.horner([1, -2, 0.5, 3], 2)).toBe(1 - 4 + 2 + 24);
    const [dc, dx] = mod.dHorner([1, -2, 0.5, 3], 0.8);
    [1, 0.8, 0.64, 0.512].forEach((power, k) => close(dc[k], power, 1e-14));
    close(dx, -2 + 0.8 + 9 * 0.64, 1e-14);
    // Its Hessian: ∂²p/∂x² = 2·c2 and ∂²p/∂c_k∂x = k·x^(k-1).
    const H = mod.hHorner(1, -2, 0.5, 0.8);
    close(H[3][3], 1, 1e-12);
    close(H[1][3], 1, 1e-12);
    close(H[2][3], 1.6, 1e-12);
    const xs = [0.3, 1.2, -0.4];
    mod.dFolded(xs).forEach((g: number, i: number) =>
      close(
        g,
        entryDifference(() => mod.folded(xs), xs, i),
        1e-8,
      ),
    );
    const ys = Float64Array.from(xs);
    const [gy, gk] = mod.dWeighted(ys, 1.5);
    ys.forEach((_, i) =>
      close(
        gy[i],
        entryDifference(() => mod.weighted(ys, 1.5), ys, i),
        1e-8,
      ),
    );
    close(
      gk,
      finiteDifference((k) => mod.weighted(ys, k), 1.5),
      1e-8,
    );
    mod.dCorners(0.7, -1.3).forEach((g: number, i: number) => close(g, partialDifference(mod.corners, [0.7, -1.3], i), 1e-8));
    close(mod.dSeries(0.9), finiteDifference(mod.series, 0.9), 1e-8);
    close(mod.gSeries(0.9), mod.dSeries(0.9), 1e-14);
    for (const call of [() => mod.folded([]), () => mod.dFolded([])]) expect(call).toThrow(new TypeError('Reduce of empty array with no initial value'));
  });

  it("callbacks that take the array itself (reduce's fourth parameter, map's, forEach's and filter's third), as users write neighbours", async () => {
    const compiled = compile({
      'main.ts': `import { grad, hessian } from 'tapeless';
export function variation(xs: number[]): number { return xs.reduce((acc, x, i, arr) => acc + (i > 0 ? (x - arr[i - 1]) ** 2 : 0), 0); }
export function smoothed(xs: number[]): number { return xs.map((x, i, a) => 0.5 * x + 0.25 * ((a[i - 1] ?? x) + (a[i + 1] ?? x))).reduce((s, v) => s + v * v, 0); }
export function ring(x: number): number {
  const w = [x, 2 * x, x * x];
  let s = 0;
  w.forEach((v, i, self) => { s += v * self[(i + 1) % self.length]; });
  return s + w.filter((v, i, all) => v > all[0]).length;
}
export const dVariation = grad(variation);
export const dSmoothed = grad(smoothed);
export const hSmoothed = hessian(smoothed);
export const dRing = grad(ring);`,
    });
    expect(compiled.messages).toEqual([]);
    const mod = await compiled.load();
    const xs = [0.4, 1.1, -0.6, 0.9];
    expect(mod.dVariation(xs).map((g: number) => Math.round(g * 1e12) / 1e12)).toEqual([-1.4, 4.8, -6.4, 3]);
    mod.dSmoothed(xs).forEach((g: number, i: number) =>
      close(
        g,
        entryDifference(() => mod.smoothed(xs), xs, i),
        1e-8,
      ),
    );
    const H: number[][] = mod.hSmoothed(xs);
    H.forEach((row, i) =>
      row.forEach((h, j) =>
        close(
          h,
          entryDifference(() => mod.dSmoothed(xs)[i], xs, j),
          1e-6,
        ),
      ),
    );
    close(mod.dRing(0.7), finiteDifference(mod.ring, 0.7), 1e-8);
  });

  it('destructuring of parameters and locals', () => {
    const [g, gx] = m.dDestructured({ w: Float64Array.from([2, 3]), b: 0.5 }, [5, 7]);
    expect([...g.w]).toEqual([5, 7]);
    expect(g.b).toBe(2);
    expect(gx).toEqual([2, 3]);
  });

  it('data parameters cost nothing: no gradient storage or work for them', () => {
    const body = js.slice(js.indexOf('function mse_grad_wrt_model'), js.indexOf('function mse_valueAndGrad'));
    expect(body).toContain('model_bar');
    expect(body).not.toMatch(/xs_bar|ys_bar/);
  });
});
