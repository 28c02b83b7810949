// Values that may be undefined where reverse mode records them (issue 12): a loop-carried
// `let prev: number | undefined` tested against undefined, an inner loop's result tested
// after it, an entry of a scratch array read past its end, and optional chaining after an
// entry of an array (`g[i + 1]?.[1] ?? c`). Reverse mode keeps loop-carried values and
// replayed reads in Float64Arrays, where undefined became NaN and the recomputed test took the
// other side (grad(prevDiff) was [NaN, 4.8, −6.4, 3] against [−1.4, 4.8, −6.4, 3]); they are
// now recorded with whether they were undefined. The user programs (test/fixtures/users,
// maybe-undefined.ts) check grad, valueAndGrad, hessian, derivative and jacobian through the
// hosts; here vjp, hvp and jvp against finite differences, and what the records hold.
import { describe, expect, it } from 'vitest';
import { close, compile, entryDifference } from './support/compile.js';

const SOURCE = `
import { grad, hessian, hvp, jvp, vjp } from 'tapeless';
export function prevDiff(xs: number[]): number {
  let prev: number | undefined;
  let s = 0;
  for (const x of xs) { if (prev !== undefined) s += (x - prev) ** 2; prev = x; }
  return s;
}
export function ema(xs: number[]): number {
  let e: number | undefined;
  let s = 0;
  for (const x of xs) { e = e === undefined ? x : 0.3 * x + 0.7 * e; s += Math.sin(e) * x; }
  return s;
}
export function grid(xs: number[]): number {
  const g = xs.map((x, i) => [x, x * (i + 1)]);
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i][0] * (g[i + 1]?.[1] ?? 0.5) + (g[i - 1]?.[0] ?? 2) ** 2;
  return s;
}
export function rows(m: number[][]): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i][0] * (m[i - 1]?.[0] ?? 1) + Math.exp(m[i + 1]?.[1] ?? m[i][0]);
  return s;
}
export function nextWeighted(xs: number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) { const next = xs[i + 1]; s += (next ?? 0.5) * Math.sin(xs[i]); }
  return s;
}
export function plain(xs: number[]): number {
  let prev = 0;
  let s = 0;
  for (const x of xs) { s += (x - prev) ** 2; prev = x; }
  return s;
}
export const dPrevDiff = grad(prevDiff);
export const vjpPrevDiff = vjp(prevDiff);
export const hvpPrevDiff = hvp(prevDiff);
export const jvpPrevDiff = jvp(prevDiff);
export const dEma = grad(ema);
export const vjpEma = vjp(ema);
export const hEma = hessian(ema);
export const hvpEma = hvp(ema);
export const jvpEma = jvp(ema);
export const dGrid = grad(grid);
export const vjpGrid = vjp(grid);
export const hGrid = hessian(grid);
export const hvpGrid = hvp(grid);
export const jvpGrid = jvp(grid);
export const dRows = grad(rows);
export const vjpRows = vjp(rows);
export const jvpRows = jvp(rows);
export const dNextWeighted = grad(nextWeighted);
export const vjpNextWeighted = vjp(nextWeighted);
export const hvpNextWeighted = hvp(nextWeighted);
export const jvpNextWeighted = jvp(nextWeighted);
export const dPlain = grad(plain);
`;

const XS = [-1.4, 4.8, -6.4, 3];
const SMALL = [-0.7, 1.7, -0.4, 0.8];
const M = [[0.3, -1.2, 0.5], [2], [-0.5, 1.1]];

type Fn = (x: number[]) => number;

/** The gradient of f at x by finite differences. */
const differences = (f: Fn, x: number[]) => x.map((_, i) => entryDifference(() => f(x), x, i));

describe('values that may be undefined where reverse mode records them', () => {
  it('give the gradient of finite differences through vjp, hvp and jvp', async () => {
    const compiled = compile({ 'main.ts': SOURCE });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    // The numbers: [-1.4, 4.8, -6.4, 3] (they were [NaN, 4.8, -6.4, 3]).
    m.dPrevDiff([0, 0.7, -1, 0.5]).forEach((g: number, i: number) => close(g, [-1.4, 4.8, -6.4, 3][i], 1e-12));
    for (const [name, x] of [
      ['prevDiff', XS],
      ['ema', SMALL],
      ['grid', SMALL],
      ['nextWeighted', SMALL],
    ] as const) {
      const f: Fn = m[name];
      const expected = differences(f, [...x]);
      // As long as the parameter: nothing is added past its end (`xs[i + 1]` read at the last i).
      expect(m[`d${name[0].toUpperCase()}${name.slice(1)}`](x)).toHaveLength(x.length);
      m[`d${name[0].toUpperCase()}${name.slice(1)}`](x).forEach((g: number, i: number) => close(g, expected[i], 1e-5));
      const [value, pullback] = m[`vjp${name[0].toUpperCase()}${name.slice(1)}`](x);
      expect(value).toBe(f(x));
      pullback(2).forEach((g: number, i: number) => close(g, 2 * expected[i], 1e-5));
      const v = [0.5, -1, 0.25, 2];
      const [, tangent] = m[`jvp${name[0].toUpperCase()}${name.slice(1)}`]([x], [v]);
      close(
        tangent,
        expected.reduce((sum, g, i) => sum + g * v[i], 0),
        1e-5,
      );
      // hvp: the derivative of the gradient along v, by differences of the gradient.
      const gradient = m[`d${name[0].toUpperCase()}${name.slice(1)}`];
      const hv = m[`hvp${name[0].toUpperCase()}${name.slice(1)}`](x, v);
      const h = 1e-4;
      const along = (t: number) => gradient(x.map((xi: number, i: number) => xi + t * v[i]));
      hv.forEach((entry: number, i: number) => close(entry, (along(h)[i] - along(-h)[i]) / (2 * h), 1e-5));
    }
    // An array of arrays given to the function, rows of different lengths.
    const gradient = m.dRows(M);
    M.forEach((row, i) =>
      row.forEach((_, j) =>
        close(
          gradient[i][j],
          entryDifference(() => m.rows(M), M[i], j),
          1e-5,
        ),
      ),
    );
    const [, pullback] = m.vjpRows(M);
    expect(pullback(1)).toEqual(gradient);
    const direction = [[1, 0, 0.5], [-1], [0.25, 2]];
    const [, tangent] = m.jvpRows([M], [direction]);
    close(
      tangent,
      gradient.flat().reduce((sum: number, g: number, k: number) => sum + g * direction.flat()[k], 0),
      1e-9,
    );
  });

  it('records whether a value was undefined only where the code tests it', () => {
    const { js } = compile({ 'main.ts': SOURCE });
    const generated = js['main.ts'];
    const body = (name: string) => generated.slice(generated.indexOf(`function ${name}(`), generated.indexOf('\n}\n', generated.indexOf(`function ${name}(`)));
    // prev: its value, then whether it was undefined, and restored as undefined where it was.
    expect(body('prevDiff_grad')).toMatch(/record\[passes \* 2 \+ 1\] = prev === undefined \? 1 : 0;/);
    expect(body('prevDiff_grad')).toMatch(/= record\[\w+ \* 2 \+ 1\] \? undefined : record\[\w+ \* 2\];/);
    // A number that is never undefined has one slot, as before.
    expect(body('plain_grad')).toMatch(/record\[passes\] = prev;/);
    expect(body('plain_grad')).not.toMatch(/=== undefined|\? undefined/);
  });
});
