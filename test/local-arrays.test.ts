// Arrays the differentiated function creates and writes: new Float64Array(n),
// new Array(n).fill(c), literals; reads of them are recorded and replayed in reverse.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, entryDifference, finiteDifference } from './support/compile.js';

const MAIN = `
import { grad } from 'tapeless';

/** A recurrence stored in a local array, then read back. */
export function recurrence(x: number, n: number): number {
  const a = new Float64Array(n);
  a[0] = x;
  for (let i = 1; i < n; i++) a[i] = Math.sin(a[i - 1]) * x;
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * a[i];
  return s;
}

/** Values overwritten in place, pass after pass (the array's earlier contents are needed). */
export function inPlace(x: number, n: number): number {
  const v = new Array<number>(3).fill(1);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < 3; j++) v[j] = v[j] * x + Math.cos(v[(j + 1) % 3]);
    v[k % 3] *= 0.5;
  }
  return v[0] + 2 * v[1] + 3 * v[2];
}

/** A two-layer tanh network on one input, hidden activations in a local array. */
export function mlp(w1: Float64Array, b1: Float64Array, w2: Float64Array, b2: number, x: Float64Array, y: number): number {
  const hidden = b1.length;
  const inputs = x.length;
  const h = new Float64Array(hidden);
  for (let j = 0; j < hidden; j++) {
    let z = b1[j];
    for (let i = 0; i < inputs; i++) z += w1[j * inputs + i] * x[i];
    h[j] = Math.tanh(z);
  }
  let out = b2;
  for (let j = 0; j < hidden; j++) out += w2[j] * h[j];
  const d = out - y;
  return 0.5 * d * d;
}

/** A literal array of differentiated values. */
export function literal(x: number, y: number): number {
  const p = [x * y, x + y, Math.exp(x)];
  let s = 0;
  for (const v of p) s += v * v;
  return s;
}

/** A nested loop reads entries that later outer passes overwrite. */
export function nestedOverwrite(x: number): number {
  const a = new Float64Array(3);
  a[0] = x;
  a[1] = 2 * x;
  a[2] = x * x;
  for (let k = 0; k < 3; k++) {
    let s = 0;
    for (let j = 0; j < 3; j++) s += a[j] * a[(j + k) % 3];
    a[k] = Math.sin(s);
  }
  return a[0] + a[1] * a[2];
}

/** A branch reads a local array that is overwritten after it. */
export function branchRead(x: number): number {
  const a = [x, 2 * x];
  let y = 0;
  if (x > 0) y = a[0] * a[1];
  else y = a[1];
  a[0] = 7;
  a[1] = y * 3;
  a[1]++;
  a[0] -= x;
  return a[0] * a[1] + y;
}

/** Spreads of numeric arrays into a literal. */
export function spread(x: number, w: Float64Array): number {
  const all = [x, ...w, 2 * x, ...[x * x]];
  return all.reduce((s, v) => s + v * v, 0);
}

/** An array grown by push in a loop, then read back. */
export function pushed(x: number, n: number): number {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.sin(x * i));
  out.push(x);
  let s = 0;
  for (const v of out) s += v * v;
  return s + out.length;
}

/** Regression: grad does not need total, but the inner loop's reads of h must still be recorded. */
export function sumOfSquares(x: Float64Array): number {
  const h = new Float64Array(1);
  let total = 0;
  for (let s = 0; s < x.length; s++) {
    h[0] = x[s];
    for (let j = 0; j < 1; j++) total += h[j] * h[j];
  }
  return total;
}

/** Regressions: loops reading local arrays inside a branch or another loop, results unused forward. */
export function readInBranch(x: number, y: number): number {
  const l = new Float64Array(1);
  l[0] = x;
  let v = 0;
  if (y < 1) {
    for (let i = 0; i < 1; i++) v = Math.sin(l[0]);
  }
  return v;
}
export function readInNestedLoops(z: number): number {
  const a = [z];
  let v = 0;
  for (let i = 0; i < 1; i++) for (let j = 0; j < 1; j++) v = a[0] * a[0];
  return v;
}

/** Regression: a local array read and written through an object literal that holds it. */
export function heldByObject(x: number): number {
  const h = new Float64Array(2);
  const o = { h };
  let s = 0;
  for (let k = 0; k < 2; k++) {
    o.h[0] = x * (k + 1);
    s += o.h[0] * h[0];
  }
  return s;
}

export const dRecurrence = grad(recurrence, { wrt: 'x' });
export const dHeldByObject = grad(heldByObject);
export const dReadInBranch = grad(readInBranch, { wrt: 'x' });
export const dReadInNestedLoops = grad(readInNestedLoops);
export const dSumOfSquares = grad(sumOfSquares);
export const dPushed = grad(pushed, { wrt: 'x' });
export const dSpread = grad(spread);
export const dNestedOverwrite = grad(nestedOverwrite);
export const dBranchRead = grad(branchRead);
export const dInPlace = grad(inPlace, { wrt: 'x' });
export const dMlp = grad(mlp, { wrt: ['w1', 'b1', 'w2', 'b2'] });
export const dLiteral = grad(literal);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

describe('local arrays', () => {
  it('a recurrence written into a local array and read back', () => {
    for (const [x, n] of [
      [0.7, 1],
      [0.7, 5],
      [-1.3, 8],
    ])
      close(
        m.dRecurrence(x, n),
        finiteDifference((t) => m.recurrence(t, n), x, 1e-4),
      );
  });

  it('values overwritten in place that later passes read', () => {
    for (const [x, n] of [
      [0.9, 0],
      [0.9, 1],
      [1.1, 4],
      [-0.6, 7],
    ])
      close(
        m.dInPlace(x, n),
        finiteDifference((t) => m.inPlace(t, n), x, 1e-4),
      );
  });

  it('a two-layer tanh network with hidden activations in a local array', () => {
    const random = (n: number, seed: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(seed * (i + 1)) * 0.5);
    const [w1, b1, w2, x] = [random(12, 1.3), random(4, 2.1), random(4, 3.7), random(3, 5.9)];
    const [g1, gb1, g2, gb2] = m.dMlp(w1, b1, w2, 0.2, x, 0.4);
    const f = () => m.mlp(w1, b1, w2, 0.2, x, 0.4);
    [...w1].forEach((_, i) => close(g1[i], entryDifference(f, w1, i)));
    [...b1].forEach((_, i) => close(gb1[i], entryDifference(f, b1, i)));
    [...w2].forEach((_, i) => close(g2[i], entryDifference(f, w2, i)));
    close(
      gb2,
      finiteDifference((b) => m.mlp(w1, b1, w2, b, x, 0.4), 0.2, 1e-4),
    );
  });

  it('a nested loop reading entries that later passes overwrite', () => {
    for (const x of [0.3, -0.8, 1.2]) close(m.dNestedOverwrite(x), finiteDifference(m.nestedOverwrite, x, 1e-4));
  });

  it('a branch reading a local array that is overwritten after it; ++ and -= on entries', () => {
    for (const x of [0.6, -0.4, 2]) close(m.dBranchRead(x), finiteDifference(m.branchRead, x, 1e-4));
  });

  it('reads of a local array in a loop whose results grad does not need (regression)', () => {
    expect([...m.dSumOfSquares(Float64Array.from([1, 2, 3]))]).toEqual([2, 4, 6]);
  });

  it('reads of local arrays in loops inside a branch or another loop (regressions from the fuzz test)', () => {
    expect(m.dReadInBranch(0.5, 0)).toBe(Math.cos(0.5));
    expect(m.dReadInNestedLoops(0.5)).toBe(1);
  });

  it('a local array held by an object literal, read and written through its field (regression)', () => {
    // s = x^2 + (2x)^2
    for (const x of [0.7, -1.5, 0]) expect(m.dHeldByObject(x)).toBe(10 * x);
  });

  it('an array grown by push', () => {
    for (const [x, n] of [
      [0.7, 0],
      [0.7, 3],
      [-1.1, 6],
    ]) {
      const hand = 2 * x + [...Array(n).keys()].reduce((acc, i) => acc + 2 * Math.sin(x * i) * Math.cos(x * i) * i, 0);
      close(m.dPushed(x, n), hand, 1e-13);
    }
  });

  it('spreads of numeric arrays into a literal', () => {
    const [gx, gw] = m.dSpread(1.5, Float64Array.from([0.5, -2]));
    close(gx, 2 * 1.5 + 8 * 1.5 + 4 * 1.5 ** 3, 1e-14);
    expect([...gw]).toEqual([1, -4]);
  });

  it('an array literal of differentiated values', () => {
    const [gx, gy] = m.dLiteral(0.5, 2);
    close(gx, 2 * 1 * 2 + 2 * 2.5 + 2 * Math.exp(1), 1e-14);
    close(gy, 2 * 1 * 0.5 + 2 * 2.5, 1e-14);
  });
});
