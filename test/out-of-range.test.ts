// Reading past the end of an array, as boundary conditions and optional trailing entries are
// written: `u[i - 1] ?? 0`, `p[1] ?? 2`, `const [a, b = 2] = pair`. The entry is typed a
// number but is undefined there, so the default is taken; the gradient keeps the parameter's
// length (an adjoint added past the end of a number[] would lengthen it with NaN). Found by a
// fresh-project trial: the `??` was dropped and the gradients were NaN. Every mode against
// finite differences, and the gradient's length.
import { describe, expect, it } from 'vitest';
import { close, compile, entryDifference } from './support/compile.js';

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
