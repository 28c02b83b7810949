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

const OPTIONAL = `
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

`;

/** Every mode of each function `names` (of two numbers) against finite differences, in a describe of its own. */
function everyMode(title: string, source: string, names: readonly string[]): void {
  const table = (api: string) => `{ ${names.map((name) => `${name}: ${api.replaceAll('@', name)}`).join(', ')} }`;
  const main = `import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';
${source}
export const g = ${table('grad(@)')};
export const vg = ${table('valueAndGrad(@)')};
export const dx = ${table('derivative(@)')};
export const dy = ${table('derivative(@, { wrt: 1 })')};
export const jv = ${table('jvp(@)')};
export const h = ${table('hessian(@)')};
`;
  describe(title, () => {
    let m: Record<string, any>;
    let byForward: Record<string, any>;
    beforeAll(async () => {
      const compiled = compile({ 'main.ts': main });
      expect(compiled.messages).toEqual([]);
      m = await compiled.load();
      byForward = await compileForward({ 'main.ts': main }).load();
    });

    for (const name of names) {
      it(`${name}: grad (reverse and forward), valueAndGrad, derivative, jvp against finite differences`, () => {
        const f: (x: number, y: number) => number = m[name];
        for (const point of POINTS) {
          const [x, y] = point;
          const want = [0, 1].map((i) => partialDifference(f, point, i));
          for (const gradient of [m.g[name], byForward.g[name]]) {
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
}

const POINTS = [
  [0.7, 1.3],
  [-0.4, 0.9],
];

everyMode('optional object fields of objects the function makes, read through ?. and after a test', OPTIONAL, ['options', 'narrowed', 'chained', 'twoTests']);

// Arrays grown by push that an object holds: a class's field (`history: number[] = []`)
// pushed onto by a method called in a loop (`a.accrue()`, `this.history.push(this.balance)`)
// kept the length it had as the constructor made it, so each pass wrote entry 0: the value
// itself was wrong, in every mode. `o.h.push(v)` in a loop (the array held by an object
// literal) was an internal error; an array a helper made and returned, pushed onto in a loop,
// a ReferenceError from the generated code.
const PUSHED = `
class Account {
  balance: number;
  private history: number[] = [];
  constructor(initial: number, readonly rate: number) {
    this.balance = initial;
  }
  accrue(): void {
    this.history.push(this.balance);
    this.balance *= 1 + this.rate;
  }
  get average(): number {
    let s = 0;
    for (const h of this.history) s += h;
    return this.history.length > 0 ? s / this.history.length : this.balance;
  }
}

export function accounts(initial: number, rate: number): number {
  const a = new Account(initial, rate);
  for (let y = 0; y < 4; y++) a.accrue();
  return a.balance + a.average;
}

class Trace {
  xs: number[] = [];
  run(x: number, n: number): this {
    for (let i = 0; i < n; i++) this.xs.push(x * i);
    return this;
  }
  get total(): number {
    return this.xs.reduce((a, b) => a + b * b, 0);
  }
}

export function traced(x: number, y: number): number {
  const t = new Trace().run(x, 3).run(y, 2);
  return t.total + t.xs.length;
}

function seeded(x: number): number[] {
  const out: number[] = [];
  out.push(x);
  return out;
}

export function fromHelper(x: number, y: number): number {
  const a = seeded(x);
  for (let i = 0; i < 3; i++) a.push(a[i] * y);
  return a.reduce((s, v) => s + v, 0) + a.length;
}
`;

everyMode('arrays grown by push that instances hold, or a helper made: wrong values, a throw', PUSHED, ['accounts', 'traced', 'fromHelper']);

const HELD = `
export function held(x: number, r: number): number {
  const o = { h: [] as number[], b: x };
  for (let y = 0; y < 3; y++) {
    o.h.push(o.b);
    o.b *= r;
  }
  let s = 0;
  for (const v of o.h) s += v;
  return s / o.h.length + o.h[2];
}

export function nested(x: number, y: number): number {
  const st = { log: { vals: [] as number[] }, v: x };
  for (let i = 0; i < 4; i++) {
    st.log.vals.push(st.v);
    st.v = st.v * y + 0.1;
  }
  return st.log.vals.reduce((s, v) => s + v, 0) / st.log.vals.length;
}
`;

everyMode('arrays grown by push that object literals hold: internal errors', HELD, ['held', 'nested']);

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
      close(
        m.d(a, shapes),
        partialDifference((t) => m.cover(t, shapes), [a], 0),
        1e-6,
      );
      close(m.h(a, shapes)[0][0], 2 * 1.3, 1e-12);
    }
  });
});

// A method a subclass overrides, called where the declared type names the base class (`this.term(x)`
// in a method of the base, a helper's `b: Base`): the base's method was inlined, whatever the
// instance, so an instance of the subclass got the base's value and derivatives (1.91 for 1.45).
const OVERRIDDEN = `
import { grad } from 'tapeless';

export class Base {
  constructor(public k: number) {}
  total(x: number): number {
    return this.term(x) + 1;
  }
  term(x: number): number {
    return this.k * x;
  }
}
export class Derived extends Base {
  override term(x: number): number {
    return this.k * x * x * x;
  }
}
class Plain {
  constructor(public k: number) {}
  term(x: number): number {
    return this.k * x * x;
  }
}
function use(b: Base, x: number): number {
  return b.term(x);
}
export function viaBase(x: number, d: Derived): number {
  return d.total(x);
}
const D = new Derived(2);
export function viaHelper(x: number): number {
  return use(D, x);
}
export function own(x: number, d: Derived): number {
  return d.term(x) + new Plain(x).term(d.k);
}
`;

describe('a method a subclass overrides, called through the base class', () => {
  it('is a diagnostic, where the base method is called on the base type', () => {
    for (const [call, at] of [
      ['grad(viaBase)', "'this.term' calls the method 'term' of 'Base', which 'Derived' overrides"],
      ['grad(viaHelper)', "'b.term' calls the method 'term' of 'Base', which 'Derived' overrides"],
    ]) {
      const compiled = compile({ 'main.ts': `${OVERRIDDEN}\nexport const d = ${call};\n` });
      expect(compiled.messages.length).toBeGreaterThan(0);
      for (const message of compiled.messages) expect(message).toContain(at);
    }
  });

  it('is not one where the declared class declares the method itself', async () => {
    const compiled = compile({ 'main.ts': `${OVERRIDDEN}\nexport const d = grad(own, { wrt: 0 });\n` });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    const d = new m.Derived(1.3);
    close(
      m.d(0.7, d),
      partialDifference((t) => m.own(t, d), [0.7], 0),
      1e-6,
    );
  });
});
