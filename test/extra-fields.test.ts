// Arguments with more fields than their types name, which TypeScript allows: an object literal
// with another number field, a subclass's instance given for its base class, a nested object
// or an array of objects with one more field. The drivers of `jacobian` and `hessian` lay out
// a column per number the declared type has: they flattened the argument itself, and the extra
// field became a column of zeros, shifting the others (the trial: `hessian(f)({ weight: 5, x:
// 2, y: 3 })` gave [[0,6,4],[0,4,0]]). Hand-derived matrices, and every mode that lays out
// columns (jacobian, hessian, their Into forms, and grad by forward mode).
import { beforeAll, describe, expect, it } from 'vitest';
import { bothBuilds } from './support/compile.js';

const SOURCE = `
import { grad, hessian, hessianInto, jacobian, jacobianInto } from 'tapeless';

export interface Pt { x: number; y: number }
export class P2 {
  constructor(public x: number, public y: number) {}
}
export class P3 extends P2 {
  constructor(x: number, y: number, public a: number) {
    super(x, y);
  }
}
interface Nest { a: { u: number; v: number }; b: number }

export function cubic(p: Pt): number {
  return p.x * p.x * p.y;
}
export function pair(p: Pt): [number, number] {
  return [p.x * p.y, p.x + p.y];
}
export function ofBase(p: P2): number {
  return p.x * p.x * p.y;
}
export function nested(n: Nest): number {
  return n.a.u * n.a.v * n.b;
}
export function points(ps: { x: number; y: number }[]): number {
  return ps[0].x * ps[1].y + ps[1].x * ps[1].x;
}
export function weighted(p: { x: number; y: number }, w: number[]): number {
  return p.x * w[0] + p.y * p.y * w[1];
}

export const hCubic = hessian(cubic);
export const hCubicInto = hessianInto(cubic);
export const jPair = jacobian(pair);
export const jPairInto = jacobianInto(pair);
export const hOfBase = hessian(ofBase);
export const hNested = hessian(nested);
export const hPoints = hessian(points);
export const hWeighted = hessian(weighted);
export const gNested = grad(nested);
`;

let m: Record<string, any>;
let forward: Record<string, any>;

beforeAll(async () => {
  [m, forward] = (await bothBuilds(SOURCE)).map((build) => build.m);
}, 120_000);

describe('an argument with fields its type does not name: a column per declared number', () => {
  it('an object literal with another number field', () => {
    const p = { weight: 5, x: 2, y: 3 };
    expect(m.hCubic(p)).toEqual([
      [6, 4],
      [4, 0],
    ]);
    expect(m.hCubicInto([[9, 9, 9]], p)).toEqual([
      [6, 4],
      [4, 0],
    ]);
    expect(m.jPair(p)).toEqual([
      [3, 2],
      [1, 1],
    ]);
    expect(m.jPairInto([], p)).toEqual([
      [3, 2],
      [1, 1],
    ]);
  });

  it("a subclass's instance for its base class, a nested object, an array of objects, and a second parameter", () => {
    expect(m.hOfBase(new m.P3(2, 3, 9))).toEqual([
      [6, 4],
      [4, 0],
    ]);
    const n = { a: { u: 2, v: 3, w: 1 }, b: 4 };
    expect(m.hNested(n)).toEqual([
      [0, 4, 3],
      [4, 0, 2],
      [3, 2, 0],
    ]);
    expect(
      m.hPoints([
        { x: 1, y: 2, z: 5 },
        { x: 3, y: 4, z: 6 },
      ]),
    ).toEqual([
      [0, 0, 0, 1],
      [0, 0, 0, 0],
      [0, 0, 2, 0],
      [1, 0, 0, 0],
    ]);
    expect(m.hWeighted({ x: 1, y: 2, A: 3 }, [1, 2])).toEqual([
      [0, 0, 1, 0],
      [0, 4, 0, 4],
      [1, 0, 0, 0],
      [0, 4, 0, 0],
    ]);
  });

  it('grad by forward mode has the fields of the declared type', () => {
    const n = { a: { u: 2, v: 3, w: 1 }, b: 4 };
    expect(forward.gNested(n)).toEqual({ a: { u: 12, v: 8 }, b: 6 });
    expect(m.gNested(n)).toEqual({ a: { u: 12, v: 8 }, b: 6 });
  });
});
