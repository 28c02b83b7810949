// The pricing program of the tests of generated functions called from differentiated code
// (generated-calls, generated-tuples): the users fixture's pricing library, the greeks as one
// gradient, and the quotes and positions they check at.
import { readFileSync } from 'node:fs';
import { partialDifference } from './compile.js';

/**
 * Source text that imports `grad` from tapeless before it: the users fixture's pricing
 * library (a put, its Black–Scholes price with a default dividend), the option the tests
 * price, and the greeks as one gradient.
 */
export const PRICING = `
${readFileSync(new URL('../fixtures/users/src/pricing.ts', import.meta.url), 'utf8')}
const OPTION: EuropeanOption = { kind: 'put', strike: 95, expiry: 1.25 };

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
