// Parameters: default values (in helpers called with fewer arguments, through pullbacks or
// inlined, and in the differentiated function itself, whose generated functions keep the
// parameter optional), rest parameters of numbers (in helpers, spread into, and in the
// differentiated function: its gradient is an array), tuples spread into parameters, optional
// parameters and optional fields of objects (`opts.momentum ?? 0.9`). Every gradient against
// finite differences, in every mode.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';

const LIB = `
export const EPS = 1e-3;
export function softAbs(x: number, eps = EPS): number {
  return Math.sqrt(x * x + eps);
}
`;

const MAIN = `
import { derivative, grad, hessian, jacobian, jvp, valueAndGrad } from 'tapeless';
import { softAbs } from './lib.js';

const DT = 0.01;
interface State { x: number; v: number }

function step(s: State, dt = DT, damping = 2 * dt): number {
  return s.x + dt * s.v - damping * s.x * s.x;
}

function advance(s: State, dt = DT): State {
  return { x: s.x + dt * s.v, v: s.v - dt * Math.sin(s.x) };
}

function sumSquares(...xs: number[]): number {
  let t = 0;
  for (const v of xs) t += v * v;
  return t;
}

function weighted(w: number, ...xs: number[]): number {
  return w * xs.reduce((a, b) => a + Math.sin(b), 0);
}

function dist(x: number, y: number): number {
  return Math.hypot(x, y);
}

export function energy(x: number, v: number, scale = 1.5, ...extra: number[]): number {
  const s = { x, v };
  const next = advance(advance(s), 0.1);
  return scale * (step(s) + step(next, 0.1) + step(s, 0.2, 0.3)) + sumSquares(x, v, x * v) + sumSquares() + extra.reduce((a, b) => a + b * b * x, 0);
}

export function spreads(x: number, y: number): number {
  const xs = [x, y, x * y];
  const p: [number, number] = [x, y - x];
  return sumSquares(...xs) + weighted(x, y, ...xs, 2) + dist(...p);
}

export function total(...xs: number[]): number {
  return sumSquares(...xs) * Math.cos(xs.length > 0 ? xs[0] : 0);
}

export function fromModule(x: number): number {
  return softAbs(x) + softAbs(x, 0.5);
}

interface Options { lr: number; momentum?: number; decay?: number }

function update(w: number, g: number, opts: Options): number {
  const m = opts.momentum ?? 0.9;
  let out = w - opts.lr * g * m;
  if (opts.decay !== undefined) out *= 1 - opts.decay;
  return out;
}

function scaled(x: number, k?: number): number {
  return k === undefined ? x : k * x;
}

export function train(w: number, opts: Options): number {
  let v = w;
  for (let i = 0; i < 3; i++) v = update(v, Math.sin(v), opts) + update(v, v, { lr: 0.1 }) * 0.5;
  return v * v + scaled(v) + scaled(v, w);
}

export function literalOptions(w: number): number {
  return update(w, w * w, { lr: 0.2, decay: 0.1 }) + update(w, 1, { lr: w });
}

export const dEnergy = grad(energy);
export const vgEnergy = valueAndGrad(energy);
export const hEnergy = hessian(energy, { wrt: [0, 1, 2] });
export const jEnergy = jacobian(energy);
export const dvEnergy = derivative(energy, { wrt: 'v' });
export const dSpreads = grad(spreads);
export const hSpreads = hessian(spreads);
export const dTotal = grad(total);
export const jTotal = jacobian(total);
export const hTotal = hessian(total);
export const dFromModule = grad(fromModule);
export const dSoftAbs = grad(softAbs);
export const dTrain = grad(train, { wrt: 'w' });
export const dwTrain = derivative(train);
export const dLiteralOptions = grad(literalOptions);
export const hLiteralOptions = hessian(literalOptions);
export const dInline = grad((x: number, k: number = 3) => x ** k);
export const jvpPower = jvp((x: number, k: number = 3) => x ** k);
`;

let m: Record<string, any>;
let js: string;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN, 'lib.ts': LIB });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
  js = compiled.js['main.ts'];
});

/** Each entry of `gradient` (numbers, then the entries of a last array) against finite differences of f at `point`. */
function expectGradient(f: (...args: number[]) => number, gradient: unknown, point: readonly number[]): void {
  const flat = (gradient as (number | number[])[]).flat();
  expect(flat).toHaveLength(point.length);
  flat.forEach((g, i) => close(g, partialDifference(f, point, i), 1e-6));
}

describe('default values', () => {
  it('helpers called without them get them, computed from the parameters before (through pullbacks and inlined)', () => {
    for (const p of [
      [0.3, 0.7],
      [-1.2, 0.4],
    ])
      expectGradient(m.energy, m.dEnergy(...p), [...p, 1.5]);
  });

  it("the gradient keeps the differentiated function's optional parameter, and its gradient at the default", () => {
    expect(js).toMatch(/function energy_grad\(x, v, scale = 1\.5, \.\.\.extra\)/);
    expect(m.dEnergy(0.3, 0.7)).toEqual(m.dEnergy(0.3, 0.7, 1.5));
    expectGradient(m.energy, m.dEnergy(0.3, 0.7, 2), [0.3, 0.7, 2]);
    const [value, gradient] = m.vgEnergy(0.3, 0.7);
    expect(value).toBe(m.energy(0.3, 0.7));
    expect(gradient).toEqual(m.dEnergy(0.3, 0.7));
    for (const x of [0.5, 1.7]) {
      close(m.dInline(x)[0], 3 * x * x, 1e-12);
      close(m.dInline(x, 2)[0], 2 * x, 1e-12);
      close(m.dInline(x)[1], x ** 3 * Math.log(x), 1e-12);
    }
  });

  it('a default read from a constant of another module', () => {
    for (const x of [-0.4, 0.02, 2]) {
      close(m.dFromModule(x), partialDifference(m.fromModule, [x], 0), 1e-6);
      close(m.dSoftAbs(x)[0], x / Math.sqrt(x * x + 1e-3), 1e-12);
      expect(m.dSoftAbs(x)).toEqual(m.dSoftAbs(x, 1e-3));
    }
    expect(js).toMatch(/function softAbs_grad\(x, eps = lib_module\.EPS\)/);
  });

  it('in hessian, jacobian, derivative and jvp (where a left-out primal takes its default and its tangent is 0)', () => {
    const point = [0.3, 0.7, 1.5];
    const h = m.hEnergy(0.3, 0.7);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        close(
          h[i][j],
          partialDifference((...q: number[]) => m.dEnergy(...q)[i], point, j),
          1e-5,
        );
    expect(m.jEnergy(0.3, 0.7)).toEqual([m.dEnergy(0.3, 0.7).slice(0, 3)]);
    close(m.dvEnergy(0.3, 0.7), m.dEnergy(0.3, 0.7)[1], 1e-12);
    expect(m.jvpPower([2], [1])).toEqual([8, 12]);
    expect(m.jvpPower([2, 2], [1])).toEqual([4, 4]);
    const [value, tangent] = m.jvpPower([2, 3], [0, 1]);
    expect(value).toBe(8);
    close(tangent, 8 * Math.log(2), 1e-12);
  });
});

describe('optional parameters and optional fields', () => {
  it('left out or given, tested against undefined and read with ??, in an options object that is not differentiated', () => {
    for (const opts of [{ lr: 0.1 }, { lr: 0.2, momentum: 0.5 }, { lr: 0.3, decay: 0.2 }, { lr: 0.1, momentum: 0.3, decay: 0.1 }]) {
      for (const w of [0.7, -0.4]) {
        const expected = partialDifference((v: number) => m.train(v, opts), [w], 0);
        close(m.dTrain(w, opts), expected, 1e-6);
        close(m.dwTrain(w, opts), expected, 1e-6);
      }
    }
  });

  it('object literals of the function that leave optional fields out or set them to what is differentiated', () => {
    for (const w of [0.7, -0.4]) {
      close(m.dLiteralOptions(w), partialDifference(m.literalOptions, [w], 0), 1e-6);
      close(m.hLiteralOptions(w)[0][0], partialDifference(m.dLiteralOptions, [w], 0), 1e-5);
    }
  });

  it('differentiating with respect to an object with an optional field is a diagnostic that names the field', () => {
    const { messages } = compile({
      'main.ts': `import { grad } from 'tapeless';\ninterface Options { lr: number; momentum?: number }\nexport const g = grad((w: number, opts: Options) => w * opts.lr);\n`,
    });
    expect(messages).toEqual([
      "main.ts:3:35 tapeless: cannot differentiate with respect to 'opts': its field 'opts.momentum' has type 'number | undefined', and tapeless differentiates with respect to numbers and arrays and objects of numbers (make the field required and a number, or select other parameters with 'wrt').",
    ]);
  });
});

describe('rest parameters', () => {
  it('in helpers, given numbers or spread arrays, and tuples spread into parameters', () => {
    for (const p of [
      [0.3, 0.7],
      [-1.2, 0.4],
    ])
      expectGradient(m.spreads, m.dSpreads(...p), p);
    const h = m.hSpreads(0.3, 0.7);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        close(
          h[i][j],
          partialDifference((...q: number[]) => m.dSpreads(...q)[i], [0.3, 0.7], j),
          1e-5,
        );
  });

  it("the gradient of the differentiated function's rest parameter is an array", () => {
    expect(js).toMatch(/function total_grad\(\.\.\.xs\)/);
    for (const xs of [[], [0.5], [0.3, -1.2, 2]]) {
      const gradient = m.dTotal(...xs);
      expect(Array.isArray(gradient)).toBe(true);
      expectGradient(m.total, [gradient], xs);
      expect(m.jTotal(...xs)).toEqual([gradient]);
    }
    const h = m.hTotal(0.3, -1.2);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        close(
          h[i][j],
          partialDifference((...q: number[]) => m.dTotal(...q)[i], [0.3, -1.2], j),
          1e-5,
        );
    const extra = m.dEnergy(0.3, 0.7, 1.5, 2, -1);
    expect(extra[3]).toHaveLength(2);
    expectGradient(m.energy, extra, [0.3, 0.7, 1.5, 2, -1]);
  });
});
