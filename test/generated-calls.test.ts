// Generated functions called from differentiated code, as a pricing library writes them:
// `grad(price, { wrt: 'spot' })` called without the default parameters `price` has, and a
// gradient selected by name used as the number it is (`error / vega`, where `price` also
// takes an object). Every mode against finite differences (and forward mode, through
// compile's twin). Tuples of gradients and valueAndGrad: generated-tuples.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';
import { HEDGES, PRICING, QUOTES, differences } from './support/pricing.js';

const SOURCE = `
import { derivative, grad, hessian, hvp, jacobian, jvp, valueAndGrad, vjp } from 'tapeless';
import { viaLib } from './lib.js';
export { viaLib };

${PRICING}
export const delta = grad(price, { wrt: 'spot' });
export const vega = grad(price, { wrt: 'volatility' });
export const rho = grad(price, { wrt: 'rate' });
export const gamma = derivative(delta, { wrt: 'spot' });

/** The volatility that reproduces \`quote\`, by Newton's method with vega from the gradient. */
export function impliedVolatility(quote: number, spot: number, rate: number, guess = 0.3): number {
  let sigma = guess;
  for (let i = 0; i < 12; i++) {
    const error = price(OPTION, spot, sigma, rate) - quote;
    sigma -= error / vega(OPTION, spot, sigma, rate);
  }
  return sigma;
}

/** A delta-hedged position: the delta without the dividend (left out) and with one. */
export function hedged(spot: number, volatility: number, dividend: number): number {
  const d = delta(OPTION, spot, volatility, 0.02, dividend);
  const v = vega(OPTION, spot, volatility, 0.02, dividend);
  const r = rho(OPTION, spot, volatility, 0.02);
  return price(OPTION, spot, volatility, 0.02) - delta(OPTION, spot, volatility, 0.02) * spot + 0.5 * delta(OPTION, spot, volatility, 0.02, dividend) * d + v * r;
}

function cube(x: number, k = 2): number {
  return k * x ** 3;
}

/** Gradients written in place, their values used (so the gradient calls them too). */
export function inPlace(x: number, y: number): number {
  return grad(cube, { wrt: 'x' })(x * y) * grad(cube, { wrt: 'x' })(y, 3);
}

export const dInPlace = grad(inPlace);
export const hInPlace = hessian(inPlace);
export const dViaLib = grad(viaLib);
export const dImplied = grad(impliedVolatility, { wrt: [0, 1, 2] });
export const vgImplied = valueAndGrad(impliedVolatility, { wrt: ['quote', 'spot'] });
export const dImpliedDQuote = derivative(impliedVolatility);
export const jvpImplied = jvp(impliedVolatility);
export const vjpImplied = vjp(impliedVolatility, { wrt: [0, 1, 2] });
export const jacobianImplied = jacobian(impliedVolatility, { wrt: [0, 1, 2] });
export const dHedged = grad(hedged);
export const hessianHedged = hessian(hedged);
export const hvpHedged = hvp(hedged);
export const dHedgedDSpot = derivative(hedged);
`;

/** A gradient another module keeps to itself (not exported), called for its value. */
const LIB = `
import { grad } from 'tapeless';
function softCube(x: number, k = 0.5): number {
  return k * x ** 3 + Math.sin(x);
}
const slope = grad(softCube, { wrt: 'x' });
export function viaLib(x: number): number {
  return slope(x) * slope(2 * x, 0.25);
}
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE, 'lib.ts': LIB });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

describe('generated functions called from differentiated code', () => {
  it('a default parameter left out: reverse and forward modes of a Newton iteration', () => {
    for (const point of QUOTES) {
      const expected = differences(m.impliedVolatility, point);
      m.dImplied(...point).forEach((g: number, i: number) => close(g, expected[i], 1e-6));
      const [value, [gQuote, gSpot]] = m.vgImplied(...point);
      expect(value).toBe(m.impliedVolatility(...point));
      close(gQuote, expected[0], 1e-6);
      close(gSpot, expected[1], 1e-6);
      close(m.dImpliedDQuote(...point), expected[0], 1e-6);
      const [jvpValue, tangent] = m.jvpImplied([...point, 0.3], [1, -0.5, 2, 0]);
      expect(jvpValue).toBe(value);
      close(tangent, expected[0] - 0.5 * expected[1] + 2 * expected[2], 1e-6);
      const [vjpValue, pullback] = m.vjpImplied(...point);
      expect(vjpValue).toBe(value);
      pullback(2).forEach((g: number, i: number) => close(g, 2 * expected[i], 1e-6));
      m.jacobianImplied(...point)[0].forEach((g: number, i: number) => close(g, expected[i], 1e-6));
    }
  });

  it('a gradient selected by name used as a number, given and not given the default: gradient, Hessian, hvp and derivative', () => {
    for (const point of HEDGES) {
      const expected = differences(m.hedged, point);
      m.dHedged(...point).forEach((g: number, i: number) => close(g, expected[i], 1e-6));
      close(m.dHedgedDSpot(...point), expected[0], 1e-6);
      const hessian = m.hessianHedged(...point);
      point.forEach((_, i) => {
        const row = differences((...p: number[]) => m.dHedged(...p)[i], point);
        row.forEach((h, j) => close(hessian[i][j], h, 1e-5));
      });
      const v = [0.5, -1, 2];
      const product = m.hvpHedged(...point, v);
      hessian.forEach((row: number[], i: number) =>
        close(
          product[i],
          row.reduce((sum, h, j) => sum + h * v[j], 0),
          1e-9,
        ),
      );
    }
  });

  it('gradients written in place, and one another module does not export, called for their values', () => {
    for (const point of [
      [0.7, 1.2],
      [-0.4, 0.9],
    ]) {
      const expected = differences(m.inPlace, point);
      m.dInPlace(...point).forEach((g: number, i: number) => close(g, expected[i], 1e-6));
      const hessian = m.hInPlace(...point);
      point.forEach((_, i) => differences((...p: number[]) => m.dInPlace(...p)[i], point).forEach((h, j) => close(hessian[i][j], h, 1e-5)));
      close(m.dViaLib(point[0]), partialDifference(m.viaLib, [point[0]], 0), 1e-6);
    }
  });

  it('delta and gamma against differences of the price', () => {
    const option = { kind: 'call', strike: 100, expiry: 0.5 };
    for (const spot of [90, 105]) {
      const at = (s: number) => m.price(option, s, 0.25, 0.03);
      close(m.delta(option, spot, 0.25, 0.03), partialDifference(at, [spot], 0), 1e-6);
      close(
        m.gamma(option, spot, 0.25, 0.03),
        partialDifference((s: number) => m.delta(option, s, 0.25, 0.03), [spot], 0),
        1e-6,
      );
    }
  });
});
