// Strings as data in control flow (discriminated unions, string literal unions, string
// enums, string constants) and the user's own guards and logs (throw, console.*,
// Number.isFinite): differentiated in every mode against finite differences; throws where
// f throws; logs once per call, with the values f logs.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { close, compile, compileAlone, partialDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, valueAndGrad } from 'tapeless';

export type Loss = { kind: 'huber'; delta: number } | { kind: 'l2' } | { kind: 'quantile'; tau: number };
export enum Reduce { Mean = 'mean', Sum = 'sum' }
const DEFAULT_MODE = 'smooth';

function pointLoss(r: number, loss: Loss): number {
  switch (loss.kind) {
    case 'huber':
      return Math.abs(r) <= loss.delta ? 0.5 * r * r : loss.delta * (Math.abs(r) - 0.5 * loss.delta);
    case 'quantile':
      return r >= 0 ? loss.tau * r : (loss.tau - 1) * r;
    default:
      return r * r;
  }
}

export function fit(w: number, b: number, loss: Loss, reduce: Reduce, mode: 'smooth' | 'sharp'): number {
  const xs = [0.5, 1, 2, -1];
  const ys = [1, 2, 2.5, -0.5];
  let total = 0;
  for (let i = 0; i < xs.length; i++) total += pointLoss(w * xs[i] + b - ys[i], loss);
  if (reduce === Reduce.Mean) total /= xs.length;
  return mode === DEFAULT_MODE ? total + 0.01 * (w * w + b * b) : total;
}

export function guarded(x: number, n: number): number {
  if (!(n > 0)) throw new Error(\`n must be positive, got \${n}\`);
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(s)) throw new RangeError('diverged at ' + i);
    s += Math.sin(x * (i + 1));
  }
  return s * x;
}

function checked(v: number): number {
  if (isNaN(v)) throw new Error('NaN input');
  return v * v;
}

export function logged(x: number, y: number): number {
  let s = 0;
  for (let i = 0; i < 3; i++) {
    s += x * y * i;
    console.log('pass', i, { s });
  }
  console.info(\`done: \${s.toFixed(3)}\`);
  return checked(s) + y;
}

/** Number(x) of a number, as code converting defensively writes it. */
export function converted(x: number, xs: number[]): number {
  return Number(xs[1]) * Math.sin(Number(x * xs[0]));
}

export const dConverted = grad(converted);
export const hConverted = hessian(converted, { wrt: 0 });
export const dFit = grad(fit, { wrt: [0, 1] });
export const fitHessian = hessian(fit, { wrt: [0, 1] });
export const dFitDw = derivative(fit);
export const dGuarded = grad(guarded, { wrt: 0 });
export const vgLogged = valueAndGrad(logged);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

afterEach(() => vi.restoreAllMocks());

const LOSSES = [{ kind: 'huber', delta: 1 }, { kind: 'huber', delta: 0.2 }, { kind: 'l2' }, { kind: 'quantile', tau: 0.3 }];

describe('strings as data in control flow', () => {
  it('a switch over a discriminated union, a string enum, a string literal union and a string constant, in reverse and forward mode', () => {
    for (const loss of LOSSES) {
      for (const [reduce, mode] of [
        ['mean', 'smooth'],
        ['sum', 'sharp'],
      ]) {
        const f = (w: number, b: number) => m.fit(w, b, loss, reduce, mode);
        for (const point of [
          [0.9, 0.3],
          [1.4, -0.2],
        ]) {
          const [gw, gb] = m.dFit(...point, loss, reduce, mode);
          close(gw, partialDifference(f, point, 0), 1e-6);
          close(gb, partialDifference(f, point, 1), 1e-6);
          close(m.dFitDw(...point, loss, reduce, mode), gw, 1e-12);
        }
      }
    }
  });

  it('its Hessian against differences of the gradient', () => {
    for (const loss of [{ kind: 'l2' }, { kind: 'huber', delta: 5 }]) {
      const point = [0.9, 0.3];
      const h = m.fitHessian(...point, loss, 'mean', 'smooth');
      for (const i of [0, 1])
        for (const j of [0, 1])
          close(
            h[i][j],
            partialDifference((...p: number[]) => m.dFit(p[0], p[1], loss, 'mean', 'smooth')[i], point, j),
            1e-6,
          );
    }
  });
});

describe('guards', () => {
  it('the gradient throws where f throws, with the same error, and is right where it does not', () => {
    expect(() => m.guarded(0.5, 0)).toThrow('n must be positive, got 0');
    expect(() => m.dGuarded(0.5, 0)).toThrow('n must be positive, got 0');
    expect(() => m.dGuarded(0.5, -2)).toThrow(Error);
    for (const x of [0.3, -1.2]) close(m.dGuarded(x, 4), partialDifference(m.guarded, [x, 4], 0), 1e-6);
  });

  it('Number(x) of a number is x, in reverse mode and its Hessian', () => {
    const xs = [0.7, -1.3];
    const [gx, gXs] = m.dConverted(0.4, xs);
    close(
      gx,
      partialDifference((q: number) => m.converted(q, xs), [0.4], 0),
      1e-6,
    );
    xs.forEach((_, j) =>
      close(
        gXs[j],
        partialDifference((...q: number[]) => m.converted(0.4, q), xs, j),
        1e-6,
      ),
    );
    close(
      m.hConverted(0.4, xs)[0][0],
      partialDifference((q: number) => m.dConverted(q, xs)[0], [0.4], 0),
      1e-5,
    );
  });

  it('a guard inside a helper', () => {
    expect(() => m.vgLogged(NaN, 1)).toThrow('NaN input');
  });
});

describe('logs', () => {
  it('run once per call of the gradient, in the forward pass, with the values f logs', async () => {
    // Without the forward-mode twin, whose calls would log too.
    const m = await compileAlone({ 'main.ts': SOURCE }).load();
    const primal: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args) => void primal.push(args));
    const infos: unknown[][] = [];
    vi.spyOn(console, 'info').mockImplementation((...args) => void infos.push(args));
    m.logged(0.7, 1.3);
    const fromPrimal = primal.splice(0);
    const [value, [gx, gy]] = m.vgLogged(0.7, 1.3);
    expect(primal).toEqual(fromPrimal);
    expect(primal).toHaveLength(3);
    expect(infos).toEqual([['done: 2.730'], ['done: 2.730']]);
    close(value, m.logged(0.7, 1.3), 1e-15);
    close(gx, partialDifference(m.logged, [0.7, 1.3], 0), 1e-6);
    close(gy, partialDifference(m.logged, [0.7, 1.3], 1), 1e-6);
  });
});
