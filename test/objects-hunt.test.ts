// Objects and classes as users write them, found wrong in a hunt: every mode against finite
// differences (compile() checks reverse against forward mode at every call; compileForward
// computes grad by forward mode).
//
// An options object the function makes, whose optional object field has an optional number
// itself (`scale?: { a: number; b?: number }`): read through `?.`, or tested and then read
// (`if (o.scale !== undefined) r = o.scale.a`), the object in the field was typed without a
// shape (its optional `b`) and read as data, so reverse mode (grad, valueAndGrad, hessian)
// lost its gradient: 0 where finite differences give y. A chain whose `?.` comes before its
// last link (`o.s?.inner.a`) chose between undefined and the middle object: a diagnostic, or,
// where that object had no shape, a TypeError from the generated code when it was undefined.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, compileForward, expectHessianOfGradient, partialDifference } from './support/compile.js';

const MAIN = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';

interface Opts {
  k?: number;
  damping?: number;
  scale?: { a: number; b?: number };
}

function energy(x: number, y: number, opts: Opts = {}): number {
  const k = opts.k ?? 2;
  const s = opts.scale?.b ?? opts.scale?.a ?? 1;
  return 0.5 * k * (x * x + y * y) * s + x * (opts.damping ?? 0.1);
}

export function options(x: number, y: number): number {
  return energy(x, y) + energy(x, y, { k: y, scale: { a: x } }) + energy(y, x, { scale: { a: 2, b: x } });
}

export function narrowed(x: number, y: number): number {
  const o: Opts = { scale: { a: x } };
  let r = 1;
  if (o.scale !== undefined) r = o.scale.a;
  return r * y + (o.scale ? o.scale.a * x : 0);
}

interface Inner { a: number; b?: number }
interface Nested { s?: { inner: Inner; w?: number } }

function scaleOf(o: Nested): number {
  return (o.s?.inner.b ?? o.s?.inner.a ?? 1) * (o.s?.w ?? 2);
}

export function chained(x: number, y: number): number {
  const o: Nested = { s: { inner: { a: x }, w: y } };
  return scaleOf(o) + scaleOf({ s: { inner: { a: y, b: x * x } } }) + scaleOf({});
}

interface Deep { p?: { q?: { r: number; t?: number } } }

export function twoTests(x: number, y: number): number {
  const d: Deep = { p: { q: { r: x * y } } };
  const f: Deep = {};
  return (d.p?.q?.r ?? 1) * x + (f.p?.q?.r ?? 3) * y + (d.p?.q?.t ?? x);
}

export const g = {
  options: grad(options), narrowed: grad(narrowed), chained: grad(chained), twoTests: grad(twoTests),
};
export const vg = {
  options: valueAndGrad(options), narrowed: valueAndGrad(narrowed), chained: valueAndGrad(chained), twoTests: valueAndGrad(twoTests),
};
export const dx = {
  options: derivative(options), narrowed: derivative(narrowed), chained: derivative(chained), twoTests: derivative(twoTests),
};
export const dy = {
  options: derivative(options, { wrt: 1 }), narrowed: derivative(narrowed, { wrt: 1 }), chained: derivative(chained, { wrt: 1 }), twoTests: derivative(twoTests, { wrt: 1 }),
};
export const jv = { options: jvp(options), narrowed: jvp(narrowed), chained: jvp(chained), twoTests: jvp(twoTests) };
export const h = { options: hessian(options), narrowed: hessian(narrowed), chained: hessian(chained), twoTests: hessian(twoTests) };
`;

type Scalar = (x: number, y: number) => number;
type Gradient = (x: number, y: number) => [number, number];
const NAMES = ['options', 'narrowed', 'chained', 'twoTests'] as const;
const POINTS = [
  [0.7, 1.3],
  [-0.4, 0.9],
];

let m: Record<string, any>;
let byForward: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
  byForward = await compileForward({ 'main.ts': MAIN }).load();
});

describe('optional object fields of objects the function makes, read through ?. and after a test', () => {
  for (const name of NAMES) {
    it(`${name}: grad (reverse and forward), valueAndGrad, derivative, jvp against finite differences`, () => {
      const f: Scalar = m[name];
      for (const point of POINTS) {
        const [x, y] = point;
        const want = [0, 1].map((i) => partialDifference(f, point, i));
        for (const gradient of [m.g[name] as Gradient, byForward.g[name] as Gradient]) {
          const got = gradient(x, y);
          want.forEach((w, i) => close(got[i], w, 1e-6));
        }
        const [value, again] = m.vg[name](x, y);
        expect(value).toBe(f(x, y));
        want.forEach((w, i) => close(again[i], w, 1e-6));
        close(m.dx[name](x, y), want[0], 1e-6);
        close(m.dy[name](x, y), want[1], 1e-6);
        const [primal, tangent] = m.jv[name]([x, y], [1, -2]);
        expect(primal).toBe(f(x, y));
        close(tangent, want[0] - 2 * want[1], 1e-6);
      }
    });

    it(`${name}: hessian against finite differences of the gradient`, () => {
      for (const point of POINTS) expectHessianOfGradient(m.h[name](...point), byForward.g[name], point);
    });
  }
});

// Instances of two classes behind an interface, a parameter `shapes: Shape[]` switched on its
// `kind` and read through `as`: the gradient is shaped like `Shape`, which has no numbers, so
// reverse mode added `(sh as Circle).r`'s adjoint into a field its gradient did not have (NaN),
// and the Hessian counted the numbers the instances hold (NaN rows). A diagnostic now; left
// out of `wrt`, the parameter is data and its fields are read as they are.
const SHAPES = `
import { grad, hessian, jvp } from 'tapeless';

interface Shape {
  readonly kind: 'circle' | 'rect';
  area(): number;
}
export class Circle implements Shape {
  readonly kind = 'circle';
  constructor(public r: number) {}
  area(): number {
    return Math.PI * this.r * this.r;
  }
}
export class Rect implements Shape {
  readonly kind = 'rect';
  constructor(public w: number, public h: number) {}
  area(): number {
    return this.w * this.h;
  }
}

export function cover(a: number, shapes: Shape[]): number {
  let s = 0;
  for (const sh of shapes) {
    switch (sh.kind) {
      case 'circle':
        s += a * a * (sh as Circle).r;
        break;
      case 'rect':
        s += (sh as Rect).w * (sh as Rect).h * a;
        break;
    }
  }
  return s;
}
`;

describe('a field read through `as` that the declared type of a parameter does not have', () => {
  it('is a diagnostic where the parameter is differentiated (grad, hessian, jvp)', () => {
    for (const call of ['grad(cover)', 'hessian(cover)', 'jvp(cover)']) {
      const compiled = compile({ 'main.ts': `${SHAPES}\nexport const d = ${call};\n` });
      expect(compiled.messages).toEqual([
        expect.stringContaining(
          "'r' is read here as a field that the declared type of 'shapes' ('Shape[]') does not have, and the gradient of 'shapes' has the fields of that type only: declare 'shapes' with a type that has 'r', or select other parameters with 'wrt' and pass 'r' as a number of its own.",
        ),
      ]);
    }
  });

  it('is read as data where the parameter is left out of wrt', async () => {
    const compiled = compile({ 'main.ts': `${SHAPES}\nexport const d = grad(cover, { wrt: 0 });\nexport const h = hessian(cover, { wrt: 0 });\n` });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    const shapes = [new m.Circle(1.3), new m.Rect(0.4, 0.9)];
    for (const a of [0.7, -1.1]) {
      close(m.d(a, shapes), partialDifference((t) => m.cover(t, shapes), [a], 0), 1e-6);
      close(m.h(a, shapes)[0][0], 2 * 1.3, 1e-12);
    }
  });
});
