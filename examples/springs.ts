import { grad } from 'tapeless';

/**
 * The elastic energy of a chain of n springs of stiffness k and rest length `rest`, whose
 * ends sit at i + a·sin(w·i): a loop whose every pass depends on the one before.
 */
export function springChain(k: number, rest: number, a: number, w: number, n: number): number {
  let energy = 0;
  let previous = 0;
  for (let i = 1; i <= n; i++) {
    const position = i + a * Math.sin(w * i);
    const stretch = position - previous - rest;
    energy += 0.5 * k * stretch * stretch;
    previous = position;
  }
  return energy;
}

/** The Huber loss: quadratic near zero, linear beyond delta. */
export function huber(x: number, delta: number): number {
  const r = Math.abs(x);
  if (r <= delta) return 0.5 * x * x;
  return delta * (r - 0.5 * delta);
}

export const springChainGradient = grad(springChain, { wrt: ['k', 'rest', 'a', 'w'] });
export const huberGradient = grad(huber, { wrt: 'x' });
