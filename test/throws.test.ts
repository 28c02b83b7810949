// A `throw` ends its path: the code after a guard (`if (bad) throw …`) runs only where the
// guard did not throw, so it sees the variables as the other side left them. Guards in loops
// before an array or object state is reassigned (`p = next`, `s = step(s)`) in `for`, `while`,
// `do` and nested loops, in an `else`, in a `switch` case, in a helper called in the loop; a
// helper that always throws on a side of `?:`, and as a default value: every gradient against
// finite differences, in reverse mode (which compile() checks against forward mode at every
// call) and in a forward-mode build, with Hessians; and the generated code throws the user's
// error where the function does.
import { beforeAll, describe, expect, it } from 'vitest';
import { arrayEntryDifference, close, compile, compileForward, expectArrayHessian, expectHessianOfGradient, partialDifference } from './support/compile.js';

const MAIN = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';

/** Diffusion steps, guarded against blowing up; the map's callback reads p too. */
export function smooth(xs: number[], steps: number, limit: number): number {
  let p = xs;
  for (let k = 0; k < steps; k++) {
    const next = p.map((e, i) => e * 0.5 + (p[i - 1] ?? 0) * 0.25);
    if (!(next[0] < limit)) throw new Error('diverged');
    p = next;
  }
  return p.reduce((a, b) => a + b * b, 0);
}

/** The guard in an else. */
export function elseGuard(xs: number[], limit: number): number {
  let p = xs;
  for (let k = 0; k < 3; k++) {
    const next = p.map((e, i) => e * 0.5 + (p[i - 1] ?? 0) * 0.25);
    if (next[0] < limit) p = next;
    else throw new Error('diverged in else');
  }
  return p.reduce((a, b) => a + b * b, 0);
}

/** In a do-while loop. */
export function doGuard(xs: number[], limit: number): number {
  let p = xs;
  let k = 0;
  do {
    const next = p.map((e) => Math.sin(e) + e);
    if (next[0] > limit) throw new Error(\`diverged at pass \${k}\`);
    p = next;
    k++;
  } while (k < 3);
  return p.reduce((a, b) => a + b * b, 0);
}

/** In nested loops, the test a callback's. */
export function nested(xs: number[], limit: number): number {
  let p = xs;
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      const next = p.map((e) => e * 0.9 + 0.1 * e * e);
      if (next.some((e) => e > limit)) throw new Error('diverged in nested loops');
      p = next;
    }
  }
  return p.reduce((s, e) => s + e * e, 0);
}

function check(values: number[], limit: number): void {
  if (!(values[0] < limit)) throw new Error('diverged in check');
}

/** The guard in a helper called in the loop. */
export function checked(xs: number[], limit: number): number {
  let p = xs;
  for (let k = 0; k < 3; k++) {
    const next = p.map((e, i) => e * 0.6 + (p[i + 1] ?? 0) * 0.3);
    check(next, limit);
    p = next;
  }
  return p.reduce((a, b) => a + b * b, 0);
}

/** A throw in a switch case, and a guard in another. */
export function modes(xs: number[], mode: number, limit: number): number {
  let p = xs;
  for (let k = 0; k < 3; k++) {
    const next = p.map((e) => e * e * 0.5 + e);
    switch (mode) {
      case 0:
        break;
      case 1:
        throw new Error('mode 1 is retired');
      default:
        if (next[0] > limit) throw new Error('too big');
    }
    p = next;
  }
  return p.reduce((a, b) => a + b, 0);
}

function step(s: [number, number], h: number): [number, number] {
  return [s[0] + h * s[1], s[1] - h * Math.sin(s[0])];
}

/** A tuple state in a while loop. */
export function pendulum(x: number, v: number, limit: number): number {
  let s: [number, number] = [x, v];
  let k = 0;
  while (k < 4) {
    if (Math.abs(s[0]) > limit) throw new Error(\`angle \${s[0]} past \${limit}\`);
    s = step(s, 0.1);
    k++;
  }
  return s[0] * s[1];
}

interface State { p: number; v: number }

/** An object state, the guard in an else. */
export function orbit(x: number, v: number, limit: number): number {
  let st: State = { p: x, v };
  for (let k = 0; k < 3; k++) {
    if (st.p < limit) st = { p: st.p + 0.1 * st.v, v: st.v - 0.1 * st.p * st.p };
    else throw new Error('escaped');
  }
  return st.p * st.v;
}

function fail(message: string): never {
  throw new Error(message);
}

/** A helper that always throws, on a side of ?:. */
export function logOrFail(x: number, y: number): number {
  const l = x > 0 ? Math.log(x) : fail('not positive');
  return l * l * y;
}

/** A default value that throws: the calls that leave y out end there. */
export function scaled(x: number, y: number = fail('y is required')): number {
  const z = x * y;
  return z * Math.sin(z);
}

export const dSmooth = grad(smooth, { wrt: 0 });
export const hSmooth = hessian(smooth, { wrt: 0 });
export const dElseGuard = grad(elseGuard, { wrt: 0 });
export const dDoGuard = grad(doGuard, { wrt: 0 });
export const hDoGuard = hessian(doGuard, { wrt: 0 });
export const dChecked = grad(checked, { wrt: 0 });
export const dNested = grad(nested, { wrt: 0 });
export const dModes = grad(modes, { wrt: 0 });
export const dPendulum = grad(pendulum, { wrt: [0, 1] });
export const vgPendulum = valueAndGrad(pendulum, { wrt: [0, 1] });
export const hPendulum = hessian(pendulum, { wrt: [0, 1] });
export const dxPendulum = derivative(pendulum);
export const dOrbit = grad(orbit, { wrt: [0, 1] });
export const hOrbit = hessian(orbit, { wrt: [0, 1] });
export const jvpOrbit = jvp(orbit);
export const dLogOrFail = grad(logOrFail);
export const hLogOrFail = hessian(logOrFail);
export const dxLogOrFail = derivative(logOrFail);
export const dScaled = grad(scaled);
export const dxScaled = derivative(scaled);
export const hScaled = hessian(scaled);
`;

type Build = Record<string, any>;
let reverse: Build;
let forward: Build;
let generated: string;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  generated = compiled.js['main.ts'];
  reverse = await compiled.load();
  const forwardBuild = compileForward({ 'main.ts': MAIN });
  expect(forwardBuild.messages).toEqual([]);
  forward = await forwardBuild.load();
});

/** The functions of an array: each one's gradient, at points where it does not throw, and one where it does. */
const ARRAY_CASES = [
  { name: 'Smooth', args: [3, 100], xs: [1, 2, 3], throwsAt: [[1, 2, 3], 3, 0.1], error: 'diverged' },
  { name: 'ElseGuard', args: [100], xs: [1, -2, 0.5], throwsAt: [[1, 2, 3], 0.1], error: 'diverged in else' },
  { name: 'DoGuard', args: [100], xs: [0.1, 0.2, 0.3], throwsAt: [[1, 2, 3], 1.5], error: 'diverged at pass 0' },
  { name: 'Nested', args: [100], xs: [0.3, -0.7, 1.1], throwsAt: [[1, 2, 3], 2], error: 'diverged in nested loops' },
  { name: 'Checked', args: [100], xs: [0.4, -1.2, 2], throwsAt: [[1, 2, 3], 0.5], error: 'diverged in check' },
  { name: 'Modes', args: [0, 100], xs: [0.3, -0.2, 0.7], throwsAt: [[1, 2, 3], 1, 100], error: 'mode 1 is retired' },
  { name: 'Modes', args: [2, 100], xs: [0.3, -0.2, 0.7], throwsAt: [[1, 2, 3], 2, 1], error: 'too big' },
];

describe('a throw guard in a loop before an array is reassigned', () => {
  it('grad against finite differences, in both builds', () => {
    for (const { name, args, xs } of ARRAY_CASES) {
      const f = (point: number[]) => reverse[name[0].toLowerCase() + name.slice(1)](point, ...args);
      for (const build of [reverse, forward]) {
        const gradient = build[`d${name}`](xs, ...args);
        xs.forEach((_, i) => close(gradient[i], arrayEntryDifference(f, xs, i), 1e-6));
      }
    }
  });

  it('hessian against finite differences of the gradient', () => {
    for (const [name, args, xs] of [
      ['Smooth', [3, 100], [1, 2, 3]],
      ['DoGuard', [100], [0.1, 0.2, 0.3]],
    ] as const) {
      expectArrayHessian(reverse[`h${name}`](xs, ...args), (point) => reverse[`d${name}`](point, ...args), xs);
    }
  });

  it('no loop carries a flag for its throws, and no code after a loop is guarded by one', () => {
    expect(generated).toContain("throw new Error('diverged')");
    expect(generated).not.toMatch(/\breturned\b/);
  });

  it("the gradient throws the function's error where the function throws", () => {
    for (const { name, throwsAt, error } of ARRAY_CASES) {
      const f = reverse[name[0].toLowerCase() + name.slice(1)];
      expect(() => f(...throwsAt)).toThrow(error);
      for (const build of [reverse, forward]) expect(() => build[`d${name}`](...throwsAt)).toThrow(error);
    }
    expect(() => reverse.hSmooth([1, 2, 3], 3, 0.1)).toThrow('diverged');
  });
});

describe('a throw guard before a tuple or object state is reassigned', () => {
  const POINTS = [
    [0.3, 0.5, 10],
    [-1.1, 2, 10],
  ];

  it('grad, valueAndGrad, derivative, jvp and hessian against finite differences', () => {
    for (const point of POINTS) {
      for (const [name, f] of [
        ['Pendulum', reverse.pendulum],
        ['Orbit', reverse.orbit],
      ] as const) {
        for (const build of [reverse, forward]) {
          const gradient = build[`d${name}`](...point);
          [0, 1].forEach((i) => close(gradient[i], partialDifference(f, point, i), 1e-6));
        }
        expectHessianOfGradient(reverse[`h${name}`](...point), (x: number, v: number) => reverse[`d${name}`](x, v, point[2]), point.slice(0, 2));
      }
      const [value, gradient] = reverse.vgPendulum(...point);
      expect(value).toBe(reverse.pendulum(...point));
      close(reverse.dxPendulum(...point), gradient[0], 1e-12);
      const [orbit, tangent] = reverse.jvpOrbit(point, [1, -2, 0]);
      expect(orbit).toBe(reverse.orbit(...point));
      const orbitGradient = reverse.dOrbit(...point);
      close(tangent, orbitGradient[0] - 2 * orbitGradient[1], 1e-12);
    }
  });

  it("the generated functions throw the function's error where it throws", () => {
    expect(() => reverse.pendulum(0.3, 0.5, 0.1)).toThrow('angle 0.3 past 0.1');
    for (const generated of [reverse.dPendulum, forward.dPendulum, reverse.vgPendulum, reverse.hPendulum, reverse.dxPendulum])
      expect(() => generated(0.3, 0.5, 0.1)).toThrow('angle 0.3 past 0.1');
    expect(() => reverse.orbit(0.3, 0.5, 0.1)).toThrow('escaped');
    for (const generated of [reverse.dOrbit, forward.dOrbit, reverse.hOrbit]) expect(() => generated(0.3, 0.5, 0.1)).toThrow('escaped');
    expect(() => reverse.jvpOrbit([0.3, 0.5, 0.1], [1, 0, 0])).toThrow('escaped');
  });
});

describe('a helper that always throws, on a side of ?:', () => {
  it('grad, derivative and hessian against finite differences, and the error where the function throws', () => {
    for (const point of [
      [2, 0.5],
      [0.3, -1.5],
    ]) {
      for (const build of [reverse, forward]) {
        const gradient = build.dLogOrFail(...point);
        [0, 1].forEach((i) => close(gradient[i], partialDifference(reverse.logOrFail, point, i), 1e-6));
      }
      close(reverse.dxLogOrFail(...point), partialDifference(reverse.logOrFail, point, 0), 1e-6);
      expectHessianOfGradient(reverse.hLogOrFail(...point), reverse.dLogOrFail, point);
    }
    for (const generated of [reverse.logOrFail, reverse.dLogOrFail, forward.dLogOrFail, reverse.dxLogOrFail, reverse.hLogOrFail])
      expect(() => generated(-1, 2)).toThrow('not positive');
  });
});

describe('a default value that throws', () => {
  it('grad, derivative and hessian against finite differences where the argument is given, and the error where it is left out', () => {
    for (const point of [
      [0.7, 1.2],
      [-1.5, 0.4],
    ]) {
      for (const build of [reverse, forward]) {
        const gradient = build.dScaled(...point);
        [0, 1].forEach((i) => close(gradient[i], partialDifference(reverse.scaled, point, i), 1e-6));
      }
      close(reverse.dxScaled(...point), partialDifference(reverse.scaled, point, 0), 1e-6);
      expectHessianOfGradient(reverse.hScaled(...point), reverse.dScaled, point);
    }
    for (const generated of [reverse.scaled, reverse.dScaled, forward.dScaled, reverse.dxScaled, reverse.hScaled])
      expect(() => generated(2)).toThrow('y is required');
  });
});
