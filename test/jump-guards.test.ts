// `continue`, `return` and `break` guards before a loop's state is reassigned:
//   const next = p.map(…); if (bad) continue; p = next;
// A pass that jumps leaves the state as it was; one that goes on leaves it `next`. The state
// of a length known at run time is kept in one array, its buffer: only the pass that goes on
// copies `next` into it. Arrays from a map of the state, number[] and Float64Array, tuples and
// objects from a step helper, in for, while and nested loops, guards on the state or on a
// counter, an `if` at the end of the pass: every gradient against finite differences in
// reverse mode (which compile() checks against forward mode at every call) and in a
// forward-mode build, valueAndGrad, derivative and jvp, and Hessians.
import { beforeAll, describe, expect, it } from 'vitest';
import { arrayEntryDifference, close, compile, compileForward, expectArrayHessian, expectHessianOfGradient, partialDifference } from './support/compile.js';

const MAIN = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';

/** Diffusion steps; a pass whose first entry would pass the limit is skipped. */
export function skip(xs: number[], steps: number, limit: number): number {
  let p = xs;
  for (let k = 0; k < steps; k++) {
    const next = p.map((e, i) => e * 0.5 + (p[i - 1] ?? 0) * 0.25 + 1);
    if (next[0] > limit) continue;
    p = next;
  }
  return p.reduce((a, b) => a + b * b, 0);
}

/** Leaves the function with another value where the state falls too low. */
export function early(xs: number[], steps: number, low: number): number {
  let p = xs;
  for (let k = 0; k < steps; k++) {
    const next = p.map((e) => Math.sin(e) + 0.1 * e);
    if (next[0] < low) return next[1] * 3;
    p = next;
  }
  return p.reduce((a, b) => a + b * b, 0);
}

/** A while loop left by break, the counter stepped before the guard. */
export function stop(xs: number[], limit: number): number {
  let p = xs;
  let k = 0;
  while (k < 5) {
    k++;
    const next = p.map((e) => e * 1.3 + 0.1);
    if (next[1] > limit) break;
    p = next;
  }
  return p.reduce((a, b) => a + b * b, 0);
}

/** A Float64Array state. */
export function floats(xs: number[], limit: number): number {
  let p = Float64Array.from(xs);
  for (let k = 0; k < 4; k++) {
    const next = p.map((e) => e * e * 0.5 + 0.2);
    if (next[0] > limit) break;
    p = next;
  }
  return p.reduce((a, b) => a + b, 0);
}

/** continue to the outer loop, from the inner one. */
export function nested(xs: number[], limit: number): number {
  let p = xs;
  outer: for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      const next = p.map((e) => e * 0.9 + 0.3 * Math.cos(e));
      if (next[2] > limit) continue outer;
      p = next;
    }
  }
  return p.reduce((s, e) => s + e * e, 0);
}

/** The state before the pass, still read after the guard. */
export function keepsOld(xs: number[], limit: number): number {
  let p = xs;
  let total = 0;
  for (let k = 0; k < 4; k++) {
    const old = p;
    const next = p.map((e) => e * 1.1 + 0.05);
    if (next[1] > limit) continue;
    p = next;
    total += old[0] * p[1] + next[2];
  }
  return total + p[2];
}

/** The assignment made on one side only, the last statement of the pass. */
export function lastIf(xs: number[], limit: number): number {
  let p = xs;
  for (let k = 0; k < 4; k++) {
    const next = p.map((e) => e * 1.2 + 0.1);
    if (next[0] <= limit) p = next;
  }
  return p.reduce((a, b) => a + b * b, 0);
}

/** continue in the then side, the assignment in the else. */
export function elseSide(xs: number[], limit: number): number {
  let p = xs;
  for (let k = 0; k < 4; k++) {
    const next = p.map((e) => e * 1.2 + 0.1);
    if (next[0] > limit) {
      continue;
    } else {
      p = next;
    }
  }
  return p.reduce((a, b) => a + b * b, 0);
}

function step(s: [number, number], h: number): [number, number] {
  return [s[0] + h * s[1], s[1] - h * Math.sin(s[0])];
}

/** A tuple state from a step helper, every other pass skipped (a guard on the counter). */
export function pendulum(x: number, v: number): number {
  let s: [number, number] = [x, v];
  for (let k = 0; k < 6; k++) {
    const next = step(s, 0.3);
    if (k % 2 === 1) continue;
    s = next;
  }
  return s[0] * s[1];
}

interface State { x: number; v: number }

function advance(s: State, dt: number): State {
  return { x: s.x + dt * s.v, v: s.v - dt * Math.sin(s.x) };
}

/** An object state from a step helper, left by return where it escapes. */
export function orbit(x: number, v: number, limit: number): number {
  let s: State = { x, v };
  let k = 0;
  while (k < 6) {
    const next = advance(s, 0.3);
    if (next.x > limit) return next.v * next.x;
    s = next;
    k++;
  }
  return s.x * s.x + s.v;
}

export const dSkip = grad(skip, { wrt: 0 });
export const hSkip = hessian(skip, { wrt: 0 });
export const vgSkip = valueAndGrad(skip, { wrt: 0 });
export const dEarly = grad(early, { wrt: 0 });
export const hEarly = hessian(early, { wrt: 0 });
export const dStop = grad(stop, { wrt: 0 });
export const dFloats = grad(floats, { wrt: 0 });
export const dNested = grad(nested, { wrt: 0 });
export const hNested = hessian(nested, { wrt: 0 });
export const dKeepsOld = grad(keepsOld, { wrt: 0 });
export const dLastIf = grad(lastIf, { wrt: 0 });
export const dElseSide = grad(elseSide, { wrt: 0 });
export const dPendulum = grad(pendulum);
export const vgPendulum = valueAndGrad(pendulum);
export const hPendulum = hessian(pendulum);
export const dxPendulum = derivative(pendulum);
export const dOrbit = grad(orbit, { wrt: [0, 1] });
export const hOrbit = hessian(orbit, { wrt: [0, 1] });
export const jvpOrbit = jvp(orbit);
`;

type Build = Record<string, any>;
let reverse: Build;
let forward: Build;
let forwardCode: string;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  reverse = await compiled.load();
  const forwardBuild = compileForward({ 'main.ts': MAIN });
  expect(forwardBuild.messages).toEqual([]);
  forwardCode = forwardBuild.js['main.ts'];
  forward = await forwardBuild.load();
});

/** Each function of an array, at a point where its guard jumps on some pass and one where it never does. */
const ARRAY_CASES = [
  {
    name: 'Skip',
    points: [
      [[0.3, 0.6, 1.2], 4, 1.5],
      [[0.3, 0.6, 1.2], 4, 100],
    ],
  },
  {
    name: 'Early',
    points: [
      [[0.2, 2, 3], 3, 0.5],
      [[1, 2, 3], 3, -5],
    ],
  },
  {
    name: 'Stop',
    points: [
      [[0.5, 1, 2], 3.1],
      [[0.5, 1, 2], 100],
    ],
  },
  {
    name: 'Floats',
    points: [
      [[0.1, 0.5, 0.3], 0.22],
      [[0.1, 0.5, 0.3], 100],
    ],
  },
  {
    name: 'Nested',
    points: [
      [[0.1, 0.5, 0.7], 1],
      [[0.1, 0.5, 0.7], 100],
    ],
  },
  {
    name: 'KeepsOld',
    points: [
      [[0.1, 0.5, 0.7], 0.7],
      [[0.1, 0.5, 0.7], 100],
    ],
  },
  {
    name: 'LastIf',
    points: [
      [[0.1, 0.5, 0.7], 0.3],
      [[0.1, 0.5, 0.7], 100],
    ],
  },
  {
    name: 'ElseSide',
    points: [
      [[0.1, 0.5, 0.7], 0.3],
      [[0.1, 0.5, 0.7], 100],
    ],
  },
] as const;

const lower = (name: string) => name[0].toLowerCase() + name.slice(1);

describe('a guard in a loop before an array state is reassigned', () => {
  it('grad against finite differences, in both builds', () => {
    for (const { name, points } of ARRAY_CASES) {
      for (const [xs, ...args] of points) {
        const f = (point: number[]) => reverse[lower(name)](point, ...args);
        for (const build of [reverse, forward]) {
          const gradient = build[`d${name}`](xs, ...args);
          xs.forEach((_, i) => close(gradient[i], arrayEntryDifference(f, xs, i), 1e-6));
        }
      }
    }
  });

  it("only the pass that goes on copies next into the state's array: no other array per pass", () => {
    // The caller's array copied as the loop starts and next, with their tangents; a new array
    // chosen by the guard (and its tangent) each pass would make two more.
    const tangent = /function skip_grad\w*_tangent\([^]*?\n}/.exec(forwardCode)![0];
    expect(tangent.match(/new Array\(/g)).toHaveLength(4);
    expect(tangent).toMatch(/const next = new Array\(/);
  });

  it('the guard changes the value where it jumps', () => {
    for (const { name, points } of ARRAY_CASES) {
      const [[xs, ...jumping], [, ...never]] = points;
      expect(reverse[lower(name)](xs, ...jumping)).not.toBe(reverse[lower(name)](xs, ...never));
    }
  });

  it('valueAndGrad, and hessian against finite differences of the gradient', () => {
    const [value, gradient] = reverse.vgSkip([0.3, 0.6, 1.2], 4, 1.5);
    expect(value).toBe(reverse.skip([0.3, 0.6, 1.2], 4, 1.5));
    expect(gradient).toEqual(reverse.dSkip([0.3, 0.6, 1.2], 4, 1.5));
    for (const [name, xs, args] of [
      ['Skip', [0.3, 0.6, 1.2], [4, 1.5]],
      ['Early', [0.2, 2, 3], [3, 0.5]],
      ['Nested', [0.1, 0.5, 0.7], [1]],
    ] as const) {
      expectArrayHessian(reverse[`h${name}`](xs, ...args), (point) => reverse[`d${name}`](point, ...args), xs);
    }
  });
});

describe('a guard before a tuple or object state from a step helper is reassigned', () => {
  it('grad, valueAndGrad, derivative, jvp and hessian against finite differences', () => {
    for (const point of [
      [0.3, 0.5],
      [-1.1, 2],
    ]) {
      for (const build of [reverse, forward]) {
        const gradient = build.dPendulum(...point);
        [0, 1].forEach((i) => close(gradient[i], partialDifference(reverse.pendulum, point, i), 1e-6));
      }
      const [value, gradient] = reverse.vgPendulum(...point);
      expect(value).toBe(reverse.pendulum(...point));
      close(reverse.dxPendulum(...point), gradient[0], 1e-12);
      expectHessianOfGradient(reverse.hPendulum(...point), reverse.dPendulum, point);
    }
    // The orbit escapes (returns early) at the first point, never at the second.
    for (const point of [
      [0.5, 0.7, 0.8],
      [0.5, 0.7, 100],
    ]) {
      for (const build of [reverse, forward]) {
        const gradient = build.dOrbit(...point);
        [0, 1].forEach((i) => close(gradient[i], partialDifference(reverse.orbit, point, i), 1e-6));
      }
      expectHessianOfGradient(reverse.hOrbit(...point), (x: number, v: number) => reverse.dOrbit(x, v, point[2]), point.slice(0, 2));
      const [orbit, tangent] = reverse.jvpOrbit(point, [1, -2, 0]);
      expect(orbit).toBe(reverse.orbit(...point));
      const orbitGradient = reverse.dOrbit(...point);
      close(tangent, orbitGradient[0] - 2 * orbitGradient[1], 1e-12);
    }
    expect(reverse.orbit(0.5, 0.7, 0.8)).not.toBe(reverse.orbit(0.5, 0.7, 100));
  });
});
