// Objects the differentiated function makes and writes: instances of classes of the program
// (`new Point(x, y)`: parameter properties, field initialisers, the constructor's body, then
// methods and getters reading and writing `this`) and object literals whose fields are written
// later (`st.x += dt * st.v`), in loops and branches, through helpers, local functions and
// aliases. Every gradient against finite differences, in every mode (compile() checks
// reverse against forward mode at every call); what stays unsupported is a located diagnostic.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import ts from 'typescript';
import { close, compile, compileAlone, finiteDifference, partialDifference } from './support/compile.js';

const MAIN = `
import { derivative, grad, hessian, jacobian, jvp, valueAndGrad } from 'tapeless';

class Point {
  constructor(public x: number, public y: number) {}
  norm(): number { return Math.hypot(this.x, this.y); }
  scaled(k: number): Point { return new Point(k * this.x, k * this.y); }
  get square(): number { return this.x * this.x + this.y * this.y; }
  translate(dx: number, dy: number): void { this.x += dx; this.y += dy; }
}

export function points(x: number, y: number): number {
  const p = new Point(x, y);
  const q = p.scaled(2);
  q.translate(y, 1);
  return p.norm() * q.square + q.x;
}

class Model {
  bias = 0.5;
  readonly w: number[];
  steps: number;
  constructor(w: number[], public b: number) {
    this.w = w;
    this.steps = 0;
    this.bias = b * 2;
  }
  predict(x: readonly number[]): number {
    let s = this.b + this.bias;
    for (let i = 0; i < x.length; i++) s += this.w[i] * x[i];
    return s;
  }
  nudge(lr: number): void {
    this.b -= lr * this.bias * this.w[0];
    this.steps++;
  }
}

export function model(w0: number, w1: number, b: number): number {
  const m = new Model([w0, w1], b);
  for (let i = 0; i < 3; i++) m.nudge(0.1);
  return m.predict([1, 2]) * m.steps;
}

class Vec {
  static readonly WEIGHT = 0.5;
  #scale = 1;
  constructor(public x: number, public y: number) {}
  add(o: Vec): Vec { this.x += o.x; this.y += o.y; return this; }
  times(k: number): Vec { this.#scale *= k; this.x *= k; this.y *= k; return this; }
  get length(): number { return Math.hypot(this.x, this.y) * Vec.WEIGHT; }
  get scale(): number { return this.#scale; }
}

export function chained(x: number, y: number): number {
  const p = new Vec(x, y).add(new Vec(y, 1)).times(x);
  let s = 0;
  for (let i = 0; i < 3; i++) {
    const q = new Vec(i, x);
    q.add(p);
    if (q.x > 1) q.times(0.5);
    s += q.length;
  }
  return s + p.scale;
}

class Counter {
  calls = 0;
  constructor(public total: number) {}
  get next(): number {
    this.calls++;
    return this.total * this.calls;
  }
}

export function getterWrites(x: number): number {
  const c = new Counter(x);
  let s = 0;
  for (let i = 0; i < 3; i++) s += c.next * x;
  return s + c.calls;
}

export function oscillator(x0: number, v0: number, k: number): number {
  const st = { x: x0, v: v0 };
  const dt = 0.1;
  for (let i = 0; i < 20; i++) {
    st.v -= dt * k * st.x;
    st.x += dt * st.v;
  }
  return st.x * st.x + st.v;
}

export function branches(x: number, y: number): number {
  const o = { a: x, b: y };
  if (x > y) o.a = x * y;
  else o.b += x;
  const c = x > 0 ? { a: o.a, b: 1 } : { a: 2, b: o.b };
  c.b *= y;
  return o.a * o.b + c.a * c.b;
}

interface Vec2 { x: number; y: number }
interface Body { pos: Vec2; vel: Vec2; mass: number }

function push(b: Body, f: Vec2, dt: number): void {
  b.vel.x += (dt * f.x) / b.mass;
  b.vel.y += (dt * f.y) / b.mass;
  b.pos.x += dt * b.vel.x;
  b.pos.y += dt * b.vel.y;
}

export function nested(x: number, y: number, m: number): number {
  const body: Body = { pos: { x, y }, vel: { x: 0, y: 0 }, mass: m };
  for (let i = 0; i < 5; i++) {
    const f = { x: -body.pos.x, y: -body.pos.y - 9.8 };
    push(body, f, 0.05);
    const v = body.vel;
    v.x *= 0.99;
  }
  return body.pos.x * body.pos.y + body.vel.y;
}

export function aliases(x: number, y: number): number {
  const a = { v: x, w: y };
  const b = a;
  b.v = y * x;
  let cur = a;
  for (let i = 0; i < 4; i++) cur.w = cur.w * cur.v + 0.1;
  return a.v + b.w;
}

export function copies(x: number, y: number): number {
  const a = { u: x, v: y };
  const b = { ...a, v: 2 * y };
  b.u += a.v;
  a.u = 0;
  const held = { h: [x, y], k: x };
  held.h[1] += held.k * y;
  held.k = held.h[0] * held.h[1];
  return a.u + b.u * b.v + held.k + held.h[1];
}

export function closures(x: number, y: number): number {
  const st = { p: x, q: y };
  const kick = (k: number) => {
    st.q += k * st.p;
  };
  const drift = () => {
    st.p += 0.1 * st.q;
  };
  for (let i = 0; i < 5; i++) {
    kick(-0.2);
    drift();
  }
  return st.p + st.q * st.q;
}

class Complex {
  constructor(public re: number, public im: number) {}
  static polar(r: number, t: number): Complex {
    return new Complex(r * Math.cos(t), r * Math.sin(t));
  }
  static abs2(re: number, im: number): number {
    return re * re + im * im;
  }
  times(o: Complex): Complex {
    return new Complex(this.re * o.re - this.im * o.im, this.re * o.im + this.im * o.re);
  }
}

export function complex(r: number, t: number): number {
  const z = Complex.polar(r, t);
  const w = Complex.polar(1, t * t).times(z);
  w.re += Complex.abs2(z.re, z.im);
  return Complex.abs2(w.re, w.im) + w.im;
}

export function orbit(t: number): [number, number] {
  const p = new Point(Math.cos(t), Math.sin(t));
  p.translate(t * p.y, 0);
  return [p.x, p.y];
}

export const dPoints = grad(points);
export const vgPoints = valueAndGrad(points);
export const hPoints = hessian(points);
export const dModel = grad(model);
export const jvpModel = jvp(model);
export const dChained = grad(chained);
export const hChained = hessian(chained);
export const dGetterWrites = grad(getterWrites);
export const dxGetterWrites = derivative(getterWrites);
export const dOscillator = grad(oscillator);
export const hOscillator = hessian(oscillator);
export const dkOscillator = derivative(oscillator, { wrt: 'k' });
export const dBranches = grad(branches);
export const hBranches = hessian(branches);
export const dNested = grad(nested);
export const dAliases = grad(aliases);
export const dCopies = grad(copies);
export const dClosures = grad(closures);
export const dComplex = grad(complex);
export const hComplex = hessian(complex);
export const jOrbit = jacobian(orbit);
export const dOrbit = derivative(orbit);
`;

let m: Record<string, any>;
let js: string;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
  js = compiled.js['main.ts'];
});

/** The gradient of `name` against finite differences at each point, and its Hessian (where generated) against differences of the gradient. */
function expectGradient(name: string, points: readonly (readonly number[])[]): void {
  const title = name[0].toUpperCase() + name.slice(1);
  for (const point of points) {
    const gradient = m[`d${title}`](...point);
    const g = Array.isArray(gradient) ? gradient : [gradient];
    point.forEach((_, i) => close(g[i], partialDifference(m[name], point, i), 1e-6));
    const hessian = m[`h${title}`];
    if (!hessian) continue;
    const h = hessian(...point);
    point.forEach((_, i) =>
      point.forEach((__, j) =>
        close(
          h[i][j],
          partialDifference((...q: number[]) => m[`d${title}`](...q)[i], point, j),
          1e-5,
        ),
      ),
    );
  }
}

describe('instances of classes constructed in the differentiated function', () => {
  it('parameter properties, methods reading this, a method returning a new instance, a getter, a method writing this', () => {
    expectGradient('points', [
      [0.7, -0.3],
      [1.2, 0.4],
      [-0.5, 2],
    ]);
    const [value, gradient] = m.vgPoints(0.7, -0.3);
    expect(value).toBe(m.points(0.7, -0.3));
    expect(gradient).toEqual(m.dPoints(0.7, -0.3));
  });

  it('field initialisers, then the constructor body; methods writing fields in a loop; jvp', () => {
    expectGradient('model', [
      [0.7, -0.3, 0.2],
      [1.5, 0.5, -1],
    ]);
    const [value, tangent] = m.jvpModel([0.7, -0.3, 0.2], [1, -2, 0.5]);
    expect(value).toBe(m.model(0.7, -0.3, 0.2));
    const gradient = m.dModel(0.7, -0.3, 0.2);
    close(tangent, gradient[0] - 2 * gradient[1] + 0.5 * gradient[2], 1e-12);
  });

  it('methods returning this, private fields, static constants, instances made in a loop and written in a branch', () => {
    expectGradient('chained', [
      [0.7, -0.3],
      [1.3, 0.8],
      [-0.4, 0.6],
    ]);
  });

  it('static methods: one constructing an instance (inlined), one of numbers (a pullback)', () => {
    expectGradient('complex', [
      [0.7, -0.3],
      [1.4, 0.9],
    ]);
    expect(js).toMatch(/function Complex_abs2_pullback\(/);
  });

  it('a getter that writes a field, read in a loop', () => {
    expectGradient('getterWrites', [[1.5], [-0.7]]);
    for (const x of [1.5, -0.7]) close(m.dxGetterWrites(x), finiteDifference(m.getterWrites, x), 1e-6);
  });

  it('an instance written before its fields are returned: jacobian and derivative', () => {
    for (const t of [0.3, -1.1, 2.4]) {
      const rows = m.jOrbit(t);
      const tangent = m.dOrbit(t);
      for (const i of [0, 1]) {
        const expected = finiteDifference((s) => m.orbit(s)[i], t);
        close(rows[i][0], expected, 1e-6);
        close(tangent[i], expected, 1e-6);
      }
    }
  });

  it('are replaced by their fields: the gradient allocates no instance', () => {
    const body = js.slice(js.indexOf('function points_grad('));
    expect(body.slice(0, body.indexOf('\n}\n'))).not.toMatch(/new Point|\{ x: /);
  });
});

describe('object literals whose fields are written later', () => {
  it('a state written field by field in a loop: reverse, Hessian, forward', () => {
    expectGradient('oscillator', [
      [0.7, -0.3, 2],
      [-1.2, 0.4, 0.5],
    ]);
    for (const point of [
      [0.7, -0.3, 2],
      [-1.2, 0.4, 0.5],
    ])
      close(m.dkOscillator(...point), partialDifference(m.oscillator, point, 2), 1e-6);
  });

  it('fields written in branches, an object chosen by ?: and written', () => {
    expectGradient('branches', [
      [1, 2],
      [2, 1],
      [-1.5, 0.5],
    ]);
  });

  it('nested objects written by a helper and through a constant alias of a field, in a loop', () => {
    expectGradient('nested', [
      [0.7, -0.3, 2],
      [1.1, 0.4, 0.8],
    ]);
  });

  it('writes through aliases reach the object both names hold', () => {
    expectGradient('aliases', [
      [0.7, 0.9],
      [-0.4, 0.3],
    ]);
    expect(m.aliases(0.7, 0.9)).toBe(
      (() => {
        const a = { v: 0.7, w: 0.9 };
        a.v = 0.9 * 0.7;
        for (let i = 0; i < 4; i++) a.w = a.w * a.v + 0.1;
        return a.v + a.w;
      })(),
    );
  });

  it('copies by spread are objects of their own; an object holding a local array', () => {
    expectGradient('copies', [
      [0.4, 1.3],
      [-0.8, 0.6],
    ]);
  });

  it('local functions writing a captured object, called in a loop', () => {
    expectGradient('closures', [
      [0.4, 1.3],
      [-0.8, 0.6],
    ]);
  });
});

describe('objects written in loops that also reassign them (states carried as their numbers)', () => {
  const SOURCE = `
import { grad, hessian } from 'tapeless';

export function writtenState(x0: number, v0: number, k: number): number {
  let s = { x: x0, v: v0 };
  for (let i = 0; i < 12; i++) {
    const next = { x: s.x + 0.1 * s.v, v: s.v };
    next.v -= 0.1 * k * next.x;
    s = next;
    s.x *= 0.99;
    if (s.x < -2) break;
  }
  s.v += s.x;
  return s.x * s.v;
}

class Walker {
  steps = 0;
  constructor(public at: number, public speed: number) {}
  step(dt: number): Walker {
    return new Walker(this.at + dt * this.speed, this.speed * 0.9);
  }
}

export function walkers(a: number, v: number): number {
  let w = new Walker(a, v);
  for (let i = 0; i < 5; i++) {
    w = w.step(0.5);
    w.speed += 0.1 * w.at;
  }
  return w.at + w.speed;
}

export function readOnlyShared(x: number, y: number): number {
  const counter = { n: 0 };
  let s = { p: x, q: y };
  const start = s;
  for (let i = 0; i < 3; i++) {
    s = { p: s.q, q: s.p * x };
    counter.n++;
  }
  return s.p + start.q * counter.n;
}

export function logged(x: number, y: number): number {
  const st = { x, y };
  for (let i = 0; i < 2; i++) {
    st.x += st.y;
    console.log('pass', i, st, st.x);
  }
  return st.x * st.y;
}

export const dWrittenState = grad(writtenState);
export const hWrittenState = hessian(writtenState);
export const dWalkers = grad(walkers);
export const dReadOnlyShared = grad(readOnlyShared);
export const dLogged = grad(logged);
`;

  let built: Record<string, any>;
  beforeAll(async () => {
    const compiled = compile({ 'main.ts': SOURCE });
    expect(compiled.messages).toEqual([]);
    built = await compiled.load();
  });

  it('a state rebuilt each pass and written field by field, with a break: reverse, forward, Hessian', () => {
    for (const point of [
      [0.7, -0.3, 2],
      [-1.2, 0.4, 0.5],
    ]) {
      const g = built.dWrittenState(...point);
      point.forEach((_, i) => close(g[i], partialDifference(built.writtenState, point, i), 1e-6));
      const h = built.hWrittenState(...point);
      point.forEach((_, i) =>
        point.forEach((__, j) =>
          close(
            h[i][j],
            partialDifference((...q: number[]) => built.dWrittenState(...q)[i], point, j),
            1e-5,
          ),
        ),
      );
    }
  });

  it('an instance a method returns each pass, written after', () => {
    for (const point of [
      [0.7, -0.3],
      [1.4, 0.9],
    ]) {
      const g = built.dWalkers(...point);
      point.forEach((_, i) => close(g[i], partialDifference(built.walkers, point, i), 1e-6));
    }
  });

  it('an object no code writes stays shareable by two variables while others are written', () => {
    for (const point of [
      [0.7, -0.3],
      [1.4, 0.9],
    ]) {
      const g = built.dReadOnlyShared(...point);
      point.forEach((_, i) => close(g[i], partialDifference(built.readOnlyShared, point, i), 1e-6));
    }
  });

  it('a log of a written object prints it as the function would', async () => {
    const alone = await compileAlone({ 'main.ts': SOURCE }).load();
    const printed: unknown[][] = [];
    // What a console prints is the object as it is at the call: copied then.
    vi.spyOn(console, 'log').mockImplementation((...args) => void printed.push(structuredClone(args)));
    alone.logged(0.7, 1.3);
    const fromPrimal = printed.splice(0);
    const gradient = alone.dLogged(0.7, 1.3);
    vi.restoreAllMocks();
    expect(printed).toEqual(fromPrimal);
    expect(printed[1]).toEqual(['pass', 1, { x: 0.7 + 2.6, y: 1.3 }, 0.7 + 2.6]);
    gradient.forEach((gi: number, i: number) => close(gi, partialDifference(built.logged, [0.7, 1.3], i), 1e-6));
  });

  const rejected = (body: string) =>
    compile({ 'main.ts': `import { grad } from 'tapeless';\nexport const g = grad((x: number, y: number) => {\n${body}\n});\n` }).messages;

  it('an object held by two variables, written through the one a loop reassigns: a diagnostic (the first pass writes what both hold)', () => {
    expect(
      rejected(
        '  const a = { u: x, w: y };\n  let s = a;\n  for (let i = 0; i < 3; i++) {\n    s.u += y;\n    s = { u: s.u * s.w, w: s.w };\n  }\n  return a.u + s.u;',
      ),
    ).toEqual([
      expect.stringContaining(
        "main.ts:5:3 tapeless: the array or object 's' holds as this loop starts is also held by another variable or object, which a loop that reassigns 's' does not allow: copy it first ('[...…]', '{ ...… }').",
      ),
    ]);
  });

  it('a branch that may leave a variable holding an object another variable holds, written after: a diagnostic', () => {
    expect(rejected('  const a = { u: x };\n  let s = a;\n  if (x > y) s = { u: y };\n  s.u += 1;\n  return a.u * s.u;')).toEqual([
      expect.stringContaining(
        "main.ts:5:3 tapeless: 's' holds different arrays or objects on the two sides of this branch, and one of them is also held by another variable or object.",
      ),
    ]);
  });

  it('a pass that leaves a written object held by two variables: a diagnostic', () => {
    expect(
      rejected(
        '  let s = { u: x };\n  let t = { u: y };\n  for (let i = 0; i < 3; i++) {\n    s = { u: s.u + t.u };\n    t = s;\n    t.u *= 2;\n  }\n  return s.u + t.u;',
      ),
    ).toEqual([expect.stringContaining("main.ts:6:5 tapeless: a pass of this loop leaves the array or object of 's' also held by another variable or object")]);
  });
});

describe('the order in which a constructor initialises fields follows the program', () => {
  // An initialiser that calls a method reading a parameter property sees it set only where
  // TypeScript assigns fields in the constructor (useDefineForClassFields false).
  const SOURCE = `
import { grad } from 'tapeless';
class Box {
  area = this.measure();
  constructor(public w: number, public h: number) {}
  measure(): number { return this.w === undefined ? -1 : this.w * this.h; }
}
export function box(w: number, h: number): number {
  const b = new Box(w, h);
  return b.area * w + b.h;
}
export const dBox = grad(box);
`;
  for (const [label, options] of [
    ['fields defined first (ES2022)', { target: ts.ScriptTarget.ES2022 }],
    ['fields assigned after the parameter properties (useDefineForClassFields false)', { target: ts.ScriptTarget.ES2022, useDefineForClassFields: false }],
  ] as const) {
    it(label, async () => {
      const compiled = compile({ 'main.ts': SOURCE }, options);
      expect(compiled.messages).toEqual([]);
      const built = await compiled.load();
      for (const point of [
        [0.7, 1.3],
        [2, -0.5],
      ]) {
        const g = built.dBox(...point);
        point.forEach((_, i) => close(g[i], partialDifference(built.box, point, i), 1e-6));
      }
      // The two orders give different functions: area is w·h in one, -1 in the other.
      expect(built.box(2, 3)).toBe(options.useDefineForClassFields === false ? 15 : 1);
    });
  }
});

describe('what stays unsupported is a located diagnostic', () => {
  const rejected = (body: string, prelude = '') =>
    compile({ 'main.ts': `import { grad } from 'tapeless';\n${prelude}export const g = grad((x: number, y: number) => {\n${body}\n});\n` }).messages;

  it('an alias that holds one of two objects depending on a branch, then written', () => {
    expect(rejected('  const a = { v: x };\n  const b = { v: y };\n  let t = a;\n  if (x > y) t = b;\n  t.v += 1;\n  return a.v * b.v;')).toEqual([
      expect.stringContaining(
        "main.ts:6:3 tapeless: 't' holds different arrays or objects on the two sides of this branch, and one of them is also held by another variable or object.",
      ),
    ]);
  });

  it('a written object given whole to a generated function', () => {
    const prelude = 'interface S { x: number; v: number }\nfunction energy(s: S, k: number): number { return s.x * s.x * s.v * k; }\n';
    expect(rejected('  const s = { x, v: y };\n  s.v = 4;\n  return grad(energy, { wrt: 1 })(s, x);', prelude)).toEqual([
      expect.stringContaining('main.ts:7:10 tapeless: this call gives an object whose fields the differentiated function writes'),
    ]);
  });
});
