// Forward mode and second order on reference functions: their generated code is kept in
// test/golden/forward.js.
import { derivative, hessian, jvp } from 'tapeless';
import { f } from '../../examples/seed.js';

/** The seed in forward mode: each value is followed by its tangent. */
export const seedDerivative = derivative(f);

export function oscillator(x: number, v: number, k: number): number {
  let e = 0;
  for (let i = 0; i < 3; i++) {
    const a = -k * x;
    v += 0.1 * a;
    x += 0.1 * v;
    e += x * x;
  }
  return e;
}

export const oscillatorJvp = jvp(oscillator);

/** Forward over reverse: the gradient's tangent, every column in one pass (a lane per input). */
export const cubesHessian = hessian((a: number, b: number) => a ** 3 + a * b + b ** 3);
