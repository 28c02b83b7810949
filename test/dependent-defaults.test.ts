// A default value of the differentiated function's own parameter that reads the parameters
// before it (`scale = 2 * x`): where the caller leaves the argument out, the default is part
// of the function and its dependence on them is differentiated; the left-out parameter's own
// entry is 0 (nothing was given for it). Where the caller passes it, it is an input like any
// other. Every mode against finite differences of the function called the same way (`compile`
// also checks reverse mode against forward mode).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, finiteDifference, partialDifference } from './support/compile.js';

const MAIN = `
import { derivative, grad, hessian, jacobian, jvp, valueAndGrad, vjp } from 'tapeless';

export function defDep(x: number, scale = 2 * x): number {
  return scale * Math.sin(x);
}
export function twoDefaults(a: number, b: number, c = a * b): number {
  return a + b + c * c;
}
export interface Opts { scale?: number }
export function withOpts(x: number, o: Opts, bias = x / 2): number {
  return (o.scale ?? 1) * x * x + bias * bias;
}
/** The default reads a parameter left out of wrt, and one that is differentiated. */
export function scaled(x: number, k: number, s = k * x * x): number {
  return s * Math.exp(x);
}
/** The default reads fields of a destructured parameter. */
export function radial({ px, py }: { px: number; py: number }, r = Math.hypot(px, py)): number {
  return r * px + py;
}

function required(): never {
  throw new Error('s is required past 5');
}
/** A default that throws on one side. */
export function guarded(x: number, s = x > 5 ? required() : 3 * x): number {
  return s * x;
}
/** An array result. */
export function pair(x: number, y: number, s = x * y): number[] {
  return [s * x, s + y];
}

export const dGuarded = grad(guarded, { wrt: 0 });
export const jPair = jacobian(pair, { wrt: [0, 1] });
export const vjpPair = vjp(pair, { wrt: 0 });
export const dArrow = grad((x: number, s: number = x * x) => s * Math.cos(x), { wrt: 0 });
export const dDefDep = grad(defDep, { wrt: 0 });
export const dDefDepAll = grad(defDep);
export const vgDefDep = valueAndGrad(defDep, { wrt: 0 });
export const derivDefDep = derivative(defDep);
export const hDefDep = hessian(defDep, { wrt: 0 });
export const hDefDepAll = hessian(defDep);
export const jvpDefDep = jvp(defDep);
export const dTwo = grad(twoDefaults, { wrt: [0, 1] });
export const hTwo = hessian(twoDefaults, { wrt: [0, 1] });
export const dWithOpts = grad(withOpts, { wrt: 0 });
export const derivWithOpts = derivative(withOpts);
export const dScaled = grad(scaled, { wrt: 'x' });
export const hScaled = hessian(scaled, { wrt: 'x' });
export const dRadial = grad(radial, { wrt: 0 });
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

describe('a default that reads the parameters before it, in the differentiated function', () => {
  it('left out: its dependence on them is differentiated in grad, valueAndGrad, derivative, jvp and hessian', () => {
    for (const x of [0.8, -1.3]) {
      const f = (v: number) => m.defDep(v);
      const slope = finiteDifference(f, x);
      close(m.dDefDep(x), slope, 1e-6);
      close(2 * Math.sin(x) + 2 * x * Math.cos(x), m.dDefDep(x), 1e-12);
      expect(m.vgDefDep(x)).toEqual([f(x), m.dDefDep(x)]);
      close(m.derivDefDep(x), slope, 1e-6);
      const [value, tangent] = m.jvpDefDep([x], [1]);
      expect(value).toBe(f(x));
      close(tangent, slope, 1e-6);
      close(
        m.hDefDep(x)[0][0],
        finiteDifference((v) => m.dDefDep(v), x),
        1e-5,
      );
      close(m.hDefDep(x)[0][0], 4 * Math.cos(x) - 2 * x * Math.sin(x), 1e-9);
    }
  });

  it('given: an input like any other, and differentiated where it is in wrt', () => {
    const point = [0.8, 3];
    close(m.dDefDep(0.8, 3), partialDifference(m.defDep, point, 0), 1e-6);
    const all = m.dDefDepAll(0.8, 3);
    for (const i of [0, 1]) close(all[i], partialDifference(m.defDep, point, i), 1e-6);
    close(m.derivDefDep(0.8, 3), partialDifference(m.defDep, point, 0), 1e-6);
    close(m.jvpDefDep([0.8, 3], [0, 1])[1], partialDifference(m.defDep, point, 1), 1e-6);
    // Its tangent left out is 0.
    expect(m.jvpDefDep([0.8, 3], [1])).toEqual(m.jvpDefDep([0.8, 3], [1, 0]));
    const h = m.hDefDepAll(0.8, 3);
    for (const i of [0, 1])
      for (const j of [0, 1])
        close(
          h[i][j],
          partialDifference((...q: number[]) => m.dDefDepAll(...q)[i], point, j),
          1e-5,
        );
  });

  it("the left-out parameter's own entry is 0, and the others are the function's as called", () => {
    const [dx, dScale] = m.dDefDepAll(0.8);
    close(
      dx,
      finiteDifference((v) => m.defDep(v), 0.8),
      1e-6,
    );
    expect(dScale).toBe(0);
    const h = m.hDefDepAll(0.8);
    close(h[0][0], m.hDefDep(0.8)[0][0], 1e-12);
    expect([h[0][1], h[1][0], h[1][1]]).toEqual([0, 0, 0]);
    // jvp: a tangent given for a left-out primal is not read, as the argument is not.
    expect(m.jvpDefDep([0.8], [1, 5])).toEqual(m.jvpDefDep([0.8], [1]));
  });

  it('a default that throws on one side, an array result (jacobian, vjp), an arrow written in place', () => {
    close(
      m.dGuarded(0.7),
      finiteDifference((v) => m.guarded(v), 0.7),
      1e-6,
    );
    expect(() => m.dGuarded(6)).toThrow('s is required past 5');
    const [x, y] = [0.7, 0.3];
    expect(m.jPair(x, y)).toEqual([
      [2 * x * y, x * x],
      [y, x + 1],
    ]);
    for (const k of [0, 1])
      close(
        m.jPair(x, y)[k][0],
        finiteDifference((v) => m.pair(v, y)[k], x),
        1e-6,
      );
    const [value, back] = m.vjpPair(x, y);
    expect(value).toEqual(m.pair(x, y));
    close(back([1, 2]), 2 * x * y + 2 * y, 1e-12);
    close(
      m.dArrow(0.7),
      finiteDifference((v) => v * v * Math.cos(v), 0.7),
      1e-6,
    );
  });

  it('two parameters read by a default, one read that is left out of wrt, an options object before it, a destructured parameter', () => {
    const [a, b] = [1.5, 0.5];
    const two = (p: number, q: number) => m.twoDefaults(p, q);
    const g = m.dTwo(a, b);
    expect(g).toEqual([1 + 2 * a * b * b, 1 + 2 * a * b * a]);
    for (const i of [0, 1]) close(g[i], partialDifference(two, [a, b], i), 1e-6);
    const h = m.hTwo(a, b);
    for (const i of [0, 1])
      for (const j of [0, 1])
        close(
          h[i][j],
          partialDifference((...q: number[]) => m.dTwo(...q)[i], [a, b], j),
          1e-5,
        );
    for (const o of [{ scale: 1.5 }, {}]) {
      const slope = finiteDifference((v) => m.withOpts(v, o), 0.7);
      close(m.dWithOpts(0.7, o), slope, 1e-6);
      close(m.derivWithOpts(0.7, o), slope, 1e-6);
    }
    close(
      m.dScaled(0.6, 2),
      finiteDifference((v) => m.scaled(v, 2), 0.6),
      1e-6,
    );
    close(
      m.hScaled(0.6, 2)[0][0],
      finiteDifference((v) => m.dScaled(v, 2), 0.6),
      1e-5,
    );
    const p = { px: 0.3, py: -0.4 };
    const gr = m.dRadial(p);
    close(gr.px, (m.radial({ ...p, px: p.px + 1e-6 }) - m.radial({ ...p, px: p.px - 1e-6 })) / 2e-6, 1e-6);
    close(gr.py, (m.radial({ ...p, py: p.py + 1e-6 }) - m.radial({ ...p, py: p.py - 1e-6 })) / 2e-6, 1e-6);
  });
});
