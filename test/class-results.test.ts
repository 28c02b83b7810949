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

// The value vjp and jvp give is an instance of the class the function's type declares (its
// getters and methods work), whichever way the code built it; never by changing the caller's
// own object. The user programs check the same through tspc, Rollup and Vite
// (test/fixtures/users/src/instances.ts).
const SHAPES = `
export class Vec {
  constructor(public x: number, public y: number) {}
  get norm(): number { return Math.hypot(this.x, this.y); }
  scaled(k: number): Vec { return new Vec(this.x * k, this.y * k); }
}
export class Vec3 extends Vec {
  constructor(x: number, y: number, public z: number) { super(x, y); }
  get norm(): number { return Math.hypot(this.x, this.y, this.z); }
}
class Hidden {
  constructor(public a: number) {}
  get twice(): number { return 2 * this.a; }
}
export const hidden = (t: number) => new Hidden(t);
export class Sealed {
  #k: number;
  v: number;
  constructor(k: number) { this.#k = k; this.v = 2 * k; }
  get k(): number { return this.#k; }
}
`;

const INSTANCES = `
import { jvp, vjp } from 'tapeless';
import { Vec, hidden, Sealed } from './shapes.js';

export const made = (t: number) => new Vec(t, 2 * t);
export function grown(t: number): Vec {
  let v = new Vec(1, t);
  for (let k = 0; k < 3; k++) v = v.scaled(t);
  return v;
}
export const chosen = (t: number) => (t > 0 ? new Vec(t, 1) : new Vec(1, t));
export const same = (v: Vec, t: number) => v;
export const wrapped = (v: Vec, t: number) => ({ v, t });
export const sealed = (t: number) => new Sealed(t);

export const vjpMade = vjp(made);
export const jvpMade = jvp(made);
export const vjpGrown = vjp(grown);
export const jvpChosen = jvp(chosen);
export const vjpSame = vjp(same);
export const jvpWrapped = jvp(wrapped);
export const vjpHidden = vjp(hidden);
export const jvpSealed = jvp(sealed);
export function inPlace(t: number) {
  return jvp((s: number) => new Vec(s * s, s))([t], [1]);
}
`;

describe('the value of vjp and jvp: an instance of the class its type declares', () => {
  let v: Record<string, any>;
  let shapes: Record<string, any>;
  beforeAll(async () => {
    const compiled = compile({ 'shapes.ts': SHAPES, 'main.ts': INSTANCES });
    expect(compiled.messages).toEqual([]);
    v = await compiled.load();
    shapes = await compiled.load('shapes.ts');
  });

  it('made, grown in a loop, chosen by a branch and made in place of the call: getters and methods work', () => {
    const t = 1.3;
    for (const [value, x, y] of [
      [v.vjpMade(t)[0], t, 2 * t],
      [v.jvpMade([t], [1])[0], t, 2 * t],
      [v.vjpGrown(t)[0], t ** 3, t ** 4],
      [v.jvpChosen([t], [1])[0], t, 1],
      [v.jvpChosen([-t], [1])[0], 1, -t],
      [v.inPlace(t)[0], t * t, t],
    ] as [any, number, number][]) {
      expect(value).toBeInstanceOf(shapes.Vec);
      close(value.x, x, 1e-12);
      close(value.y, y, 1e-12);
      close(value.norm, Math.hypot(x, y), 1e-12);
      close(value.scaled(2).y, 2 * y, 1e-12);
    }
    // The derivatives are unchanged: the tangent and the gradient are plain objects of the fields.
    expect(v.jvpMade([t], [1])[1]).toEqual({ x: 1, y: 2 });
    expect(Object.getPrototypeOf(v.jvpMade([t], [1])[1])).toBe(Object.prototype);
    close(v.vjpGrown(t)[1]({ x: 1, y: 0 }), 3 * t * t, 1e-12);
  });

  it("the caller's own object returned is not changed: a plain object is given as a copy that is an instance, an instance (of a subclass too) as it is", () => {
    const plain = { x: 3, y: 4 };
    const [value] = v.vjpSame(plain, 1);
    expect(value).toBeInstanceOf(shapes.Vec);
    expect(value.norm).toBe(5);
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    const [wrapped] = v.jvpWrapped([plain, 2], [{ x: 0, y: 0 }, 1]);
    expect(wrapped.v.norm).toBe(5);
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    const solid = new shapes.Vec3(1, 2, 2);
    expect(v.vjpSame(solid, 1)[0]).toBe(solid);
    expect(v.jvpWrapped([solid, 2], [{ x: 0, y: 0 }, 1])[0].v.norm).toBe(3);
  });

  it("a class the generated code cannot reach (another module's, not exported) or with #private fields: an object of its fields, as README says", () => {
    const [value, pullback] = v.vjpHidden(2);
    expect(value).toEqual({ a: 2 });
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(pullback({ a: 1 })).toBe(1);
    const [sealed, tangent] = v.jvpSealed([2], [1]);
    expect(sealed).toEqual({ v: 4 });
    expect(tangent).toEqual({ v: 2 });
  });
});
