// Forward mode: jvp and derivative on every construct reverse mode supports, checked
// against reverse mode (the directional derivative equals the gradient dotted with the
// tangent) and against finite differences.
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, finiteDifference, partialDifference } from './support/compile.js';

// Each function is differentiated both ways: `name_grad` (reverse) and `name_jvp` (forward).
const FUNCTIONS = `
export function seed(x: number): number {
  const a = x * x;
  const b = Math.exp(a);
  const c = a + b;
  return Math.sqrt(c) + Math.cos(c);
}

export function mathFunctions(x: number, y: number): number {
  return Math.sin(x) * Math.cos(y) + Math.tan(x / 3) + Math.atan2(x, y) + Math.sinh(x / 2) * Math.cosh(y / 3)
    + Math.tanh(x * y) + Math.asinh(x) + Math.log(y * y + 1) + Math.log1p(x * x) + Math.log2(y * y + 2) + Math.log10(x * x + 3)
    + Math.cbrt(x + 5) + Math.expm1(y / 4) + Math.hypot(x, y, 1) + Math.abs(x - y) + Math.max(x, y, 0.1) + Math.min(x, -y)
    + x ** 3 + Math.pow(y * y + 1, x / 2) + Math.asin(x / 10) + Math.acos(y / 10) + Math.atanh(x / 10) + Math.acosh(y * y + 2)
    + (x % 1.5) + Math.floor(x) * y + Math.sign(y) * x + Math.fround(x);
}

export function branches(x: number, y: number): number {
  let r = x > y ? x * y : x + y;
  if (x < 0 && y > 0) r = r * r;
  else if (x > 1 || y < -1) r -= Math.exp(x);
  switch (Math.floor(y)) {
    case 0:
      r += y;
    case 1:
      r *= 2;
      break;
    default:
      r += x * x;
  }
  return (r > 0 ? r : -r) + (x || y) + (y && x);
}

export function loops(x: number, y: number, n: number): number {
  let s = 0;
  let p = 1;
  for (let i = 0; i < n; i++) {
    if (i % 3 === 2) continue;
    s += Math.sin(x * i) * p;
    p *= y;
    if (s > 100) break;
  }
  let k = 0;
  while (k < 4) {
    s = s * 0.5 + x;
    k++;
  }
  do {
    s += y;
  } while (s < 0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < i; j++) s += x * j - y * i;
  return s;
}

export function earlyReturn(x: number, y: number): number {
  for (let i = 0; i < 10; i++) {
    x = x * 0.9 + y;
    if (x > 5) return x * y;
  }
  return x - y;
}

function helper(a: number, b: number): number {
  return a * Math.exp(-b * b);
}
function power(x: number, n: number): number {
  return n === 0 ? 1 : x * power(x, n - 1);
}
export function calls(x: number, y: number): number {
  return helper(x, y) + helper(y, x) * power(x, 3);
}

export function arrays(w: Float64Array, xs: number[], b: number): number {
  let s = b;
  for (let i = 0; i < w.length; i++) s += w[i] * xs[i] + Math.tanh(w[i] * b);
  return s * s;
}

export interface Model { w: number[]; b: number; inner: { scale: number } }
export function objects(m: Model, x: number): number {
  const { w, b } = m;
  return w.reduce((acc, v, i) => acc + v * x ** i, b) * m.inner.scale;
}

export function localArrays(x: number, y: number): number {
  const h = new Float64Array(4);
  for (let i = 0; i < 4; i++) h[i] = Math.sin(x * (i + 1)) + y;
  const squares: number[] = [];
  for (const v of h) squares.push(v * v);
  const pair = [x * y, h[2]];
  h[1] = h[1] * h[3];
  return squares.reduce((a, v) => a + v, 0) + pair[0] * pair[1] + h[1] + Math.max(...squares);
}

export function methods(v: Vec, k: number): number {
  return v.dot(v) + v.scaled(k) * k;
}
export class Vec {
  constructor(public x: number, public y: number) {}
  dot(o: Vec): number { return this.x * o.x + this.y * o.y; }
  scaled(k: number): number { return k * this.x - this.y; }
}

function layer(out: Float64Array, x: number, y: number): void {
  for (let i = 0; i < out.length; i++) out[i] = Math.tanh(x * (i + 1) + out[i] * y);
}
export function helperWrites(x: number, y: number): number {
  const h = new Float64Array(3);
  layer(h, x, y);
  layer(h, y, x);
  let s = 0;
  for (const v of h) s += v * y;
  return s;
}

export function stopped(x: number, y: number): number {
  return x * stopGradient(x * y) + y;
}
`;

const NAMES = ['seed', 'mathFunctions', 'branches', 'loops', 'earlyReturn', 'calls', 'arrays', 'objects', 'localArrays', 'methods', 'helperWrites', 'stopped'];
const SOURCE = `import { grad, jvp, stopGradient } from 'tapeless';
${FUNCTIONS}
${NAMES.map((name) => `export const ${name}_grad = grad(${name}${name === 'loops' ? ', { wrt: [0, 1] }' : ''});\nexport const ${name}_jvp = jvp(${name});`).join('\n')}
`;

/** Points to check each function at: away from its branch boundaries (checked by finite differences). */
const POINTS: Record<string, () => unknown[][]> = {
  seed: () => [[0.3], [-1.2], [0]],
  mathFunctions: () => [
    [0.7, 1.3],
    [-0.4, 2.1],
    [2.3, -1.6],
  ],
  branches: () => [
    [-0.5, 0.4],
    [1.7, 1.2],
    [0.3, 2.6],
    [2.5, -1.5],
  ],
  loops: () => [
    [0.4, 0.8, 7],
    [-0.3, 1.1, 0],
    [1.2, -0.6, 12],
  ],
  earlyReturn: () => [
    [0.5, 0.3],
    [1, 1.5],
    [-2, 0.1],
  ],
  calls: () => [
    [0.6, -0.8],
    [1.3, 0.4],
  ],
  arrays: () => [[Float64Array.of(0.1, -0.4, 0.7), [1, 2, -1], 0.3]],
  objects: () => [[{ w: [0.5, -1, 0.25], b: 0.1, inner: { scale: 1.5 } }, 0.8]],
  localArrays: () => [
    [0.3, 0.9],
    [-1.1, 0.2],
  ],
  methods: () => [
    [new module.Vec(0.4, -1.3), 0.7],
    [new module.Vec(2, 0.5), -1.1],
  ],
  helperWrites: () => [
    [0.3, -0.8],
    [1.2, 0.5],
  ],
  stopped: () => [[0.7, 1.9]],
};

/** A tangent shaped like `value`, with entries from `next`. */
function tangentLike(value: unknown, next: () => number): unknown {
  if (typeof value === 'number') return next();
  if (value instanceof Float64Array) return value.map(() => next());
  if (Array.isArray(value)) return value.map((item) => tangentLike(item, next));
  return Object.fromEntries(Object.entries(value as object).map(([key, item]) => [key, tangentLike(item, next)]));
}

function flatten(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (value instanceof Float64Array || Array.isArray(value)) return [...value].flatMap(flatten);
  return Object.values(value as object).flatMap(flatten);
}

/** The numbers of f's arguments that the gradient covers, flattened (non-number arguments such as trip counts are data). */
function differentiated(name: string, args: unknown[]): unknown[] {
  return name === 'loops' ? args.slice(0, 2) : args;
}

let module: Record<string, any>;
beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  module = await compiled.load();
});

describe('jvp agrees with reverse mode on every construct', () => {
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647) * 2 - 1;
  };
  for (const name of NAMES) {
    it(name, () => {
      for (const args of POINTS[name]()) {
        const tangents = args.map((arg) => tangentLike(arg, random));
        if (name === 'loops') tangents[2] = 0;
        const [value, tangent] = module[`${name}_jvp`](args, tangents);
        expect(value).toBe(module[name](...args));
        const gradient = module[`${name}_grad`](...args);
        const wrt = differentiated(name, args);
        const gradients = flatten(wrt.length === 1 ? [gradient] : gradient);
        const directions = flatten(tangents.slice(0, wrt.length));
        const dot = gradients.reduce((sum, g, i) => sum + g * directions[i], 0);
        expect(tangent).toBeCloseTo(dot, 10);
      }
    });
  }
});

describe('derivative', () => {
  let derived: Record<string, any>;
  beforeAll(async () => {
    const compiled = compile({
      'main.ts': `import { derivative } from 'tapeless';
${FUNCTIONS.replace('stopGradient(x * y)', '(x * y)')}
export const dSeed = derivative(seed);
export const dxBranches = derivative(branches);
export const dyBranches = derivative(branches, { wrt: 'y' });
export const dyLoops = derivative(loops, { wrt: 1 });
export const dxCalls = derivative(calls, { wrt: 'x' });
export const dSqrt = derivative((x: number) => Math.sqrt(x));
export const dAbs = derivative((x: number) => Math.abs(x));
export const dLog = derivative((x: number) => Math.log(x));
`,
    });
    expect(compiled.messages).toEqual([]);
    derived = await compiled.load();
  });

  it('matches finite differences, by default with respect to the first parameter', () => {
    for (const x of [-1.2, 0.3, 0.9]) expect(derived.dSeed(x)).toBeCloseTo(finiteDifference(derived.seed, x), 8);
    for (const [x, y] of [
      [-0.5, 0.4],
      [1.7, 1.2],
      [2.5, -1.5],
    ]) {
      expect(derived.dxBranches(x, y)).toBeCloseTo(partialDifference(derived.branches, [x, y], 0), 7);
      expect(derived.dyBranches(x, y)).toBeCloseTo(partialDifference(derived.branches, [x, y], 1), 7);
      expect(derived.dxCalls(x, y)).toBeCloseTo(partialDifference(derived.calls, [x, y], 0), 7);
    }
    expect(derived.dyLoops(0.4, 0.8, 7)).toBeCloseTo(
      partialDifference((x, y) => derived.loops(x, y, 7), [0.4, 0.8], 1),
      7,
    );
  });

  it('has the limits of the math at the edges', () => {
    expect(derived.dSqrt(0)).toBe(Infinity);
    expect(derived.dSqrt(4)).toBe(0.25);
    expect(derived.dAbs(0)).toBe(0);
    expect(derived.dAbs(-3)).toBe(-1);
    expect(derived.dLog(0)).toBe(Infinity);
    expect(derived.dLog(-1)).toBe(-1);
    expect(derived.dSqrt(-1)).toBeNaN();
    expect(derived.dSqrt(Infinity)).toBe(0);
  });
});
