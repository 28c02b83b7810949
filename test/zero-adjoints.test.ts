// Adjoints that are 0 at run time, multiplied by a partial derivative that is infinite there:
// a value computed before a guard and read only after it (`const r = Math.sqrt(x * x + y * y);
// if (r < 1e-9) return 0;` at the origin, where f is 0 around the point), a value computed
// before a choice and read on the side not taken (`const c = Math.cbrt(x); return x > 1 ? c :
// 2 * x` at 0), an entry of a local array that a loop from index 1 never reads. IEEE gives
// 0 × ∞ = NaN, which made the whole gradient NaN; the adjoint there contributes nothing
// (registry's `singular` operations, sweep.ts `mayBeZero`). Every mode against finite
// differences (h small enough to stay inside the guard) and hand-derived values.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, expectHessianOfGradient, partialDifference } from './support/compile.js';

const MAIN = `
import { derivative, grad, hessian, valueAndGrad } from 'tapeless';

/** A potential guarded at the origin, as users guard 1 / r. */
export function potential(x: number, y: number): number {
  const r = Math.sqrt(x * x + y * y);
  if (r < 1e-9) return 0;
  return x / r + y * r;
}
/** A value computed before a choice and read on one side only. */
export function pick(x: number): number {
  const c = Math.cbrt(x);
  const l = Math.log(x);
  return x > 1 ? c + l : 2 * x;
}
/** Entries read from index 1: the first has an infinite partial where x = y. */
export function fromSecond(x: number, y: number): number {
  const a = [Math.sqrt((x - y) ** 2), x * y, x / (y - 1)];
  let s = 0;
  for (let i = 1; i < 2; i++) s += a[i];
  return s;
}
export const gPotential = grad(potential);
export const vgPotential = valueAndGrad(potential);
export const hPotential = hessian(potential);
export const dPotential = derivative(potential, { wrt: 'x' });
export const gPick = grad(pick);
export const hPick = hessian(pick);
export const dPick = derivative(pick);
export const gFromSecond = grad(fromSecond);
export const hFromSecond = hessian(fromSecond);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

describe('an adjoint that is 0 at run time contributes nothing, even by an infinite partial', () => {
  it('a guard at the origin: f is 0 around it, so is its gradient and Hessian', () => {
    expect(m.gPotential(0, 0)).toEqual([0, 0]);
    expect(m.vgPotential(0, 0)).toEqual([0, [0, 0]]);
    expect(m.hPotential(0, 0)).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(m.dPotential(0, 0)).toBe(0);
    // Inside the guard's ball, finite differences see the constant 0.
    for (const i of [0, 1])
      close(
        partialDifference((x, y) => m.potential(x, y), [0, 0], i, 1e-11),
        0,
        1e-12,
      );
    // Outside it, the usual derivative.
    for (const point of [
      [0.6, -0.8],
      [-1.5, 0.2],
    ]) {
      const gradient = m.gPotential(...point);
      point.forEach((_, i) =>
        close(
          gradient[i],
          partialDifference((x, y) => m.potential(x, y), point, i),
          1e-6,
        ),
      );
      expectHessianOfGradient(m.hPotential(...point), (x, y) => m.gPotential(x, y), point);
    }
  });

  it('a value read on the side of a choice not taken', () => {
    for (const x of [0, 0.5, -0.3]) {
      expect(m.gPick(x)).toBe(2);
      expect(m.dPick(x)).toBe(2);
      expect(m.hPick(x)).toEqual([[0]]);
    }
    close(m.gPick(2), 1 / (3 * Math.cbrt(4)) + 0.5, 1e-12);
  });

  it('an entry a loop from index 1 never reads', () => {
    for (const point of [
      [1, 1],
      [0.5, 0.5],
      [2, 1],
    ]) {
      expect(m.gFromSecond(...point)).toEqual([point[1], point[0]]);
      expect(m.hFromSecond(...point)).toEqual([
        [0, 1],
        [1, 0],
      ]);
    }
  });
});
