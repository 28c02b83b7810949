import { describe, expect, it } from 'vitest';
import { grad, valueAndGrad } from 'tapeless';
import { f } from '../examples/seed.js';

// The hand derivation of DESIGN.md.
function handGradient(x: number): number {
  const a = x * x;
  const b = Math.exp(a);
  const c = a + b;
  const fc = 1 / (2 * Math.sqrt(c)) - Math.sin(c);
  const fa = fc * b + fc;
  return fa * 2 * x;
}

describe('seed function', () => {
  it('matches the hand derivation to ~1 ulp', () => {
    const df = grad(f);
    for (let x = -1.5; x <= 1.5; x += 0.0625) {
      const expected = handGradient(x);
      expect(Math.abs(df(x) - expected)).toBeLessThanOrEqual(4 * Number.EPSILON * Math.max(1, Math.abs(expected)));
    }
  });

  it('valueAndGrad returns the value too', () => {
    const [value, gradient] = valueAndGrad(f)(0.7);
    expect(value).toBe(f(0.7));
    expect(gradient).toBe(grad(f)(0.7));
  });
});
