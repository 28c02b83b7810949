import { grad, valueAndGrad } from 'tapeless';

/** The reference example of tapeless's design notes. */
export function f(x: number): number {
  const a = x * x;
  const b = Math.exp(a);
  const c = a + b;
  const d = Math.sqrt(c);
  const e = Math.cos(c);
  return d + e;
}

export const df = grad(f);
export const fAndDf = valueAndGrad(f);
