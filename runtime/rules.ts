/**
 * The derivative rules of the elementary operations, each written once and used by every
 * mode of the transformer. A rule receives the operation's arguments followed by its
 * result, and returns the partial derivative of the result with respect to each argument.
 * Rules are ordinary differentiable TypeScript: the transformer reads this file and lowers
 * each rule to its IR, so derivatives of derivatives come from the same rules.
 *
 * Conventions where the function is not differentiable (documented in README): the
 * derivative of the branch taken at the point; abs'(0) = 0; piecewise-constant functions
 * (sign, floor, ceil, round, trunc) have derivative 0 everywhere; at a tie of max/min the
 * first of the tied arguments gets the whole derivative; hypot at the origin has gradient 0.
 */

/** Partial derivatives of the operators. */
export const operatorRules = {
  '+': (a: number, b: number, y: number) => [1, 1],
  '-': (a: number, b: number, y: number) => [1, -1],
  '*': (a: number, b: number, y: number) => [b, a],
  '/': (a: number, b: number, y: number) => [1 / b, -y / b],
  // JavaScript's % truncates: a % b = a - b * trunc(a / b).
  '%': (a: number, b: number, y: number) => [1, -Math.trunc(a / b)],
  negate: (x: number, y: number) => [-1],
  // The condition of c ? a : b is not differentiable; the result follows the branch taken.
  '?:': (c: boolean, a: number, b: number, y: number) => [0, c ? 1 : 0, c ? 0 : 1],
};

/** Partial derivatives of the Math functions. */
export const mathRules = {
  sin: (x: number, y: number) => [Math.cos(x)],
  cos: (x: number, y: number) => [-Math.sin(x)],
  tan: (x: number, y: number) => [1 + y * y],
  asin: (x: number, y: number) => [1 / Math.sqrt(1 - x * x)],
  acos: (x: number, y: number) => [-1 / Math.sqrt(1 - x * x)],
  atan: (x: number, y: number) => [1 / (1 + x * x)],
  atan2: (a: number, b: number, y: number) => [b / (a * a + b * b), -a / (a * a + b * b)],
  sinh: (x: number, y: number) => [Math.cosh(x)],
  cosh: (x: number, y: number) => [Math.sinh(x)],
  tanh: (x: number, y: number) => [1 - y * y],
  asinh: (x: number, y: number) => [1 / Math.sqrt(x * x + 1)],
  acosh: (x: number, y: number) => [1 / (Math.sqrt(x - 1) * Math.sqrt(x + 1))],
  atanh: (x: number, y: number) => [1 / (1 - x * x)],
  exp: (x: number, y: number) => [y],
  expm1: (x: number, y: number) => [y + 1],
  log: (x: number, y: number) => [1 / x],
  log1p: (x: number, y: number) => [1 / (1 + x)],
  log2: (x: number, y: number) => [1 / (x * Math.LN2)],
  log10: (x: number, y: number) => [1 / (x * Math.LN10)],
  sqrt: (x: number, y: number) => [0.5 / y],
  cbrt: (x: number, y: number) => [1 / (3 * y * y)],
  // Also the rule of the ** operator, which is the same function.
  pow: (x: number, p: number, y: number) => [
    p === 0 ? 0 : p * x ** (p - 1),
    x === 0 ? 0 : y * Math.log(x),
  ],
  abs: (x: number, y: number) => [Math.sign(x)],
  // max and min of more than two arguments are nested pairs, so the first tie wins.
  max: (a: number, b: number, y: number) => [a >= b ? 1 : 0, a >= b ? 0 : 1],
  min: (a: number, b: number, y: number) => [a <= b ? 1 : 0, a <= b ? 0 : 1],
  sign: (x: number, y: number) => [0],
  floor: (x: number, y: number) => [0],
  ceil: (x: number, y: number) => [0],
  round: (x: number, y: number) => [0],
  trunc: (x: number, y: number) => [0],
  fround: (x: number, y: number) => [1],
};

/**
 * Partial derivatives of the variadic Math functions, one argument at a time: the rule
 * receives one argument and the result, and returns the partial for that argument.
 */
export const variadicMathRules = {
  hypot: (x: number, y: number) => (y === 0 ? 0 : x / y),
};
