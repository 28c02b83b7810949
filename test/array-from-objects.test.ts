// Arrays of objects of numbers built by Array.from (`Array.from({ length: n }, (_, i) =>
// ({ x: …, y: … }))`, `Array.from(xs, (x, i) => ({ v: …, w: … }))`), as map builds them: read by
// for-of, by index in a counted loop and by reduce. They were built as arrays of numbers
// holding objects: reverse mode threw `Cannot create property 'y' on number '0'` from generated
// code (found by a new user's trial). Every mode against finite differences, in a reverse build
// (checked against forward mode at every call by compile()) and a forward one.
import { beforeAll, describe, expect, it } from 'vitest';
import { bothBuilds, compile } from './support/compile.js';
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
`;
const MAIN = `import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';
${FUNCTIONS}
${pointModeExports(['chain', 'weighted', 'sized'], 2)}
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
