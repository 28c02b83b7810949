// A variable (or a `?:`) that holds different arrays or objects after the two sides of a
// branch: the chosen one is copied where that is the same value (arrays and object literals
// the function makes, of a length known at compile time, that nothing else refers to), and
// anything else is a located diagnostic. Before, a phi of two arrays silently had a zero
// gradient. Checked against finite differences, forward mode (compile's oracle) and Hessians.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';

const SOURCE = `
import { grad, hessian } from 'tapeless';
function order(a: number, b: number): [number, number] { if (a < b) return [a, b]; return [b, a]; }
export function sorted(x: number, y: number): number { const [lo, hi] = order(x, y); return lo * 2 + hi * hi; }
export function chosen(x: number, y: number, c: number): number { const v = c > 0 ? [x, y * y] : [y, x]; return v[0] * 3 + v[1]; }
export function typed(x: number, y: number): number {
  let v = new Float64Array(2);
  v[0] = x;
  if (x > y) { v = new Float64Array(2); v[0] = y * y; v[1] = x; }
  return v[0] + Math.sin(v[1]);
}
export function objects(x: number, y: number): number {
  const p = x > 0 ? { at: [x, y], w: x * y } : { w: y, at: [y, 2 * x] };
  return p.at[0] * p.w + p.at[1];
}
export function written(x: number, y: number): number {
  let v = [x, y];
  if (y > 1) v = [y, x * x];
  v[1] += 3 * x;
  return v[0] * v[1];
}
export function switched(x: number, k: number): number {
  let v: number[] = [0, 0];
  switch (k) {
    case 0: v = [x, 1]; break;
    case 1: v = [x * x, x]; break;
    default: v = [1, Math.exp(x)];
  }
  return v[0] * v[1];
}
export const dSorted = grad(sorted);
export const dChosen = grad(chosen);
export const dTyped = grad(typed);
export const dObjects = grad(objects);
export const dWritten = grad(written);
export const dSwitched = grad(switched, { wrt: 0 });
export const hChosen = hessian(chosen, { wrt: [0, 1] });
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/** Every partial of `f` at `point` against the gradient `g` returns (all parameters). */
function expectGradient(f: (...args: number[]) => number, g: (...args: number[]) => number[] | number, point: number[], wrt = point.map((_, i) => i)): void {
  const gradient = g(...point);
  const entries = Array.isArray(gradient) ? gradient : [gradient];
  wrt.forEach((param, k) => close(entries[k], partialDifference(f, point, param), 1e-7));
}

describe('a branch that chooses between arrays or objects', () => {
  it('helpers returning a literal on two paths, destructured', () => {
    for (const p of [
      [1, 3],
      [3, 1],
      [-2, 0.5],
    ])
      expectGradient(m.sorted, m.dSorted, p);
  });

  it('?: between array literals, on both sides, and its Hessian', () => {
    for (const p of [
      [1, 3, 1],
      [1, 3, -1],
      [-0.4, 2, 0.5],
    ]) {
      expectGradient(m.chosen, m.dChosen, p, [0, 1]);
      const h = m.hChosen(...p);
      for (const [i, j] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ])
        close(
          h[i][j],
          partialDifference((...q: number[]) => m.dChosen(q[0], q[1], p[2])[i], p, j),
          1e-6,
        );
    }
  });

  it('typed arrays written before and inside the branch', () => {
    for (const p of [
      [2, 1],
      [1, 2],
      [-0.3, -1.5],
    ])
      expectGradient(m.typed, m.dTyped, p);
  });

  it('object literals with their fields in another order, holding arrays', () => {
    for (const p of [
      [0.7, 1.3],
      [-0.7, 1.3],
    ])
      expectGradient(m.objects, m.dObjects, p);
  });

  it('the merged array is written afterwards', () => {
    for (const p of [
      [0.7, 1.3],
      [0.7, 0.2],
      [-2, 3],
    ])
      expectGradient(m.written, m.dWritten, p);
  });

  it('switch cases assigning arrays', () => {
    for (const [x, k] of [
      [0.4, 0],
      [0.4, 1],
      [0.4, 2],
      [-1.1, 1],
    ])
      close(m.dSwitched(x, k), partialDifference(m.switched, [x, k], 0), 1e-7);
  });
});

describe('branches whose arrays cannot be copied are diagnostics, at the branch', () => {
  const rejected = (body: string) =>
    compile({ 'main.ts': `import { grad } from 'tapeless';\nexport const g = grad((x: number, xs: number[], ys: number[]) => {\n${body}\n}, { wrt: 0 });\n` })
      .messages;

  it('arrays of the caller', () => {
    expect(rejected('  const a = x > 0 ? xs : ys;\n  return a[0] * x;')).toEqual([
      expect.stringMatching(
        /^main\.ts:3:13 tapeless: this expression chooses between arrays or objects, and one of them is not an array or object literal the function makes itself with a length known at compile time\. Choose the numbers instead/,
      ),
    ]);
  });

  it('lengths that differ or are known only at run time', () => {
    expect(rejected('  const a = x > 0 ? [x, x] : [x];\n  return a[0] * x;')).toEqual([
      expect.stringContaining(
        'main.ts:3:13 tapeless: this expression chooses between arrays or objects, and one of them is an array whose length is not the same known number on both sides',
      ),
    ]);
    expect(rejected('  const a = x > 0 ? xs.map((v) => v * x) : [x];\n  return a[0] * x;')).toEqual([
      expect.stringContaining('is an array whose length is not known to be the same on both sides'),
    ]);
  });

  it('an array another variable still refers to', () => {
    expect(rejected('  const first = [x, 1];\n  let a = first;\n  if (x > 0) a = [1, x];\n  a[0] = 2;\n  return first[0] * a[1];')).toEqual([
      expect.stringContaining(
        "main.ts:5:3 tapeless: 'a' holds different arrays or objects on the two sides of this branch, and one of them is also held by another variable or object",
      ),
    ]);
  });

  it('object literals with other fields', () => {
    expect(rejected('  const o = x > 0 ? { a: x } : { b: x };\n  return x;')).toEqual([
      expect.stringContaining('is an object literal whose fields differ between the sides'),
    ]);
  });
});

describe('a choice between arrays of arrays the function builds', () => {
  const body = (choice: string) =>
    `export function f(x: number, t: number): number {\n  const A = [[x, t], [t, x * x]];\n  const B = [[t * t, x], [x, 1]];\n  const M = ${choice};\n  return M[0][0] * M[1][1] - M[0][1] * M[1][0];\n}\nexport const g = grad(f);\n`;

  it('is a diagnostic whose advice, one map of the chosen numbers, compiles and is right', async () => {
    const rejected = compile({ 'main.ts': `import { grad } from 'tapeless';\n${body('t > 0.5 ? A : B')}` });
    const advice = 'A.map((row, i) => row.map((v, j) => (t > 0.5 ? v : B[i][j])))';
    expect(rejected.messages).toEqual([
      `main.ts:5:13 tapeless: this expression chooses between arrays or objects, and one of them is not an array or object literal the function makes itself with a length known at compile time. Choose the numbers instead of the arrays ('${advice}'), or write into one array made before the branch.`,
    ]);
    const compiled = compile({ 'main.ts': `import { grad } from 'tapeless';\n${body(advice)}` });
    expect(compiled.messages).toEqual([]);
    const { f, g } = await compiled.load();
    for (const point of [
      [0.8, 0.7],
      [0.8, 0.3],
    ]) {
      const gradient = g(...point);
      point.forEach((_, j) => close(gradient[j], partialDifference(f, point, j), 1e-6));
    }
  });
});
