// Ordinary code users wrote that was rejected or wrong (session 25): `!= null` on a value that
// may be undefined, `number | null`, object literals with a field that may be undefined, local
// arrays of objects read by index, and a read past the end of a row of an array of arrays the
// function builds (its flat data went on with the next row's numbers). Each against finite
// differences, in reverse mode (checked against forward mode by `compile`) and in forward mode,
// with a Hessian against the differences of the gradient.
import { describe, expect, it } from 'vitest';
import { bothBuilds, close, compile, compileForward, entryDifference, expectHessianOfGradient, partialDifference } from './support/compile.js';

type Scalar = (...args: number[]) => number;

/** Every partial of `gradient` (a number or a tuple) against the differences of `f` at `point`. */
function expectGradient(gradient: number | readonly number[], f: Scalar, point: readonly number[]): void {
  const partials = typeof gradient === 'number' ? [gradient] : gradient;
  expect(partials.length).toBe(point.length);
  partials.forEach((partial, i) => close(partial, partialDifference(f, point, i), 1e-6));
}

/** Compiles `source` in both modes; each exports `f`, `df = grad(f, all)`, `hf = hessian(f)`, `vf = valueAndGrad(f, all)`. */
async function bothModes(source: string): Promise<Record<string, any>[]> {
  return (await bothBuilds(source)).map((build) => build.m);
}

function expectAllModes(m: Record<string, any>, points: readonly (readonly number[])[]): void {
  for (const point of points) {
    expectGradient(m.df(...point), m.f, point);
    const [value, gradient] = m.vf(...point);
    expect(value).toBe(m.f(...point));
    expectGradient(gradient, m.f, point);
    expectHessianOfGradient(m.hf(...point), (...q) => m.df(...q), point);
  }
}

const EXPORTS = `
export const df = grad(f, { wrt: ['x', 'y'] });
export const vf = valueAndGrad(f, { wrt: ['x', 'y'] });
export const hf = hessian(f);
`;

describe('a read past the end of a row of an array of arrays the function builds', () => {
  it('is undefined, as in JavaScript, not the next row’s number: at a constant index, a counted index, any index and in a ragged array', async () => {
    const source = `
import { grad, hessian, valueAndGrad } from 'tapeless';
export function f(x: number, y: number): number {
  const m = [[x, y], [y * y, x]];
  const ragged = [[x * y], [y, x, 5]];
  let s = 0;
  for (let j = 0; j < 3; j++) {
    const v = m[0][j];
    s += v === undefined ? 10 * x : v * v * y;
  }
  for (let i = 0; i < ragged.length; i++)
    for (let j = 0; j < 3; j++) {
      const v = ragged[i][j];
      s += v !== undefined ? Math.sin(v) * x : y;
    }
  for (let i = 0; i < ragged.length; i++) for (let j = 0; j < ragged[i].length; j++) s += ragged[i][j] * y;
  let k = 1;
  while (k < 4) {
    const v = ragged[0][k - 1];
    s += v === undefined ? k * y : v * k;
    k++;
  }
  const past = m[1][2];
  return s + (past === undefined ? x * y : past);
}
${EXPORTS}`;
    for (const m of await bothModes(source))
      expectAllModes(m, [
        [0.7, -1.3],
        [2, 3],
      ]);
  });

  it('makes the arithmetic on it NaN, as in JavaScript', async () => {
    const source = `
import { grad, hessian, valueAndGrad } from 'tapeless';
export function f(x: number, y: number): number {
  const m = [[x, y], [y, x]];
  return m[0][2] * x;
}
${EXPORTS}`;
    for (const m of await bothModes(source)) {
      expect(m.f(2, 3)).toBeNaN();
      expect(m.vf(2, 3)[0]).toBeNaN();
      expect(m.df(2, 3)[0]).toBeNaN();
    }
  });

  it('is a diagnostic where a constant index writes past the end of a row', () => {
    const compiled = compile({
      'main.ts': `
import { grad } from 'tapeless';
export function f(x: number): number {
  const m = [[x, 1], [2, x]];
  m[0][2] = 5;
  return m[1][0] * x;
}
export const df = grad(f);
`,
    });
    expect(compiled.messages).toEqual([
      expect.stringMatching(/main\.ts:5:3 .*'m\[0\]\[2\]' is past the end of its row: .*build the row as long as it needs to be/),
    ]);
  });
});

describe('null', () => {
  it("'!= null' on a value that may be undefined, 'number | null' set to null, tested and assigned, '??' on it, and the caller's null", async () => {
    const source = `
import { grad, hessian, valueAndGrad } from 'tapeless';
function roughness(xs: number[]): number {
  let prev: number | undefined;
  let s = 0;
  for (const x of xs) {
    if (prev != null) s += (x - prev) ** 2;
    if (prev !== null) s += 0.1 * x;
    prev = x;
  }
  return s;
}
function largestSquare(xs: number[]): number {
  let best: number | null = null;
  for (const x of xs) if (best === null || x * x > best) best = x * x;
  return (best ?? 0) + (best == null ? 1 : 2 * best);
}
function scaled(x: number, y: number, scale: number | null): number {
  let last: number | null = scale;
  let s = 0;
  for (const v of [x, y, x * y]) {
    s += last == null ? v : v * last;
    if (last == null || v > last) last = v;
  }
  return s;
}
export function f(x: number, y: number): number {
  return roughness([x, y, x * y, 2]) + largestSquare([x, -y, 1.5]) + scaled(x, y, null) + scaled(y, x, 0.5);
}
${EXPORTS}`;
    for (const m of await bothModes(source))
      expectAllModes(m, [
        [0.7, -1.3],
        [2, 3],
      ]);
  });

  it("takes the caller's null as JavaScript does, where a loop keeps it (reverse mode recorded it as 0)", async () => {
    const source = `
import { grad } from 'tapeless';
export function f(xs: number[], start: number | null): number {
  let best: number | null = start;
  let s = 0;
  for (const x of xs) {
    s += best == null ? x : x * best;
    if (best == null || x > best) best = x;
  }
  return s;
}
export const df = grad(f, { wrt: 'xs' });
`;
    for (const compiled of [compile({ 'main.ts': source }), compileForward({ 'main.ts': source })]) {
      expect(compiled.messages).toEqual([]);
      const m = await compiled.load();
      for (const start of [null, 2.5]) {
        const xs = [1, 3, 2];
        m.df(xs, start).forEach((partial: number, i: number) =>
          close(
            partial,
            entryDifference(() => m.f(xs, start), xs, i),
            1e-6,
          ),
        );
      }
    }
  });

  it('is a diagnostic where arithmetic would take it as 0, or a strict test would tell it from undefined', () => {
    const compiled = compile({
      'main.ts': `
import { grad } from 'tapeless';
export function f(x: number, xs: number[]): number {
  let m: number | null = null;
  if (x > 0) m = x;
  let e: number | null = null;
  for (let i = 0; i < 3; i++) e = xs[i];
  return m! * x + (m === undefined ? 1 : 0) + (e === null ? 1 : 0);
}
export const df = grad(f, { wrt: 'x' });
`,
    });
    expect(compiled.messages).toEqual([
      expect.stringMatching(/main\.ts:8:10 .*'\*' is differentiable on numbers only, but 'm' may be null, which JavaScript would take as 0 here/),
    ]);
    const strict = compile({
      'main.ts': `
import { grad } from 'tapeless';
export function f(x: number, xs: number[]): number {
  let m: number | null = null;
  if (x > 0) m = x;
  return m === undefined ? x : 2 * x;
}
export function g(x: number, xs: number[]): number {
  let e: number | null = null;
  for (let i = 0; i < 3; i++) e = xs[i];
  return e === null ? x : 2 * x;
}
export const df = grad(f, { wrt: 'x' });
export const dg = grad(g, { wrt: 'x' });
`,
    });
    expect(strict.messages).toEqual([
      expect.stringMatching(
        /main\.ts:6:10 .*'m' may be null, which differentiated code keeps as undefined, so it cannot tell it from undefined: test 'm == null'/,
      ),
      expect.stringMatching(/main\.ts:11:10 .*'e' may be undefined as well as null .*test 'e == null'/),
    ]);
  });
});

describe('an object literal with a field that may be undefined', () => {
  it("'last: undefined as number | undefined', a field left out of the literal and written later, and a class field 'number | undefined'", async () => {
    const source = `
import { grad, hessian, valueAndGrad } from 'tapeless';
class Tracker { last: number | undefined = undefined; sum = 0; }
function given(xs: number[]): number {
  const st = { last: undefined as number | undefined, sum: 0 };
  for (const x of xs) { if (st.last !== undefined) st.sum += x * st.last; st.last = x; }
  return st.sum;
}
function leftOut(xs: number[]): number {
  let st: { last?: number; sum: number } = { sum: 0 };
  for (const x of xs) {
    if (st.last !== undefined) st.sum += Math.sin(x - st.last);
    st.last = x;
  }
  return st.sum + (st.last ?? 0);
}
function tracked(xs: number[]): number {
  const t = new Tracker();
  for (const x of xs) { t.sum += t.last === undefined ? x : x * t.last; t.last = x; }
  return t.sum;
}
export function f(x: number, y: number): number {
  const xs = [x, y, x * y, 2];
  return given(xs) + leftOut(xs) + tracked(xs);
}
${EXPORTS}`;
    for (const m of await bothModes(source))
      expectAllModes(m, [
        [0.7, -1.3],
        [2, 3],
      ]);
  });
});

describe('a local array of objects', () => {
  it('made by map or written as a literal, read by index in a counted loop, by for-of, forEach, reduce, slice, a spread and a helper', async () => {
    const source = `
import { grad, hessian, valueAndGrad } from 'tapeless';
interface Point { x: number; w: number }
function weighted(p: Point): number { return p.x * p.w; }
function mapped(xs: number[]): number {
  const pts = xs.map((x, i) => ({ x, w: i + 1 }));
  let s = 0;
  for (let i = 0; i < pts.length; i++) s += pts[i].x * pts[i].w;
  for (const p of pts) s += Math.sin(p.x) * p.w;
  pts.forEach((p, i) => { s += weighted(p) * i; });
  const copy = { ...pts[pts.length - 1] };
  const rest = pts.slice(1);
  for (const p of rest) s += p.x / p.w;
  return s + pts.reduce((acc, p) => acc + p.x * p.x, 0) + copy.x * copy.w;
}
function literal(a: number, b: number): number {
  const pts = [{ x: a, w: 1 }, { x: b, w: 2 }];
  let s = 0;
  for (let i = 0; i < pts.length; i++) {
    if (pts[i].x > 5) break;
    s += pts[i].x * pts[i].w + (pts[i + 1]?.x ?? 0);
  }
  return s;
}
export function f(x: number, y: number): number {
  return mapped([x, y, x * y]) + literal(x, y);
}
${EXPORTS}`;
    for (const m of await bothModes(source))
      expectAllModes(m, [
        [0.7, -1.3],
        [2, 3],
        [6, 1],
      ]);
  });

  it('grown by push is a diagnostic that says to map', () => {
    const compiled = compile({
      'main.ts': `
import { grad } from 'tapeless';
export function f(xs: number[]): number {
  const pts: { x: number; w: number }[] = [];
  for (let i = 0; i < xs.length; i++) pts.push({ x: xs[i], w: i + 1 });
  return pts.length;
}
export const df = grad(f);
`,
    });
    expect(compiled.messages).toEqual([
      expect.stringMatching(
        /main\.ts:5:48 .*an array of objects grown by push is not supported: build 'pts' with map, its callback returning an object literal/,
      ),
    ]);
  });
});

describe('fields read by a string key', () => {
  it("'o['w']', a module Record read by a literal key and by a const key, a helper's parameter read by a key: as 'o.w', in every mode", async () => {
    const source = `
import { grad, hessian, valueAndGrad } from 'tapeless';
const COEFFS: Record<string, number> = { a: 1.5, b: -0.3 };
const P = { alpha: 0.3, beta: 2 };
interface Body { m: number; v: number }
function kinetic(b: Body): number {
  return 0.5 * b['m'] * b['v'] ** 2;
}
export function f(x: number, y: number): number {
  const key = 'b';
  const o = { w: x * y, b: y };
  o.w += o['b'];
  return COEFFS['a'] * x * x + COEFFS[key] * y + P['beta'] * o['w'] + kinetic({ m: x, v: y }) + o['b'] * x;
}
export function g(b: Body): number {
  return kinetic(b) * b['m'];
}
export const dg = grad(g);
${EXPORTS}`;
    for (const m of await bothModes(source)) {
      expectAllModes(m, [
        [0.7, -1.3],
        [2, 3],
      ]);
      const body = { m: 1.5, v: -0.4 };
      const gradient = m.dg(body);
      for (const key of ['m', 'v'] as const)
        close(
          gradient[key],
          entryDifference(() => m.g(body), body, key),
          1e-6,
        );
    }
  });

  it("is a diagnostic that writes the field by its name where the key is written to, names a getter, or is known only at run time on an object whose fields are not known (a helper's table parameter)", () => {
    const compiled = compile({
      'main.ts': `
import { grad } from 'tapeless';
const COEFFS: Record<string, number> = { a: 1.5, b: -0.3 };
class Spring {
  constructor(public k: number) {}
  get stiffness(): number { return 2 * this.k; }
}
function coefficient(table: Record<string, number>, name: string, x: number): number {
  return table[name] * x;
}
export function written(x: number): number {
  const o = { a: 0, b: 1 };
  o['a'] = x * x;
  return o.a + o.b;
}
export function getter(x: number): number {
  return new Spring(x)['stiffness'] * x;
}
export function runTime(x: number): number {
  return coefficient(COEFFS, 'a', x);
}
export const a = grad(written);
export const b = grad(getter);
export const c = grad(runTime);
`,
    });
    expect(compiled.messages).toEqual([
      expect.stringMatching(/main\.ts:13:3 .*'o\['a'\]' uses a string key here: write the field by its name \('o\.a'\)/),
      expect.stringMatching(/main\.ts:17:10 .*'new Spring\(x\)\['stiffness'\]' reads 'stiffness' by a string key: write 'new Spring\(x\)\.stiffness'/),
      expect.stringMatching(
        /main\.ts:9:10 .*'table\[name\]' reads a field by a key known only at run time, .*read the field by its name \('table\.<field>'\), choosing with a 'switch' on 'name'/,
      ),
    ]);
  });
});
