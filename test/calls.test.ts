// Calls to functions of the program: each callee gets a generated pullback, shared by
// its callers; helpers calling helpers, imports and recursion.
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, partialDifference } from './support/compile.js';

const LIB = `
export const SCALE = 1.5;
export function softplus(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}
export function scaledSquare(x: number): number {
  return SCALE * square(x);
}
export function square(x: number): number {
  return x * x;
}
`;

const MAIN = `
import { grad, valueAndGrad } from 'tapeless';
import { softplus, scaledSquare } from './lib.js';
import * as lib from './lib.js';

function cube(x: number): number { return x * x * x; }
function mix(a: number, b: number): number { return cube(a) * b + Math.sin(a * b); }
export function rec(x: number, y: number): number { return x > y ? rec(x - 1, y) : x * y; }
export function fib(x: number, n: number): number { return n < 2 ? x : fib(x, n - 1) + fib(x * 0.5, n - 2); }
export function caller(x: number, y: number): number {
  let s = 0;
  for (let i = 0; i < 3; i++) s += mix(x + i, y);
  return s + cube(y);
}
export function usesImports(x: number): number {
  return softplus(x) + scaledSquare(x) * lib.square(x);
}
export function dataArgument(x: number, c: number): number {
  return mix(x, c) + mix(c, c);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
function weighted(w: Float64Array, x: Float64Array, scale: number): number {
  return scale * dot(w, x) + Math.tanh(dot(w, w));
}
export function arrays(w: Float64Array, x: Float64Array, scale: number): number {
  return weighted(w, x, scale) * dot(x, x);
}

export const dCaller = grad(caller);
export const dArrays = grad(arrays, { wrt: ['w', 'scale'] });
export const dRec = grad(rec);
export const dFib = grad(fib, { wrt: 'x' });
export const dUsesImports = grad(usesImports);
export const vgUsesImports = valueAndGrad(usesImports);
export const dDataArgument = grad(dataArgument, { wrt: 'x' });
`;

let m: Record<string, any>;
let js: string;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN, 'lib.ts': LIB });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
  js = compiled.js['main.ts'];
});

describe('calls to functions of the program', () => {
  it('helpers calling helpers, in a loop', () => {
    for (const p of [
      [0.3, 1.2],
      [-1, 0.5],
      [2, -0.7],
    ]) {
      const [gx, gy] = m.dCaller(...p);
      expect(gx).toBeCloseTo(partialDifference(m.caller, p, 0), 6);
      expect(gy).toBeCloseTo(partialDifference(m.caller, p, 1), 6);
    }
  });

  it('one pullback per callee and selection, shared by its callers', () => {
    expect(js.match(/function mix_pullback\(/g)).toHaveLength(1);
    expect(js.match(/function cube_pullback\(/g)).toHaveLength(1);
  });

  it('recursion', () => {
    // rec(x, y) = (x - k) y where k is the number of steps until x - k <= y
    expect(m.dRec(5.5, 2)).toEqual([2, 1.5]); // four steps: (x - 4) y
    expect(m.dRec(1, 2)).toEqual([2, 1]);
    for (const n of [0, 1, 4, 6]) expect(m.dFib(1.3, n)).toBeCloseTo(partialDifference(m.fib, [1.3, n], 0), 8);
  });

  it('functions imported from other modules, and what they call there', () => {
    for (const x of [-2, 0.5, 3, 40]) {
      const sigmoid = 1 / (1 + Math.exp(-x));
      const hand = (x > 30 ? 1 : sigmoid) + 1.5 * 4 * x ** 3;
      expect(m.dUsesImports(x)).toBeCloseTo(hand, 10);
    }
    expect(m.vgUsesImports(0.5)).toEqual([m.usesImports(0.5), m.dUsesImports(0.5)]);
  });

  it("helpers that receive arrays add into the caller's gradient", () => {
    const w = Float64Array.from([0.5, -0.25, 0.75]);
    const x = Float64Array.from([1, 2, -1]);
    const [gw, gScale] = m.dArrays(w, x, 1.5);
    expect(gw).toBeInstanceOf(Float64Array);
    const xx = 6;
    const ww = 0.25 + 0.0625 + 0.5625;
    const sech2 = 1 / Math.cosh(ww) ** 2;
    [...w].forEach((wi, i) => expect(gw[i]).toBeCloseTo(xx * (1.5 * x[i] + sech2 * 2 * wi), 13));
    expect(gScale).toBeCloseTo(xx * (0.5 - 0.5 + -0.75), 13);
    expect(js).toMatch(/function dot_pullback\(a, b, dy, a_bar, b_bar\)/);
  });

  it('arguments that are data get no adjoint', () => {
    for (const p of [
      [0.7, 1.3],
      [-0.4, 2],
    ])
      expect(m.dDataArgument(...p)).toBeCloseTo(partialDifference(m.dataArgument, p, 0), 7);
    expect(js).toMatch(/function mix_pullback_wrt_a\(a, b, dy\)/);
  });
});
