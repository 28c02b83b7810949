// Functions returning a small object (a point on a curve, a state) in forward mode, vjp and
// jacobian: the derivative has the object's shape, and jacobian flattens its fields by name
// (rows by reverse mode from a seed object, columns by forward mode). Checked against finite
// differences of each field, and columns against rows.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, finiteDifference } from './support/compile.js';

const SOURCE = `
import { derivative, jacobian, jvp, vjp } from 'tapeless';

export interface Point {
  x: number;
  y: number;
}

/** A point on an epicycloid. */
export function epicycloid(t: number, r: number): Point {
  return { x: (1 + r) * Math.cos(t) - r * Math.cos((1 + 1 / r) * t), y: (1 + r) * Math.sin(t) - r * Math.sin((1 + 1 / r) * t) };
}

/** The state of a damped oscillator after n steps of semi-implicit Euler. */
export function oscillator(k: number, c: number, x0: number, steps: number): { x: number; v: number } {
  let x = x0;
  let v = 0;
  const dt = 0.05;
  for (let i = 0; i < steps; i++) {
    v += dt * (-k * x - c * v);
    x += dt * v;
  }
  return { v, x };
}

/** Nested objects and an array field, from weights: many inputs, few outputs (rows). */
export function summary(w: Float64Array, scale: number): { stats: { mean: number; spread: number }; ends: number[] } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < w.length; i++) {
    sum += w[i] * scale;
    squares += (w[i] * scale) ** 2;
  }
  const mean = sum / w.length;
  return { stats: { mean, spread: Math.sqrt(squares / w.length - mean * mean) }, ends: [w[0] * scale, w[w.length - 1] ** 2] };
}

/** An object chosen by a branch, built on each path. */
export function reflected(x: number, y: number): Point {
  if (x * y > 1) return { x: y / x, y: Math.log(x * y) };
  const p = { x: x * x, y: Math.sin(y) };
  return p;
}

export const dEpicycloid = derivative(epicycloid);
export const dEpicycloidR = derivative(epicycloid, { wrt: 'r' });
export const jvpEpicycloid = jvp(epicycloid);
export const jEpicycloid = jacobian(epicycloid);
export const dOscillator = derivative(oscillator, { wrt: 'k' });
export const jOscillator = jacobian(oscillator, { wrt: ['k', 'c', 'x0'] });
export const jvpSummary = jvp(summary);
export const jSummary = jacobian(summary);
export const jReflected = jacobian(reflected);
export const dReflected = derivative(reflected, { wrt: 'y' });
export const vjpSummary = vjp(summary);
export const vjpOscillator = vjp(oscillator, { wrt: ['k', 'c', 'x0'] });
`;

let m: Record<string, any>;
beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/** The numbers of a value, object fields sorted by name (as jacobian lays them out). */
function flat(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (ArrayBuffer.isView(value) || Array.isArray(value)) return Array.from(value as ArrayLike<number>).flatMap(flat);
  return Object.keys(value as object)
    .sort()
    .flatMap((key) => flat((value as Record<string, unknown>)[key]));
}

/** Finite differences of every number of f's result with respect to argument i. */
function differences(f: (...args: any[]) => unknown, args: readonly number[], i: number): number[] {
  const rows = flat(f(...args)).length;
  return Array.from({ length: rows }, (_, row) => finiteDifference((t) => flat(f(...args.map((a, k) => (k === i ? t : a))))[row], args[i]));
}

describe('object results', () => {
  it('derivative has the shape of the object, field by field', () => {
    for (const [t, r] of [
      [0.7, 0.4],
      [2.3, 1.5],
    ]) {
      const d = m.dEpicycloid(t, r);
      expect(Object.keys(d).sort()).toEqual(['x', 'y']);
      const [dx, dy] = differences(m.epicycloid, [t, r], 0);
      close(d.x, dx);
      close(d.y, dy);
      const dr = m.dEpicycloidR(t, r);
      const [rx, ry] = differences(m.epicycloid, [t, r], 1);
      close(dr.x, rx);
      close(dr.y, ry);
      const [value, tangent] = m.jvpEpicycloid([t, r], [1, 2]);
      expect(value).toEqual(m.epicycloid(t, r));
      close(tangent.x, d.x + 2 * dr.x);
      close(tangent.y, d.y + 2 * dr.y);
    }
  });

  it('jacobian flattens the fields by name: columns for a point of two inputs', () => {
    const J = m.jEpicycloid(0.7, 0.4);
    expect(J.length).toBe(2);
    const columns = [0, 1].map((i) => differences(m.epicycloid, [0.7, 0.4], i));
    for (let row = 0; row < 2; row++) for (let col = 0; col < 2; col++) close(J[row][col], columns[col][row]);
  });

  it('a state from a loop: its derivative and its Jacobian (rows: three inputs, two outputs)', () => {
    const args = [2.5, 0.3, 1.2, 40];
    const d = m.dOscillator(...args);
    const [dv, dx] = differences(m.oscillator, args, 0);
    close(d.v, dv);
    close(d.x, dx);
    const J = m.jOscillator(...args);
    expect(J.length).toBe(2);
    for (let col = 0; col < 3; col++) {
      const column = differences(m.oscillator, args, col);
      for (let row = 0; row < 2; row++) close(J[row][col], column[row]);
    }
  });

  it('nested objects and array fields, by rows (many inputs) and by jvp', () => {
    const w = Float64Array.of(0.4, -1.2, 0.9, 2.1, -0.3);
    const scale = 1.3;
    const J = m.jSummary(w, scale);
    // Rows: ends[0], ends[1], stats.mean, stats.spread; columns: w's entries, then scale.
    expect(J.length).toBe(4);
    expect(J[0].length).toBe(6);
    const at = (...numbers: number[]) => m.summary(Float64Array.from(numbers.slice(0, 5)), numbers[5]);
    for (let col = 0; col < 6; col++) {
      const column = differences(at, [...w, scale], col);
      for (let row = 0; row < 4; row++) close(J[row][col], column[row]);
    }
    const tangent = Float64Array.of(1, 0, -1, 0.5, 2);
    const [value, dot] = m.jvpSummary([w, scale], [tangent, 0.5]);
    expect(value).toEqual(m.summary(w, scale));
    const directional = J.map((row: number[]) => row.reduce((sum, entry, col) => sum + entry * (col < 5 ? tangent[col] : 0.5), 0));
    close(dot.ends[0], directional[0]);
    close(dot.ends[1], directional[1]);
    close(dot.stats.mean, directional[2]);
    close(dot.stats.spread, directional[3]);
  });

  it('vjp: the pullback of a cotangent object, nested and with array fields, called twice', () => {
    const w = Float64Array.of(0.4, -1.2, 0.9, 2.1, -0.3);
    const scale = 1.3;
    const [value, pullback] = m.vjpSummary(w, scale);
    expect(value).toEqual(m.summary(w, scale));
    const cotangent = { stats: { mean: 0.7, spread: -1.1 }, ends: [2, 0.5] };
    // The weights of the rows of flat(): ends[0], ends[1], stats.mean, stats.spread.
    const weights = flat(cotangent);
    const [gw, gscale] = pullback(cotangent);
    expect(gw).toBeInstanceOf(Float64Array);
    const at = (...numbers: number[]) => m.summary(Float64Array.from(numbers.slice(0, 5)), numbers[5]);
    for (let col = 0; col < 6; col++) {
      const column = differences(at, [...w, scale], col);
      close(
        col < 5 ? gw[col] : gscale,
        column.reduce((sum, d, row) => sum + weights[row] * d, 0),
      );
    }
    // The mean of w * scale: d/dw_i = scale / n, by hand.
    const [gMean] = pullback({ stats: { mean: 1, spread: 0 }, ends: [0, 0] });
    for (let i = 0; i < 5; i++) close(gMean[i], scale / 5);
  });

  it('vjp of a state from a loop, with respect to some parameters', () => {
    const args = [2.5, 0.3, 1.2, 40];
    const [value, pullback] = m.vjpOscillator(...args);
    expect(value).toEqual(m.oscillator(...args));
    const gradient = pullback({ x: 1, v: -2 });
    expect(gradient.length).toBe(3);
    for (let col = 0; col < 3; col++) {
      const [dv, dx] = differences(m.oscillator, args, col);
      close(gradient[col], -2 * dv + dx);
    }
  });

  it('an object chosen by a branch', () => {
    for (const [x, y] of [
      [2, 1.5],
      [0.5, 0.7],
      [-1.5, 0.2],
    ]) {
      const J = m.jReflected(x, y);
      const columns = [0, 1].map((i) => differences(m.reflected, [x, y], i));
      for (let row = 0; row < 2; row++) for (let col = 0; col < 2; col++) close(J[row][col], columns[col][row]);
      const d = m.dReflected(x, y);
      close(d.x, columns[1][0]);
      close(d.y, columns[1][1]);
    }
  });
});
