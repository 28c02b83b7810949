// State reassigned in loops, as simulations and optimisers write it: a tuple or object state
// `s = step(s, dt)`, rebuilt by a literal, written entry by entry, swapped by destructuring,
// left by a break; carried as the numbers it holds (frontend/lower/scalars.ts). Checked in
// every mode against finite differences (and forward mode, through compile's twin); what
// cannot be carried that way is a located diagnostic.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, jacobian } from 'tapeless';

type State = [number, number];
interface Body { pos: number; vel: number; }
interface Rigid { at: number[]; spin: number; }

function accel(x: number, k: number): number { return -k * x - 0.1 * x * x * x; }

function rk4(s: State, k: number, h: number): State {
  const [x, v] = s;
  const k1: State = [v, accel(x, k)];
  const k2: State = [v + (h / 2) * k1[1], accel(x + (h / 2) * k1[0], k)];
  const k3: State = [v + (h / 2) * k2[1], accel(x + (h / 2) * k2[0], k)];
  const k4: State = [v + h * k3[1], accel(x + h * k3[0], k)];
  return [x + (h / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]), v + (h / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])];
}

export function oscillator(x0: number, v0: number, k: number): number {
  let s: State = [x0, v0];
  for (let i = 0; i < 25; i++) s = rk4(s, k, 0.04);
  return s[0] * s[0] + 0.5 * s[1] * s[1];
}

export function finalState(x0: number, v0: number): State {
  let s: State = [x0, v0];
  for (let i = 0; i < 10; i++) s = rk4(s, 3, 0.05);
  return s;
}

export function flight(v0: number, drag: number): number {
  let b: Body = { pos: 0, vel: v0 };
  let t = 0;
  while (b.pos >= 0 && t < 500) {
    b = { vel: b.vel - 0.01 * (9.81 + drag * b.vel * Math.abs(b.vel)), pos: b.pos + 0.01 * b.vel };
    t++;
  }
  return t * 0.01 + 0.001 * b.vel + b.pos;
}

export function rigid(a: number, w: number): number {
  let r: Rigid = { at: [a, 0], spin: w };
  for (let i = 0; i < 6; i++) {
    const c = Math.cos(r.spin * 0.1);
    const s = Math.sin(r.spin * 0.1);
    r = { at: [c * r.at[0] - s * r.at[1], s * r.at[0] + c * r.at[1]], spin: r.spin * 0.95 };
    if (r.at[1] > 0.8) break;
  }
  return r.at[0] + 2 * r.at[1] + r.spin;
}

export function inPlace(x: number, y: number): number {
  let s = [x, y, 0];
  for (let i = 0; i < 4; i++) {
    const next = [s[1], s[2], 0];
    next[2] = s[0] * 0.5 + s[1] * s[2];
    next[0] += 0.1 * i;
    s = next;
  }
  return s[0] + s[1] * s[2];
}

export function swaps(a: number, b: number): number {
  let [x, y] = [a, b];
  for (let i = 0; i < 5; i++) [x, y] = [y, x + 0.5 * y * y];
  let p = { u: a, w: b };
  ({ u: p.u === 0 ? y : x, w: y } as unknown);
  return x * y + p.u;
}

function euler(k: number, s: State, dt: number): State {
  const slope: State = [s[1], accel(s[0], k)];
  return s.map((si, i) => si + dt * slope[i]) as State;
}

export function mapped(x0: number, k: number): number {
  let s: State = [x0, 0];
  for (let i = 0; i < 20; i++) s = euler(k, s, 0.05);
  return s[0] * s[0] + s[1];
}

export function smooth(xs: number[], k: number): number {
  let p = xs.map((v) => v * k);
  for (let it = 0; it < 4; it++) p = p.map((v, i) => 0.5 * v + 0.25 * (p[Math.max(0, i - 1)] + p[Math.min(p.length - 1, i + 1)]) + 0.1 * Math.sin(v));
  let s = 0;
  for (const v of p) s += v * v;
  return s;
}

export function heat(u0: number[], alpha: number): number {
  const n = u0.length;
  let cur = new Float64Array(n);
  let next = new Float64Array(n);
  for (let i = 0; i < n; i++) cur[i] = u0[i];
  for (let t = 0; t < 5; t++) {
    for (let i = 0; i < n; i++) next[i] = cur[i] + alpha * ((i > 0 ? cur[i - 1] : 0) - 2 * cur[i] + (i < n - 1 ? cur[i + 1] : 0));
    [cur, next] = [next, cur];
  }
  let e = 0;
  for (let i = 0; i < n; i++) e += cur[i] * cur[i] * (i + 1);
  return e;
}

function relax(p: number[], w: number): number[] {
  return p.map((v) => v - w * Math.tanh(v));
}

export function settle(xs: number[], w: number): number {
  let p = [...xs];
  let passes = 0;
  while (passes < 50) {
    const before = p[0];
    p = relax(p, w);
    passes++;
    if (Math.abs(p[0] - before) < 0.05) break;
  }
  return p.reduce((total, v) => total + v * v, 0) * passes;
}

export const dOscillator = grad(oscillator);
export const dSmooth = grad(smooth);
export const dHeat = grad(heat);
export const heatHessian = hessian(heat, { wrt: 'alpha' });
export const dSettle = grad(settle);
export const dMapped = grad(mapped);
export const mappedHessian = hessian(mapped);
export const oscillatorHessian = hessian(oscillator, { wrt: [0, 1] });
export const dOscillatorDk = derivative(oscillator, { wrt: 'k' });
export const finalJacobian = jacobian(finalState);
export const dFlight = grad(flight);
export const dRigid = grad(rigid);
export const dInPlace = grad(inPlace);
export const dSwaps = grad(swaps);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

function expectGradient(name: string, point: number[]): void {
  const gradient = m[`d${name[0].toUpperCase()}${name.slice(1)}`](...point) as number[];
  point.forEach((_, i) => close(gradient[i], partialDifference(m[name], point, i), 1e-6));
}

describe('state reassigned in loops', () => {
  it('a tuple state stepped by an RK4 helper, in reverse mode, forward mode and a Hessian', () => {
    for (const point of [
      [0.7, -0.3, 2],
      [-1.2, 0.4, 0.5],
    ]) {
      expectGradient('oscillator', point);
      close(m.dOscillatorDk(...point), partialDifference(m.oscillator, point, 2), 1e-6);
      const h = m.oscillatorHessian(...point);
      for (const i of [0, 1])
        for (const j of [0, 1])
          close(
            h[i][j],
            partialDifference((...q: number[]) => m.dOscillator(...q)[i], point, j),
            1e-5,
          );
    }
  });

  it('a tuple state stepped by a helper that maps it (a map of a tuple has its length)', () => {
    for (const point of [
      [1.3, 0.7],
      [-0.4, 2.5],
    ]) {
      expectGradient('mapped', point);
      const h = m.mappedHessian(...point);
      for (const i of [0, 1])
        for (const j of [0, 1])
          close(
            h[i][j],
            partialDifference((...q: number[]) => m.dMapped(...q)[i], point, j),
            1e-5,
          );
    }
  });

  it('the Jacobian of the final state', () => {
    const point = [0.7, -0.3];
    const jac = m.finalJacobian(...point);
    for (const row of [0, 1])
      for (const col of [0, 1])
        close(
          jac[row][col],
          partialDifference((...q: number[]) => m.finalState(...q)[row], point, col),
          1e-6,
        );
  });

  it('an object state rebuilt by a literal in a while loop with a data-dependent exit', () => {
    for (const point of [
      [3, 0.1],
      [5.5, 0.02],
    ])
      expectGradient('flight', point);
  });

  it('an object holding an array, with a break', () => {
    for (const point of [
      [0.9, 1.3],
      [0.4, 6],
    ])
      expectGradient('rigid', point);
  });

  it('a state written entry by entry before it is reassigned', () => {
    for (const point of [
      [0.3, 0.8],
      [-1.1, 0.5],
    ])
      expectGradient('inPlace', point);
  });

  it('an array of a length known only at run time, mapped pass after pass (kept in one array)', () => {
    const xs = [0.3, -0.7, 1.1, 0.4];
    const [dXs, dK] = m.dSmooth(xs, 1.3);
    xs.forEach((_, j) =>
      close(
        dXs[j],
        partialDifference((...q: number[]) => m.smooth(q, 1.3), xs, j),
        1e-6,
      ),
    );
    close(
      dK,
      partialDifference((k: number) => m.smooth(xs, k), [1.3], 0),
      1e-6,
    );
  });

  it('two typed arrays swapped pass after pass (double buffering), with a Hessian', () => {
    const u0 = [0.3, -0.7, 1.1, 0.4, 0.9];
    const [dU0, dAlpha] = m.dHeat(u0, 0.2);
    u0.forEach((_, j) =>
      close(
        dU0[j],
        partialDifference((...q: number[]) => m.heat(q, 0.2), u0, j),
        1e-6,
      ),
    );
    close(
      dAlpha,
      partialDifference((a: number) => m.heat(u0, a), [0.2], 0),
      1e-6,
    );
    close(
      m.heatHessian(u0, 0.2)[0][0],
      partialDifference((a: number) => m.dHeat(u0, a)[1], [0.2], 0),
      1e-5,
    );
  });

  it('an array reassigned by a helper in a while loop left by a break', () => {
    for (const xs of [
      [1.5, -0.8, 0.6],
      [2, 0.3, -1.2],
    ]) {
      const [dXs, dW] = m.dSettle(xs, 0.3);
      xs.forEach((_, j) =>
        close(
          dXs[j],
          partialDifference((...q: number[]) => m.settle(q, 0.3), xs, j),
          1e-6,
        ),
      );
      close(
        dW,
        partialDifference((w: number) => m.settle(xs, w), [0.3], 0),
        1e-6,
      );
    }
  });

  it('numbers swapped by destructuring', () => {
    for (const point of [
      [0.3, 0.4],
      [-0.2, 0.1],
    ])
      expectGradient('swaps', point);
  });
});

describe('states a loop cannot carry as numbers are diagnostics, at the loop', () => {
  const rejected = (body: string) =>
    compile({ 'main.ts': `import { grad } from 'tapeless';\nexport const g = grad((x: number, xs: number[]) => {\n${body}\n}, { wrt: 0 });\n` }).messages;

  it('an array grown by push', () => {
    expect(rejected('  let p: number[] = [];\n  p.push(x);\n  for (let i = 0; i < 3; i++) p = p.map((v) => v * x);\n  return p[0];')).toEqual([
      expect.stringMatching(
        /^main\.ts:5:3 tapeless: a loop that reassigns 'p' keeps the array or object it holds in one place of its own, which must be one the function made/,
      ),
    ]);
  });

  it('a typed array whose length changes from pass to pass', () => {
    expect(
      rejected('  let p = Float64Array.from(xs, (v) => v * x);\n  for (let i = 0; i < 3; i++) p = new Float64Array(p.length + 1).fill(x);\n  return p[0];'),
    ).toEqual([
      expect.stringContaining("main.ts:4:3 tapeless: a pass of this loop leaves 'p' holding an array the loop cannot copy into the one it keeps 'p' in"),
    ]);
  });

  it('a state another variable holds, where the function writes entries of arrays', () => {
    expect(
      rejected('  const start = [x, 1];\n  let s = start;\n  for (let i = 0; i < 3; i++) s = [s[1], s[0] * x];\n  start[1] = 2;\n  return s[0] + start[1];'),
    ).toEqual([expect.stringContaining("main.ts:5:3 tapeless: the array or object 's' holds as this loop starts is also held by another variable or object")]);
  });
});
