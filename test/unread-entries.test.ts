// Numbers the function computes but never reads: a helper's result of which the caller takes
// one field or entry (`summary(a, b).mean`, `features(x, y)[0]`), the speed of a physics step
// whose state a loop carries, an entry a helper fills from a read past the end. Their
// derivative is 0, but their partials may be infinite or NaN at the point (`Math.sqrt(0)`,
// `Math.log(0)`, NaN read past the end): reverse mode gave them an adjoint of 0 at run time,
// and 0 × ∞ made the whole gradient NaN (the long fuzz run's seed 620008, program 94). Now an
// entry that nothing reads is not useful to activity analysis, and gets no adjoint. Every
// mode against finite differences, at the points where the unread partials are infinite.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, expectHessianOfGradient, partialDifference } from './support/compile.js';

const MAIN = `
import { derivative, grad, hessian, jacobian, jvp, valueAndGrad, vjp } from 'tapeless';

interface Summary { mean: number; spread: number }
function summary(a: number, b: number): Summary {
  return { mean: (a + b) / 2, spread: Math.sqrt((a - b) ** 2) };
}
/** Only the mean is read; at a = b the spread's partials are infinite. */
export function center(a: number, b: number): number {
  return summary(a, b).mean * 3 + a * b;
}
export function centerKept(a: number, b: number): number {
  const s = summary(a, b);
  return s.mean ** 2;
}

/** A physics step returning its speed too, which the caller never reads: from rest, sqrt(0). */
function step(x: number, v: number, dt: number): { x: number; v: number; speed: number } {
  const a = -4 * x;
  const v2 = v + a * dt;
  return { x: x + v2 * dt, v: v2, speed: Math.sqrt(v2 * v2) };
}
export function fall(x0: number, v0: number): number {
  let s = { x: x0, v: v0, speed: 0 };
  for (let k = 0; k < 3; k++) s = step(s.x, s.v, 0.1);
  return s.x * s.x + s.v;
}

/** A typed array of features, of which the caller reads the first: at the origin the others have infinite partials. */
function features(x: number, y: number): Float64Array {
  const out = new Float64Array(3);
  out[0] = x * y + x;
  out[1] = Math.sqrt(x * x + y * y);
  out[2] = Math.log(Math.abs(y));
  return out;
}
export function firstFeature(x: number, y: number): number {
  return features(x, y)[0];
}
export function keptFeature(x: number, y: number): number {
  const f = features(x, y);
  return f[0] * 2;
}

/** Entries pushed, one read: the other is sqrt(0) where x = y. */
export function pushed(x: number, y: number): number {
  const a: number[] = [];
  a.push(Math.sqrt((x - y) ** 2));
  a.push(x * y);
  return a[1];
}

/** The fuzzer's shape: an entry computed from a read past the end of a filtered copy (NaN), never read. */
function energy(v: number[]): number {
  let acc = 0;
  for (let i = 0; i < v.length; i++) acc += v[i] * Math.log(1 + v[1] ** 2);
  return acc;
}
function moments(b: number): Float64Array {
  const kept = [0.3 * b, Math.sqrt(1 + b * b)].filter((_, i) => i % 2 === 0);
  const out = new Float64Array(3);
  out[0] = energy(kept);
  out[1] = 0.1;
  out[2] = kept[0] * b;
  return out;
}
export function lastMoment(b: number): number {
  return moments(b)[2];
}

export const gCenter = grad(center);
export const vgCenter = valueAndGrad(center);
export const hCenter = hessian(center);
export const dCenter = derivative(center, { wrt: 'a' });
export const jvpCenter = jvp(center);
export const vjpCenter = vjp(center);
export const jacCenter = jacobian(center);
export const gCenterKept = grad(centerKept);
export const hCenterKept = hessian(centerKept);
export const gFall = grad(fall);
export const vgFall = valueAndGrad(fall);
export const hFall = hessian(fall);
export const dFall = derivative(fall, { wrt: 'x0' });
export const gFirst = grad(firstFeature);
export const hFirst = hessian(firstFeature);
export const dFirst = derivative(firstFeature, { wrt: 'y' });
export const gKept = grad(keptFeature);
export const hKept = hessian(keptFeature);
export const gPushed = grad(pushed);
export const hPushed = hessian(pushed);
export const gLast = grad(lastMoment);
export const hLast = hessian(lastMoment);
export const dLast = derivative(lastMoment);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/** The gradient \`gradient\` of \`fn\` against finite differences at \`point\`. */
function expectGradient(fn: string, gradient: string, point: number[]): void {
  const f = (...args: number[]) => m[fn](...args);
  const got: number[] = m[gradient](...point);
  point.forEach((_, i) => close(got[i], partialDifference(f, point, i), 1e-6));
}

describe('numbers the function computes but never reads contribute nothing, where their partials are infinite', () => {
  it('a field of a helper’s object result: grad, valueAndGrad, hessian, derivative, jvp, vjp, jacobian', () => {
    const f = (a: number, b: number) => m.center(a, b);
    for (const point of [
      [0.7, 0.7],
      [-1.2, -1.2],
      [0.3, 1.1],
    ]) {
      const expected = [1.5 + point[1], 1.5 + point[0]];
      point.forEach((_, i) => close(partialDifference(f, point, i), expected[i], 1e-6));
      expect(m.gCenter(...point)).toEqual(expected);
      expect(m.vgCenter(...point)).toEqual([f(point[0], point[1]), expected]);
      expect(m.hCenter(...point)).toEqual([
        [0, 1],
        [1, 0],
      ]);
      close(m.dCenter(...point), expected[0], 1e-12);
      close(m.jvpCenter(point, [1, -2])[1], expected[0] - 2 * expected[1], 1e-12);
      expect(m.vjpCenter(...point)[1](2)).toEqual(expected.map((e) => 2 * e));
      expect(m.jacCenter(...point)).toEqual([expected]);
      expectHessianOfGradient(m.hCenter(...point), (a, b) => m.gCenter(a, b), point);
    }
    expect(m.gCenterKept(0.4, 0.4)).toEqual([0.4, 0.4]);
    expect(m.hCenterKept(0.4, 0.4)).toEqual([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
  });

  it('a speed a loop carries in an object state and nobody reads, from rest', () => {
    for (const point of [
      [0, 0],
      [0.5, 0],
      [0.2, -0.3],
    ]) {
      const f = (x0: number, v0: number) => m.fall(x0, v0);
      const gradient = m.gFall(...point);
      point.forEach((_, i) => close(gradient[i], partialDifference(f, point, i), 1e-6));
      expect(m.vgFall(...point)).toEqual([f(point[0], point[1]), gradient]);
      close(m.dFall(...point), gradient[0], 1e-12);
      expectHessianOfGradient(m.hFall(...point), (x0, v0) => m.gFall(x0, v0), point);
    }
  });

  it('entries of a typed array result, of a pushed array, and one filled from a read past the end', () => {
    for (const point of [
      [0, 0],
      [0.6, 0],
      [0.5, -0.8],
    ]) {
      expectGradient('firstFeature', 'gFirst', point);
      expectGradient('keptFeature', 'gKept', point);
      expect(m.gFirst(...point)).toEqual([point[1] + 1, point[0]]);
      expect(m.hFirst(...point)).toEqual([
        [0, 1],
        [1, 0],
      ]);
      close(m.dFirst(...point), point[0], 1e-12);
      expect(m.hKept(...point)).toEqual([
        [0, 2],
        [2, 0],
      ]);
    }
    for (const point of [
      [0.9, 0.9],
      [0.2, -0.4],
    ]) {
      expectGradient('pushed', 'gPushed', point);
      expectHessianOfGradient(m.hPushed(...point), (x, y) => m.gPushed(x, y), point);
    }
    for (const b of [0.161151, -0.7, 0]) {
      expect(Number.isNaN(m.lastMoment(b))).toBe(false);
      close(m.gLast(b), 0.6 * b, 1e-12);
      close(
        m.gLast(b),
        partialDifference((x) => m.lastMoment(x), [b], 0),
        1e-6,
      );
      close(m.dLast(b), 0.6 * b, 1e-12);
      expect(m.hLast(b)).toEqual([[0.6]]);
    }
  });
});
