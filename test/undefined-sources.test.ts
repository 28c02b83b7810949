// `??`, `=== undefined` and truth tests on a value typed a number that is undefined where the
// code runs, because it comes from an entry read past the end of an array (issue 12). The
// test was dropped by type where the entry reached it other than as a variable's initialiser
// (grad NaN where plain JavaScript is fine), and a read past the end that a test kept added
// into the gradient past its end (a longer gradient, ending in NaN). Definedness is now decided
// by where a value can come from (transformer/frontend/lower/definedness.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, compileForward, entryDifference } from './support/compile.js';

const FUNCTIONS = `
export function assigned(xs: number[]): number {
  let s = 0; let v = 0;
  for (let i = 0; i < xs.length; i++) { v = xs[i + 1]; s += (v ?? xs[i]) * xs[i]; }
  return s;
}
function orElse(a: number, c: number) { return a ?? c; }
export function helperParameter(xs: number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += orElse(xs[i + 1], 1) * Math.sin(xs[i]);
  return s;
}
export function objectField(xs: number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) { const o = { a: xs[i + 1], b: xs[i] }; s += (o.a ?? 2) * o.b; }
  return s;
}
export function shorterPair(xs: number[]): number {
  const pair = [xs[0] * xs[1]];
  const [a, b] = pair;
  return a * (b ?? xs[2]) + xs[3];
}
function entryAt(xs: number[], k: number) { return xs[k]; }
export function helperResult(xs: number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (entryAt(xs, i + 1) ?? 0.5) * xs[i] ** 2;
  return s;
}
export function comparedField(xs: number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) { const o = { next: xs[i + 1] }; s += (o.next === undefined ? 1 : Math.exp(o.next)) * xs[i]; }
  return s;
}
export function truthOr(xs: number[]): number {
  let s = 0; let v = 0;
  for (let i = 0; i < xs.length; i++) { v = xs[i + 1]; s += (v || 1) * xs[i]; }
  return s;
}
export function truthIf(xs: number[]): number {
  let s = 0; let v = 0;
  for (let i = 0; i < xs.length; i++) { v = xs[i + 1]; if (v) s += v * xs[i] ** 2; }
  return s;
}
export function carried(xs: number[]): number {
  let s = 0; let v = 0;
  for (let i = 0; i < xs.length; i++) { s += (v ?? xs[i]) * Math.cos(xs[i]); v = xs[i + 2]; }
  return s;
}
function squareOr(a: number = 2) { return a * a; }
export function defaultParameter(xs: number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += squareOr(xs[i + 1]) * xs[i];
  return s;
}
function copyThenChoose(a: number) { const b = a; return b ?? 3; }
export function copiedParameter(xs: number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += copyThenChoose(xs[i + 1]) * xs[i];
  return s;
}
function same(a: number) { return a; }
export function returnedParameter(xs: number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (same(xs[i + 1]) ?? 3) * Math.sin(xs[i]);
  return s;
}
export function notAssigned(xs: number[]): number {
  let s = 0; let v = 0;
  for (let i = 0; i < xs.length; i++) { v = xs[i + 1]; s += (!v ? 1 : v * v) * xs[i]; }
  return s;
}
`;
const NAMES = [
  'assigned',
  'helperParameter',
  'objectField',
  'shorterPair',
  'helperResult',
  'comparedField',
  'truthOr',
  'truthIf',
  'carried',
  'defaultParameter',
  'copiedParameter',
  'returnedParameter',
  'notAssigned',
];

const SOURCE = `
import { derivative, grad, hessian, jvp } from 'tapeless';
${FUNCTIONS}
${NAMES.map((name) => `export const d_${name} = grad(${name});\nexport const h_${name} = hessian(${name});\nexport const j_${name} = jvp(${name});`).join('\n')}
export const along = derivative((t: number) => truthIf([t, 2 * t, 0.5, -t]) + assigned([t, 1, t * t, 0.3]));
`;

type Fn = (x: number[]) => number;
const X = [0.3, -1.2, 0.7, 1.1];
const V = [0.5, -1, 0.25, 2];
const differences = (f: Fn, x: number[]) => x.map((_, i) => entryDifference(() => f(x), x, i));

let reverse: Record<string, any>;
let forward: Record<string, any>;
beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  reverse = await compiled.load();
  const forwardCompiled = compileForward({ 'main.ts': SOURCE });
  expect(forwardCompiled.messages).toEqual([]);
  forward = await forwardCompiled.load();
});

describe('values typed a number that come from a read past the end keep their test', () => {
  it.each(NAMES)('%s: grad, hessian and jvp against finite differences, in both modes', (name) => {
    const f: Fn = reverse[name];
    const expected = differences(f, [...X]);
    for (const m of [reverse, forward]) {
      const gradient = m[`d_${name}`]([...X]);
      // As long as the parameter: nothing is added past its end.
      expect(gradient).toHaveLength(X.length);
      gradient.forEach((g: number, i: number) => close(g, expected[i], 1e-5));
    }
    const [value, tangent] = reverse[`j_${name}`]([X], [V]);
    expect(value).toBe(f(X));
    close(
      tangent,
      expected.reduce((sum, g, i) => sum + g * V[i], 0),
      1e-5,
    );
    // The Hessian, entry by entry, against differences of the gradient.
    const hessian = reverse[`h_${name}`]([...X]);
    X.forEach((_, i) =>
      X.forEach((__, j) =>
        close(
          hessian[i][j],
          entryDifference(() => reverse[`d_${name}`](X)[i], X, j),
          1e-4,
        ),
      ),
    );
  });

  it('derivative along a path through two of them', () => {
    const path = (t: number) => reverse.truthIf([t, 2 * t, 0.5, -t]) + reverse.assigned([t, 1, t * t, 0.3]);
    for (const t of [0.4, -0.8]) close(reverse.along(t), (path(t + 1e-6) - path(t - 1e-6)) / 2e-6, 1e-5);
  });
});
