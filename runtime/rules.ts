import { withDerivative } from './index.js';

/**
 * The derivative rules of the elementary operations, each written once and used by every
 * mode of the transformer. A rule receives the operation's arguments followed by its
 * result, and returns the partial derivative of the result with respect to each argument.
 * Rules are ordinary differentiable TypeScript given with `withDerivative`, the API users give
 * their own rules with: the transformer reads this file and lowers each rule to its IR, so
 * derivatives of derivatives come from the same rules.
 *
 * Conventions where the function is not differentiable (documented in README): the
 * derivative of the branch taken at the point; abs'(0) = 0; piecewise-constant functions
 * (sign, floor, ceil, round, trunc) have derivative 0 everywhere; at a tie of max/min the
 * first of the tied arguments gets the whole derivative; hypot and atan2 at the origin have
 * gradient 0.
 */

/** Partial derivatives of the operators. */
export const operatorRules = {
  '+': withDerivative(
    (a: number, b: number) => a + b,
    (a: number, b: number, y: number) => [1, 1],
  ),
  '-': withDerivative(
    (a: number, b: number) => a - b,
    (a: number, b: number, y: number) => [1, -1],
  ),
  '*': withDerivative(
    (a: number, b: number) => a * b,
    (a: number, b: number, y: number) => [b, a],
  ),
  '/': withDerivative(
    (a: number, b: number) => a / b,
    (a: number, b: number, y: number) => [1 / b, -y / b],
  ),
  // JavaScript's % truncates: a % b = a - b * trunc(a / b).
  '%': withDerivative(
    (a: number, b: number) => a % b,
    (a: number, b: number, y: number) => [1, -Math.trunc(a / b)],
  ),
  negate: withDerivative(
    (x: number) => -x,
    (x: number, y: number) => [-1],
  ),
  // The condition of c ? a : b is not differentiable; the result follows the branch taken.
  '?:': withDerivative(
    (c: number, a: number, b: number) => (c ? a : b),
    (c: number, a: number, b: number, y: number) => [0, c ? 1 : 0, c ? 0 : 1],
  ),
};

/** Partial derivatives of the Math functions. */
export const mathRules = {
  sin: withDerivative(Math.sin, (x: number, y: number) => [Math.cos(x)]),
  cos: withDerivative(Math.cos, (x: number, y: number) => [-Math.sin(x)]),
  tan: withDerivative(Math.tan, (x: number, y: number) => [1 + y * y]),
  asin: withDerivative(Math.asin, (x: number, y: number) => [1 / Math.sqrt(1 - x * x)]),
  acos: withDerivative(Math.acos, (x: number, y: number) => [-1 / Math.sqrt(1 - x * x)]),
  atan: withDerivative(Math.atan, (x: number, y: number) => [1 / (1 + x * x)]),
  // b / (a² + b²) and -a / (a² + b²), divided by hypot(a, b) twice: a² + b² underflows to 0
  // below 1e-154 (the partials were ±Infinity) and overflows above 1e154 (0). At the origin,
  // where atan2 jumps, its partials are 0 (as for hypot); on an axis they are the formula's,
  // whose derivatives the Hessian takes (a test of b === 0 made ∂²/∂a∂b 0 there).
  atan2: withDerivative(Math.atan2, (a: number, b: number, y: number) => [
    Math.hypot(a, b) === 0 ? 0 : b / Math.hypot(a, b) / Math.hypot(a, b),
    Math.hypot(a, b) === 0 ? 0 : -a / Math.hypot(a, b) / Math.hypot(a, b),
  ]),
  sinh: withDerivative(Math.sinh, (x: number, y: number) => [Math.cosh(x)]),
  cosh: withDerivative(Math.cosh, (x: number, y: number) => [Math.sinh(x)]),
  tanh: withDerivative(Math.tanh, (x: number, y: number) => [1 - y * y]),
  // √(x² + 1) as hypot(x, 1): x² overflows above 1e154, where the derivative was 0.
  asinh: withDerivative(Math.asinh, (x: number, y: number) => [1 / Math.hypot(x, 1)]),
  acosh: withDerivative(Math.acosh, (x: number, y: number) => [1 / (Math.sqrt(x - 1) * Math.sqrt(x + 1))]),
  atanh: withDerivative(Math.atanh, (x: number, y: number) => [1 / (1 - x * x)]),
  exp: withDerivative(Math.exp, (x: number, y: number) => [y]),
  expm1: withDerivative(Math.expm1, (x: number, y: number) => [y + 1]),
  log: withDerivative(Math.log, (x: number, y: number) => [1 / x]),
  log1p: withDerivative(Math.log1p, (x: number, y: number) => [1 / (1 + x)]),
  log2: withDerivative(Math.log2, (x: number, y: number) => [1 / (x * Math.LN2)]),
  log10: withDerivative(Math.log10, (x: number, y: number) => [1 / (x * Math.LN10)]),
  sqrt: withDerivative(Math.sqrt, (x: number, y: number) => [0.5 / y]),
  cbrt: withDerivative(Math.cbrt, (x: number, y: number) => [1 / (3 * y * y)]),
  // Also the rule of the ** operator, which is the same function.
  // ∂/∂x at p = 0 is 0, written p / x so that its derivative in p is 1/x (∂²/∂x∂p of x^p at
  // p = 0, which a plain 0 lost), and 0 at x = 0 too (p * x ** (p - 1) is 0 · ∞ there).
  pow: withDerivative(Math.pow, (x: number, p: number, y: number) => [p === 0 ? (x === 0 ? 0 : p / x) : p * x ** (p - 1), x === 0 ? 0 : y * Math.log(x)]),
  abs: withDerivative(Math.abs, (x: number, y: number) => [Math.sign(x)]),
  // max and min of more than two arguments are nested pairs, so the first tie wins; forward
  // mode chooses by the registry's `choice`, which must agree (rules.test.ts, at ties).
  max: withDerivative(
    (a: number, b: number) => Math.max(a, b),
    (a: number, b: number, y: number) => [a >= b ? 1 : 0, a >= b ? 0 : 1],
  ),
  min: withDerivative(
    (a: number, b: number) => Math.min(a, b),
    (a: number, b: number, y: number) => [a <= b ? 1 : 0, a <= b ? 0 : 1],
  ),
  sign: withDerivative(Math.sign, (x: number, y: number) => [0]),
  floor: withDerivative(Math.floor, (x: number, y: number) => [0]),
  ceil: withDerivative(Math.ceil, (x: number, y: number) => [0]),
  round: withDerivative(Math.round, (x: number, y: number) => [0]),
  trunc: withDerivative(Math.trunc, (x: number, y: number) => [0]),
  fround: withDerivative(Math.fround, (x: number, y: number) => [1]),
};

/**
 * Partial derivatives of the variadic Math functions, one argument at a time: the rule
 * receives one argument and the result, and returns the partial for that argument.
 */
export const variadicMathRules = {
  hypot: (x: number, y: number) => (y === 0 ? 0 : x / y),
};
