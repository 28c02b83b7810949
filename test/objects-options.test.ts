// Options objects as TypeScript code passes them: an empty literal `{}` for `opts: { lr?: number }`,
// a parameter default `opts: Opts = {}` (in helpers and in the differentiated function), and
// defaults merged with a spread `{ ...DEFAULTS, ...opts }` where opts has optional fields. A
// field left out reads as undefined (`opts.lr ?? 0.2` takes the default); after a spread, a
// field the spread object has replaces the one before (known where the function made that
// object, chosen at run time otherwise, as JavaScript does: a field set to undefined is had).
// Every mode against finite differences, and forward mode through compile's twin.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, finiteDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, hvp, jvp, valueAndGrad, vjp } from 'tapeless';

interface Opts { lr?: number; steps?: number }
const DEFAULTS = { lr: 0.1, steps: 3 };

/** Gradient descent on a 1-D loss, its options merged with defaults. */
function descend(x: number, opts: Opts = {}): number {
  const o = { ...DEFAULTS, ...opts };
  let y = x;
  for (let i = 0; i < o.steps; i++) y -= o.lr * (Math.sin(y) + 0.5 * y);
  return y;
}

function penalty(x: number, opts: { weight?: number }): number {
  return (opts.weight ?? 0.2) * x * x;
}

/** The helper's options: left out, empty, with a field that is differentiated, with another field. */
export function helpers(x: number): number {
  return descend(x) + descend(x, {}) + descend(x, { lr: 0.3 * x }) + descend(x, { steps: 1 }) + penalty(x, {});
}

/** The differentiated function's own options, its default \`{}\`. */
export function tuned(x: number, opts: Opts = {}): number {
  const o = { ...DEFAULTS, ...opts };
  return descend(x, o) * (opts.lr ?? 2) + o.steps;
}

/** A field differentiated before the spread, replaced where the caller's object has it (chosen at run time). */
export function scaled(x: number, y: number, opts: Opts): number {
  const o = { lr: x * y, steps: 2, ...opts };
  return o.lr * Math.exp(y) + o.steps * x;
}

export const dHelpers = grad(helpers);
export const vHelpers = valueAndGrad(helpers);
export const derivHelpers = derivative(helpers);
export const jHelpers = jvp(helpers);
export const pHelpers = vjp(helpers);
export const hHelpers = hessian(helpers);
export const hvHelpers = hvp(helpers);
export const dTuned = grad(tuned, { wrt: 0 });
export const vTuned = valueAndGrad(tuned, { wrt: 'x' });
export const derivTuned = derivative(tuned, { wrt: 'x' });
export const hTuned = hessian(tuned, { wrt: 'x' });
export const dScaled = grad(scaled, { wrt: [0, 1] });
export const derivScaled = derivative(scaled, { wrt: 'y' });
export const hScaled = hessian(scaled, { wrt: [0, 1] });
export const pScaled = vjp(scaled, { wrt: [0, 1] });
export const hvScaled = hvp(scaled, { wrt: [0, 1] });
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

describe('options objects: empty literals, defaults {}, and spreads of objects with optional fields', () => {
  it('a helper given no options, {}, and literals leaving fields out, in every mode', () => {
    for (const x of [0.7, -1.3]) {
      const d = finiteDifference(m.helpers, x);
      const d2 = finiteDifference((q: number) => m.dHelpers(q), x);
      close(m.dHelpers(x), d, 1e-6);
      const [value, gradient] = m.vHelpers(x);
      close(value, m.helpers(x));
      close(gradient, d, 1e-6);
      close(m.derivHelpers(x), d, 1e-6);
      const [primal, tangent] = m.jHelpers([x], [2]);
      close(primal, m.helpers(x));
      close(tangent, 2 * d, 1e-6);
      const [, pullback] = m.pHelpers(x);
      close(pullback(3), 3 * d, 1e-6);
      close(m.hHelpers(x)[0][0], d2, 1e-5);
      close(m.hvHelpers(x, 0.5), 0.5 * d2, 1e-5);
    }
  });

  it("the differentiated function's own options, left out, empty or given", () => {
    for (const opts of [undefined, {}, { lr: 0.25 }, { steps: 5 }, { lr: 0.05, steps: 1 }]) {
      const at = (x: number) => (opts === undefined ? m.tuned(x) : m.tuned(x, opts));
      const args = (x: number) => (opts === undefined ? [x] : [x, opts]);
      const d = finiteDifference(at, 0.9);
      close(m.dTuned(...args(0.9)), d, 1e-6);
      const [value, gradient] = m.vTuned(...args(0.9));
      close(value, at(0.9));
      close(gradient, d, 1e-6);
      close(m.derivTuned(...args(0.9)), d, 1e-6);
      close(
        m.hTuned(...args(0.9))[0][0],
        finiteDifference((x: number) => m.dTuned(...args(x)), 0.9),
        1e-5,
      );
    }
  });

  it("a field before the spread is replaced only where the caller's object has it (a field set to undefined included)", () => {
    for (const opts of [{}, { lr: 1.5 }, { steps: 4 }, { lr: undefined }]) {
      const [x, y] = [0.6, -0.4];
      const dx = finiteDifference((q: number) => m.scaled(q, y, opts), x);
      const dy = finiteDifference((q: number) => m.scaled(x, q, opts), y);
      const [gx, gy] = m.dScaled(x, y, opts);
      if (Object.prototype.hasOwnProperty.call(opts, 'lr') && opts.lr === undefined) {
        // As JavaScript computes it: the field set to undefined replaces the one before.
        expect(Number.isNaN(m.scaled(x, y, opts))).toBe(true);
        expect(Number.isNaN(m.pScaled(x, y, opts)[0])).toBe(true);
        expect(Number.isNaN(gy)).toBe(true);
        close(gx, 2);
        continue;
      }
      close(gx, dx, 1e-6);
      close(gy, dy, 1e-6);
      close(m.derivScaled(x, y, opts), dy, 1e-6);
      const [, pullback] = m.pScaled(x, y, opts);
      const [px, py] = pullback(-2);
      close(px, -2 * dx, 1e-6);
      close(py, -2 * dy, 1e-6);
      const h = m.hScaled(x, y, opts);
      const column = (j: number) => {
        const at = (q: number) => m.dScaled(j === 0 ? q : x, j === 1 ? q : y, opts);
        return [0, 1].map((i) => finiteDifference((q: number) => at(q)[i], j === 0 ? x : y));
      };
      const columns = [column(0), column(1)];
      for (const i of [0, 1]) for (const j of [0, 1]) close(h[i][j], columns[j][i], 1e-5);
      const hv = m.hvScaled(x, y, opts, [1, -0.5]);
      for (const i of [0, 1]) close(hv[i], columns[0][i] - 0.5 * columns[1][i], 1e-5);
    }
  });
});
