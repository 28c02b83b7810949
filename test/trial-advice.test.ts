// What the trial's messages tell a user to write, written so, is right in every mode: the
// state of two run-time-length arrays kept in variables of their own (`let pos`, `let vel`,
// an object `{ pos, vel }` given to the step), a Record made empty rewritten as a literal of
// its fields, an optional object's defaults read through the chain (`opts?.scale ?? 2`), and
// differentiating with respect to the object types the messages write (`p: { a: number; b:
// number }`, `opts: { scale: number; shift: number }`). Each against finite differences:
// grad and valueAndGrad (reverse, and the forward twin `compile` checks them against),
// derivative, jvp and hessian (against differences of the gradient).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';
import { expectPointModes } from './support/every-mode.js';

const SOURCE = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';

interface S { pos: number[]; vel: number[] }

function step(s: S, dt: number, k: number): S {
  const acc = s.pos.map((p) => -k * p);
  const vel = s.vel.map((v, i) => v + acc[i] * dt);
  const pos = s.pos.map((p, i) => p + vel[i] * dt);
  return { pos, vel };
}

/** The object state of run-time-length arrays, as the message writes it: a variable per array. */
export function energyAfter(k: number, dt: number, init: number[]): number {
  let pos = [...init];
  let vel = init.map(() => 0);
  for (let t = 0; t < 20; t++) {
    const next = step({ pos, vel }, dt, k);
    pos = next.pos;
    vel = next.vel;
  }
  return pos.reduce((a, p) => a + p * p, 0) + vel.reduce((a, v) => a + v * v, 0);
}

/** The Record accumulator, made with its fields. */
export function budget(x: number, y: number): number {
  const totals = { food: 0, rent: 0 };
  totals.food = x * 2;
  totals.rent = y * y;
  totals.food += Math.sin(y);
  return totals.food * totals.rent;
}

/** const { scale = 2, shift = 0 } = opts ?? {}, read through the chain. */
export function withOptions(x: number, y: number, opts?: { scale?: number; shift?: number }): number {
  const scale = opts?.scale ?? 2;
  const shift = opts?.shift ?? 0;
  return Math.exp(scale * x + shift) * y;
}

interface Labelled { x: number; y: number; label?: string }

/** An optional string field written later, made with a value as the message writes it. */
export function relabelled(x: number, y: number): number {
  const p: Labelled = { x, y: 2 * y, label: '' };
  p.label = x > 0 ? 'moved' : 'still';
  return p.label === 'moved' ? p.x * p.y : p.y * p.y;
}

/** A field written by a run-time key, chosen on the key as the message writes it. */
export function keyed(x: number, y: number, key: 'x' | 'y'): number {
  const o = { x, y: 2 * y };
  if (key === 'x') o.x = 3 * x * y;
  else o.y = 3 * x * y;
  return o.x * o.y + Math.sin(o.y);
}

class V {
  constructor(
    public x: number,
    public y: number,
  ) {}
}

/** Pairs of instances, each an object of them as the message writes it, destructured in for-of. */
export function springPairs(a: number, b: number): number {
  const p = new V(a, b);
  const q = new V(b, a);
  const springs = [
    { a: p, b: q },
    { a: q, b: p },
  ];
  let e = 0;
  for (const { a: u, b: w } of springs) e += (u.x - w.x) ** 2 * u.y;
  return e;
}

export function recordModel(p: { a: number; b: number }, x: number): number {
  return p['a'] * x * x + p.b * Math.cos(x);
}

export function required(x: number, opts: { scale: number; shift: number }): number {
  return Math.exp(opts.scale * x + opts.shift);
}

export const gEnergyAfter = grad(energyAfter, { wrt: ['k', 'dt'] });
export const vEnergyAfter = valueAndGrad(energyAfter, { wrt: ['k', 'dt'] });
export const dEnergyAfter = derivative(energyAfter);
export const jEnergyAfter = jvp(energyAfter);
export const hEnergyAfter = hessian(energyAfter, { wrt: ['k', 'dt'] });

export const gBudget = grad(budget);
export const vBudget = valueAndGrad(budget);
export const dBudget = derivative(budget);
export const jBudget = jvp(budget);
export const hBudget = hessian(budget);

export const gWithOptions = grad(withOptions, { wrt: ['x', 'y'] });
export const vWithOptions = valueAndGrad(withOptions, { wrt: ['x', 'y'] });
export const dWithOptions = derivative(withOptions);
// jvp takes a tangent for every parameter: an arrow holds the options fixed, as its message says.
export const jWithScale = jvp((x: number, y: number) => withOptions(x, y, { scale: 1.5 }));
export const hWithOptions = hessian(withOptions, { wrt: ['x', 'y'] });

export const gRelabelled = grad(relabelled);
export const vRelabelled = valueAndGrad(relabelled);
export const dRelabelled = derivative(relabelled);
export const jRelabelled = jvp(relabelled);
export const hRelabelled = hessian(relabelled);

export const gKeyed = grad(keyed, { wrt: ['x', 'y'] });
export const vKeyed = valueAndGrad(keyed, { wrt: ['x', 'y'] });
export const dKeyed = derivative(keyed);
export const hKeyed = hessian(keyed, { wrt: ['x', 'y'] });

export const gSpringPairs = grad(springPairs);
export const vSpringPairs = valueAndGrad(springPairs);
export const dSpringPairs = derivative(springPairs);
export const jSpringPairs = jvp(springPairs);
export const hSpringPairs = hessian(springPairs);

export const gRecordModel = grad(recordModel, { wrt: 'p' });
export const gRequired = grad(required, { wrt: 'opts' });
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
}, 300_000);

describe("the trial's messages' advice, written as they write it", () => {
  it('an object state of run-time-length arrays kept as let pos, let vel', () => {
    expectPointModes(m, 'energyAfter', [2, 0.01], [[1, 0.5, -0.3]]);
  });

  it("an optional string field made with '' and written later; a field written by a run-time key, chosen on the key", () => {
    for (const point of [
      [0.8, -0.4],
      [-0.5, 1.1],
    ])
      expectPointModes(m, 'relabelled', point, []);
    for (const key of ['x', 'y']) expectPointModes(m, 'keyed', [0.8, -0.4], [key]);
  });

  it('pairs of instances kept as objects of them, destructured in for-of', () => {
    expectPointModes(m, 'springPairs', [0.3, 0.8], []);
    expectPointModes(m, 'springPairs', [-1.2, 0.5], []);
  });

  it('a Record made empty, made with its fields', () => {
    expectPointModes(m, 'budget', [1, 2], []);
  });

  it("an optional object's defaults read through the chain, the object given or left out", () => {
    expectPointModes(m, 'withOptions', [0.3, 1.2], [{ scale: 1.5 }]);
    expectPointModes(m, 'withOptions', [0.3, 1.2], [{ shift: -0.5 }]);
    expectPointModes(m, 'withOptions', [0.3, 1.2], []);
    const [primal, directional] = m.jWithScale([0.3, 1.2], [0.7, -0.3]);
    const f = (x: number, y: number) => m.withOptions(x, y, { scale: 1.5 });
    close(primal, f(0.3, 1.2), 1e-12);
    close(directional, 0.7 * partialDifference(f, [0.3, 1.2], 0) - 0.3 * partialDifference(f, [0.3, 1.2], 1), 1e-6);
  });

  it('differentiating with respect to the object types the messages write', () => {
    const p = { a: 1.5, b: -0.5 };
    const ofP = m.gRecordModel(p, 0.8);
    close(
      ofP.a,
      partialDifference((a) => m.recordModel({ ...p, a }, 0.8), [p.a], 0),
      1e-6,
    );
    close(
      ofP.b,
      partialDifference((b) => m.recordModel({ ...p, b }, 0.8), [p.b], 0),
      1e-6,
    );
    const opts = { scale: 1.2, shift: 0.1 };
    const ofOpts = m.gRequired(0.4, opts);
    close(
      ofOpts.scale,
      partialDifference((scale) => m.required(0.4, { ...opts, scale }), [opts.scale], 0),
      1e-6,
    );
    close(
      ofOpts.shift,
      partialDifference((shift) => m.required(0.4, { ...opts, shift }), [opts.shift], 0),
      1e-6,
    );
  });
});
