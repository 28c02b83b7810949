// Generated functions returning several numbers called from differentiated code, as a pricing
// library writes them: a tuple of gradients (`const [, vega] = greeks(…)` in a Newton
// iteration, `greeks(…)[1]`, the tuple kept and read element by element) and valueAndGrad's
// `[value, gradient]`. Each element is the gradient of one parameter (grad(price, { wrt:
// 'volatility' })), called only where the code reads it; valueAndGrad's value is the
// function's. Every mode of the caller against finite differences (and forward mode, through
// compile's twin).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile } from './support/compile.js';
import { HEDGES, PRICING, QUOTES, differences } from './support/pricing.js';

const SOURCE = `
import { derivative, grad, hessian, valueAndGrad } from 'tapeless';
import { cubicAndSlope } from './lib.js';

${PRICING}
export const priceAndVega = valueAndGrad(price, { wrt: 'volatility' });

/** Newton's method on the price, vega destructured from the greeks (with a hole). */
export function implied(quote: number, spot: number, rate: number, guess = 0.3): number {
  let sigma = guess;
  for (let i = 0; i < 12; i++) {
    const error = price(OPTION, spot, sigma, rate) - quote;
    if (Math.abs(error) < 1e-13) break;
    const [, vega] = greeks(OPTION, spot, sigma, rate);
    sigma -= error / vega;
  }
  return sigma;
}

/** The same, vega indexed, and the price and vega from valueAndGrad. */
export function impliedIndexed(quote: number, spot: number, rate: number): number {
  let sigma = 0.3;
  for (let i = 0; i < 12; i++) sigma -= (price(OPTION, spot, sigma, rate) - quote) / greeks(OPTION, spot, sigma, rate)[1];
  return sigma;
}

export function impliedByValue(quote: number, spot: number, rate: number): number {
  let sigma = 0.3;
  for (let i = 0; i < 12; i++) {
    const [value, vega] = priceAndVega(OPTION, spot, sigma, rate);
    sigma -= (value - quote) / vega;
  }
  return sigma;
}

/** Every greek read, from a tuple kept in a variable, with the dividend given. */
export function hedged(spot: number, volatility: number, rate: number): number {
  const g = greeks(OPTION, spot, volatility, rate, 0.01);
  const [d, , r] = greeks(OPTION, spot * 1.1, volatility, rate);
  return g[0] * spot + g[1] * g[2] + d * r;
}

/** valueAndGrad of a function its module keeps to itself. */
export function viaLib(x: number, k: number): number {
  const [value, slope] = cubicAndSlope(x * k);
  return value * slope + cubicAndSlope(k, 2)[0];
}

export const dImplied = grad(implied, { wrt: [0, 1, 2] });
export const dImpliedDQuote = derivative(implied);
export const hImplied = hessian(implied, { wrt: [0, 1, 2] });
export const dIndexed = grad(impliedIndexed);
export const dIndexedDSpot = derivative(impliedIndexed, { wrt: 'spot' });
export const dByValue = grad(impliedByValue);
export const dByValueDQuote = derivative(impliedByValue);
export const hByValue = hessian(impliedByValue);
export const dHedged = grad(hedged);
export const dHedgedDVolatility = derivative(hedged, { wrt: 'volatility' });
export const hHedged = hessian(hedged);
export const dViaLib = grad(viaLib);
export const dViaLibDK = derivative(viaLib, { wrt: 'k' });
export const hViaLib = hessian(viaLib);
`;

const LIB = `
import { valueAndGrad } from 'tapeless';
function cubic(x: number, k = 0.5): number {
  return k * x ** 3 + Math.sin(x);
}
export const cubicAndSlope = valueAndGrad(cubic, { wrt: 'x' });
`;

let m: Record<string, any>;
let code: string;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE, 'lib.ts': LIB });
  expect(compiled.messages).toEqual([]);
  code = compiled.js['main.ts'];
  m = await compiled.load();
});

/** Checks grad, derivative and hessian of `f` against differences at `point`. */
function checkModes(
  f: (...args: number[]) => number,
  gradient: (...args: number[]) => number[],
  point: readonly number[],
  derivative?: [(...args: number[]) => number, number],
  hessian?: (...args: number[]) => number[][],
): void {
  const expected = differences(f, point);
  gradient(...point).forEach((g, i) => close(g, expected[i], 1e-6));
  if (derivative) close(derivative[0](...point), expected[derivative[1]], 1e-6);
  if (!hessian) return;
  const h = hessian(...point);
  point.forEach((_, i) => differences((...p: number[]) => gradient(...p)[i], point).forEach((expectedEntry, j) => close(h[i][j], expectedEntry, 1e-5)));
}

describe('generated functions returning several numbers, called from differentiated code', () => {
  it('a gradient destructured from a tuple of gradients in a Newton iteration: grad, derivative and hessian', () => {
    for (const point of QUOTES) checkModes(m.implied, m.dImplied, point, [m.dImpliedDQuote, 0], m.hImplied);
  });

  it('a gradient indexed, and valueAndGrad destructured', () => {
    for (const point of QUOTES) {
      checkModes(m.impliedIndexed, m.dIndexed, point, [m.dIndexedDSpot, 1]);
      checkModes(m.impliedByValue, m.dByValue, point, [m.dByValueDQuote, 0], m.hByValue);
      close(m.impliedByValue(...point), m.implied(...point), 1e-12);
    }
  });

  it('a tuple kept in a variable and read element by element, a default given and left out', () => {
    for (const point of HEDGES) checkModes(m.hedged, m.dHedged, point, [m.dHedgedDVolatility, 1], m.hHedged);
  });

  it('valueAndGrad of a function another module keeps to itself, a default given and left out', () => {
    for (const point of [
      [0.7, 1.2],
      [-0.4, 0.9],
    ])
      checkModes(m.viaLib, m.dViaLib, point, [m.dViaLibDK, 1], m.hViaLib);
  });

  it('calls only the gradients the code reads', () => {
    const implied = code.slice(code.indexOf('function implied('), code.indexOf('function impliedIndexed('));
    expect(implied).not.toMatch(/wrt_spot|wrt_rate/);
  });
});
