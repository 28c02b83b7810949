// Arrays of arrays the differentiated function builds (`rows.map(() => new Array(d).fill(0))`,
// `Array.from({ length: n }, …)`, literals of rows), written `m[i][j] = …` / `+= …` and read
// back: lowered flat (one local array of numbers and the offsets of the rows), so every mode
// differentiates them like any local array. Gradients against finite differences and forward
// mode (compile() runs both builds), Hessians against differences of the gradient.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, finiteDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, jacobian } from 'tapeless';

/** Per-row gradients accumulated into a matrix built with map, then their squared norm. */
export function rowGrads(rows: number[][], w: number[]): number {
  const d = w.length;
  const grads: number[][] = rows.map(() => new Array(d).fill(0));
  for (let i = 0; i < rows.length; i++) {
    let z = 0;
    for (let j = 0; j < d; j++) z += rows[i][j] * w[j];
    const r = Math.tanh(z);
    for (let j = 0; j < d; j++) grads[i][j] += r * rows[i][j];
    grads[i][0] -= r;
  }
  let s = 0;
  for (const g of grads) for (const v of g) s += v * v;
  return s + grads.length;
}

/** A rotation matrix as a literal of rows, destructured and applied to points. */
export function rotated(theta: number, points: Float64Array): number {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const R = [[c, -s], [s, c]];
  const [[a, b], second] = R;
  let total = 0;
  for (let k = 0; k + 1 < points.length; k += 2) {
    const x = a * points[k] + b * points[k + 1];
    const y = second[0] * points[k] + R[1][1] * points[k + 1];
    total += x * x * 2 + y;
  }
  return total;
}

/** A Gram matrix built with Array.from, and a quadratic form over it. */
export function gram(xs: number[], ell: number, alpha: number[]): number {
  const n = xs.length;
  const K = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Math.exp(-((xs[i] - xs[j]) ** 2) / (2 * ell * ell))));
  let q = 0;
  for (let i = 0; i < K.length; i++) for (let j = 0; j < K[i].length; j++) q += alpha[i] * K[i][j] * alpha[j];
  return q;
}

/**
 * Soft dynamic time warping: a table of Float64Array rows filled with a large cost, written and
 * read back. (With Infinity, ∂(-D/γ)/∂γ is infinite where exp(…) is 0, and 0 · ∞ is NaN in any AD.)
 */
export function softDtw(a: number[], b: number[], gamma: number): number {
  const n = a.length;
  const m = b.length;
  const D = Array.from({ length: n + 1 }, () => new Float64Array(m + 1).fill(1e10));
  D[0][0] = 0;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const cost = (a[i - 1] - b[j - 1]) ** 2;
      const r0 = -D[i - 1][j - 1] / gamma;
      const r1 = -D[i - 1][j] / gamma;
      const r2 = -D[i][j - 1] / gamma;
      const top = Math.max(r0, r1, r2);
      D[i][j] = cost - gamma * (Math.log(Math.exp(r0 - top) + Math.exp(r1 - top) + Math.exp(r2 - top)) + top);
    }
  }
  return D[n][m];
}

function dot(u: readonly number[], v: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < u.length; k++) s += u[k] * v[k];
  return s;
}

function scaleRow(row: number[], k: number): void {
  for (let j = 0; j < row.length; j++) row[j] *= k;
}

/** Ragged rows (row i holds i + 1 entries), passed to a helper that writes them and one that reads them. */
export function ragged(xs: number[], k: number): number {
  const tri = xs.map((v, i) => new Array<number>(i + 1).fill(v));
  for (let i = 0; i < tri.length; i++) scaleRow(tri[i], k + i);
  let s = 0;
  for (const row of tri) s += dot(row, row) / row.length;
  return s + tri[tri.length - 1][0] * tri.length;
}

/** The rows of a parameter matrix mapped; Float32Array rows, whose writes are rounded. */
export function doubled(m: number[][], x: number): number {
  const c = m.map((row) => row.map((v) => v * x));
  c[0][0] += 1;
  const f = Array.from({ length: 2 }, () => new Float32Array(2));
  f[1][0] = x / 4;
  return c.reduce((s, row) => s + row.reduce((t, v) => t + v * v, 0), 0) + f[1][0] * c[1][1];
}

/** Rows that are parameters, only read. */
export function corners(p: number[], q: number[]): number {
  const pts = [p, q];
  let s = 0;
  for (const pt of pts) s += Math.hypot(pt[0], pt[1]);
  return s * pts.length;
}

/** A matrix made in each pass of a loop, written and read in the pass. */
export function perPass(x: number, n: number): number {
  let s = 0;
  for (let t = 0; t < n; t++) {
    const m = [[x * t, 1], [x, t - x]];
    m[1][1] *= m[0][0];
    m[0][1]++;
    s += m[1][1] + m[0][1] * x;
  }
  return s;
}

function outer(u: readonly number[], v: readonly number[]): number[][] {
  return u.map((a) => v.map((b) => a * b));
}

/** A matrix returned by a helper (inlined), read along a diagonal. */
export function outerTrace(u: number[], v: number[]): number {
  const o = outer(u, v);
  let t = 0;
  for (let i = 0; i < Math.min(o.length, o[0].length); i++) t += o[i][i] * o[i][(i + 1) % o[i].length];
  return t;
}

/** Rows sorted, reversed and filled in place. */
export function rowsInPlace(x: number, y: number): number {
  const m = [[x, 3, y], [2, x * y, -1]];
  m[1].sort((a, b) => a - b);
  m[0].reverse();
  m[0].fill(x * x, 2);
  return m[1][0] * m[0][0] + m[0][1] * m[1][2] + m[0][2] * m[1][1];
}

/** flat of a local matrix and of a parameter's; flatMap to pairs and to numbers. */
export function flattened(m: number[][], x: number): number {
  const local = m.map((row) => row.map((v) => v * x));
  const all = local.flat();
  const given = m.flat();
  const pairs = given.flatMap((v, i) => [v, v * i]);
  const odd = all.flatMap((v) => v * v);
  return all.reduce((s, v, i) => s + v * (i + 1), 0) + pairs[pairs.length - 1] * x + odd[1] + given.length;
}

/** A row of a local matrix copied out as the result (forward mode and jacobian). */
export function lastRow(x: number, y: number): number[] {
  const m = [[x, 2 * y], [x * y, Math.sin(x)]];
  m[1][0] += m[0][1];
  return [...m[1]];
}

/** A row of a local matrix returned as it is: the caller gets a copy of the row, of its kind. */
export function heatRow(k: number, steps: number): number[] {
  const grid: number[][] = Array.from({ length: 3 }, (_, i) => new Array(3).fill(i));
  for (let t = 0; t < steps; t++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) grid[i][j] += k * grid[(i + 1) % 3][j] * (j + 1);
  return grid[1];
}

function typedRows(x: number): Float64Array[] {
  return [Float64Array.of(x, x * x), Float64Array.of(Math.exp(x), 1, -x)];
}

/** A Float64Array row of a helper's matrix, returned from an arrow. */
export const lastTypedRow = (x: number) => typedRows(x)[1];

/** The row chosen by a branch, in a function returning on two paths. */
export function chosenRow(x: number, y: number): number[] {
  const m = [[x * y, y], [Math.sin(x), x - y]];
  m[0][1] *= x;
  if (x > y) return m[0];
  return m[1];
}

export const dRowGrads = grad(rowGrads);
export const dRotated = grad(rotated);
export const hRotated = hessian(rotated, { wrt: 'theta' });
export const dGram = grad(gram);
export const hGram = hessian(gram, { wrt: ['ell'] });
export const dSoftDtw = grad(softDtw);
export const hSoftDtw = hessian(softDtw, { wrt: ['a'] });
export const dRagged = grad(ragged);
export const dDoubled = grad(doubled);
export const dCorners = grad(corners);
export const dPerPass = grad(perPass, { wrt: 'x' });
export const fPerPass = derivative(perPass);
export const dOuterTrace = grad(outerTrace);
export const jLastRow = jacobian(lastRow);
export const dRowsInPlace = grad(rowsInPlace);
export const dFlattened = grad(flattened);
export const hRowsInPlace = hessian(rowsInPlace);
export const fLastRow = derivative(lastRow, { wrt: 'y' });
export const jHeatRow = jacobian(heatRow, { wrt: 'k' });
export const fHeatRow = derivative(heatRow);
export const jLastTypedRow = jacobian(lastTypedRow);
export const fLastTypedRow = derivative(lastTypedRow);
export const jChosenRow = jacobian(chosenRow);
`;

let m: Record<string, any>;
beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

type Value = number | number[] | number[][] | Float64Array;

/** A deep copy of `args` with one number replaced (at `path` inside argument `arg`). */
function shifted(args: readonly Value[], arg: number, path: readonly number[], t: number): Value[] {
  const copy = (value: any): any => (typeof value === 'number' ? value : ArrayBuffer.isView(value) ? (value as Float64Array).slice() : value.map(copy));
  return args.map((value, k) => {
    const result = copy(value);
    if (k !== arg) return result;
    if (path.length === 0) return t;
    let inner = result;
    for (const index of path.slice(0, -1)) inner = inner[index];
    inner[path[path.length - 1]] = t;
    return result;
  });
}

/** The paths of the numbers of a value. */
function paths(value: Value, prefix: number[] = []): number[][] {
  if (typeof value === 'number') return [prefix];
  return Array.from(value as ArrayLike<Value>).flatMap((entry, i) => paths(entry as Value, [...prefix, i]));
}

function at(value: any, path: readonly number[]): number {
  return path.reduce((inner, index) => inner[index], value);
}

/** Checks a gradient (one argument, or a tuple of all) against central differences. */
function expectGradient(f: (...args: any[]) => number, gradient: unknown, args: readonly Value[], selected: readonly number[]): void {
  const parts = selected.length === 1 ? [gradient] : (gradient as unknown[]);
  selected.forEach((arg, k) => {
    for (const path of paths(args[arg])) {
      const expected = finiteDifference((t) => f(...shifted(args, arg, path, t)), at(args[arg], path), 1e-4);
      close(path.length === 0 ? (parts[k] as number) : at(parts[k], path), expected, 1e-6);
    }
  });
}

describe('local arrays of arrays', () => {
  it('a matrix of gradients built with map, written with += (the rows of a parameter)', () => {
    const rows = [
      [0.5, -1, 2],
      [1.5, 0.2, -0.3],
    ];
    const w = [0.4, -0.6, 0.1];
    expectGradient(m.rowGrads, m.dRowGrads(rows, w), [rows, w], [0, 1]);
  });

  it('a literal of rows, destructured, and its Hessian', () => {
    const points = Float64Array.of(1, 2, -0.5, 0.7, 3, -1);
    for (const theta of [0.3, 2.1]) {
      const [dTheta, dPoints] = m.dRotated(theta, points);
      expect(dPoints).toBeInstanceOf(Float64Array);
      expectGradient(m.rotated, [dTheta, dPoints], [theta, points], [0, 1]);
      close(
        m.hRotated(theta, points)[0][0],
        finiteDifference((t) => m.dRotated(t, points)[0], theta),
        1e-6,
      );
    }
  });

  it('a Gram matrix from nested Array.from', () => {
    const xs = [0.1, 0.9, -0.7, 1.6];
    const alpha = [1, -0.5, 0.25, 2];
    expectGradient(m.gram, m.dGram(xs, 0.8, alpha), [xs, 0.8, alpha], [0, 1, 2]);
    close(
      m.hGram(xs, 0.8, alpha)[0][0],
      finiteDifference((t) => m.dGram(xs, t, alpha)[1], 0.8),
      1e-6,
    );
  });

  it('soft-DTW: a table of Float64Array rows filled with a constant, written and read cell by cell', () => {
    const a = [0.2, 1.1, -0.4];
    const b = [0.5, 0.9, 0.1, -0.6];
    expectGradient(m.softDtw, m.dSoftDtw(a, b, 0.7), [a, b, 0.7], [0, 1, 2]);
    const H = m.hSoftDtw(a, b, 0.7);
    a.forEach((_, j) => {
      a.forEach((__, i) =>
        close(
          H[i][j],
          finiteDifference(
            (t) =>
              m.dSoftDtw(
                a.map((v, k) => (k === j ? t : v)),
                b,
                0.7,
              )[0][i],
            a[j],
          ),
          1e-5,
        ),
      );
    });
  });

  it('ragged rows passed to helpers that write and read them', () => {
    const xs = [0.5, -1.2, 0.8];
    expectGradient(m.ragged, m.dRagged(xs, 0.7), [xs, 0.7], [0, 1]);
  });

  it('rows of a parameter matrix mapped; Float32Array rows', () => {
    const matrix = [
      [1, -2],
      [0.5, 3],
    ];
    const [gm, gx] = m.dDoubled(matrix, 0.6);
    expect(gm.map((row: number[]) => row.length)).toEqual([2, 2]);
    // f[1][0] is rounded to float32; its derivative is taken through the rounding as 1.
    const flat = (x: number) => {
      const c = matrix.map((row) => row.map((v) => v * x));
      c[0][0] += 1;
      return c.flat().reduce((s, v) => s + v * v, 0) + (x / 4) * c[1][1];
    };
    close(gx, finiteDifference(flat, 0.6), 1e-6);
    expectGradient((mm: number[][]) => m.doubled(mm, 0.6), gm, [matrix], [0]);
  });

  it('rows that are parameters, read only', () => {
    expectGradient(
      m.corners,
      m.dCorners([3, 4], [-1, 0.5]),
      [
        [3, 4],
        [-1, 0.5],
      ],
      [0, 1],
    );
  });

  it('a matrix made and written in each pass of a loop', () => {
    for (const [x, n] of [
      [0.7, 4],
      [-1.1, 3],
    ]) {
      expectGradient(m.perPass, m.dPerPass(x, n), [x, n], [0]);
      close(m.fPerPass(x, n), m.dPerPass(x, n), 1e-12);
    }
  });

  it('a matrix returned by a helper', () => {
    expectGradient(
      m.outerTrace,
      m.dOuterTrace([0.5, 1.5, -1], [2, -0.5]),
      [
        [0.5, 1.5, -1],
        [2, -0.5],
      ],
      [0, 1],
    );
  });

  it('rows sorted, reversed and filled in place', () => {
    for (const [x, y] of [
      [0.6, 1.3],
      [-0.8, 0.4],
      [1.7, -2],
    ]) {
      expectGradient(m.rowsInPlace, m.dRowsInPlace(x, y), [x, y], [0, 1]);
      const H = m.hRowsInPlace(x, y);
      [0, 1].forEach((j) =>
        [0, 1].forEach((i) =>
          close(
            H[i][j],
            finiteDifference((t) => m.dRowsInPlace(...[x, y].map((v, k) => (k === j ? t : v)))[i], [x, y][j]),
            1e-5,
          ),
        ),
      );
    }
  });

  it('flat and flatMap', () => {
    const matrix = [
      [1, -2, 0.5],
      [0.25, 3],
    ];
    expectGradient(m.flattened, m.dFlattened(matrix, 0.7), [matrix, 0.7], [0, 1]);
  });

  it('a row copied out as the result: jacobian and derivative', () => {
    const J = m.jLastRow(0.4, 1.3);
    close(J[0][0], 1.3, 1e-12);
    close(J[0][1], 0.4 + 2, 1e-12);
    close(J[1][0], Math.cos(0.4), 1e-12);
    close(J[1][1], 0, 1e-12);
    expect(m.fLastRow(0.4, 1.3)).toEqual([J[0][1], J[1][1]]);
  });

  it('a row returned as it is: a copy of the row, its derivatives against finite differences', () => {
    for (const [k, steps] of [
      [0.3, 2],
      [-0.2, 3],
    ]) {
      const row = m.heatRow(k, steps);
      expect(Array.isArray(row)).toBe(true);
      const column = m.jHeatRow(k, steps).map((entries: number[]) => entries[0]);
      const derivative = m.fHeatRow(k, steps);
      expect(Array.isArray(derivative)).toBe(true);
      row.forEach((_: number, j: number) => {
        const expected = finiteDifference((t) => m.heatRow(t, steps)[j], k);
        close(column[j], expected, 1e-6);
        close(derivative[j], expected, 1e-6);
      });
    }
    const typed = m.lastTypedRow(0.7);
    expect(typed).toBeInstanceOf(Float64Array);
    expect(m.fLastTypedRow(0.7)).toBeInstanceOf(Float64Array);
    expect(m.jLastTypedRow(0.7).map((entries: number[]) => entries[0])).toEqual([...m.fLastTypedRow(0.7)]);
    [...typed].forEach((_, j) =>
      close(
        m.fLastTypedRow(0.7)[j],
        finiteDifference((t) => m.lastTypedRow(t)[j], 0.7),
        1e-6,
      ),
    );
    for (const [x, y] of [
      [1.2, 0.5],
      [-0.3, 0.8],
    ]) {
      const J = m.jChosenRow(x, y);
      [0, 1].forEach((i) =>
        [0, 1].forEach((j) =>
          close(
            J[i][j],
            finiteDifference((t) => m.chosenRow(...[x, y].map((v, q) => (q === j ? t : v)))[i], [x, y][j]),
            1e-6,
          ),
        ),
      );
    }
  });
});
