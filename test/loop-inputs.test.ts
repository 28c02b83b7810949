// Loops and branches over the caller's data as programs of the corpus write them:
// `for (const [a, b] of pairs)` and `for (const { a, b } of items)`, `for (v of xs)` into a
// variable declared before, `let pose = ORIGIN` (a module's constant) or `let p = xs` (the
// caller's array) reassigned pass after pass (copied on entry: differentiated code never
// writes them), and a branch choosing between arrays of a length known only at run time
// (`switch` arms returning `values.map(…)`: copied into one array made before the branch).
// Every mode against finite differences, and forward mode through compile's twin.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, jvp, valueAndGrad, vjp } from 'tapeless';

export function pairs(x: number, ps: number[][]): number {
  let s = 0;
  for (const [a, b] of ps) s += Math.sin(a * x) * b;
  return s;
}

export function items(x: number, its: { a: number; b: number }[]): number {
  let s = 0;
  for (const { a, b } of its) s += a * x + b * x * x;
  return s;
}

export function lastSeen(x: number, xs: number[]): number {
  let v = 0;
  let s = 0;
  for (v of xs) s += v * x;
  for (let w of xs) {
    w *= x;
    s += w * w;
  }
  return s + v * v;
}

interface Pose { x: number; y: number; heading: number }
const ORIGIN: Pose = { x: 0, y: 0.5, heading: 0 };
const START = [1, 2];
function drive(p: Pose, v: number): Pose {
  return { x: p.x + v * Math.cos(p.heading), y: p.y + v * Math.sin(p.heading), heading: p.heading + 0.3 * v };
}

export function rollout(k: number, vs: number[]): number {
  let pose = ORIGIN;
  for (const v of vs) pose = drive(pose, k * v);
  return pose.x * pose.y + pose.heading;
}

export function relaxed(w: number, xs: number[]): number {
  let p = xs;
  let q = START;
  for (let i = 0; i < 3; i++) {
    p = p.map((v) => v - w * Math.tanh(v));
    q = q.map((v) => Math.sin(v * w));
  }
  return p[0] * q[1] + p[p.length - 1] * q[0];
}

const SLOW = { v: 1, w: 2 };
const FAST = { v: 3, w: -1 };
/** A loop that only chooses among constants: it carries the one chosen (not a copy). */
export function gears(x: number): number {
  let gear = SLOW;
  let s = 0;
  for (let i = 0; i < 3; i++) {
    if (x > i) gear = FAST;
    s += gear.v * x + gear.w;
  }
  return s;
}

type State = [number, number];
const S0: State = [0.5, 0.1];
function stepT(s: State, dt: number): State {
  return [s[0] + dt * s[1], s[1] - dt * Math.sin(s[0])];
}

/** A tuple state starting from the caller's tuple, from a spread copy of it, and from a module's constant tuple. */
export function fromCaller(k: number, s0: State): number {
  let s = s0;
  for (let i = 0; i < 20; i++) s = stepT(s, 0.05 * k);
  return s[0] + 2 * s[1];
}

export function fromSpread(k: number, s0: State): number {
  let s: State = [...s0];
  for (let i = 0; i < 20; i++) s = stepT(s, 0.05 * k);
  return s[0] * s[1];
}

export function fromConstant(k: number): number {
  let s = S0;
  for (let i = 0; i < 20; i++) s = stepT([s[0] * k, s[1]], 0.05);
  return s[0];
}

type Activation = 'tanh' | 'relu' | 'square';
function activate(values: number[], activation: Activation): number[] {
  switch (activation) {
    case 'tanh':
      return values.map(Math.tanh);
    case 'relu':
      return values.map((v) => Math.max(0, v));
    case 'square':
      return values.map((v) => v * v);
  }
}

export function layer(x: number, xs: number[], activation: Activation): number {
  const h = activate(xs.map((v) => v * x), activation);
  return h.reduce((s, v, i) => s + v * (i + 1), 0);
}

export function chosen(x: number, xs: number[]): number {
  const h = x > 0 ? xs.map((v) => v * x) : xs.map((v) => v - x);
  let s = 0;
  for (const v of h) s += v * v * v;
  return s;
}

export const dPairs = grad(pairs);
export const derivPairs = derivative(pairs, { wrt: 'x' });
export const hPairs = hessian(pairs, { wrt: 'x' });
export const dItems = grad(items);
export const jItems = jvp(items);
export const dLastSeen = grad(lastSeen);
export const hLastSeen = hessian(lastSeen, { wrt: 0 });
export const dRollout = grad(rollout);
export const vRollout = valueAndGrad(rollout);
export const derivRollout = derivative(rollout, { wrt: 'k' });
export const hRollout = hessian(rollout, { wrt: 'k' });
export const pRollout = vjp(rollout);
export const dRelaxed = grad(relaxed);
export const dGears = grad(gears);
export const vRelaxed = valueAndGrad(relaxed);
export const derivRelaxed = derivative(relaxed, { wrt: 'w' });
export const hRelaxed = hessian(relaxed, { wrt: 'w' });
export const dLayer = grad(layer, { wrt: [0, 1] });
export const derivLayer = derivative(layer, { wrt: 'x' });
export const hLayer = hessian(layer, { wrt: 'x' });
export const pLayer = vjp(layer, { wrt: [0, 1] });
export const dFromCaller = grad(fromCaller);
export const hFromCaller = hessian(fromCaller, { wrt: 'k' });
export const dFromSpread = grad(fromSpread);
export const hFromSpread = hessian(fromSpread, { wrt: 'k' });
export const dFromConstant = grad(fromConstant);
export const derivFromConstant = derivative(fromConstant);
export const hFromConstant = hessian(fromConstant);
export const dChosen = grad(chosen);
export const hChosen = hessian(chosen, { wrt: 'x' });
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/** f(x, data): the gradient [∂/∂x, ∂/∂data] against finite differences, and the second derivative in x. */
function checkScalarAndArray(name: string, x: number, data: number[], extra: unknown[] = []) {
  const f = m[name];
  const capital = name[0].toUpperCase() + name.slice(1);
  const dx = partialDifference((q: number) => f(q, data, ...extra), [x], 0);
  const dData = data.map((_, j) => partialDifference((...q: number[]) => f(x, q, ...extra), data, j));
  const [gx, gData] = m[`d${capital}`](x, data, ...extra);
  close(gx, dx, 1e-6);
  dData.forEach((d, j) => close(gData[j], d, 1e-6));
  const hessianOf = m[`h${capital}`];
  if (hessianOf)
    close(
      hessianOf(x, data, ...extra)[0][0],
      partialDifference((q: number) => m[`d${capital}`](q, data, ...extra)[0], [x], 0),
      1e-5,
    );
  return { dx, dData };
}

describe('for … of with destructuring, and into a variable declared before', () => {
  it("pairs destructured from the caller's arrays of arrays", () => {
    const ps = [
      [1, 2],
      [0.5, -1],
      [3, 0.25],
    ];
    const dx = partialDifference((q: number) => m.pairs(q, ps), [0.7], 0);
    const [gx, gPs] = m.dPairs(0.7, ps);
    close(gx, dx, 1e-6);
    ps.forEach((row, i) =>
      row.forEach((_, j) =>
        close(
          gPs[i][j],
          partialDifference(
            (v: number) =>
              m.pairs(
                0.7,
                ps.map((r, k) => (k === i ? r.map((e, l) => (l === j ? v : e)) : r)),
              ),
            [ps[i][j]],
            0,
          ),
          1e-6,
        ),
      ),
    );
    close(m.derivPairs(0.7, ps), dx, 1e-6);
    close(
      m.hPairs(0.7, ps)[0][0],
      partialDifference((q: number) => m.dPairs(q, ps)[0], [0.7], 0),
      1e-5,
    );
  });

  it('fields destructured from objects, in reverse and forward mode', () => {
    const its = [
      { a: 1, b: 2 },
      { a: -0.5, b: 3 },
    ];
    const [gx, gIts] = m.dItems(0.4, its);
    close(
      gx,
      partialDifference((q: number) => m.items(q, its), [0.4], 0),
      1e-6,
    );
    expect(gIts).toEqual(
      [
        { a: 0.4, b: 0.4 * 0.4 },
        { a: 0.4, b: 0.4 * 0.4 },
      ].map((g) => ({ a: expect.closeTo(g.a, 9), b: expect.closeTo(g.b, 9) })),
    );
    const [, tangent] = m.jItems([0.4, its], [1, its.map(() => ({ a: 0, b: 0 }))]);
    close(tangent, gx, 1e-9);
  });

  it('into a variable declared before the loop, and a let that the body reassigns', () => {
    checkScalarAndArray('lastSeen', 0.8, [0.3, -1.2, 2]);
  });
});

describe("a module's constant and the caller's array reassigned in a loop (copied on entry)", () => {
  it('let pose = ORIGIN, stepped by a helper returning an object, in every mode', () => {
    const vs = [0.5, 1, -0.3];
    const { dx } = checkScalarAndArray('rollout', 1.1, vs);
    const [value, [gk]] = m.vRollout(1.1, vs);
    close(value, m.rollout(1.1, vs));
    close(gk, dx, 1e-6);
    close(m.derivRollout(1.1, vs), dx, 1e-6);
    const [, pullback] = m.pRollout(1.1, vs);
    close(pullback(2)[0], 2 * dx, 1e-6);
  });

  it("let p = xs and let q = START mapped pass after pass; the caller's array and the constant are left as they were", () => {
    const xs = [0.6, -0.4, 1.5];
    checkScalarAndArray('relaxed', 0.7, xs);
    close(
      m.derivRelaxed(0.7, xs),
      partialDifference((q: number) => m.relaxed(q, xs), [0.7], 0),
      1e-6,
    );
    expect(xs).toEqual([0.6, -0.4, 1.5]);
    // A second call sees START as it was (the generated code wrote a copy, not the constant).
    const first = m.dRelaxed(0.7, xs);
    expect(m.dRelaxed(0.7, xs)).toEqual(first);
    close(m.vRelaxed(0.7, xs)[0], m.relaxed(0.7, xs));
  });

  it("a tuple state from the caller's tuple, a spread copy of it and a module's constant tuple is carried as numbers", () => {
    for (const name of ['fromCaller', 'fromSpread']) {
      const s0 = [0.5, 0.1];
      checkScalarAndArray(name, 0.8, s0);
      expect(s0).toEqual([0.5, 0.1]);
    }
    const dk = partialDifference((k: number) => m.fromConstant(k), [0.9], 0);
    close(m.dFromConstant(0.9), dk, 1e-6);
    close(m.derivFromConstant(0.9), dk, 1e-6);
    close(
      m.hFromConstant(0.9)[0][0],
      partialDifference((k: number) => m.dFromConstant(k), [0.9], 0),
      1e-5,
    );
  });

  it('a loop that only chooses among constant objects', () => {
    for (const x of [0.5, 1.5, 2.5]) close(m.dGears(x), partialDifference(m.gears, [x], 0), 1e-6);
  });
});

describe('a branch choosing between arrays of a length known only at run time', () => {
  it('switch arms returning maps of the input (an activation), in every mode', () => {
    for (const activation of ['tanh', 'relu', 'square']) {
      const xs = [0.5, -1, 2];
      const { dx, dData } = checkScalarAndArray('layer', 0.7, xs, [activation]);
      close(m.derivLayer(0.7, xs, activation), dx, 1e-6);
      const [, pullback] = m.pLayer(0.7, xs, activation);
      const [px, pXs] = pullback(-1);
      close(px, -dx, 1e-6);
      dData.forEach((d, j) => close(pXs[j], -d, 1e-6));
    }
  });

  it('a ?: between two maps', () => {
    for (const x of [0.7, -0.7]) checkScalarAndArray('chosen', x, [0.3, -1, 1.2]);
  });
});
