// Numerically stable functions with derivative rules of their own (`withDerivative`).
// Differentiating their source would overflow: d/dx log(1 + e^x) = e^x / (1 + e^x) is
// Infinity / Infinity = NaN at x = 1000. The rules say what the derivative is, stably, and
// every mode (grad, derivative, hessian) uses them.
import { withDerivative } from 'tapeless';

/** log(1 + e^x), for any x; its derivative is the logistic function 1 / (1 + e^-x). */
export const softplus = withDerivative(
  (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
  (x, y) => [1 / (1 + Math.exp(-x))],
);

/** log(e^a + e^b), for any a, b; its partials are the softmax weights e^(a - y), e^(b - y). */
export const logSumExp = withDerivative(
  (a: number, b: number) => Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b))),
  (a, b, y) => [Math.exp(a - y), Math.exp(b - y)],
);

/** Binary cross-entropy of a logit z against a label in {0, 1}, computed stably. */
export function crossEntropy(z: number, label: number): number {
  return label === 1 ? softplus(-z) : softplus(z);
}

/** log Σ e^(x_i), folded pairwise with the stable two-argument rule. */
export function logSumExpAll(xs: Float64Array): number {
  let total = xs[0];
  for (let i = 1; i < xs.length; i++) total = logSumExp(total, xs[i]);
  return total;
}
