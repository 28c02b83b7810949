// A pricing library's code, as the tests of generated functions called from differentiated
// code write it (generated-calls, generated-tuples): a put, its Black–Scholes price with a
// default dividend, the greeks as one gradient; the quotes and positions they check at.
import { partialDifference } from './compile.js';

/** Source text that imports `grad` from tapeless before it. */
export const PRICING = `
export interface EuropeanOption { kind: 'call' | 'put'; strike: number; expiry: number }

const OPTION: EuropeanOption = { kind: 'put', strike: 95, expiry: 1.25 };

function normCdf(x: number): number {
  return 0.5 * (1 + Math.tanh(0.7978845608 * (x + 0.044715 * x ** 3)));
}

export function price(option: EuropeanOption, spot: number, volatility: number, rate: number, dividend = 0): number {
  const { strike, expiry } = option;
  const sqrtT = Math.sqrt(expiry);
  const d1 = (Math.log(spot / strike) + (rate - dividend + 0.5 * volatility ** 2) * expiry) / (volatility * sqrtT);
  const d2 = d1 - volatility * sqrtT;
  const call = spot * Math.exp(-dividend * expiry) * normCdf(d1) - strike * Math.exp(-rate * expiry) * normCdf(d2);
  return option.kind === 'call' ? call : call - spot * Math.exp(-dividend * expiry) + strike * Math.exp(-rate * expiry);
}

/** [delta, vega, rho] */
export const greeks = grad(price, { wrt: ['spot', 'volatility', 'rate'] });
`;

/** [quote, spot, rate] of an implied volatility. */
export const QUOTES = [
  [9.5, 90, 0.01],
  [14, 100, 0.03],
];

/** [spot, volatility, rate or dividend] of a position. */
export const HEDGES = [
  [90, 0.4, 0.02],
  [104, 0.25, 0.01],
];

/** The finite-difference gradient of `f` at `point`. */
export const differences = (f: (...args: number[]) => number, point: readonly number[]) => point.map((_, i) => partialDifference(f, point, i));
