// Adjoints that are 0 at run time, multiplied by a partial derivative that is infinite there:
// a value computed before a guard and read only after it (`const r = Math.sqrt(x * x + y * y);
// if (r < 1e-9) return 0;` at the origin, where f is 0 around the point), a value computed
// before a choice and read on the side not taken (`const c = Math.cbrt(x); return x > 1 ? c :
// 2 * x` at 0), an entry of a local array that a loop from index 1 never reads. IEEE gives
// 0 × ∞ = NaN, which made the whole gradient NaN; the adjoint there contributes nothing
// (registry's Singularity, sweep.ts `mayBeZero`). Quadratic drag at rest, whose square root's
// adjoint is the product c * v, 0 there, as are every adjoint and tangent by a square root. Every mode against finite
// differences (h small enough to stay inside the guard) and hand-derived values.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, expectHessianOfGradient, finiteDifference, partialDifference } from './support/compile.js';

const MAIN = `
import { derivative, grad, hessian, jacobian, valueAndGrad } from 'tapeless';

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
/** Quadratic drag from rest: the speed's partial is infinite where v = 0, and so is its tangent's factor in forward mode. */
export function drag(c: number, form: number): { x: number; v: number } {
  let x = 0;
  let v = 0;
  for (let i = 0; i < 10; i++) {
    const speed = form === 0 ? Math.sqrt(v * v) : form === 1 ? (v * v) ** 0.5 : Math.abs(v);
    v += 0.1 * (-9.8 - c * speed * v);
    x += 0.1 * v;
  }
  return { x, v };
}
export function dragX(c: number, form: number): number {
  return drag(c, form).x;
}
/** Drag written as users write it: the square root's adjoint, c * v, is 0 at rest, where its partial is infinite. */
export function dragAt(v: number, c: number): number {
  return c * Math.sqrt(v * v) * v;
}
export function dragAbsAt(v: number, c: number): number {
  return c * Math.abs(v) * v;
}
/** Coasting from a velocity given, with a force: at rest with no force, the speed is 0 in every pass. */
export function coast(force: number, c: number, v0: number): number {
  let v = v0;
  let x = 0;
  for (let i = 0; i < 3; i++) {
    v = v + 0.1 * (force - c * Math.sqrt(v * v) * v);
    x = x + 0.1 * v;
  }
  return x;
}
/** A speed in the plane, at rest. */
export function plane(vx: number, vy: number, c: number): number {
  const s = Math.sqrt(vx * vx + vy * vy);
  return vx - c * s * vx + 2 * vy - c * s * vy;
}
/** An infinite value a min leaves behind, and an infinite tangent a max does: f is 10 + x and 1 + x around 0. */
export function capped(x: number): number {
  return Math.min(1 / (x * x), 10) + x;
}
export function floored(x: number): number {
  return Math.max(Math.cbrt(x), 1) * (1 + x);
}
export const gCapped = grad(capped);
export const hCapped = hessian(capped);
export const dCapped = derivative(capped);
export const gFloored = grad(floored);
export const hFloored = hessian(floored);
export const dFloored = derivative(floored);
export const gDragAt = grad(dragAt);
export const vgDragAt = valueAndGrad(dragAt);
export const hDragAt = hessian(dragAt);
export const gDragAbsAt = grad(dragAbsAt);
export const hDragAbsAt = hessian(dragAbsAt);
export const gCoast = grad(coast);
export const hCoast = hessian(coast);
export const dCoast = derivative(coast, { wrt: 'v0' });
export const gPlane = grad(plane);
export const hPlane = hessian(plane);
export const dDrag = derivative(drag, { wrt: 'c' });
export const jDrag = jacobian(drag, { wrt: 0 });
export const gDragX = grad(dragX, { wrt: 0 });
export const hDragX = hessian(dragX, { wrt: 0 });
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
      // As JSON: -0 is 0.
      expect(JSON.stringify(m.hFromSecond(...point))).toBe('[[0,1],[1,0]]');
    }
  });

  it('an adjoint that is 0 as a product: quadratic drag at rest, c * Math.sqrt(v * v) * v, as c * Math.abs(v) * v', () => {
    // As JSON, -0 is 0 and NaN is null.
    const json = (value: unknown) => JSON.stringify(value);
    for (const c of [0.3, -1.2]) {
      expect(json(m.gDragAt(0, c))).toBe(json(m.gDragAbsAt(0, c)));
      expect(json(m.gDragAt(0, c))).toBe('[0,0]');
      expect(json(m.vgDragAt(0, c))).toBe('[0,[0,0]]');
      expect(json(m.hDragAt(0, c))).toBe(json(m.hDragAbsAt(0, c)));
    }
    // Away from rest, finite differences.
    for (const point of [
      [0.7, 0.3],
      [-0.4, 1.1],
    ])
      point.forEach((_, i) => close(m.gDragAt(...point)[i], partialDifference(m.dragAt, point, i), 1e-6));
    // Without drag (c = 0) and moving, the square root's adjoint c * v is 0 but its derivative in c is not:
    // the Hessian keeps ∂²/∂v∂c = 2|v| (a test of the adjoint alone halved it in a trial's launch).
    for (const point of [
      [0.7, 0],
      [-0.4, 0],
    ]) {
      expectHessianOfGradient(m.hDragAt(...point), (v: number, c: number) => m.gDragAt(v, c), point);
      close(m.hDragAt(...point)[0][1], 2 * Math.abs(point[0]), 1e-12);
    }
  });

  it('coasting from rest with no force, and a speed in the plane at rest: the hand-derived gradient', () => {
    // v_k = v0 + 0.1 k force to first order at rest: x = 0.1 (v1 + v2 + v3).
    const gradient = m.gCoast(0, 0.3, 0);
    [0.06, 0, 0.3].forEach((expected, i) => close(gradient[i], expected, 1e-12));
    close(m.dCoast(0, 0.3, 0), 0.3, 1e-12);
    for (const row of m.hCoast(0, 0.3, 0)) for (const entry of row) expect(Number.isFinite(entry)).toBe(true);
    // Away from rest, finite differences and the Hessian against differences of the gradient.
    const point = [0.5, 0.3, 0.2];
    point.forEach((_, i) => close(m.gCoast(...point)[i], partialDifference(m.coast, point, i), 1e-6));
    expectHessianOfGradient(m.hCoast(...point), (...q: number[]) => m.gCoast(...q), point);
    // d/dvx = 1 - c (s + vx² / s) → 1 and d/dvy → 2 at rest, where s = 0.
    expect(JSON.stringify(m.gPlane(0, 0, 0.5))).toBe('[1,2,0]');
    for (const row of m.hPlane(0, 0, 0.5)) for (const entry of row) expect(Number.isFinite(entry)).toBe(true);
  });

  it('the side a min or max does not choose: an infinite value (1 / 0) or an infinite tangent (the cube root at 0) contributes nothing', () => {
    for (const [name, f] of [
      ['Capped', m.capped],
      ['Floored', m.floored],
    ]) {
      for (const x of [0, 1e-3, -0.05]) {
        close(m[`g${name}`](x), partialDifference(f, [x], 0, 1e-6), 1e-6);
        close(m[`g${name}`](x), 1, 1e-12);
        close(m[`d${name}`](x), 1, 1e-12);
        expect(m[`h${name}`](x)).toEqual([[0]]);
      }
    }
  });

  it('forward mode: a tangent of 0 by an infinite partial (Math.sqrt(v * v) at rest) contributes nothing', () => {
    for (const form of [0, 1]) {
      const dx = finiteDifference((c) => m.drag(c, form).x, 0.2);
      const dv = finiteDifference((c) => m.drag(c, form).v, 0.2);
      const tangent = m.dDrag(0.2, form);
      close(tangent.x, dx, 1e-6);
      close(tangent.v, dv, 1e-6);
      expect(m.jDrag(0.2, form)).toEqual([[tangent.v], [tangent.x]]);
      close(m.gDragX(0.2, form), dx, 1e-6);
      close(
        m.hDragX(0.2, form)[0][0],
        finiteDifference((c) => m.gDragX(c, form), 0.2),
        1e-5,
      );
      // The same as |v|, which has no infinite partial.
      close(m.hDragX(0.2, form)[0][0], m.hDragX(0.2, 2)[0][0], 1e-9);
    }
  });
});
