// The user-program fuzzer's oracle (test/support/fuzz/users/twin.ts): where f takes `grad(h)(x)`
// of a helper that takes a derivative itself, its plain JavaScript twin differences differences.
// The outer stencil multiplies the inner derivative's rounding (~1e-12) by about 7/step, so
// f's value is off by 1e-9 to 1e-8, beyond the 1e-9 relative a single level is held to: the
// twin says how deeply it nested, and such a value is compared as an entry is (TOLERANCE).
// Seed 660003, program 37: a false 'wrong' value, 1.7e-9 relative off tapeless's exact one.
import { expect, it } from 'vitest';
import { TOLERANCE } from './support/fuzz/users/modes.js';
import { loadTwin } from './support/fuzz/users/twin.js';

const WAVE = `
function wave(a: number, b: number): number {
  return Math.sin(a * b) * Math.exp(0.3 * b) + a * a * b;
}
`;
const a = -0.61,
  b = 1.7;
// ∂/∂b ∂/∂a wave(a, b), by hand.
const exact = Math.exp(0.3 * b) * (Math.cos(a * b) * (1 + 0.3 * b) - a * b * Math.sin(a * b)) + 2 * a;

it("the twin counts how deeply its derivatives by differences nest, and a value through two is known only to an entry's tolerance", () => {
  const twin = loadTwin(`${WAVE}
function slope(b: number): number {
  return (grad(wave)(${a}, b) as number[])[0];
}
export function f(x: number): number {
  return x + derivative(slope)(${b});
}
export function g(x: number): number {
  return x + slope(${b});
}
`);
  twin.exports.g(0);
  expect(twin.nesting.deepest).toBe(1);
  twin.nesting.deepest = 0;
  const error = Math.abs(twin.exports.f(0) - exact);
  expect(twin.nesting.deepest).toBe(2);
  expect(error).toBeGreaterThan(1e-9);
  expect(error).toBeLessThan(TOLERANCE * 1e-2);
});
