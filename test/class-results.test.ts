// A function returning an instance of a class it constructs (`(t) => new Point(t, 2 * t)`,
// parameter properties, field initialisers, kept in a variable, nested in an object result,
// a static factory's instance transformed by a method): its caller sees the fields as the
// constructor set them. derivative, jacobian, jvp and vjp gave zeros and an undefined value
// (the object was made with its fields undefined, and the result was that object). Every
// mode against finite differences of the function's fields (found by the last trial).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, finiteDifference } from './support/compile.js';

const MAIN = `
import { derivative, jacobian, jvp, vjp } from 'tapeless';

export class Point {
  x: number;
  y: number;
  constructor(x: number, y: number) {
    this.x = x;
    this.y = y;
  }
  static polar(r: number, t: number): Point {
    return new Point(r * Math.cos(t), r * Math.sin(t));
  }
  rotate(a: number): Point {
    return new Point(this.x * Math.cos(a) - this.y * Math.sin(a), this.x * Math.sin(a) + this.y * Math.cos(a));
  }
}
export class Pair {
  constructor(public x: number, public y: number) {}
}
export class Started {
  x = 0;
  y: number;
  constructor(t: number) {
    this.x = t * t;
    this.y = 2 * t;
  }
}

export const made = (t: number) => new Point(t, 2 * t);
export const properties = (t: number) => new Pair(Math.sin(t), t * 3);
export const initialised = (t: number) => new Started(t);
export function kept(t: number): Point {
  const p = new Point(t, 3 * t);
  p.y += t * t;
  return p;
}
export function nested(t: number): { p: Point; s: number } {
  return { p: new Point(t, t * t), s: t };
}
export const trajectory = (t: number) => Point.polar(1 + t, t).rotate(t * t);

export const dMade = derivative(made);
export const jMade = jacobian(made);
export const jvpMade = jvp(made);
export const vjpMade = vjp(made);
export const dProperties = derivative(properties);
export const dInitialised = derivative(initialised);
export const dKept = derivative(kept);
export const jKept = jacobian(kept);
export const dNested = derivative(nested);
export const vjpNested = vjp(nested);
export const dTrajectory = derivative(trajectory);
export const jTrajectory = jacobian(trajectory);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/** The derivative of each field of f's result (`path` picks nested ones). */
const slope = (f: (t: number) => any, t: number, pick: (v: any) => number) => finiteDifference((s) => pick(f(s)), t);

describe('a class instance returned: its fields as the constructor set them', () => {
  it('derivative, jacobian, jvp and vjp of new Point(t, 2t), parameter properties and field initialisers', () => {
    for (const t of [0.6, -1.3]) {
      expect(m.dMade(t)).toEqual({ x: 1, y: 2 });
      expect(m.jMade(t)).toEqual([[1], [2]]);
      expect(m.jvpMade([t], [1])).toEqual([
        { x: t, y: 2 * t },
        { x: 1, y: 2 },
      ]);
      const [value, pullback] = m.vjpMade(t);
      expect(value).toEqual({ x: t, y: 2 * t });
      expect(pullback({ x: 1, y: 1 })).toBe(3);
      close(m.dProperties(t).x, Math.cos(t), 1e-12);
      expect(m.dProperties(t).y).toBe(3);
      expect(m.dInitialised(t)).toEqual({ x: 2 * t, y: 2 });
    }
  });

  it('kept in a variable and written, nested in an object result, and made by a static factory then a method', () => {
    for (const t of [0.6, -0.4]) {
      for (const field of ['x', 'y']) {
        close(
          m.dKept(t)[field],
          slope(m.kept, t, (v) => v[field]),
          1e-6,
        );
        close(
          m.dTrajectory(t)[field],
          slope(m.trajectory, t, (v) => v[field]),
          1e-6,
        );
        close(
          m.dNested(t).p[field],
          slope(m.nested, t, (v) => v.p[field]),
          1e-6,
        );
      }
      expect(m.jKept(t)).toEqual([[m.dKept(t).x], [m.dKept(t).y]]);
      expect(m.jTrajectory(t)).toEqual([[m.dTrajectory(t).x], [m.dTrajectory(t).y]]);
      expect(m.dNested(t).s).toBe(1);
      const [value, pullback] = m.vjpNested(t);
      expect(value).toEqual({ p: { x: t, y: t * t }, s: t });
      close(pullback({ p: { x: 1, y: 1 }, s: 1 }), 2 + 2 * t, 1e-12);
    }
  });
});
