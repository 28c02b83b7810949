// Jacobians (forward columns or reverse rows), Hessians (forward over reverse) and higher
// orders (grad of grad, derivative of grad), against hand results and finite differences.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, compile, entryDifference, finiteDifference, partialDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, jacobian, jvp, stopGradient } from 'tapeless';
// A loop whose passes depend on each other, with a costly value the sweep restores.
import { springChain } from './springs.js';

export function cubes(a: number, b: number): number {
  return a ** 3 + b ** 3;
}
export function fall(u: number, t: number): number {
  return u * t + 0.5 * 9.81 * t * t;
}
export function rosenbrock(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;
  return s;
}
function bump(v: number, w: number): number {
  return Math.exp(-v * v) * Math.sin(w * v);
}
/** Loops, branches and calls together. */
export function mixed(x: number, y: number, z: number): number {
  let s = 0;
  for (let i = 1; i <= 4; i++) {
    const t = bump(x * i, y) + z / i;
    s += t > 0 ? t * t : Math.log1p(t * t) * y;
  }
  return s * z;
}
export const springsH = hessian(springChain, { wrt: ['k', 'rest', 'a', 'w'] });
export const springsG = grad(springChain, { wrt: ['k', 'rest', 'a', 'w'] });

export function weighted(w: number[], data: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += Math.cos(w[i] * data[i]) * w[(i + 1) % w.length];
  return s;
}

/** Two outputs of three inputs (reverse rows), and four outputs of one input (forward columns). */
export function polar(r: number, theta: number, z: number): number[] {
  return [r * Math.cos(theta) * z, r * Math.sin(theta) + z * z];
}
export function curve(t: number): Float64Array {
  const out = new Float64Array(4);
  for (let k = 0; k < 4; k++) out[k] = Math.sin((k + 1) * t) * t;
  return out;
}
export function pairwise(xs: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < xs.length; i++) out.push(xs[i] * xs[i + 1]);
  return out;
}

export const cubesH = hessian(cubes);
export const fallH = hessian(fall);
export const fallHt = hessian(fall, { wrt: 't' });
export const rosenbrockH = hessian(rosenbrock);
export const mixedH = hessian(mixed);
export const mixedHxz = hessian(mixed, { wrt: ['x', 'z'] });
export const weightedH = hessian(weighted, { wrt: 0 });
export const inlineH = hessian((p: number, q: number) => Math.sin(p * q) + p ** 4);
export const polarJ = jacobian(polar);
export const curveJ = jacobian(curve);
/** Results that do not depend on the inputs: each lane's column is an array (or object) of zeros. */
export function plane(x: number, y: number): Float64Array {
  const out = new Float64Array(3);
  out[0] = 0.5;
  out[2] = 0.25;
  return out;
}
export function anchor(t: number): { x: number; y: number } {
  const c = 2;
  return { x: 1, y: c * c };
}
export const planeJ = jacobian(plane);
export const anchorJ = jacobian(anchor);
export const pairwiseJ = jacobian(pairwise);
export const mixedJ = jacobian(mixed, { wrt: ['z', 'x'] });
export const curveD = derivative(curve);
export const polarJvp = jvp(polar);

function g(x: number): number {
  return x ** 4 - Math.sin(x);
}
export const g1 = grad(g);
export const g2 = grad(grad(g));
export const g2f = derivative(grad(g));
export const g3 = derivative(derivative(grad(g)));
export const gInline = grad(grad((x: number) => Math.exp(2 * x)));
export function usesGradient(x: number, y: number): number {
  return grad(g)(x * y) + y;
}
export const usesD = derivative(usesGradient);
export const usesG = grad(usesGradient);
export const usesH = hessian(usesGradient);
function two(x: number, y: number): number {
  return x * x * y + Math.exp(y);
}
export const twoGxy = grad(grad(two, { wrt: 'x' }));
export const gSecondInline = derivative((x: number) => grad(g)(x));
// A generated function named by a const: differentiated again, and called in differentiated code.
const dgNamed = grad(g);
export const g2Named = derivative(dgNamed);
export const g3Named = grad(derivative(dgNamed));
export function usesNamed(x: number, y: number): number {
  return dgNamed(x * y) * y;
}
export const usesNamedG = grad(usesNamed);
export const stoppedH = hessian((x: number, y: number) => x * stopGradient(x * y) + y * y);
/** The sum of an inner loop, replayed from the load stream when the outer pass is recomputed. */
export function logSums(q: Float64Array): number {
  let total = 0;
  for (let p = 0; p < 2; p++) {
    let sum = 0;
    for (let c = 0; c + 3 < q.length; c++) sum += Math.exp(q[c] * q[c + 3] * (p + 1));
    total += Math.log(sum);
  }
  return total;
}
export const logSumsG = grad(logSums);
export const logSumsH = hessian(logSums);
`;

let m: Record<string, any>;
beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE, 'springs.ts': readFileSync(path.join(ROOT, 'examples/springs.ts'), 'utf8') });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/** The Hessian by central differences of the (already checked) reverse gradient. */
function gradientDifferences(gradient: (...args: number[]) => number[], point: number[]): number[][] {
  return point.map((_, j) =>
    gradient(...point.map((p, k) => (k === j ? p : p))).map((__, i) => partialDifference((...args) => gradient(...args)[i], point, j)),
  );
}

describe('hessian', () => {
  it('of a^3 + b^3 is diag(6a, 6b)', () => {
    // (+ 0 turns the -0 of 3 (2 b 0) for b < 0 into 0)
    const plain = (H: number[][]) => H.map((row) => row.map((v) => v + 0));
    expect(plain(m.cubesH(2, -3))).toEqual([
      [12, 0],
      [0, -18],
    ]);
    expect(plain(m.cubesH(0, 0))).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('of u t + g t^2 / 2 is [[0, 1], [1, g]], and [[g]] with respect to t', () => {
    expect(m.fallH(3, 1.5)).toEqual([
      [0, 1],
      [1, 9.81],
    ]);
    expect(m.fallHt(3, 1.5)).toEqual([[9.81]]);
  });

  it('of Rosenbrock (a loop over a Float64Array) matches the hand formula', () => {
    const x = Float64Array.of(0.5, -1.2, 2, 0.3);
    const n = x.length;
    const expected = Array.from({ length: n }, () => new Array(n).fill(0));
    for (let i = 0; i + 1 < n; i++) {
      expected[i][i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2;
      expected[i][i + 1] += -400 * x[i];
      expected[i + 1][i] += -400 * x[i];
      expected[i + 1][i + 1] += 200;
    }
    const H = m.rosenbrockH(x);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(H[i][j]).toBeCloseTo(expected[i][j], 9);
  });

  it('of code with loops, branches and calls matches differences of the gradient, and is symmetric', () => {
    for (const point of [
      [0.3, 0.7, 1.2],
      [-0.4, 1.5, -0.8],
    ]) {
      const H = m.mixedH(...point);
      const expected = gradientDifferences((x, y, z) => {
        const h = 1e-6;
        return [0, 1, 2].map((i) =>
          partialDifference(
            m.mixed,
            [x, y, z].map((v, k) => v),
            i,
            h,
          ),
        );
      }, point);
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) {
          expect(H[i][j]).toBeCloseTo(H[j][i], 8);
          expect(H[i][j]).toBeCloseTo(expected[i][j], 3);
        }
      const sub = m.mixedHxz(...point);
      expect(sub).toEqual([
        [H[0][0], H[0][2]],
        [H[2][0], H[2][2]],
      ]);
    }
  });

  it('of a loop whose passes depend on each other matches differences of its gradient', () => {
    const point = [2, 0.9, 0.3, 0.7];
    const H = m.springsH(...point, 12);
    for (let j = 0; j < 4; j++) {
      const column = [0, 1, 2, 3].map((i) => finiteDifference((t) => m.springsG(...point.map((v, k) => (k === j ? t : v)), 12)[i], point[j], 1e-4));
      for (let i = 0; i < 4; i++) expect(H[i][j]).toBeCloseTo(column[i], 5);
    }
  });

  it('through a loop result replayed from the load stream, whose tangent is replayed too', () => {
    // Found by test/rereads.test.ts: the stream recorded values but not their tangents.
    const q = Float64Array.of(0.3, -0.2, 0.5, 0.1, 0.7, -0.4);
    const H = m.logSumsH(q);
    for (let j = 0; j < q.length; j++) {
      const column = [...q].map((_, i) => entryDifference(() => m.logSumsG(q)[i], q, j));
      for (let i = 0; i < q.length; i++) expect(H[i][j]).toBeCloseTo(column[i], 7);
    }
  });

  it('with respect to an array selected among data, and of an arrow written in place', () => {
    const w = [0.3, -0.7, 1.1];
    const data = [2, 0.5, -1];
    const H = m.weightedH(w, data);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        const expected = finiteDifference(
          (t) => {
            const shifted = [...w];
            shifted[j] = t;
            return finiteDifference(
              (u) => {
                const inner = [...shifted];
                inner[i] = u;
                return m.weighted(inner, data);
              },
              shifted[i],
              1e-3,
            );
          },
          w[j],
          1e-3,
        );
        expect(H[i][j]).toBeCloseTo(expected, 5);
      }
    const [p, q] = [0.7, -1.3];
    expect(m.inlineH(p, q)).toEqual(
      [
        [-q * q * Math.sin(p * q) + 12 * p * p, Math.cos(p * q) - p * q * Math.sin(p * q)],
        [Math.cos(p * q) - p * q * Math.sin(p * q), -p * p * Math.sin(p * q)],
      ].map((row) => row.map((v) => expect.closeTo(v, 12))),
    );
  });
});

describe('jacobian', () => {
  it('of a function of 3 inputs and 2 outputs (rows by reverse mode)', () => {
    const [r, theta, z] = [1.5, 0.4, -2];
    const J = m.polarJ(r, theta, z);
    const expected = [
      [Math.cos(theta) * z, -r * Math.sin(theta) * z, r * Math.cos(theta)],
      [Math.sin(theta), r * Math.cos(theta), 2 * z],
    ];
    expect(J.length).toBe(2);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expect(J[i][j]).toBeCloseTo(expected[i][j], 13);
  });

  it('of a function of 1 input and 4 outputs (columns by forward mode), and derivative of it', () => {
    const t = 0.8;
    const J = m.curveJ(t);
    const D = m.curveD(t);
    expect(D).toBeInstanceOf(Float64Array);
    for (let k = 0; k < 4; k++) {
      const expected = (k + 1) * Math.cos((k + 1) * t) * t + Math.sin((k + 1) * t);
      expect(J[k]).toEqual([expect.closeTo(expected, 13)]);
      expect(D[k]).toBeCloseTo(expected, 13);
    }
  });

  it('of results that do not depend on the inputs: a row of zeros per output, not one row holding the zero array (found by the user-shaped fuzzer)', () => {
    expect(m.planeJ(1, 2)).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(m.anchorJ(0.5)).toEqual([[0], [0]]);
  });

  it('of a function with arrays in and out, a number result, and jvp with an array result', () => {
    const xs = Float64Array.of(1, 2, -3, 0.5);
    expect(m.pairwiseJ(xs)).toEqual([
      [2, 1, 0, 0],
      [0, -3, 2, 0],
      [0, 0, 0.5, -3],
    ]);
    const point = [0.3, 0.7, 1.2];
    const [dz, dx] = [partialDifference(m.mixed, point, 2), partialDifference(m.mixed, point, 0)];
    const [row] = m.mixedJ(...point);
    expect(row[0]).toBeCloseTo(dz, 7);
    expect(row[1]).toBeCloseTo(dx, 7);
    const [value, tangent] = m.polarJvp([1.5, 0.4, -2], [1, 0, 0.5]);
    expect(value).toEqual(m.polar(1.5, 0.4, -2));
    const J = m.polarJ(1.5, 0.4, -2);
    expect(tangent[0]).toBeCloseTo(J[0][0] + 0.5 * J[0][2], 13);
    expect(tangent[1]).toBeCloseTo(J[1][0] + 0.5 * J[1][2], 13);
  });
});

describe('higher orders compose', () => {
  const dg = (x: number) => 4 * x ** 3 - Math.cos(x);
  const d2g = (x: number) => 12 * x ** 2 + Math.sin(x);
  const d3g = (x: number) => 24 * x + Math.cos(x);

  it('grad(grad(g)), derivative(grad(g)) and a third derivative', () => {
    for (const x of [-1.5, 0, 0.4, 2]) {
      expect(m.g1(x)).toBeCloseTo(dg(x), 13);
      expect(m.g2(x)).toBeCloseTo(d2g(x), 12);
      expect(m.g2f(x)).toBeCloseTo(d2g(x), 12);
      expect(m.g3(x)).toBeCloseTo(d3g(x), 11);
    }
    expect(m.gInline(0.3)).toBeCloseTo(4 * Math.exp(0.6), 12);
  });

  it('code that calls grad(g) is differentiated in every mode', () => {
    for (const [x, y] of [
      [0.5, 1.3],
      [-0.7, 0.4],
    ]) {
      const dx = y * d2g(x * y);
      const dy = x * d2g(x * y) + 1;
      expect(m.usesD(x, y)).toBeCloseTo(dx, 11);
      const [gx, gy] = m.usesG(x, y);
      expect(gx).toBeCloseTo(dx, 11);
      expect(gy).toBeCloseTo(dy, 11);
      const H = m.usesH(x, y);
      expect(H[0][0]).toBeCloseTo(y * y * d3g(x * y), 9);
      expect(H[0][1]).toBeCloseTo(d2g(x * y) + x * y * d3g(x * y), 9);
      expect(H[1][0]).toBeCloseTo(H[0][1], 9);
    }
  });

  it("derivative((x) => grad(g)(x)) is g'', and stopGradient is a constant to second order too", () => {
    for (const x of [-0.6, 1.1]) expect(m.gSecondInline(x)).toBeCloseTo(d2g(x), 12);
    expect(m.stoppedH(0.5, 2).map((row: number[]) => row.map((v) => v + 0))).toEqual([
      [0, 0],
      [0, 2],
    ]);
  });

  it('a generated function named by a const composes like the call it holds', () => {
    for (const [x, y] of [
      [0.5, 1.3],
      [-0.7, 0.4],
    ]) {
      expect(m.g2Named(x)).toBeCloseTo(d2g(x), 12);
      expect(m.g3Named(x)).toBeCloseTo(d3g(x), 11);
      const [gx, gy] = m.usesNamedG(x, y);
      expect(gx).toBeCloseTo(y * y * d2g(x * y), 10);
      expect(gy).toBeCloseTo(dg(x * y) + x * y * d2g(x * y), 10);
    }
  });

  it('grad of a gradient selected with wrt differentiates the inner gradient with respect to every parameter', () => {
    const [gx, gy] = m.twoGxy(0.5, 1.5);
    expect(gx).toBeCloseTo(2 * 1.5, 13);
    expect(gy).toBeCloseTo(2 * 0.5, 13);
  });
});

describe('objects', () => {
  it('a Hessian over an object flattens its fields by name, whatever order its keys were added in', async () => {
    const compiled = compile({
      'main.ts': `import { hessian } from 'tapeless';
export interface Point { y: number; x: number }
export const H = hessian((p: Point, k: number) => p.x * p.x * p.y + k * p.y * p.y, { wrt: 0 });
`,
    });
    expect(compiled.messages).toEqual([]);
    const built = await compiled.load();
    const [x, y] = [1.5, -2];
    // fields sorted: x first, then y
    const expected = [
      [2 * y, 2 * x],
      [2 * x, 2 * 3],
    ];
    expect(built.H({ y, x }, 3)).toEqual(expected);
    expect(built.H({ x, y }, 3)).toEqual(expected);
  });
});
