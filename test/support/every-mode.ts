// Every mode of functions `f(w: number[], k: number)` against finite differences in w's entries
// and k: grad, valueAndGrad, derivative with respect to k, jvp along a fixed tangent, and the
// Hessian in w against differences of the gradient. The exports are named after each function.
import { close, expectArrayHessian, partialDifference } from './compile.js';

/** The API calls `expectEveryMode` reads, for each function named, as exports of a module. */
export function everyModeExports(names: readonly string[]): string {
  return names
    .map(
      (name) => `export const grad_${name} = grad(${name});
export const value_${name} = valueAndGrad(${name});
export const derivative_${name} = derivative(${name}, { wrt: 1 });
export const jvp_${name} = jvp(${name});
export const hessian_${name} = hessian(${name}, { wrt: 0 });`,
    )
    .join('\n');
}

/** Checks every mode of the module's function `name` at (w, k). */
export function expectEveryMode(m: Record<string, any>, name: string, w: readonly number[], k: number): void {
  const f = m[name] as (w: number[], k: number) => number;
  const point = [...w, k];
  const n = w.length;
  const at = (q: number[]) => f(q.slice(0, n), q[n]);
  const differences = point.map((_, j) => partialDifference((...q: number[]) => at(q), point, j));
  const [gW, gK] = m[`grad_${name}`]([...w], k);
  differences.slice(0, n).forEach((d, i) => close(gW[i], d, 1e-6));
  close(gK, differences[n], 1e-6);
  const [value, [vW, vK]] = m[`value_${name}`]([...w], k);
  close(value, f([...w], k));
  differences.slice(0, n).forEach((d, i) => close(vW[i], d, 1e-6));
  close(vK, differences[n], 1e-6);
  close(m[`derivative_${name}`]([...w], k), differences[n], 1e-6);
  const tangent = w.map((_, i) => [0.4, -1.2, 0.3][i % 3]);
  const [primal, directional] = m[`jvp_${name}`]([[...w], k], [tangent, 0.7]);
  close(primal, f([...w], k));
  close(
    directional,
    tangent.reduce((s, t, i) => s + t * differences[i], 0.7 * differences[n]),
    1e-6,
  );
  expectArrayHessian(m[`hessian_${name}`]([...w], k), (v) => Array.from(m[`grad_${name}`](v, k)[0] as number[]), w);
}
