// Two buffers swapped pass after pass (double buffering), as numerical code writes it: the
// second buffer made empty with the length of the first (`new Array<number>(u.length).fill(0)`,
// `new Float64Array(cur.length)`), the first a copy of the input (`map`, `[...u]`, `slice`,
// `Float64Array.from`). The loop keeps each state in one array (frontend/lower/loop-states.ts),
// which needs both known to be as long: a length read of an array the function made is the
// length it was made with. Buffers of a length known at compile time (a copy of a tuple, two
// literals) are carried as the numbers they hold: a pass is a branch on the loop's test, after
// which the two variables hold each other's arrays. Checked in every mode against finite
// differences (and forward mode, through compile's twin).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, hvp, jvp, valueAndGrad, vjp } from 'tapeless';

/** Explicit heat equation, the second buffer made with the input's length. */
export function heat(u0: number[], kappa: number): number {
  let cur = u0.map((v) => v);
  let next = new Array<number>(u0.length).fill(0);
  for (let t = 0; t < 6; t++) {
    for (let i = 0; i < cur.length; i++) {
      const l = i > 0 ? cur[i - 1] : 0, r = i < cur.length - 1 ? cur[i + 1] : 0;
      next[i] = cur[i] + kappa * (l - 2 * cur[i] + r);
    }
    [cur, next] = [next, cur];
  }
  return cur.reduce((a, v, i) => a + v * v * (i + 1), 0);
}

/** Jacobi iteration for a tridiagonal system, from a copy [...b], the buffer made with the copy's length. */
export function jacobi(b: number[], d: number): number {
  let x = [...b];
  let y = new Array<number>(x.length).fill(0);
  for (let it = 0; it < 8; it++) {
    for (let i = 0; i < x.length; i++) {
      const left = i > 0 ? x[i - 1] : 0;
      const right = i + 1 < x.length ? x[i + 1] : 0;
      y[i] = (b[i] + left + right) / d;
    }
    const t = x;
    x = y;
    y = t;
  }
  let r = 0;
  for (let i = 0; i < x.length; i++) r += x[i] * b[i];
  return r;
}

/** A smoothing rule on a ring of cells (each cell pulled towards its neighbours' mean through tanh), from slice(). */
export function smoothing(cells: number[], rate: number): number {
  let now = cells.slice();
  let after = new Array<number>(now.length).fill(0);
  const n = now.length;
  for (let step = 0; step < 4; step++) {
    for (let i = 0; i < n; i++) {
      const mean = (now[(i + n - 1) % n] + now[(i + 1) % n]) / 2;
      after[i] = now[i] + rate * Math.tanh(mean - now[i]);
    }
    [now, after] = [after, now];
  }
  let s = 0;
  for (const v of now) s += v * v * v;
  return s;
}

/** A Float64Array ping-pong: Float64Array.from the input, the second buffer new Float64Array(a.length). */
export function pingPong(x: Float64Array, k: number): number {
  let a = Float64Array.from(x);
  let b = new Float64Array(a.length);
  for (let pass = 0; pass < 5; pass++) {
    for (let i = 0; i < a.length; i++) b[i] = Math.sin(k * a[i]) + 0.5 * a[a.length - 1 - i];
    [a, b] = [b, a];
  }
  return a[0] * a[a.length - 1] + a[1];
}

/** Two buffers of a length known at compile time: a copy of a tuple, the second as long. */
export function coupled(xs: [number, number], k: number): number {
  let now = [...xs];
  let after = new Array<number>(now.length).fill(0);
  for (let pass = 0; pass < 4; pass++) {
    for (let i = 0; i < now.length; i++) after[i] = now[i] * Math.cos(k * now[now.length - 1 - i]) + 0.1;
    [now, after] = [after, now];
  }
  return now[0] + now[1] * now[1];
}

/** Two literals swapped through a tmp. */
export function literals(xs: [number, number], k: number): number {
  let a = [xs[0], xs[1]];
  let b = [0, 0];
  for (let it = 0; it < 3; it++) {
    b[0] = a[1] * Math.cos(k * a[0]);
    b[1] = a[0] + k * a[1];
    const tmp = a;
    a = b;
    b = tmp;
  }
  return a[0] - a[1] * a[0];
}

export const dHeat = grad(heat);
export const vHeat = valueAndGrad(heat);
export const hHeat = hessian(heat, { wrt: 'kappa' });
export const derivHeat = derivative(heat, { wrt: 'kappa' });
export const jHeat = jvp(heat);
export const pHeat = vjp(heat);
export const hvHeat = hvp(heat);
export const dJacobi = grad(jacobi);
export const hJacobi = hessian(jacobi, { wrt: 'b' });
export const derivJacobi = derivative(jacobi, { wrt: 'd' });
export const hvJacobi = hvp(jacobi, { wrt: 'b' });
export const dSmoothing = grad(smoothing);
export const vSmoothing = valueAndGrad(smoothing, { wrt: 0 });
export const hSmoothing = hessian(smoothing);
export const jSmoothing = jvp(smoothing);
export const pSmoothing = vjp(smoothing, { wrt: 'rate' });
export const dPingPong = grad(pingPong);
export const hPingPong = hessian(pingPong);
export const derivPingPong = derivative(pingPong, { wrt: 'k' });
export const jPingPong = jvp(pingPong);
export const pPingPong = vjp(pingPong);
export const hvPingPong = hvp(pingPong, { wrt: 'x' });
export const jCoupled = jvp(coupled);
export const pCoupled = vjp(coupled);
export const hvCoupled = hvp(coupled);
export const jLiterals = jvp(literals);
export const pLiterals = vjp(literals);
export const hvLiterals = hvp(literals);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/** The partial derivatives of f(xs, k) by finite differences: [∂/∂xs[j] for each j, ∂/∂k]. */
function differences(f: (xs: any, k: number) => number, xs: number[], k: number, make: (q: number[]) => any = (q) => q): [number[], number] {
  const dXs = xs.map((_, j) => partialDifference((...q: number[]) => f(make(q), k), xs, j));
  return [dXs, partialDifference((c: number) => f(make(xs), c), [k], 0)];
}

/** Second differences: the derivative of the gradient `g` (as [dXs, dK]) along input j (j = xs.length: along k). */
function gradientDifference(
  g: (xs: any, k: number) => [ArrayLike<number>, number],
  xs: number[],
  k: number,
  j: number,
  make: (q: number[]) => any = (q) => q,
): number[] {
  const flat = (xs2: number[], k2: number) => {
    const [dXs, dK] = g(make(xs2), k2);
    return [...Array.from(dXs), dK];
  };
  const point = [...xs, k];
  return point.map((_, out) => partialDifference((...q: number[]) => flat(q.slice(0, xs.length), q[xs.length])[out], point, j));
}

const expectClose = (actual: ArrayLike<number>, expected: readonly number[], tolerance: number) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => close(actual[i], value, tolerance));
};

describe('two buffers swapped pass after pass, the second made with the length of the first', () => {
  it('the heat equation (new Array(u0.length).fill(0)), in every mode', () => {
    const u0 = [0.1, 0.5, -0.3, 0.8];
    const k = 0.2;
    const [dU, dK] = differences(m.heat, u0, k);
    const [gU, gK] = m.dHeat(u0, k);
    expectClose(gU, dU, 1e-6);
    close(gK, dK, 1e-6);
    const [value, [vU, vK]] = m.vHeat(u0, k);
    close(value, m.heat(u0, k));
    expectClose(vU, dU, 1e-6);
    close(vK, dK, 1e-6);
    close(m.derivHeat(u0, k), dK, 1e-6);
    const tangent = [0.3, -1, 0.2, 0.5];
    const [primal, directional] = m.jHeat([u0, k], [tangent, 0.7]);
    close(primal, m.heat(u0, k));
    close(
      directional,
      dU.reduce((s, d, j) => s + d * tangent[j], 0.7 * dK),
      1e-6,
    );
    const [pValue, pullback] = m.pHeat(u0, k);
    close(pValue, m.heat(u0, k));
    const [pU, pK] = pullback(2);
    expectClose(
      pU,
      dU.map((d) => 2 * d),
      1e-6,
    );
    close(pK, 2 * dK, 1e-6);
    close(m.hHeat(u0, k)[0][0], gradientDifference(m.dHeat, u0, k, u0.length)[u0.length], 1e-5);
    const [hvU, hvK] = m.hvHeat(u0, k, [tangent, 0.7]);
    const second = [...u0.keys(), u0.length].map((j) => gradientDifference(m.dHeat, u0, k, j));
    const along = second[0].map((_, out) => second.reduce((s, column, j) => s + column[out] * [...tangent, 0.7][j], 0));
    expectClose([...hvU, hvK], along, 1e-4);
  });

  it("Jacobi iteration from a copy [...b], the buffer made with the copy's length", () => {
    const b = [1, -0.5, 0.25, 2, 0.7];
    const d = 3.1;
    const [dB, dD] = differences(m.jacobi, b, d);
    const [gB, gD] = m.dJacobi(b, d);
    expectClose(gB, dB, 1e-6);
    close(gD, dD, 1e-6);
    close(m.derivJacobi(b, d), dD, 1e-6);
    const h = m.hJacobi(b, d);
    b.forEach((_, j) => expectClose(h[j], gradientDifference(m.dJacobi, b, d, j).slice(0, b.length), 1e-5));
    const v = [0.2, 1, -0.4, 0.3, 0.1];
    expectClose(
      m.hvJacobi(b, d, v),
      h.map((row: number[]) => row.reduce((s, e, j) => s + e * v[j], 0)),
      1e-9,
    );
  });

  it('a smoothing rule on a ring of cells, from slice(), in every mode', () => {
    const cells = [0.4, -0.2, 0.9, 0.1, -0.6];
    const rate = 0.35;
    const [dC, dR] = differences(m.smoothing, cells, rate);
    const [gC, gR] = m.dSmoothing(cells, rate);
    expectClose(gC, dC, 1e-6);
    close(gR, dR, 1e-6);
    const [value, vC] = m.vSmoothing(cells, rate);
    close(value, m.smoothing(cells, rate));
    expectClose(vC, dC, 1e-6);
    const tangent = [1, 0, -0.5, 0.25, 2];
    const [, directional] = m.jSmoothing([cells, rate], [tangent, -1]);
    close(
      directional,
      dC.reduce((s, d, j) => s + d * tangent[j], -dR),
      1e-6,
    );
    const [, pullback] = m.pSmoothing(cells, rate);
    close(pullback(1), dR, 1e-6);
    const h = m.hSmoothing(cells, rate);
    const second = [...cells.keys(), cells.length].map((j) => gradientDifference(m.dSmoothing, cells, rate, j));
    // Over the numbers of all inputs in order: the cells, then the rate.
    second.forEach((column, j) => column.forEach((entry, i) => close(h[i][j], entry, 1e-5)));
  });

  it('a Float64Array ping-pong (Float64Array.from, new Float64Array(a.length)), in every mode', () => {
    const xs = [0.3, -0.8, 1.2, 0.5];
    const k = 1.3;
    const make = (q: number[]) => new Float64Array(q);
    const [dX, dK] = differences(m.pingPong, xs, k, make);
    const [gX, gK] = m.dPingPong(make(xs), k);
    expect(gX).toBeInstanceOf(Float64Array);
    expectClose(gX, dX, 1e-6);
    close(gK, dK, 1e-6);
    close(m.derivPingPong(make(xs), k), dK, 1e-6);
    const tangent = [0.5, 0.5, -1, 2];
    const [, directional] = m.jPingPong([make(xs), k], [make(tangent), 0.3]);
    close(
      directional,
      dX.reduce((s, d, j) => s + d * tangent[j], 0.3 * dK),
      1e-6,
    );
    const [, pullback] = m.pPingPong(make(xs), k);
    const [pX, pK] = pullback(-1);
    expectClose(
      pX,
      dX.map((d) => -d),
      1e-6,
    );
    close(pK, -dK, 1e-6);
    const second = [...xs.keys(), xs.length].map((j) => gradientDifference(m.dPingPong, xs, k, j, make));
    const h = m.hPingPong(make(xs), k);
    second.forEach((column, j) => column.forEach((entry, i) => close(h[i][j], entry, 1e-5)));
    const hv = m.hvPingPong(make(xs), k, make(tangent));
    expectClose(
      hv,
      xs.map((_, i) => tangent.reduce((s, t, j) => s + t * second[j][i], 0)),
      1e-4,
    );
  });
});

describe('two buffers of a length known at compile time swapped pass after pass', () => {
  for (const name of ['Coupled', 'Literals']) {
    it(`${name.toLowerCase()}: jvp, vjp and hvp against finite differences`, () => {
      const f = m[name.toLowerCase()];
      const xs = [0.3, 0.7];
      const k = 1.3;
      const [dX, dK] = differences(f, xs, k);
      const tangent = [0.4, -1.5];
      const [primal, directional] = m[`j${name}`]([xs, k], [tangent, 0.6]);
      close(primal, f(xs, k));
      close(
        directional,
        dX.reduce((s, d, j) => s + d * tangent[j], 0.6 * dK),
        1e-6,
      );
      const [value, pullback] = m[`p${name}`](xs, k);
      close(value, f(xs, k));
      const [pX, pK] = pullback(-2);
      expectClose(
        pX,
        dX.map((d) => -2 * d),
        1e-6,
      );
      close(pK, -2 * dK, 1e-6);
      // The Hessian by differences of the gradient (itself checked by vjp above), along the tangent.
      const gradient = (q: number[], c: number): [number[], number] => {
        const [, back] = m[`p${name}`](q, c);
        return back(1);
      };
      const second = [0, 1, 2].map((j) => gradientDifference(gradient, xs, k, j));
      const [hvX, hvK] = m[`hv${name}`](xs, k, [tangent, 0.6]);
      const along = second[0].map((_, out) => second.reduce((s, column, j) => s + column[out] * [...tangent, 0.6][j], 0));
      expectClose([...hvX, hvK], along, 1e-4);
    });
  }
});
