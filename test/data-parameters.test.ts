// Parameters differentiated with respect to that hold strings and booleans beside their
// numbers, as users declare their records: a class instance `Body` with a `name` and a `fixed`
// flag, an array of interfaces with a string-literal `label` and an `on` flag. The data fields
// are read and compared, never differentiated: the gradient (and a tangent, a Hessian's
// columns) holds the number fields only, like GradientOf<T>. Every mode against finite
// differences in each number field; reverse against forward through compile's twin.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, entryDifference, finiteDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';

export class Body {
  name: string;
  fixed: boolean;
  m: number;
  x: number;
  constructor(name: string, fixed: boolean, m: number, x: number) {
    this.name = name;
    this.fixed = fixed;
    this.m = m;
    this.x = x;
  }
  weight(g: number): number {
    return this.fixed ? 0 : this.m * g;
  }
}

export function energy(b: Body, g: number): number {
  const kinetic = b.fixed ? 0 : 0.5 * b.m * b.x * b.x;
  return kinetic + b.weight(g) * Math.sin(b.x) + (b.name === 'sun' ? b.m * b.m : 0);
}

export interface Particle { label: 'dust' | 'rock'; on: boolean; w: number; v: number }

export function total(ps: Particle[], g: number): number {
  let s = 0;
  for (const p of ps) if (p.on) s += p.w * Math.exp(p.v * g) * (p.label === 'rock' ? 2 : 1);
  for (let i = 0; i < ps.length; i++) s += ps[i].on ? ps[i].v * ps[i].v : 0;
  return s;
}

/** Data that may be missing: an optional label and flag, also destructured in the parameter list. */
export interface Tagged { x: number; y: number; label?: string; on?: boolean }
export function tagged(p: Tagged, k: number): number {
  const w = p.label === 'heavy' ? 3 : 1;
  return (p.on ? w : 2) * p.x * p.x * k + p.y;
}
export function taggedPair({ x, y }: Tagged, [a, b]: [number, number]): number {
  return x * a + y * b * y;
}

export const gTagged = grad(tagged);
export const hTagged = hessian(tagged, { wrt: 'p' });
export const dTagged = derivative(tagged, { wrt: 'k' });
export const gTaggedPair = grad(taggedPair);

export const gEnergy = grad(energy, { wrt: 'b' });
export const gEnergy0 = grad(energy, { wrt: 0 });
export const vEnergy = valueAndGrad(energy);
export const dEnergy = derivative(energy, { wrt: 'g' });
export const hEnergy = hessian(energy, { wrt: 'b' });
export const jvEnergy = jvp(energy);
export const gTotal = grad(total, { wrt: 'ps' });
export const vTotal = valueAndGrad(total);
export const hTotal = hessian(total, { wrt: 0 });
export const jvTotal = jvp(total);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

const bodies = () => [new m.Body('sun', false, 2, 0.3), new m.Body('earth', false, 1.5, -0.8), new m.Body('moon', true, 0.7, 1.1)];

const particles = () => [
  { label: 'dust', on: true, w: 1, v: 0.2 },
  { label: 'rock', on: false, w: 2, v: 0.4 },
  { label: 'rock', on: true, w: 0.5, v: -0.4 },
];

describe('parameters with string and boolean fields', () => {
  it("a class instance with a 'name' and a 'fixed' flag: grad, valueAndGrad, derivative, jvp and hessian hold its number fields", () => {
    for (const b of bodies()) {
      const g = 9.8;
      const expected = { m: entryDifference(() => m.energy(b, g), b, 'm'), x: entryDifference(() => m.energy(b, g), b, 'x') };
      for (const gradient of [m.gEnergy(b, g), m.gEnergy0(b, g)]) {
        expect(Object.keys(gradient)).toEqual(['m', 'x']);
        close(gradient.m, expected.m, 1e-6);
        close(gradient.x, expected.x, 1e-6);
      }
      const [value, [gb, gg]] = m.vEnergy(b, g);
      close(value, m.energy(b, g));
      close(gb.m, expected.m, 1e-6);
      close(
        gg,
        finiteDifference((t) => m.energy(b, t), g),
        1e-6,
      );
      close(m.dEnergy(b, g), gg, 1e-9);
      const [primal, tangent] = m.jvEnergy([b, g], [{ m: 0.5, x: -1 }, 2]);
      close(primal, value);
      close(tangent, 0.5 * gb.m - gb.x + 2 * gg, 1e-9);
      // Rows and columns of an object's number fields sorted by name (docs/api.md), against differences of the gradient.
      const hessian: number[][] = m.hEnergy(b, g);
      const fields = ['m', 'x'];
      for (const [i, row] of fields.entries())
        for (const [j, column] of fields.entries())
          close(
            hessian[i][j],
            entryDifference(() => m.gEnergy(b, g)[row], b, column),
            1e-5,
          );
    }
  });

  it("an array of interfaces with a 'label' and an 'on' flag: grad, valueAndGrad, jvp and hessian", () => {
    const ps = particles();
    const g = 0.5;
    const gradient = m.gTotal(ps, g);
    expect(gradient.map(Object.keys)).toEqual([
      ['w', 'v'],
      ['w', 'v'],
      ['w', 'v'],
    ]);
    for (const [k, p] of ps.entries())
      for (const field of ['w', 'v'])
        close(
          gradient[k][field],
          entryDifference(() => m.total(ps, g), p, field),
          1e-6,
        );
    const [value, [gps, gg]] = m.vTotal(ps, g);
    close(value, m.total(ps, g));
    close(gps[2].v, gradient[2].v, 1e-12);
    close(
      gg,
      finiteDifference((t) => m.total(ps, t), g),
      1e-6,
    );
    const [, tangent] = m.jvTotal(
      [ps, g],
      [
        [
          { w: 1, v: 0 },
          { w: 0, v: 3 },
          { w: 0, v: 1 },
        ],
        0,
      ],
    );
    close(tangent, gradient[0].w + 3 * gradient[1].v + gradient[2].v, 1e-9);
    // Six numbers, each entry's sorted by name (v, w); a column is the difference of the gradient's numbers in one of them.
    const hessian: number[][] = m.hTotal(ps, g);
    expect(hessian.length).toBe(6);
    const numbers = (gs: { w: number; v: number }[]) => gs.flatMap((p) => [p.v, p.w]);
    ps.forEach((p, k) =>
      ['v', 'w'].forEach((field, f) => {
        const column = hessian.map((row) => row[2 * k + f]);
        const differences = numbers(gradient).map((_, i) => entryDifference(() => numbers(m.gTotal(ps, g))[i], p, field));
        column.forEach((entry, i) => close(entry, differences[i], 1e-5));
      }),
    );
  });

  it("optional string and boolean fields ('label?: string', 'on?: boolean'), there or not: grad, hessian and derivative", () => {
    for (const p of [
      { x: 0.5, y: 1.5, label: 'heavy', on: true },
      { x: -0.7, y: 0.2 },
      { x: 1.1, y: -0.4, label: 'light' },
    ]) {
      const k = 2;
      const [gp, gk] = m.gTagged(p, k);
      expect(Object.keys(gp)).toEqual(['x', 'y']);
      for (const field of ['x', 'y'])
        close(
          gp[field],
          entryDifference(() => m.tagged(p, k), p, field),
          1e-6,
        );
      close(
        gk,
        finiteDifference((t) => m.tagged(p, t), k),
        1e-6,
      );
      close(m.dTagged(p, k), gk, 1e-12);
      const hessianXX = m.hTagged(p, k)[0][0];
      close(hessianXX, (p.on ? (p.label === 'heavy' ? 3 : 1) : 2) * 2 * k, 1e-12);
      const [pair] = m.gTaggedPair(p, [2, 3]);
      expect(pair).toEqual({ x: 2, y: 6 * p.y });
    }
  });
});
