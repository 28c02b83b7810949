// Reading past the end of an array, as boundary conditions and optional trailing entries are
// written: `u[i - 1] ?? 0`, `p[1] ?? 2`, `const [a, b = 2] = pair`. The entry is typed a
// number but is undefined there, so the default is taken; the gradient keeps the parameter's
// length (an adjoint added past the end of a number[] would lengthen it with NaN). Found by a
// fresh-project trial: the `??` was dropped and the gradients were NaN. Every mode against
// finite differences, and the gradient's length.
import { describe, expect, it } from 'vitest';
import { close, compile, entryDifference, finiteDifference } from './support/compile.js';

const SOURCE = `
import { grad, hessian, hvp, jacobian, jvp, valueAndGrad, vjp } from 'tapeless';
export function trailing(p: number[]): number { const b = p[1] ?? 2; return p[0] * b + Math.sin(p[0]); }
export function heat(u: number[]): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) {
    const left = u[i - 1] ?? 0;
    const right = (u[i + 1] ?? 0) as number;
    s += (left - 2 * u[i] + right) ** 2;
  }
  return s;
}
export function pairDefault(pair: number[]): number { const [a, b = 2] = pair; return a * a * b; }
export function laplacian(u: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < u.length; i++) out.push((u[i - 1] ?? u[i]) - 2 * u[i] + (u[i + 1] ?? u[i]));
  return out;
}
export const dTrailing = grad(trailing);
export const vgTrailing = valueAndGrad(trailing);
export const hTrailing = hessian(trailing);
export const dHeat = grad(heat);
export const hHeat = hessian(heat);
export const hvpHeat = hvp(heat);
export const dPair = grad(pairDefault);
export const hPair = hessian(pairDefault);
export const vjpPair = vjp(pairDefault);
export const jLaplacian = jacobian(laplacian);
export const jvpLaplacian = jvp(laplacian);
`;

const expectGradient = (gradient: ArrayLike<number>, f: (x: number[]) => number, x: number[]) => {
  expect(gradient.length, 'the gradient is as long as the parameter').toBe(x.length);
  x.forEach((_, i) =>
    close(
      gradient[i],
      entryDifference(() => f(x), x, i),
      1e-5,
    ),
  );
};

describe('reading past the end of an array', () => {
  it('takes the default, in every mode, with gradients as long as the parameter', async () => {
    const compiled = compile({ 'main.ts': SOURCE });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    for (const p of [[0.7], [0.7, -1.3]]) {
      expectGradient(m.dTrailing(p), m.trailing, [...p]);
      expect(m.vgTrailing(p)[0]).toBe(m.trailing(p));
      expect(m.hTrailing(p).length).toBe(p.length);
    }
    close(m.hTrailing([0.7])[0][0], -Math.sin(0.7));
    const u = [0.3, -0.5, 0.9, 0.2];
    expectGradient(m.dHeat(u), m.heat, [...u]);
    const H: number[][] = m.hHeat(u);
    H.forEach((row, i) =>
      row.forEach((h, j) =>
        close(
          h,
          entryDifference(() => m.dHeat(u)[i], u, j),
          1e-5,
        ),
      ),
    );
    const v = [0.5, -1, 0.25, 2];
    m.hvpHeat(u, v).forEach((hv: number, i: number) =>
      close(
        hv,
        H[i].reduce((sum, h, j) => sum + h * v[j], 0),
        1e-9,
      ),
    );
    for (const pair of [[1.5], [1.5, 3]]) {
      expectGradient(m.dPair(pair), m.pairDefault, [...pair]);
      expect(m.hPair(pair).length).toBe(pair.length);
      const [value, pullback] = m.vjpPair(pair);
      expect(value).toBe(m.pairDefault(pair));
      expect(pullback(2)).toEqual(m.dPair(pair).map((g: number) => 2 * g));
    }
    expect(m.hPair([1.5])).toEqual([[4]]);
    const w = new Float64Array([0.3, -0.5, 0.9]);
    const J: number[][] = m.jLaplacian(w);
    J.forEach((row, i) =>
      row.forEach((entry, j) =>
        close(
          entry,
          entryDifference(() => m.laplacian(w)[i], w, j),
          1e-5,
        ),
      ),
    );
    const [, tangent] = m.jvpLaplacian([w], [new Float64Array([1, 0, 0])]);
    expect(tangent).toEqual(J.map((row) => row[0]));
  });

  // Inside loops and branches reverse mode recomputes, and replays the entries of local arrays
  // it read from a record of numbers, where an undefined entry became NaN: the replayed test
  // took the other side. grad(stencil)(0.7) was -0.61 against -0.073 (found by the fuzzer).
  it('takes the default where reverse mode recomputes: local arrays in loops, grown by push, swapped, and rows of arrays of arrays', async () => {
    const compiled = compile({
      'main.ts': `import { derivative, grad, hessian } from 'tapeless';
export function stencil(x: number): number {
  const p = [0.28, -1.38];
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.tanh(x * (p[i + 1] ?? 0.66));
  return s;
}
export function swapped(x: number, xs: number[]): number {
  let p = xs.map((v) => v * x);
  let next = new Array<number>(p.length).fill(0);
  for (let k = 0; k < 2; k++) {
    for (let i = 0; i < p.length; i++) next[i] = 0.86 * p[(i + 1) % p.length] + 0.2 * Math.tanh(x * (p[i + 1] ?? 0.66) + (p[i - 1] ?? x));
    [p, next] = [next, p];
  }
  return p[0] + 2 * p[1] * p[2];
}
export function cumulative(x: number): number {
  const holes = new Array<number>(3);
  holes[0] = x;
  const out: number[] = [];
  for (let i = 0; i < 3; i++) out.push((out[i - 1] ?? 1) * x + (holes[i] ?? 2));
  return out[2] + (holes[1] ?? 0.5) * x;
}
export function unpacked(x: number, pair: number[]): number {
  let s = 0;
  const w = [x, 2 * x];
  for (let i = 0; i < 3; i++) {
    const [a, b = 2] = pair;
    const [c, , e = 1.5] = w;
    s += Math.tanh(x * b) * a + (pair[i] ?? 0.5) * x + c * e + (w[i + 1] ?? 0.25) * x;
    w[1] = Math.sin(s);
  }
  return s;
}
export function rows(x: number, m: number[][]): number {
  const local = m.map((row) => row.map((v) => v * x));
  let s = 0;
  for (let k = 0; k < m.length; k++)
    for (let i = 0; i < m[k].length; i++) s += Math.sin(x * (m[k][i + 1] ?? 0.3)) * (local[k][i - 1] ?? x);
  return s;
}
export const dStencil = grad(stencil);
export const hStencil = hessian(stencil);
export const dSwapped = grad(swapped, { wrt: 0 });
export const hSwapped = hessian(swapped, { wrt: 0 });
export const tSwapped = derivative(swapped, { wrt: 0 });
export const dCumulative = grad(cumulative);
export const hCumulative = hessian(cumulative);
export const dUnpacked = grad(unpacked, { wrt: 0 });
export const hUnpacked = hessian(unpacked, { wrt: 0 });
export const dRows = grad(rows, { wrt: 0 });
export const hRows = hessian(rows, { wrt: 0 });`,
    });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    const xs = [0.28, -1.38, 0.5],
      pair = [1.5],
      longer = [1.5, 0.3],
      matrix = [
        [0.5, -1],
        [2, 0.25, 0.75],
      ];
    // Each function of x, its gradient and its Hessian (one number each, in x).
    const cases: [string, (x: number) => number, (x: number) => number, (x: number) => number][] = [
      ['stencil', m.stencil, m.dStencil, (x) => m.hStencil(x)[0][0]],
      ['swapped', (x) => m.swapped(x, xs), (x) => m.dSwapped(x, xs), (x) => m.hSwapped(x, xs)[0][0]],
      ['swapped (forward)', (x) => m.swapped(x, xs), (x) => m.tSwapped(x, xs), (x) => m.hSwapped(x, xs)[0][0]],
      ['cumulative', m.cumulative, m.dCumulative, (x) => m.hCumulative(x)[0][0]],
      ['unpacked [1.5]', (x) => m.unpacked(x, pair), (x) => m.dUnpacked(x, pair), (x) => m.hUnpacked(x, pair)[0][0]],
      ['unpacked [1.5, 0.3]', (x) => m.unpacked(x, longer), (x) => m.dUnpacked(x, longer), (x) => m.hUnpacked(x, longer)[0][0]],
      ['rows', (x) => m.rows(x, matrix), (x) => m.dRows(x, matrix), (x) => m.hRows(x, matrix)[0][0]],
    ];
    for (const [name, f, gradient, second] of cases) {
      for (const x of [0.7, -0.4]) {
        close(gradient(x), finiteDifference(f, x, 1e-4), 1e-6);
        close(second(x), finiteDifference(gradient, x, 1e-4), 1e-5);
        expect(Number.isFinite(gradient(x)), name).toBe(true);
      }
    }
  });

  it('is a diagnostic where the index has effects (it would be evaluated twice)', () => {
    const compiled = compile({
      'main.ts': `import { grad } from 'tapeless';
export function f(u: number[]): number { let i = 0; const a = u[i++] ?? 0; return a * u[0] + i; }
export const g = grad(f);`,
    });
    expect(compiled.messages.join('\n')).toMatch(
      /main\.ts:2:63 .*'\?\?' on an array entry whose index has effects: compute the index in a statement of its own first/,
    );
  });

  it('is a diagnostic where the index is read through a getter that writes (read twice, it gave the gradient of u[1])', () => {
    const compiled = compile({
      'main.ts': `import { grad } from 'tapeless';
class Cursor { i = 0; get next(): number { return this.i++; } }
export function f(u: number[]): number { const c = new Cursor(); const a = u[c.next] ?? 0; return a * u[0] + c.i; }
export const g = grad(f);`,
    });
    expect(compiled.messages.join('\n')).toMatch(
      /main\.ts:3:76 .*'\?\?' on an array entry whose index has effects: compute the index in a statement of its own first/,
    );
  });
});
