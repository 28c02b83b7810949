// Ordinary code users wrote that was rejected or wrong (session 25): `!= null` on a value that
// may be undefined, `number | null`, object literals with a field that may be undefined, local
// arrays of objects read by index, and a read past the end of a row of an array of arrays the
// function builds (its flat data went on with the next row's numbers). Each against finite
// differences, in reverse mode (checked against forward mode by `compile`) and in forward mode,
// with a Hessian against the differences of the gradient.
import { describe, expect, it } from 'vitest';
import { close, compile, compileForward, expectHessianOfGradient, partialDifference } from './support/compile.js';

type Scalar = (...args: number[]) => number;

/** Every partial of `gradient` (a number or a tuple) against the differences of `f` at `point`. */
function expectGradient(gradient: number | readonly number[], f: Scalar, point: readonly number[]): void {
  const partials = typeof gradient === 'number' ? [gradient] : gradient;
  expect(partials.length).toBe(point.length);
  partials.forEach((partial, i) => close(partial, partialDifference(f, point, i), 1e-6));
}

/** Compiles `source` in both modes; each exports `f`, `df = grad(f, all)`, `hf = hessian(f)`, `vf = valueAndGrad(f, all)`. */
async function bothModes(source: string): Promise<Record<string, any>[]> {
  const reverse = compile({ 'main.ts': source });
  expect(reverse.messages).toEqual([]);
  const forward = compileForward({ 'main.ts': source });
  expect(forward.messages).toEqual([]);
  return [await reverse.load(), await forward.load()];
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
  it('is undefined, as in JavaScript, not the next row’s number: at a constant index, a counted index and in a ragged array', async () => {
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
