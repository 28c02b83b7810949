// Arrays of objects of numbers built by Array.from (`Array.from({ length: n }, (_, i) =>
// ({ x: …, y: … }))`, `Array.from(xs, (x, i) => ({ v: …, w: … }))`), as map builds them: read by
// for-of, by index in a counted loop and by reduce, and their entries' fields written (by
// index, for-of, a method of an instance), which was a diagnostic. They were built as arrays of numbers
// holding objects: reverse mode threw `Cannot create property 'y' on number '0'` from generated
// code (found by a new user's trial). Every mode against finite differences, in a reverse build
// (checked against forward mode at every call by compile()) and a forward one.
import { beforeAll, describe, expect, it } from 'vitest';
import { bothBuilds, close, compile, loadedMain, partialDifference } from './support/compile.js';
import { expectPointModes, pointModeExports } from './support/every-mode.js';

const FUNCTIONS = `
export function chain(a: number, b: number): number {
  const pts = Array.from({ length: 4 }, (_, i) => ({ x: a * i, y: b + i * a }));
  let e = 0;
  for (const p of pts) e += p.x * p.y;
  for (let i = 1; i < pts.length; i++) e += (pts[i].x - pts[i - 1].y) ** 2;
  return e;
}
export function weighted(a: number, b: number, xs: number[]): number {
  const items = Array.from(xs, (x, i) => ({ v: x * a, w: i + b }));
  return items.reduce((s, item) => s + item.v * item.w, 0);
}
export function sized(a: number, b: number, n: number): number {
  const pts = Array.from({ length: n }, (_, i) => ({ x: Math.sin(a * i), y: b * i }));
  let s = 0;
  for (const p of pts) s += p.x * p.y;
  return s;
}
/** Particles stepped in place: fields of entries written by index, in nested loops. */
export function particles(a: number, b: number, n: number): number {
  const ps = Array.from({ length: n }, (_, i) => ({ x: a * (i + 1), v: b }));
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < ps.length; i++) {
      ps[i].x += 0.1 * ps[i].v;
      ps[i].v -= 0.1 * Math.sin(ps[i].x);
    }
  }
  return ps.reduce((s, p) => s + p.x * p.v, 0);
}
class Body {
  constructor(
    public x: number,
    public v: number,
  ) {}
  step(dt: number): void {
    this.x += dt * this.v;
    this.v -= dt * this.x;
  }
}
/** Instances built by Array.from, stepped by a method that writes \`this\`. */
export function bodies(a: number, b: number, n: number): number {
  const bs = Array.from({ length: n }, (_, i) => new Body(a * (i + 1), b));
  for (let k = 0; k < 4; k++) for (const body of bs) body.step(0.1);
  let e = 0;
  for (const body of bs) e += body.x * body.x + body.v * body.v;
  return e;
}
/** Entries of a map written by for-of, =, ++ and -=; an entry another name holds sees the writes, as in JavaScript. */
export function mapped(a: number, b: number, xs: number[]): number {
  const items = xs.map((x, i) => ({ v: x * a, w: i + b }));
  const second = items[1];
  for (const item of items) item.v *= item.w;
  items[0].w = a * b;
  items[1].v++;
  items[2].v -= second.w;
  return items.reduce((s, item) => s + item.v * item.w, 0) + second.v * { ...items[1] }.w;
}
type P = { x: number; v: number };
function kick(p: P, dt: number): void {
  p.x += dt * p.v;
}
function stepAll(ps: P[], dt: number): void {
  for (let i = 0; i < ps.length; i++) {
    ps[i].v -= dt * ps[i].x;
    kick(ps[i], dt);
  }
}
/** Helpers given the array, or an entry, write its fields; forEach writes them too. */
export function helpers(a: number, b: number): number {
  const ps: P[] = Array.from({ length: 3 }, (_, i) => ({ x: a + i, v: b }));
  for (let k = 0; k < 5; k++) stepAll(ps, 0.1);
  ps.forEach((p) => {
    p.x *= 2;
  });
  return ps.reduce((s, p) => s + p.x * p.v, 0);
}
`;
const MAIN = `import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';
${FUNCTIONS}
${pointModeExports(['chain', 'weighted', 'sized', 'particles', 'bodies', 'mapped', 'helpers'], 2)}
`;

describe('arrays of objects of numbers built by Array.from', () => {
  let builds: Record<string, any>[] = [];
  beforeAll(async () => {
    builds = (await bothBuilds(MAIN)).map((build) => build.m);
  });

  it('of a length or of an array, read by for-of, by index and by reduce: every mode', () => {
    for (const m of builds) {
      for (const point of [
        [0.7, -0.4],
        [-1.2, 2.5],
      ]) {
        expectPointModes(m, 'chain', point, []);
        expectPointModes(m, 'weighted', point, [[1.5, -0.5, 2]]);
        for (const n of [3, 0]) expectPointModes(m, 'sized', point, [n]);
      }
    }
  });

  it('written: fields of entries by index, by for-of, by a method of an instance, by helpers and forEach, =, ++, +=, -= (a diagnostic that said "never into its caller\'s data")', () => {
    for (const m of builds) {
      for (const point of [
        [0.7, -0.4],
        [-1.2, 2.5],
      ]) {
        for (const n of [3, 1, 0]) {
          expectPointModes(m, 'particles', point, [n]);
          expectPointModes(m, 'bodies', point, [n]);
        }
        expectPointModes(m, 'mapped', point, [[1.5, -0.5, 2]]);
        expectPointModes(m, 'helpers', point, []);
      }
      // The values JavaScript gives: an entry another name holds sees the writes.
      const items = [1.5, -0.5, 2].map((x, i) => ({ v: x * 0.7, w: i - 0.4 }));
      const second = items[1];
      for (const item of items) item.v *= item.w;
      items[0].w = 0.7 * -0.4;
      items[1].v++;
      items[2].v -= second.w;
      expect(m.mapped(0.7, -0.4, [1.5, -0.5, 2])).toBeCloseTo(items.reduce((s, item) => s + item.v * item.w, 0) + second.v * items[1].w, 12);
    }
  });

  it('objects a map returns as they are: JavaScript holds them twice, so a later write to either is a diagnostic (it was a wrong gradient for a record)', () => {
    const compiled = compile({
      'main.ts': `import { grad } from 'tapeless';
type P = { x: number; v: number };
export function copyWritten(a: number, xs: number[]): number {
  const ps: P[] = xs.map((x) => ({ x: x * a, v: 1 }));
  const q = ps.map((p) => p);
  q[0].x = 5 * a;
  return ps[0].x;
}
export function sourceWritten(a: number, xs: number[]): number {
  const ps: P[] = xs.map((x) => ({ x: x * a, v: 1 }));
  const q = ps.map((p) => p);
  ps[0].x = 5 * a;
  return q[0].x;
}
export function recordWritten(a: number, xs: number[]): number {
  const o = { x: a, v: 1 };
  const q = xs.map(() => o);
  o.x = 5 * a;
  return q[0].x;
}
export const g1 = grad(copyWritten, { wrt: 0 });
export const g2 = grad(sourceWritten, { wrt: 0 });
export const g3 = grad(recordWritten, { wrt: 0 });
`,
    });
    const held =
      'is not supported here: a map or Array.from before it put this object into an array as it is (JavaScript holds the same object twice), and differentiated code keeps a copy of its numbers there, which would not see the write. Return a new object from the callback (an object literal, or a spread of the object), or write the field before the array is built.';
    expect(compiled.messages.map((message) => message.split('\n')[0])).toEqual([
      `main.ts:6:3 tapeless: writing to 'q[0].x' ${held}`,
      `main.ts:12:3 tapeless: writing to 'ps[0].x' ${held}`,
      `main.ts:18:3 tapeless: writing to 'o.x' ${held}`,
    ]);
  });

  it('a slice holds the same objects, a map of spreads new ones: writes show where JavaScript shows them', async () => {
    const m = await loadedMain({
      'main.ts': `import { grad } from 'tapeless';
export function sliced(a: number, b: number): number {
  const ps = Array.from({ length: 3 }, (_, i) => ({ x: a * (i + 1), v: b }));
  const rest = ps.slice(1);
  rest[0].x = 5 * a * b;
  return ps[1].x + rest[0].x * ps[0].v;
}
export function spread(a: number, b: number): number {
  const ps = Array.from({ length: 3 }, (_, i) => ({ x: a * (i + 1), v: b }));
  const copies = ps.map((p) => ({ ...p }));
  copies[0].x = 5 * a * b;
  return ps[0].x + copies[0].x;
}
export const gSliced = grad(sliced);
export const gSpread = grad(spread);
`,
    });
    for (const [name, gradient] of [
      ['sliced', 'gSliced'],
      ['spread', 'gSpread'],
    ]) {
      const point = [0.6, -1.3];
      const expected = point.map((_, i) => partialDifference(m[name], point, i));
      m[gradient](...point).forEach((d: number, i: number) => close(d, expected[i], 1e-6));
    }
  });

  it('whose callback returns other than numbers or objects of numbers: a diagnostic that says what to return', () => {
    const compiled = compile({
      'main.ts': `import { grad } from 'tapeless';
export function f(a: number): number {
  const tags = Array.from({ length: 2 }, (_, i) => (i > 0 ? 'b' : 'a'));
  return a * tags.length;
}
export const g = grad(f);
`,
    });
    expect(compiled.messages).toEqual([
      expect.stringMatching(
        /main\.ts:3:42 .*Array\.from must build an array of numbers or of objects of numbers here: return a number or an object literal of numbers from its callback/,
      ),
    ]);
  });
});
