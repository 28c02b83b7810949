// Functions kept in data, as an optimisation library writes its constraints: a module's
// constant array of tagged object literals holding arrows (a table), iterated with for … of
// (with continue, break and an early return), forEach, reduce, some and map, read at a
// constant index, its entries narrowed on their `kind` (if, ?:, switch), one entry naming a function
// of the program, another module's table reading that module's own constant; a helper taking
// the table as a parameter, given it or leaving its default. Every mode against finite
// differences (and forward mode, through compile's twin).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, jacobian, valueAndGrad } from 'tapeless';
import { SHAPES } from './shapes.js';

export type Constraint = { kind: 'inequality'; g: (x: number[]) => number } | { kind: 'equality'; h: (x: number[]) => number };

function ring([x, y]: number[]): number {
  return Math.hypot(x - 0.2, y) - 1.5;
}

export const CONSTRAINTS: Constraint[] = [
  { kind: 'inequality', g: ([x, y]) => x * x + y * y - 2 },
  { kind: 'inequality', g: ([x, y]) => y - 2 * x },
  { kind: 'equality', h: ([x, y]) => x + 0.5 * y - 1.2 },
  { kind: 'inequality', g: ring },
];

export function objective([x, y]: number[], scale = 0.1): number {
  return scale * ((x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2) + Math.cos(x * y);
}

/** A penalty: for … of with continue, the table a parameter left to its default, an early exit on non-finite points. */
export function penalised(x: number[], mu: number, constraints: Constraint[] = CONSTRAINTS): number {
  if (x.some((v) => !Number.isFinite(v))) return Infinity;
  let value = objective(x);
  for (const c of constraints) {
    if (c.kind !== 'equality') {
      const excess = Math.max(0, c.g(x));
      value += mu * excess ** 3;
      continue;
    }
    value += mu * Math.log1p(c.h(x) ** 2);
  }
  return value;
}

/** An augmented Lagrangian: forEach with the index, ?: on the kind. */
export function augmentedLagrangian(x: number[], multipliers: number[], mu: number): number {
  let value = objective(x);
  CONSTRAINTS.forEach((c, i) => {
    const lambda = multipliers[i];
    const h = c.kind === 'equality' ? c.h(x) : Math.max(0, c.g(x) + lambda / mu);
    value += c.kind === 'equality' ? lambda * h + 0.5 * mu * h * h : 0.5 * mu * h * h;
  });
  return value;
}

/** A log barrier leaving on the first infeasible constraint (a return from inside the loop), and stopping at a break. */
export function barrier(x: number[], t: number): number {
  let phi = t * objective(x);
  for (const c of CONSTRAINTS) {
    if (c.kind !== 'inequality') break;
    const slack = -c.g(x);
    if (slack <= 0) return Infinity;
    phi -= Math.log(slack);
  }
  return phi;
}

/** reduce and map over a table, its entries read at constant indices. */
export function violations(x: number[]): number {
  const total = CONSTRAINTS.reduce((sum, c) => sum + (c.kind === 'inequality' ? Math.max(0, c.g(x)) ** 2 : c.h(x) ** 2), 0);
  const scaled = CONSTRAINTS.map((c, i) => (c.kind === 'inequality' ? c.g(x) * (i + 1) : 0));
  const first = CONSTRAINTS[0];
  const equality = CONSTRAINTS[2];
  const h = equality.kind === 'equality' ? equality.h(x) : 0;
  return total + scaled[3] * scaled[1] + (first.kind === 'inequality' ? first.g(x) : 0) * h;
}

/** A switch on the kind, one clause falling through to the next. */
export function switched(x: number[]): number {
  let total = 0;
  for (const c of CONSTRAINTS) {
    switch (c.kind) {
      case 'equality':
        total += c.h(x) ** 2;
        break;
      case 'inequality':
        total += Math.exp(c.g(x));
      default:
        total += 0.1;
    }
  }
  return total;
}

/** Another module's table, whose arrows read that module's constant, with some and every. */
export function shapeLoss(p: number[], k: number): number {
  const inside = SHAPES.every((s) => s.sdf(p) < 5);
  let loss = 0;
  for (const s of SHAPES) loss += s.weight * Math.exp(-k * s.sdf(p));
  return inside ? loss : -loss;
}

/** A helper given the table, and one leaving its default: both inlined. */
export function viaHelpers(x: number, y: number): number {
  return penalised([x, y], 3, CONSTRAINTS) + 2 * penalised([y, x], 5);
}

export const dPenalised = grad((x: number[], mu: number) => penalised(x, mu), { wrt: 'x' });
export const hPenalised = hessian((x: number[], mu: number) => penalised(x, mu), { wrt: 0 });
export const vgAugmented = valueAndGrad(augmentedLagrangian, { wrt: 'x' });
export const hAugmented = hessian(augmentedLagrangian, { wrt: ['x', 'mu'] });
export const dBarrier = grad(barrier);
export const dBarrierDt = derivative(barrier, { wrt: 't' });
export const dViolations = grad(violations);
export const jViolations = jacobian(violations);
export const dSwitched = grad(switched);
export const hSwitched = hessian(switched);
export const dShape = grad(shapeLoss);
export const dShapeDk = derivative(shapeLoss, { wrt: 'k' });
export const dHelpers = grad(viaHelpers);
export const hHelpers = hessian(viaHelpers);
export const dHelpersDx = derivative(viaHelpers);
`;

const SHAPES = `
const RADIUS = 0.8;
export const SHAPES = [
  { weight: 2, sdf: ([x, y]: number[]) => Math.hypot(x, y) - RADIUS },
  { weight: 0.5, sdf: ([x, y]: number[]) => Math.max(Math.abs(x - 1), Math.abs(y + 0.5)) - RADIUS / 2 },
];
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE, 'shapes.ts': SHAPES });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/** Central differences of f with respect to the entries of its first argument (an array). */
const arrayDifferences = (f: (xs: number[], ...rest: any[]) => number, xs: number[], ...rest: any[]) =>
  xs.map((_, i) =>
    partialDifference(
      (v: number) =>
        f(
          xs.map((x, j) => (j === i ? v : x)),
          ...rest,
        ),
      [xs[i]],
      0,
    ),
  );

describe('tables of functions read in differentiated code', () => {
  it('for … of with continue, the table a parameter left to its default: gradient and Hessian', () => {
    for (const [x, mu] of [
      [[0.5, 0.4], 10],
      [[1.3, 0.9], 10],
      [[0.2, 0.9], 100],
    ] as [number[], number][]) {
      const expected = arrayDifferences(m.penalised, x, mu);
      m.dPenalised(x, mu).forEach((g: number, i: number) => close(g, expected[i], 1e-5));
      const hessian = m.hPenalised(x, mu);
      x.forEach((_, i) => arrayDifferences((p: number[]) => m.dPenalised(p, mu)[i], x).forEach((h, j) => close(hessian[i][j], h, 1e-4)));
    }
    expect(m.dPenalised([NaN, 1], 10)).toEqual([0, 0]);
  });

  it('forEach with the index and ?: on the kind: valueAndGrad and a Hessian with respect to an array and a number', () => {
    for (const [x, lambda, mu] of [
      [[0.7, 0.8], [0.5, 0.2, -0.3, 0.1], 5],
      [[1.2, 0.3], [0, 0, 1, 0.4], 2],
    ] as [number[], number[], number][]) {
      const [value, gradient] = m.vgAugmented(x, lambda, mu);
      expect(value).toBe(m.augmentedLagrangian(x, lambda, mu));
      const expected = arrayDifferences(m.augmentedLagrangian, x, lambda, mu);
      gradient.forEach((g: number, i: number) => close(g, expected[i], 1e-5));
      const hessian = m.hAugmented(x, lambda, mu);
      const flat = (p: number[]) => m.augmentedLagrangian(p.slice(0, 2), lambda, p[2]);
      const point = [...x, mu];
      const grad = (p: number[]) => arrayDifferences(flat, p);
      point.forEach((_, i) => arrayDifferences((p: number[]) => grad(p)[i], point).forEach((h, j) => close(hessian[i][j], h, 1e-3)));
    }
  });

  it('an early return and a break inside the loop: gradient and derivative', () => {
    for (const [x, t] of [
      [[0.8, 0.6], 1],
      [[0.5, 0.2], 10],
    ] as [number[], number][]) {
      const [gx, gt] = m.dBarrier(x, t);
      arrayDifferences(m.barrier, x, t).forEach((g, i) => close(gx[i], g, 1e-5));
      close(
        gt,
        partialDifference((s: number) => m.barrier(x, s), [t], 0),
        1e-6,
      );
      close(m.dBarrierDt(x, t), gt, 1e-12);
    }
    expect(m.dBarrier([2, 0], 1)).toEqual([[0, 0], 0]);
  });

  it('reduce, map and entries read at constant indices: gradient and Jacobian', () => {
    for (const x of [
      [0.9, 1.1],
      [1.5, -0.3],
    ]) {
      const expected = arrayDifferences(m.violations, x);
      m.dViolations(x).forEach((g: number, i: number) => close(g, expected[i], 1e-5));
      m.jViolations(x)[0].forEach((g: number, i: number) => close(g, expected[i], 1e-5));
    }
  });

  it('a switch on the kind: gradient and Hessian', () => {
    for (const x of [
      [0.9, 1.1],
      [1.5, -0.3],
    ]) {
      const expected = arrayDifferences(m.switched, x);
      m.dSwitched(x).forEach((g: number, i: number) => close(g, expected[i], 1e-5));
      const hessian = m.hSwitched(x);
      x.forEach((_, i) => arrayDifferences((p: number[]) => m.dSwitched(p)[i], x).forEach((h, j) => close(hessian[i][j], h, 1e-4)));
    }
  });

  it("another module's table reading its own constant, with every: gradient and derivative", () => {
    for (const [p, k] of [
      [[0.3, 0.4], 1.5],
      [[1.1, -0.2], 0.7],
    ] as [number[], number][]) {
      const [gp, gk] = m.dShape(p, k);
      arrayDifferences(m.shapeLoss, p, k).forEach((g, i) => close(gp[i], g, 1e-6));
      close(
        gk,
        partialDifference((s: number) => m.shapeLoss(p, s), [k], 0),
        1e-6,
      );
      close(m.dShapeDk(p, k), gk, 1e-12);
    }
  });

  it('helpers given the table or leaving their default: gradient, Hessian and derivative', () => {
    for (const point of [
      [0.6, 0.5],
      [1.2, 0.8],
    ]) {
      const f = (x: number, y: number) => m.viaHelpers(x, y);
      const expected = point.map((_, i) => partialDifference(f, point, i));
      m.dHelpers(...point).forEach((g: number, i: number) => close(g, expected[i], 1e-5));
      close(m.dHelpersDx(...point), expected[0], 1e-5);
      const hessian = m.hHelpers(...point);
      point.forEach((_, i) =>
        point.forEach((__, j) =>
          close(
            hessian[i][j],
            partialDifference((...p: number[]) => m.dHelpers(...p)[i], point, j),
            1e-4,
          ),
        ),
      );
    }
  });
});

describe('a table whose entries hold Math functions', () => {
  it("{ kind: 'tanh', g: Math.tanh } next to arrows: gradient and Hessian (it said the entry had no function 'g')", async () => {
    const compiled = compile({
      'main.ts': `import { grad, hessian } from 'tapeless';
const ACTIVATIONS = [{ kind: 'soft', g: (x: number) => Math.log(1 + Math.exp(x)) }, { kind: 'tanh', g: Math.tanh }, { kind: 'sin', g: Math.sin }];
export function mixed(x: number, y: number): number {
  return ACTIVATIONS.reduce((acc, c) => acc + (c.kind === 'tanh' ? 2 : 1) * c.g(x * y), 0) + ACTIVATIONS[1].g(y);
}
export const dMixed = grad(mixed);
export const hMixed = hessian(mixed);`,
    });
    expect(compiled.messages).toEqual([]);
    const mod = await compiled.load();
    const point = [0.4, 0.7];
    const f = (x: number, y: number) => mod.mixed(x, y);
    mod.dMixed(...point).forEach((g: number, i: number) => close(g, partialDifference(f, point, i), 1e-8));
    const H: number[][] = mod.hMixed(...point);
    H.forEach((row, i) =>
      row.forEach((h, j) =>
        close(
          h,
          partialDifference((...p: number[]) => mod.dMixed(...p)[i], point, j),
          1e-6,
        ),
      ),
    );
  });
});
