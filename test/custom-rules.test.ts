// Custom derivatives (withDerivative): a rule beats the function's source in every mode,
// gives derivatives to functions without source, and is differentiated for higher orders.
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, finiteDifference } from './support/compile.js';

const LIB_JS = `export function j0(x) { let s = 0, t = 1; for (let k = 0; k < 30; k++) { s += t; t *= -(x * x) / (4 * (k + 1) * (k + 1)); } return s; }
export function j1(x) { let s = 0, t = x / 2; for (let k = 0; k < 30; k++) { s += t; t *= -(x * x) / (4 * (k + 1) * (k + 2)); } return s; }
`;
const LIB_DTS = `/** Bessel functions of the first kind (series), without TypeScript source. */
export declare function j0(x: number): number;
export declare function j1(x: number): number;
`;

const SOURCE = `
import { derivative, grad, hessian, jvp, valueAndGrad, withDerivative } from 'tapeless';
import { j0, j1 } from './bessel.js';

/** The source says 2x; the rule says 3x: every mode must follow the rule. */
export const square = withDerivative((x: number) => x * x, (x, y) => [3 * x]);
export const useSquare = (x: number, y: number) => square(x * y) + y;
export const squareGrad = grad(useSquare);
export const squareDerivative = derivative(useSquare);
export const squareHessian = hessian(useSquare);
export const squareJvp = jvp(useSquare);

export const softplus = withDerivative(
  (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
  (x, y) => [1 / (1 + Math.exp(-x))],
);
export const naiveSoftplus = (x: number) => Math.log1p(Math.exp(x));
export const softplusGrad = grad((x: number) => softplus(x));
export const naiveGrad = grad(naiveSoftplus);
export const softplusSecond = derivative(grad((x: number) => softplus(x)));

/** A library function without source, with its derivative given by another library function. */
export const bessel0: (x: number) => number = withDerivative(j0, (x) => [-bessel1(x)]);
export const bessel1: (x: number) => number = withDerivative(j1, (x, y) => [bessel0(x) - (x === 0 ? 0.5 : y / x)]);
export function wave(x: number, k: number): number {
  return bessel0(k * x) * x;
}
export const waveGrad = valueAndGrad(wave);
export const waveHessian = hessian(wave);

/** Two arguments; the rule omits the result it does not need. */
export const hypot2 = withDerivative((a: number, b: number) => Math.sqrt(a * a + b * b), (a, b) => [a / Math.sqrt(a * a + b * b), b / Math.sqrt(a * a + b * b)]);
export const hypotGrad = grad((a: number, b: number) => hypot2(a, b) * a);
`;

let m: Record<string, any>;
beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE, 'bessel.js': LIB_JS, 'bessel.d.ts': LIB_DTS });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

describe('withDerivative', () => {
  it('beats the source in reverse, forward and second-order modes', () => {
    const [x, y] = [0.7, 1.3];
    // d/dx square(xy) + y = y * 3xy by the rule (the source would give 2xy^2)
    const [gx, gy] = m.squareGrad(x, y);
    expect(gx).toBeCloseTo(3 * x * y * y, 14);
    expect(gy).toBeCloseTo(3 * x * x * y + 1, 14);
    expect(m.squareDerivative(x, y)).toBeCloseTo(3 * x * y * y, 14);
    expect(m.squareJvp([x, y], [1, 0])[1]).toBeCloseTo(3 * x * y * y, 14);
    const H = m.squareHessian(x, y);
    expect(H[0][0]).toBeCloseTo(3 * y * y, 13);
    expect(H[0][1]).toBeCloseTo(6 * x * y, 13);
    expect(H[1][1]).toBeCloseTo(3 * x * x, 13);
    expect(m.square(3)).toBe(9);
  });

  it('keeps derivatives finite where the source overflows', () => {
    expect(m.softplusGrad(1000)).toBe(1);
    expect(m.softplusGrad(-1000)).toBe(0);
    expect(Number.isNaN(m.naiveGrad(1000))).toBe(true);
    for (const x of [-3, 0, 0.5, 4]) {
      expect(m.softplusGrad(x)).toBeCloseTo(finiteDifference(m.softplus, x), 9);
      const s = 1 / (1 + Math.exp(-x));
      expect(m.softplusSecond(x)).toBeCloseTo(s * (1 - s), 13);
    }
  });

  it('differentiates library functions without source, to second order through the rules', () => {
    for (const [x, k] of [
      [0.8, 1.5],
      [-1.2, 0.4],
    ]) {
      const [value, [gx, gk]] = m.waveGrad(x, k);
      expect(value).toBeCloseTo(m.wave(x, k), 15);
      expect(gx).toBeCloseTo(
        finiteDifference((t) => m.wave(t, k), x),
        9,
      );
      expect(gk).toBeCloseTo(
        finiteDifference((t) => m.wave(x, t), k),
        9,
      );
      const H = m.waveHessian(x, k);
      expect(H[0][0]).toBeCloseTo(
        finiteDifference((t) => m.waveGrad(t, k)[1][0], x),
        7,
      );
      expect(H[0][1]).toBeCloseTo(
        finiteDifference((t) => m.waveGrad(x, t)[1][0], k),
        7,
      );
      expect(H[1][0]).toBeCloseTo(H[0][1], 10);
    }
  });

  it('lets a rule leave out the result', () => {
    const [ga, gb] = m.hypotGrad(3, 4);
    expect(ga).toBeCloseTo(5 + 3 * (3 / 5), 14);
    expect(gb).toBeCloseTo(3 * (4 / 5), 14);
  });
});
