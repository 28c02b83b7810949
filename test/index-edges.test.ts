// Writes and reads at the edges of local arrays, as JavaScript runs them: a write past the end
// of a typed array, or at an index it has no entry for (negative, fractional, NaN), is ignored;
// a `number[]` written there grows (past the end, with holes between) or takes a property that
// a read of the same key gives back. The adjoint of such a write read the gradient's entry
// there, which was undefined: reverse mode's gradient, and the Hessian (forward over reverse),
// were NaN where f is a number. Every mode against central finite differences, in a reverse
// build (checked against forward mode at every call by compile()) and a forward one.
import { describe, expect, it } from 'vitest';
import { close, compile, compileForward, finiteDifference } from './support/compile.js';

type Point = number | number[] | Float64Array;

/** Functions of one parameter, each exported with its grad (g_), valueAndGrad (vg_), jvp (j_), hessian (h_) and, of a number, derivative (d_). */
const withModes = (functions: string, names: readonly string[], numbers: readonly string[]) => `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';
${functions}
${names.map((name) => `export const g_${name} = grad(${name});\nexport const vg_${name} = valueAndGrad(${name});\nexport const j_${name} = jvp(${name});\nexport const h_${name} = hessian(${name});`).join('\n')}
${numbers.map((name) => `export const d_${name} = derivative(${name});`).join('\n')}
`;

const entries = (x: Point): number[] => (typeof x === 'number' ? [x] : Array.from(x));
const rebuilt = (x: Point, values: number[]): Point => (typeof x === 'number' ? values[0] : x instanceof Float64Array ? new Float64Array(values) : values);
const entryOf = (g: number | ArrayLike<number>, i: number) => (typeof g === 'number' ? g : g[i]);

/** ∂f/∂x_i at x, by central differences (Richardson), on a copy. */
const difference = (f: (x: Point) => number, x: Point, i: number) =>
  finiteDifference(
    (t) =>
      f(
        rebuilt(
          x,
          entries(x).map((v, j) => (j === i ? t : v)),
        ),
      ),
    entries(x)[i],
  );

/** f's gradient from grad, valueAndGrad, jvp and (of a number) derivative, and its Hessian, each against finite differences. */
function expectEveryMode(m: Record<string, any>, name: string, x: Point, tolerance = 1e-6): void {
  const f = m[name] as (x: Point) => number;
  const copy = () => rebuilt(x, entries(x));
  const value = f(copy());
  expect(Number.isFinite(value), `${name} is a number at ${entries(x)}`).toBe(true);
  const want = entries(x).map((_, i) => difference(f, x, i));
  const gradient = m[`g_${name}`](copy());
  const [valueToo, gradientToo] = m[`vg_${name}`](copy());
  expect(valueToo).toBe(value);
  want.forEach((w, i) => {
    close(entryOf(gradient, i), w, tolerance);
    close(entryOf(gradientToo, i), w, tolerance);
  });
  if (typeof x !== 'number') expect(gradient.length, 'the gradient is as long as the parameter').toBe(want.length);
  const tangent = want.map((_, i) => 0.5 - 0.3 * i);
  const [jvpValue, directional] = m[`j_${name}`]([copy()], [rebuilt(x, tangent)]);
  expect(jvpValue).toBe(value);
  close(
    directional,
    want.reduce((sum, w, i) => sum + w * tangent[i], 0),
    tolerance,
  );
  if (typeof x === 'number') close(m[`d_${name}`](x), want[0], tolerance);
  const hessian = m[`h_${name}`](copy());
  want.forEach((_, i) =>
    want.forEach((__, j) =>
      close(
        typeof x === 'number' ? hessian[0][0] : hessian[i][j],
        difference((y) => entryOf(m[`g_${name}`](y), i), x, j),
        10 * tolerance,
      ),
    ),
  );
}

const IGNORED_WRITES = `
/** The known case: a loop over more indices than the typed array has. */
export function pastEndInLoop(xs: Float64Array): number {
  const out = new Float64Array(2);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i] * xs[i];
  let s = 0;
  for (let i = 0; i < out.length; i++) s += Math.sin(out[i]);
  return s + out.length;
}
export function pastEndAtConstant(x: number): number {
  const out = new Float64Array(2);
  out[0] = x;
  out[1] = x * x;
  out[2] = Math.exp(x);
  return out[0] + out[1] + (out[2] ?? 0.5);
}
export function negativeAndNaN(x: number): number {
  const out = new Float64Array(2);
  out[-1] = x * x;
  out[NaN] = Math.sin(x);
  out[1] = 3 * x;
  return out[1] + (out[-1] ?? 2) + (out[NaN] ?? 1);
}
export function fractional(xs: number[]): number {
  const out = new Float64Array(3);
  for (let i = 0; i < xs.length; i++) out[i / 2] = xs[i] * 3;
  return out.reduce((a, b) => a + b * b, 0);
}
/** A Float32Array, whose gradient is a Float64Array. */
export function shifted(xs: number[]): number {
  const out = new Float32Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i + 1] = xs[i];
  return out.reduce((a, b) => a + Math.cos(b), 0);
}
`;
const IGNORED = ['pastEndInLoop', 'pastEndAtConstant', 'negativeAndNaN', 'fractional', 'shifted'];

const GROWN = `
/** A loop over more indices than the array was made with. */
export function grownInLoop(xs: number[]): number {
  const out = new Array<number>(2).fill(0);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i] * xs[i];
  let s = 0;
  for (let i = 0; i < out.length; i++) s += out[i];
  return s;
}
/** A negative and a fractional key are properties, read back. */
export function properties(x: number): number {
  const out: number[] = [0, 0];
  out[-1] = x * x;
  out[0.5] = Math.sin(x);
  out[1] = x;
  return out[1] + (out[-1] ?? 0) + out[0.5] + out.length;
}
`;
const GROWN_NAMES = ['grownInLoop', 'properties'];

describe('writes a typed array ignores', () => {
  it('leave every derivative as JavaScript computes f (reverse mode was NaN)', async () => {
    const source = withModes(IGNORED_WRITES, IGNORED, ['pastEndAtConstant', 'negativeAndNaN']);
    for (const compiled of [compile({ 'main.ts': source }), compileForward({ 'main.ts': source })]) {
      expect(compiled.messages).toEqual([]);
      const m = await compiled.load();
      expectEveryMode(m, 'pastEndInLoop', new Float64Array([0.5, 1.2, -0.3, 0.8]));
      expectEveryMode(m, 'pastEndInLoop', new Float64Array([0.5]));
      for (const x of [0.7, -1.1]) {
        expectEveryMode(m, 'pastEndAtConstant', x);
        expectEveryMode(m, 'negativeAndNaN', x);
      }
      expectEveryMode(m, 'fractional', [0.5, 1.2, -0.3]);
      // Its entries are rounded to float32, and so are the differences.
      expectEveryMode(m, 'shifted', [0.5, 1.2, -0.3], 1e-3);
    }
  });
});

describe('writes a number[] grows by, or keeps as properties', () => {
  it('add into the gradient where f reads them back (reverse mode was NaN)', async () => {
    const source = withModes(GROWN, GROWN_NAMES, ['properties']);
    for (const compiled of [compile({ 'main.ts': source }), compileForward({ 'main.ts': source })]) {
      expect(compiled.messages).toEqual([]);
      const m = await compiled.load();
      for (const x of [0.7, -1.1]) expectEveryMode(m, 'properties', x);
      expectEveryMode(m, 'grownInLoop', [0.5, 1.2, -0.3, 0.8]);
      expectEveryMode(m, 'grownInLoop', [0.5]);
    }
  });
});

describe('a write past the end of a number[] at an index known when compiling', () => {
  // JavaScript lengthens the array (with holes, which reduce skips), where differentiated code
  // kept the length it was made with: valueAndGrad's value was 2.42 where f is 2.84, and
  // out.length read before the write and after it were the same.
  it('past its end, leaving holes: a diagnostic that says to write in order or how long to make it', () => {
    const compiled = compile({
      'main.ts': `
import { grad } from 'tapeless';
export function f(x: number): number {
  const out: number[] = [x, 0];
  out[4] = Math.sin(x);
  return out.reduce((a, b) => a + b * b, 0) + out[4] * 3;
}
export const df = grad(f);
`,
    });
    expect(compiled.messages).toEqual([
      expect.stringMatching(
        /main\.ts:5:3 .*'out\[4\]' is past the end of 'out', whose length is 2 here: .*Write its entries in order \('out\[2\] = …' first, or push\), or make it as long as it needs to be \('new Array<number>\(5\)\.fill\(0\)'\)/,
      ),
    ]);
  });

  it('at its end, as push does (out[3] of a length 3, out[0] then out[1] of []): the array grows, every mode', async () => {
    const source = withModes(
      `
export function atEnd(x: number): number {
  const out = new Array<number>(3).fill(x);
  for (let k = 0; k < 2; k++) out[k] = out[k + 1] * x;
  out[3] = x;
  return out.reduce((a, b) => a + b * b, 0) * out.length;
}
export function inOrder(x: number): number {
  const out: number[] = [];
  out[0] = x;
  out[1] = Math.sin(x);
  return out.reduce((a, b) => a + b, 0) + out.length;
}
`,
      ['atEnd', 'inOrder'],
      ['atEnd', 'inOrder'],
    );
    for (const compiled of [compile({ 'main.ts': source }), compileForward({ 'main.ts': source })]) {
      expect(compiled.messages).toEqual([]);
      const m = await compiled.load();
      for (const x of [0.7, -1.1]) {
        expectEveryMode(m, 'atEnd', x);
        expectEveryMode(m, 'inOrder', x);
      }
    }
  });
});
