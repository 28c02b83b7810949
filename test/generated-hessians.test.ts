// Second derivatives of functions that call a generated gradient (`grad(d)(z)` inside f) whose
// function passes objects to its helpers: the helper's pullback adds into the gradient of the
// object it is given, and a Hessian differentiates that pullback twice. The second pushforward
// must add into the tangents of those gradients too: it did not, and the Hessian lost terms
// (120 z³ came out 24 z³ for z ↦ d'(z) with d(a) = en({ v: a * a }), en(o) = o.v³; found by
// the fuzzer). Every mode against differences of the gradient and hand-derived values.
import { beforeAll, describe, it } from 'vitest';
import { close, expectHessianOfGradient, loadedMain, partialDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, hvp } from 'tapeless';

interface State { x: number; v: number }

function energy(o: State): number {
  return o.v * o.v * o.v + Math.sin(o.x) * o.v;
}
function coupled(o: State, p: { k: number }): number {
  return p.k * o.x * o.v + o.v * o.v;
}

function cubed(a: number): number {
  return energy({ x: 0, v: a * a });
}
function path(a: number, b: number): number {
  return energy({ x: 2 * a, v: Math.hypot(a, b) }) + coupled({ x: a, v: b }, { k: a * b });
}

/** z ↦ cubed'(z) = 6 z⁵: its second derivative is 120 z³. */
export function slope(z: number): number {
  return grad(cubed)(z);
}
/** The gradient of a function of two numbers, read inside another, both entries used. */
export function tilt(a: number, b: number): number {
  const [ga, gb] = grad(path)(a * b, a + b);
  return ga * a + gb * Math.cos(b);
}

export const hSlope = hessian(slope);
export const dSlope = derivative(slope);
export const gSlope = grad(slope);
export const hTilt = hessian(tilt);
export const gTilt = grad(tilt);
export const hvpTilt = hvp(tilt);
`;

let m: Record<string, any>;

beforeAll(async () => {
  m = await loadedMain({ 'main.ts': SOURCE });
}, 120_000);

describe('the Hessian of a function calling a generated gradient whose helpers take objects', () => {
  it('z ↦ cubed′(z): 120 z³, against differences of the gradient', () => {
    for (const z of [1.02, -0.7, 0.3]) {
      close(m.slope(z), 6 * z ** 5, 1e-12);
      close(m.gSlope(z), 30 * z ** 4, 1e-12);
      close(m.dSlope(z), 30 * z ** 4, 1e-12);
      close(m.hSlope(z)[0][0], 120 * z ** 3, 1e-12);
      expectHessianOfGradient(m.hSlope(z), (q: number) => [m.gSlope(q)], [z]);
    }
  });

  it('two numbers through two helpers given objects: Hessian and hvp against differences of the gradient', () => {
    for (const point of [
      [0.6, 0.9],
      [-0.4, 1.3],
    ]) {
      point.forEach((_, i) => close(m.gTilt(...point)[i], partialDifference(m.tilt, point, i), 1e-6));
      const hessian = m.hTilt(...point);
      expectHessianOfGradient(hessian, (a: number, b: number) => m.gTilt(a, b), point);
      const v = [0.7, -0.2];
      const product = m.hvpTilt(...point, v);
      [0, 1].forEach((i) => close(product[i], hessian[i][0] * v[0] + hessian[i][1] * v[1], 1e-9));
    }
  });
});
