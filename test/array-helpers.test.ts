// Helpers that write into arrays the differentiated function creates: their calls are
// inlined, so the writes and reads are the function's own (recorded and replayed).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, entryDifference, finiteDifference, type Compiled } from './support/compile.js';

const LIB = `
export const GAIN = 2;
/** out = GAIN * v, in another module (reads its own module's constant). */
export function scaleInto(out: Float64Array, v: Float64Array): void {
  for (let i = 0; i < v.length; i++) out[i] = GAIN * v[i];
}
`;

const MAIN = `
import { grad, valueAndGrad } from 'tapeless';
import { scaleInto } from './lib.js';

/** A dense tanh layer written into out: out = tanh(W x + b). */
function layer(out: Float64Array, W: Float64Array, b: Float64Array, x: Float64Array): void {
  const n = x.length;
  for (let i = 0; i < out.length; i++) {
    let z = b[i];
    for (let j = 0; j < n; j++) z += W[i * n + j] * x[j];
    out[i] = Math.tanh(z);
  }
}

/** A two-layer network, each layer a helper writing into a local Float64Array. */
export function mlp(W1: Float64Array, b1: Float64Array, W2: Float64Array, b2: Float64Array, x: Float64Array, y: Float64Array): number {
  const h = new Float64Array(b1.length);
  layer(h, W1, b1, x);
  const o = new Float64Array(b2.length);
  layer(o, W2, b2, h);
  let loss = 0;
  for (let i = 0; i < o.length; i++) loss += (o[i] - y[i]) ** 2;
  return loss;
}

/** One Horner step on every entry, in place: acc[i] = acc[i] x + c (i + 1). */
function hornerStep(acc: Float64Array, x: number, c: number): void {
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i] * x + c * (i + 1);
}

/** The helper called in a loop, accumulating into one local array. */
export function polynomials(x: number, coefficients: Float64Array, n: number): number {
  const acc = new Float64Array(n);
  for (let k = 0; k < coefficients.length; k++) hornerStep(acc, x, coefficients[k]);
  let s = 0;
  for (let i = 0; i < n; i++) s += acc[i];
  return s;
}

/** acc += w v, then the dot product of the updated acc with v: writes and returns a value. */
function axpyDot(acc: Float64Array, w: number, v: Float64Array): number {
  let dot = 0;
  for (let i = 0; i < acc.length; i++) {
    acc[i] += w * v[i];
    dot += acc[i] * v[i];
  }
  return dot;
}

export function returnsAndWrites(w: Float64Array, v: Float64Array): number {
  const acc = new Float64Array(v.length);
  let total = 0;
  for (let k = 0; k < w.length; k++) total += w[k] * axpyDot(acc, w[k], v);
  for (let i = 0; i < acc.length; i++) total += Math.sin(acc[i]);
  return total;
}

/** Reads and overwrites the same array: each entry mixes its old value and its neighbour's. */
function smooth(a: number[], t: number): void {
  for (let i = 0; i + 1 < a.length; i++) a[i] = Math.sin(a[i] * t + a[i + 1]);
}

/** The same array through the helper several times, in a row and in a loop. */
export function smoothed(x: Float64Array, t: number, passes: number): number {
  const a = [...x];
  smooth(a, t);
  smooth(a, t);
  for (let k = 0; k < passes; k++) smooth(a, t);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * (i + 1);
  return s;
}

/** A read-only helper sees the array as it is at the call, before the caller overwrites it. */
function norm2(a: number[]): number {
  let s = 0;
  for (const v of a) s += v * v;
  return s;
}

export function readThenOverwrite(x: number): number {
  const a = [x, 2 * x];
  const before = norm2(a);
  a[0] = Math.sin(x);
  a[1] = before;
  return before * norm2(a);
}

/** An early return from a helper that writes (void), inside the caller's loop. */
function squaresUntil(out: Float64Array, v: Float64Array, limit: number): void {
  for (let i = 0; i < v.length; i++) {
    if (v[i] > limit) {
      out[i] = limit;
      return;
    }
    out[i] = v[i] * v[i];
  }
}

export function earlyReturn(v: Float64Array, limit: number): number {
  const out = new Float64Array(v.length);
  let s = 0;
  for (let k = 0; k < 2; k++) {
    squaresUntil(out, v, limit);
    for (let i = 0; i < out.length; i++) s += out[i] * (k + 1);
  }
  return s;
}

const OFFSET = 0.5;
/** Reads a module constant that the caller shadows with a local of the same name. */
function shift(out: Float64Array, x: number): void {
  out[0] = x + OFFSET;
  out[1] = x * OFFSET;
}

export function helpers(x: number, v: Float64Array): number {
  const OFFSET = 10;
  const a = new Float64Array(2);
  shift(a, x * OFFSET);
  const b = new Float64Array(v.length);
  scaleInto(b, v);
  let s = a[0] * a[1];
  for (let i = 0; i < b.length; i++) s += b[i] * b[i] * x;
  return s;
}

export class Model {
  constructor(readonly w: Float64Array) {}
  /** out += w * scale: a method writing into its argument, reading this.w. */
  addTo(out: Float64Array, scale: number): void {
    for (let i = 0; i < out.length; i++) out[i] += this.w[i] * scale;
  }
}

/** A method writing into a local array, and a helper that writes through an object literal holding one. */
export function methodAndObject(model: Model, x: number): number {
  const h = new Float64Array(model.w.length);
  model.addTo(h, x);
  model.addTo(h, x * x);
  const state = { h, scale: x };
  fillFirst(state);
  let s = 0;
  for (let i = 0; i < h.length; i++) s += h[i] * h[i];
  return s;
}

function fillFirst(state: { h: Float64Array; scale: number }): void {
  if (state.h.length > 0) state.h[0] = Math.exp(state.scale) * state.h[0];
}

/** A helper that passes the array on to another helper that writes it. */
function twice(out: Float64Array, v: Float64Array): void {
  scaleInto(out, v);
  scaleInto(out, out);
}

export function nested(v: Float64Array): number {
  const out = new Float64Array(v.length);
  twice(out, v);
  let s = 0;
  for (let i = 0; i < out.length; i++) s += Math.cos(out[i]);
  return s;
}

/** A helper pushing onto the caller's array created empty. */
function pushPowers(out: number[], x: number, n: number): void {
  let p = 1;
  for (let i = 0; i < n; i++) {
    p *= x;
    out.push(p);
  }
}

export function pushed(x: number, n: number): number {
  const xs: number[] = [];
  pushPowers(xs, x, n);
  pushPowers(xs, 2 * x, 1);
  let s = 0;
  for (const v of xs) s += v;
  return s + xs.length;
}

/** Pushes in a loop, directly and through an object literal; a helper called in a branch. */
export function pushedInLoop(x: number, n: number): number {
  const xs: number[] = [];
  const state = { xs };
  for (let k = 0; k < n; k++) {
    pushPowers(xs, x, 1);
    if (k % 2 === 0) pushOn(state, x * k);
  }
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] * (i + 1);
  return s;
}

function pushOn(state: { xs: number[] }, v: number): void {
  state.xs.push(Math.sin(v));
}

export const dMlp = grad(mlp, { wrt: [0, 1, 2, 3] });
export const dPolynomials = grad(polynomials, { wrt: [0, 1] });
export const dReturnsAndWrites = grad(returnsAndWrites);
export const dSmoothed = grad(smoothed, { wrt: [0, 1] });
export const dReadThenOverwrite = grad(readThenOverwrite);
export const dEarlyReturn = grad(earlyReturn, { wrt: 0 });
export const dHelpers = grad(helpers);
export const vgHelpers = valueAndGrad(helpers);
export const dMethodAndObject = grad(methodAndObject);
export const dNested = grad(nested);
export const dPushed = grad(pushed, { wrt: 0 });
export const dPushedInLoop = grad(pushedInLoop, { wrt: 0 });
`;

let compiled: Compiled;
let m: Record<string, any>;

beforeAll(async () => {
  compiled = compile({ 'main.ts': MAIN, 'lib.ts': LIB });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

const closeAll = (actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-7) => {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], tolerance);
};
const random = (n: number, seed: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(seed * (i + 1)) * 0.8);

/** Backpropagation through the two tanh layers, by hand. */
function mlpByHand(W1: Float64Array, b1: Float64Array, W2: Float64Array, b2: Float64Array, x: Float64Array, y: Float64Array) {
  const dense = (W: Float64Array, b: Float64Array, v: Float64Array) =>
    Float64Array.from(b, (bi, i) => Math.tanh(v.reduce((z, vj, j) => z + W[i * v.length + j] * vj, bi)));
  const h = dense(W1, b1, x);
  const o = dense(W2, b2, h);
  const dz2 = Float64Array.from(o, (oi, i) => 2 * (oi - y[i]) * (1 - oi * oi));
  const dh = Float64Array.from(h, (_, j) => dz2.reduce((s, d, i) => s + d * W2[i * h.length + j], 0));
  const dz1 = Float64Array.from(h, (hj, j) => dh[j] * (1 - hj * hj));
  const outer = (d: Float64Array, v: Float64Array) =>
    Float64Array.from({ length: d.length * v.length }, (_, k) => d[Math.floor(k / v.length)] * v[k % v.length]);
  return [outer(dz1, x), dz1, outer(dz2, h), dz2];
}

describe('helpers writing into local arrays', () => {
  it('a two-layer network whose layers are helpers writing into local Float64Arrays', () => {
    for (const [inputs, hidden, outputs, seed] of [
      [3, 4, 2, 1],
      [2, 5, 1, 7],
      [0, 0, 0, 3],
    ]) {
      const [W1, b1, W2, b2] = [
        random(hidden * inputs, seed + 0.3),
        random(hidden, seed + 1.1),
        random(outputs * hidden, seed + 2.7),
        random(outputs, seed + 3.9),
      ];
      const [x, y] = [random(inputs, seed + 5.3).map((v) => -2 * v), random(outputs, seed + 6.1)];
      const gradients = m.dMlp(W1, b1, W2, b2, x, y);
      const hand = mlpByHand(W1, b1, W2, b2, x, y);
      gradients.forEach((g: Float64Array, k: number) => {
        expect(g).toBeInstanceOf(Float64Array);
        closeAll(g, hand[k], 1e-12);
      });
      const f = () => m.mlp(W1, b1, W2, b2, x, y);
      [W1, b1, W2, b2].forEach((p, k) => p.forEach((_, i) => close(gradients[k][i], entryDifference(f, p, i))));
    }
  });

  it('a helper called in a loop, accumulating into one local array', () => {
    for (const [x, cs, n] of [
      [0.7, [1, -2, 0.5], 3],
      [-1.3, [0.25, 2], 4],
      [2, [], 2],
      [0.4, [3, -1], 0],
    ] as const) {
      const c = Float64Array.from(cs);
      const [gx, gc] = m.dPolynomials(x, c, n);
      // acc[i] = (i + 1) p(x) with p(x) = sum_k c_k x^(K-1-k)
      const K = c.length;
      const triangle = (n * (n + 1)) / 2;
      const dp = c.reduce((s, ck, k) => s + (K - 1 - k > 0 ? ck * (K - 1 - k) * x ** (K - 2 - k) : 0), 0);
      close(gx, triangle * dp, 1e-13);
      closeAll(
        gc,
        Float64Array.from(c, (_, k) => triangle * x ** (K - 1 - k)),
        1e-13,
      );
    }
  });

  it('a helper that writes and returns a value, called in a loop', () => {
    for (const [w, v] of [
      [
        [0.5, -0.7, 1.1],
        [0.3, -0.8],
      ],
      [[-1.2], [0.4, 0.9, -0.2]],
      [[0.6, 0.2], []],
      [[], [0.5]],
    ]) {
      const [W, V] = [Float64Array.from(w), Float64Array.from(v)];
      const [gw, gv] = m.dReturnsAndWrites(W, V);
      const f = () => m.returnsAndWrites(W, V);
      W.forEach((_, i) => close(gw[i], entryDifference(f, W, i)));
      V.forEach((_, i) => close(gv[i], entryDifference(f, V, i)));
    }
  });

  it('a helper reading and overwriting the same array, several times', () => {
    for (const [x, t, passes] of [
      [[0.3, -0.5, 0.9, 0.1], 1.3, 3],
      [[-0.7, 0.2], -0.6, 0],
      [[0.4], 2, 2],
      [[], 1, 1],
    ] as const) {
      const X = Float64Array.from(x);
      const [gx, gt] = m.dSmoothed(X, t, passes);
      X.forEach((_, i) =>
        close(
          gx[i],
          entryDifference(() => m.smoothed(X, t, passes), X, i),
        ),
      );
      close(
        gt,
        finiteDifference((s) => m.smoothed(X, s, passes), t, 1e-4),
      );
    }
  });

  it('a read-only helper sees the array as it was at the call', () => {
    for (const x of [0.8, -1.1, 0]) {
      const s = Math.sin(x);
      const hand = 10 * x * (s * s + 25 * x ** 4) + 5 * x * x * (2 * s * Math.cos(x) + 100 * x ** 3);
      close(m.dReadThenOverwrite(x), hand, 1e-13);
    }
  });

  it("an early return from a helper that writes, inside the caller's loop", () => {
    for (const [v, limit] of [
      [[0.5, -2, 3, 0.7], 1.5],
      [[0.5, -2], 9],
      [[], 1],
    ] as const) {
      const V = Float64Array.from(v);
      const gv = m.dEarlyReturn(V, limit);
      // out[i] = v_i^2 up to the first entry over the limit (which becomes the limit), read twice with weights 1 and 2 after the same writes.
      const stop = V.findIndex((vi) => vi > limit);
      const hand = Float64Array.from(V, (vi, i) => (stop < 0 || i < stop ? 3 * 2 * vi : 0));
      closeAll(gv, hand, 1e-15);
    }
  });

  it('helpers reading their own module constants (shadowed in the caller, or in another module)', () => {
    for (const [x, v] of [
      [0.6, [1, -2]],
      [-1.5, [0.3]],
      [2, []],
    ] as const) {
      const V = Float64Array.from(v);
      const [gx, gv] = m.dHelpers(x, V);
      // a = [10x + 0.5, 5x], b = 2v: s = (10x + 0.5) 5x + 4x sum v^2
      const sum = V.reduce((s, vi) => s + vi * vi, 0);
      close(gx, 100 * x + 2.5 + 4 * sum, 1e-14);
      closeAll(
        gv,
        V.map((vi) => 8 * x * vi),
        1e-14,
      );
      expect(m.vgHelpers(x, V)[0]).toBe(m.helpers(x, V));
    }
  });

  it('a method writing into a local array, and a write through an object literal holding one', () => {
    for (const [w, x] of [
      [[0.5, -1, 2], 0.7],
      [[1.5], -0.4],
      [[], 1.2],
    ] as const) {
      const model = new m.Model(Float64Array.from(w));
      const [gm, gx] = m.dMethodAndObject(model, x);
      const f = (mm: any, t: number) => m.methodAndObject(mm, t);
      model.w.forEach((_: number, i: number) =>
        close(
          gm.w[i],
          entryDifference(() => f(model, x), model.w, i),
        ),
      );
      close(
        gx,
        finiteDifference((t) => f(model, t), x, 1e-4),
      );
    }
  });

  it("a helper passing the array to another helper; a helper pushing onto the caller's array", () => {
    const V = Float64Array.from([0.3, -1.2, 0.8]);
    const gv = m.dNested(V);
    closeAll(
      gv,
      V.map((vi) => -Math.sin(4 * vi) * 4),
      1e-15,
    );
    expect([...m.dNested(new Float64Array(0))]).toEqual([]);
    for (const [x, n] of [
      [0.7, 3],
      [-1.1, 0],
      [1.5, 1],
    ]) {
      const powers = [...Array(n).keys()].reduce((s, i) => s + (i + 1) * x ** i, 0);
      close(m.dPushed(x, n), powers + 2, 1e-14);
    }
    for (const [x, n] of [
      [0.7, 4],
      [-1.1, 0],
      [1.5, 1],
    ])
      close(
        m.dPushedInLoop(x, n),
        finiteDifference((t) => m.pushedInLoop(t, n), x, 1e-4),
      );
  });

  it('inlined helpers get no pullback', () => {
    expect(compiled.js['main.ts']).not.toMatch(/layer_pullback|hornerStep_pullback|axpyDot_pullback|smooth_pullback|norm2_pullback/);
  });
});
