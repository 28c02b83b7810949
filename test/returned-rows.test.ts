// A function returning arrays it made as the rows of an array of arrays (`return [newPos,
// newVel]` of two `map`s, the velocity Verlet step of a spring chain whose `[pos, vel]` state a
// loop reassigns): the variables holding them end with the function, so the rows may be
// copies. Rows that something else still holds (the caller's array, one array listed twice,
// under two names) are shared, as in JavaScript. Every mode against finite differences.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, expectHessianOfGradient, finiteDifference, partialDifference } from './support/compile.js';

const MAIN = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';

type State = [number[], number[]];

function accelerations(pos: readonly number[], k: number, rest: number, mass: number): number[] {
  const n = pos.length;
  const acc = new Array<number>(n).fill(0);
  for (let i = 0; i + 1 < n; i++) {
    const stretch = pos[i + 1] - pos[i] - rest;
    acc[i] += (k * stretch) / mass;
    acc[i + 1] -= (k * stretch) / mass;
  }
  acc[0] -= (k * (pos[0] - rest)) / mass;
  return acc;
}

function verletStep(s: State, dt: number, k: number, rest: number, mass: number): State {
  const [pos, vel] = s;
  const a0 = accelerations(pos, k, rest, mass);
  const newPos = pos.map((p, i) => p + vel[i] * dt + 0.5 * a0[i] * dt * dt);
  const a1 = accelerations(newPos, k, rest, mass);
  const newVel = vel.map((v, i) => v + 0.5 * (a0[i] + a1[i]) * dt);
  return [newPos, newVel];
}

export function springEnergy(k: number, mass: number, init: number[]): number {
  let s: State = [init, init.map(() => 0)];
  for (let t = 0; t < 20; t++) s = verletStep(s, 0.01, k, 1.0, mass);
  const [pos, vel] = s;
  let ke = 0;
  for (const v of vel) ke += 0.5 * mass * v * v;
  return ke + pos[pos.length - 1];
}

/** An arrow returning two arrays it made, the result written afterwards. */
const pairOf = (x: number): number[][] => {
  const u = [x, x * x];
  const v = u.map((e) => e * 3);
  return [u, v] as number[][];
};
export function written(x: number): number {
  const m = pairOf(x);
  m[0][1] += 1;
  return m[0][1] * m[1][1];
}

export const gSpring = grad(springEnergy);
export const vgSpring = valueAndGrad(springEnergy, { wrt: [0, 1] });
export const hSpring = hessian(springEnergy, { wrt: [0, 1] });
export const dSpring = derivative(springEnergy, { wrt: 'k' });
export const jvpSpring = jvp(springEnergy);
export const gWritten = grad(written);
export const dWritten = derivative(written);
export const hWritten = hessian(written);
`;

const SHARED = `
import { derivative, grad } from 'tapeless';
function twice(a: number[]): [number[], number[]] { const b = a; return [a, b]; }
export function twiceOf(x: number): number { const m = twice([x, 2 * x]); m[0][0] = 5; return m[1][0] * x; }
function same(x: number): number[][] { const u = [x, 1]; return [u, u]; }
export function sameOf(x: number): number { const m = same(x); m[0][0] = 5; return m[1][0] * x; }
function kept(a: number[]): number[][] { return [a, [1, 2]]; }
export function keptOf(x: number): number { const p = [x, 3]; const m = kept(p); m[0][0] = 7; return m[0][0] * p[0]; }
export const g_twiceOf = grad(twiceOf);
export const d_twiceOf = derivative(twiceOf);
export const g_sameOf = grad(sameOf);
export const d_sameOf = derivative(sameOf);
export const g_keptOf = grad(keptOf);
export const d_keptOf = derivative(keptOf);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

describe('arrays a function made, returned as the rows of an array of arrays', () => {
  it('a velocity Verlet step returning [newPos, newVel], the state a loop reassigns: every mode', () => {
    const init = [1.1, 2.3, 2.9];
    const [k, mass] = [3, 1.5];
    const f = (a: number, b: number) => m.springEnergy(a, b, init);
    const [gk, gm, gInit] = m.gSpring(k, mass, init);
    close(gk, partialDifference(f, [k, mass], 0), 1e-6);
    close(gm, partialDifference(f, [k, mass], 1), 1e-6);
    gInit.forEach((g: number, i: number) =>
      close(
        g,
        finiteDifference(
          (t) =>
            m.springEnergy(
              k,
              mass,
              init.map((p, j) => (j === i ? t : p)),
            ),
          init[i],
        ),
        1e-6,
      ),
    );
    expect(m.vgSpring(k, mass, init)).toEqual([f(k, mass), [gk, gm]]);
    close(m.dSpring(k, mass, init), gk, 1e-9);
    close(m.jvpSpring([k, mass, init], [1, 0, [0, 0, 0]])[1], gk, 1e-9);
    expectHessianOfGradient(m.hSpring(k, mass, init), (a, b) => m.vgSpring(a, b, init)[1], [k, mass]);
  });

  it('an arrow returning [u, v] as number[][], its result written by the caller', () => {
    for (const x of [0.7, -1.2]) {
      const slope = finiteDifference((t) => m.written(t), x);
      close(m.gWritten(x), slope, 1e-6);
      close(m.dWritten(x), slope, 1e-6);
      close(
        m.hWritten(x)[0][0],
        finiteDifference((t) => m.gWritten(t), x),
        1e-5,
      );
    }
  });

  it("rows something else still holds (an array listed twice, the caller's array): shared, as in JavaScript", async () => {
    const compiled = compile({ 'main.ts': SHARED });
    expect(compiled.messages).toEqual([]);
    const shared = await compiled.load();
    for (const x of [2, -0.7]) {
      // Writing m[0][0] is seen through m[1] (one array listed twice) and through p (the caller's).
      expect(shared.twiceOf(x)).toBe(5 * x);
      expect(shared.sameOf(x)).toBe(5 * x);
      expect(shared.keptOf(x)).toBe(49);
      for (const name of ['twiceOf', 'sameOf', 'keptOf']) {
        close(
          shared[`g_${name}`](x),
          finiteDifference((t) => shared[name](t), x),
          1e-6,
        );
        close(
          shared[`d_${name}`](x),
          finiteDifference((t) => shared[name](t), x),
          1e-6,
        );
      }
    }
  });
});
