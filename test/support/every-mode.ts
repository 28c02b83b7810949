// Every mode of functions `f(w: number[], k: number)` against finite differences in w's entries
// and k: grad, valueAndGrad, derivative with respect to k, jvp along a fixed tangent, and the
// Hessian in w against differences of the gradient. The exports are named after each function.
import { close, expectArrayHessian, expectHessianOfGradient, partialDifference } from './compile.js';

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

/** A zero tangent of the shape of a data argument (observations, a count, options, the caller's matrices). */
export function zeroLike(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(zeroLike);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, zeroLike(field)]));
  return 0;
}

/**
 * The API calls `expectPointModes` reads, as exports of a module importing them from tapeless:
 * for each function named, its first `numbers` parameters the point, the rest data.
 */
export function pointModeExports(names: readonly string[], numbers: number): string {
  const wrt = `{ wrt: [${Array.from({ length: numbers }, (_, i) => i).join(', ')}] }`;
  return names
    .map((name) => {
      const Name = name[0].toUpperCase() + name.slice(1);
      return `export const g${Name} = grad(${name}, ${wrt});
export const v${Name} = valueAndGrad(${name}, ${wrt});
export const d${Name} = derivative(${name});
export const j${Name} = jvp(${name});
export const h${Name} = hessian(${name}, ${wrt});`;
    })
    .join('\n');
}

/**
 * `name(...point, ...data)` against finite differences in the numbers of `point`, in every mode,
 * with the module's exports named after it: g<Name> and v<Name> (grad and valueAndGrad over the
 * point's parameters), d<Name> (derivative in the first), j<Name> (jvp along a direction of the
 * point, the data still; where the module has one) and h<Name> (hessian, against differences of
 * the gradient). Each call gets its own copy of the data: a function may write its arrays.
 */
export function expectPointModes(m: Record<string, any>, name: string, point: readonly number[], data: readonly unknown[]): void {
  const Name = name[0].toUpperCase() + name.slice(1);
  const args = (...q: number[]) => [...q, ...structuredClone(data)];
  const f = (...q: number[]) => m[name](...args(...q));
  const expected = point.map((_, i) => partialDifference(f, point, i));
  const gradient = m[`g${Name}`](...args(...point));
  expected.forEach((d, i) => close(gradient[i], d, 1e-6));
  const [value, same] = m[`v${Name}`](...args(...point));
  close(value, f(...point), 1e-12);
  expected.forEach((d, i) => close(same[i], d, 1e-6));
  close(m[`d${Name}`](...args(...point)), expected[0], 1e-6);
  const jvpOf = m[`j${Name}`];
  if (jvpOf) {
    const direction = point.map((_, i) => 0.7 - 0.4 * i);
    const [primal, directional] = jvpOf(args(...point), [...direction, ...data.map(zeroLike)]);
    close(primal, f(...point), 1e-12);
    close(
      directional,
      expected.reduce((s, d, i) => s + d * direction[i], 0),
      1e-6,
    );
  }
  expectHessianOfGradient(m[`h${Name}`](...args(...point)), (...q: number[]) => [...m[`g${Name}`](...args(...q))], point);
}
