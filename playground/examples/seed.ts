// tapeless rewrites grad(f) into the code on the right: one pass forward, one back, no tape.
// The run panel plots the exported functions of one number over `domain`.
import { derivative, grad } from 'tapeless';

export function f(x: number): number {
  const a = x * x;
  const b = Math.exp(a);
  const c = a + b;
  const d = Math.sqrt(c);
  const e = Math.cos(c);
  return d + e;
}

export const df = grad(f); // f′ by reverse mode
export const d2f = derivative(grad(f)); // f″: forward mode over the generated gradient
export const domain = [-0.75, 0.75];

console.log(`f′(0.5) = ${df(0.5)}`);
