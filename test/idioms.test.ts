// Idioms TypeScript programmers write without thinking, each in the program of a user who
// wants its gradient: `for (const [i, v] of xs.entries())` (and keys(), values()), defaults
// in destructuring (`const [a, b = 2] = xs`, `{ lr = 0.1 } = opts`, in parameters), rest
// elements (`const [first, ...others] = xs`, `[head, ...more] = others`, in parameters),
// optional chaining on data (`opts?.lr`, `p.q?.x`, `xs?.[0]`), generic helpers
// (`<T extends number[]>(v: T)`) and branded numbers (`number & { unit: 'm' }`), and constants another module keeps to itself (`const
// WEIGHTS = [...]`, not exported), integer operators on indices and counts (`xs[n >> 1]`,
// `i | 0`, `h >>> 0`, derivative zero) and logical assignments (`first ??= x`, `k ||= d`). Every mode — grad, valueAndGrad, hessian, hvp, vjp, jvp,
// derivative, jacobian — against finite differences (and forward mode, through compile's twin).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';

const LIB = `
const WEIGHTS = [0.5, -1.5, 2];
const GAINS = { low: 0.25, high: 1.75 } as const;
const MIXING = [
  [1, 0.5],
  [-0.25, 2],
];
export function weighted(s: number, xs: number[]): number {
  let total = 0;
  for (let i = 0; i < xs.length; i++) total += WEIGHTS[i % WEIGHTS.length] * xs[i] * s;
  return total + GAINS.high * s * s - GAINS.low * MIXING[1][0] * xs[0] * MIXING[0][1];
}
`;

/** Each program takes a number `s` (for derivative) and an array `xs`, then data. */
const PROGRAMS = {
  entries: `
export function entries(s: number, xs: number[]): number {
  let total = 0;
  for (const [i, v] of xs.entries()) total += (i + 1) * v * v * s;
  for (const i of xs.keys()) total += Math.sin(xs[i] * s);
  for (let v of xs.values()) {
    v *= 2;
    total += v * s;
  }
  return total;
}`,
  restElements: `
function tail([, ...rest]: number[]): number[] {
  return rest;
}
export function restElements(s: number, xs: number[]): number {
  const [first, ...others] = xs;
  const [a, b, c, d, ...none] = xs;
  let head = 0;
  let more: number[] = [];
  [head, ...more] = others;
  let total = first * s + others.reduce((acc, v, i) => acc + v * (i + 1) * s, 0) + (d ?? s) * none.length;
  for (let k = 0; k < 2; k++) {
    const [p, ...q] = tail(xs);
    total += p * q.length * s + (q[0] ?? 0) * head;
  }
  return total + more.length * a * b * c + Math.sin(s * more[0]);
}`,
  destructuringDefaults: `
interface Options { lr?: number; decay?: number; scale: number }
const OPTIONS: Options = { scale: 1.5, decay: 0.2 };
function step({ scale, lr = 0.1 }: Options, w: number): number {
  return w - lr * scale * w * w;
}
export function destructuringDefaults(s: number, xs: number[]): number {
  const [a, b = 2, c = s * s] = xs;
  const { lr = 0.3, decay = 0 } = OPTIONS;
  let total = a * b * c + lr * decay * s;
  for (const [x, y = 1] of [[s, a], [b]]) total += x * y;
  return total + step(OPTIONS, s * a) + step({ scale: 2, lr: s }, b);
}`,
  optionalChaining: `
interface Config { lr?: number; inner?: { gain: number } }
function rate(w: number, config?: Config): number {
  return w * (config?.lr ?? 0.1) + (config?.inner?.gain ?? 1) * w * w;
}
function first(w: number, extra?: number[]): number {
  return (extra?.[0] ?? 2) * w;
}
export function optionalChaining(s: number, xs: number[]): number {
  const local: Config = { inner: { gain: xs[2] } };
  const partial: Config = { lr: s };
  const total = (local.inner?.gain ?? 1) * s + (partial.inner?.gain ?? 3) * xs[1] + (partial?.lr ?? 0) * xs[0];
  return total + rate(s) + rate(xs[0] * s, { lr: xs[1] }) + rate(s, { inner: { gain: xs[2] } }) + first(s) + first(s, xs) * xs[0];
}`,
  generics: `
function norm2<T extends number[]>(v: T): number {
  return v.reduce((sum, x) => sum + x * x, 0);
}
function scaled<T extends number>(x: T, k: T): number {
  return x * k;
}
type Meters = number & { readonly unit: 'm' };
function area(width: Meters, height: Meters): number {
  return width * height;
}
export function generics(s: number, xs: number[]): number {
  return norm2(xs) * s + scaled(s, xs[0]) + norm2([s, xs[1]]) + area(s as Meters, (xs[2] * 2) as Meters);
}`,
  moduleConstants: `
export function moduleConstants(s: number, xs: number[]): number {
  return weighted(s, xs) * Math.cos(s);
}`,
  integerOperators: `
export function integerOperators(s: number, xs: number[]): number {
  const n = xs.length;
  let total = xs[n >> 1] * s;
  for (let i = 0; i < n >>> 1; i++) total += xs[(i * 3 + 1) % n] * xs[i ^ 1] * s + xs[~~(i / 2)] * xs[(i + 1) & (n - 1)];
  // Neighbours by integer operators, past the end too: an index computed so has no effects.
  for (let i = 0; i < n; i++) total += (xs[i ^ 1] ?? s) * xs[i] + (xs[(i + 3) | 0] ?? 1) * (xs[i >> 1] ?? 0) * s;
  let k = (s * 3) | 0;
  k <<= 1;
  k >>= 0;
  return total + k * s * s + ((Math.abs(s) * 7.3) >>> 0) * 0.01 + ~(n << 2) * s;
}`,
  logicalAssignments: `
export function logicalAssignments(s: number, xs: number[]): number {
  let first: number | undefined;
  let total = 0;
  for (const x of xs) {
    first ??= x * s;
    let scaled = x > 0 ? 0 : x * s;
    scaled ||= x * x;
    let kept = x * s;
    kept &&= kept + first;
    total += first * x + scaled + kept;
  }
  const st = { v: s > 0 ? 0 : s };
  st.v ||= 2 * s;
  return total + st.v * s;
}`,
};

const NAMES = Object.keys(PROGRAMS);

const SOURCE = `
import { derivative, grad, hessian, hvp, jacobian, jvp, valueAndGrad, vjp } from 'tapeless';
import { weighted } from './lib.js';
${Object.values(PROGRAMS).join('\n')}
${NAMES.map(
  (name) => `
export const grad_${name} = grad(${name});
export const valueAndGrad_${name} = valueAndGrad(${name});
export const hessian_${name} = hessian(${name});
export const hvp_${name} = hvp(${name});
export const vjp_${name} = vjp(${name});
export const jvp_${name} = jvp(${name});
export const derivative_${name} = derivative(${name});
export const jacobian_${name} = jacobian(${name});`,
).join('')}
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE, 'lib.ts': LIB });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

const POINTS: readonly (readonly number[])[] = [
  [0.7, 1.2, -0.4, 0.9],
  [-1.1, 0.3, 1.5, -0.6],
];

/** The differences of f(s, xs) at the flat point [s, ...xs]. */
function gradientByDifferences(f: (s: number, xs: number[]) => number, point: readonly number[]): number[] {
  const flat = (...p: number[]) => f(p[0], p.slice(1));
  return point.map((_, i) => partialDifference(flat, point, i));
}

describe.each(NAMES)('%s', (name) => {
  it('in every mode, against finite differences', () => {
    const f = m[name];
    for (const point of POINTS) {
      const [s, ...xs] = point;
      const expected = gradientByDifferences(f, point);
      const check = ([gs, gxs]: [number, number[]], scale = 1) => [gs, ...gxs].forEach((g, i) => close(g, scale * expected[i], 1e-6));
      check(m[`grad_${name}`](s, xs));
      const [value, gradient] = m[`valueAndGrad_${name}`](s, xs);
      expect(value).toBe(f(s, xs));
      check(gradient);
      close(m[`derivative_${name}`](s, xs), expected[0], 1e-6);
      m[`jacobian_${name}`](s, xs)[0].forEach((g: number, i: number) => close(g, expected[i], 1e-6));
      const [vjpValue, pullback] = m[`vjp_${name}`](s, xs);
      expect(vjpValue).toBe(value);
      check(pullback(-2), -2);
      const tangent = point.map((_, i) => (i % 2 === 0 ? 1 : -0.5));
      const [jvpValue, directional] = m[`jvp_${name}`]([s, xs], [tangent[0], tangent.slice(1)]);
      expect(jvpValue).toBe(value);
      close(
        directional,
        expected.reduce((sum, g, i) => sum + g * tangent[i], 0),
        1e-6,
      );
      const hessian = m[`hessian_${name}`](s, xs);
      point.forEach((_, i) => {
        const row = gradientByDifferences((s2, xs2) => {
          const [gs, gxs] = m[`grad_${name}`](s2, xs2);
          return [gs, ...gxs][i];
        }, point);
        row.forEach((h, j) => close(hessian[i][j], h, 1e-5));
      });
      const [hvS, hvXs] = m[`hvp_${name}`](s, xs, [tangent[0], tangent.slice(1)]);
      [hvS, ...hvXs].forEach((value: number, i: number) =>
        close(
          value,
          hessian[i].reduce((sum: number, h: number, j: number) => sum + h * tangent[j], 0),
          1e-9,
        ),
      );
    }
  });
});
