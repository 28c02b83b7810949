// An entry read one past the end with a default (`xs[i + 1] ?? 0.16`), in a loop whose inner
// loop adds into the gradient at that one index: the sweep sums into a local and adds it once,
// after the inner loop. It added 0 at the index past the end too, which lengthened the
// gradient where the Hessian's code makes it an Array: `hessian` had a row too many (7 × 6 for
// 6 × 6; the fuzzer, seed 710034 program 15). The Hessian against differences of the gradient.
import { beforeAll, describe, expect, it } from 'vitest';
import { expectHessianOfGradient, loadedMain } from './support/compile.js';

const SOURCE = `
import { grad, hessian } from 'tapeless';

const K = { a: 0.23, b: [-0.89, -1.3] };

export function pairs(xs: Float64Array, ws: number[]): number {
  let sum = 0;
  for (let i = 0; i < K.b.length; i++) {
    for (let j = 0; j < K.b.length; j++) {
      if (j === i) continue;
      const d = K.b[i] - K.b[j];
      sum += Math.exp(-d * d) * (xs[i + 1] ?? 0.16) ** 2 * K.a * ws[j];
    }
  }
  return 0.73 * xs[0] * ws[0] + sum;
}

export const gPairs = grad(pairs);
export const hPairs = hessian(pairs);
`;

let m: Record<string, any>;

beforeAll(async () => {
  m = await loadedMain({ 'main.ts': SOURCE });
}, 120_000);

describe('an entry read past the end with a default, added into once after an inner loop', () => {
  it('the Hessian has a row and a column per number, against differences of the gradient', () => {
    for (const [xs, ws] of [
      [
        [-0.98, -1.24],
        [0.19, -0.17, -1.36, -1.29],
      ],
      [
        [0.73, 1.18, 0.4],
        [-0.03, 0.51],
      ],
    ]) {
      const n = xs.length;
      const point = [...xs, ...ws];
      const gradient = (...q: number[]) => {
        const [gx, gw] = m.gPairs(Float64Array.from(q.slice(0, n)), q.slice(n));
        return [...gx, ...gw];
      };
      const hessian = m.hPairs(Float64Array.from(xs), ws);
      expect(hessian.length).toBe(point.length);
      for (const row of hessian) expect(row.length).toBe(point.length);
      expectHessianOfGradient(hessian, gradient, point);
    }
  });
});
