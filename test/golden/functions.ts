import { grad, valueAndGrad } from 'tapeless';

/** The two-dimensional Rosenbrock function. */
export function rosenbrock(x: number, y: number): number {
  const a = 1 - x;
  const b = y - x * x;
  return a * a + 100 * b * b;
}

/** A logistic neuron's squared error; the input and target are data (not selected). */
export function neuron(w: number, bias: number, input: number, target: number): number {
  const z = w * input + bias;
  const p = 1 / (1 + Math.exp(-z));
  const error = p - target;
  return 0.5 * error * error;
}

/** Polar to Cartesian distance, with a reassigned accumulator. */
export function polar(r: number, theta: number): number {
  let s = r * Math.cos(theta);
  s += r * Math.sin(theta);
  s *= s;
  return Math.hypot(s, r) + Math.max(r, theta);
}

export const rosenbrockGradient = grad(rosenbrock);
export const neuronGradient = valueAndGrad(neuron, { wrt: ['w', 'bias'] });
export const polarGradient = grad(polar, { wrt: 'theta' });
