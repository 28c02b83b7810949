// vjp (reverse mode seeded with a cotangent, the pullback run as often as wanted) and hvp
// (forward over reverse along one vector), against jacobian's rows, hessian times v, and
// finite differences of f and of its gradient.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, finiteDifference, partialDifference } from './support/compile.js';

const SOURCE = `
import { grad, hessian, hvp, jacobian, vjp } from 'tapeless';

export function polar(r: number, theta: number, z: number): number[] {
  return [r * Math.cos(theta) * z, r * Math.sin(theta) + z * z];
}
export function pair(a: number, b: number): [number, number] {
  return [a * b, Math.exp(a - b)];
}
/** A loop whose passes depend on each other, writing an array of a length known at run time. */
export function prefix(x: Float64Array, k: number): Float64Array {
  const out = new Float64Array(x.length);
  let acc = 0;
  for (let i = 0; i < x.length; i++) {
    acc = acc * Math.cos(k) + Math.sin(x[i]) * x[i];
    out[i] = acc * k;
  }
  return out;
}
interface Linear { w: Float64Array; b: number }
export function mse(model: Linear, xs: Float64Array, ys: Float64Array): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    const e = Math.tanh(model.w[0] * xs[i] + model.w[1] * xs[i] * xs[i] + model.b) - ys[i];
    s += e * e;
  }
  return s / xs.length;
}
export function mixed(x: number, y: number, z: number): number {
  let s = 0;
  for (let i = 1; i <= 3; i++) {
    const t = Math.exp(-x * x * i) * Math.sin(y * i) + z / i;
    s += t > 0 ? t * t : Math.log1p(t * t) * y;
  }
  return s * z;
}
export function rosenbrock(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;
  return s;
}
export function scaled(x: Float64Array, k: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.sin(x[i]) * x[i] * k * k;
  return s;
}

export const polarV = vjp(polar);
export const polarJ = jacobian(polar);
export const polarVzr = vjp(polar, { wrt: ['z', 0] });
export const pairV = vjp(pair);
export const pairJ = jacobian(pair);
export const prefixV = vjp(prefix);
export const prefixJ = jacobian(prefix);
export const mseV = vjp(mse, { wrt: 0 });
export const mseG = grad(mse, { wrt: 0 });
export const mixedV = vjp(mixed);
export const inlineV = vjp((u: number, w: number) => [u * w, u / w, Math.hypot(u, w)]);

export const mixedHv = hvp(mixed);
export const mixedH = hessian(mixed);
export const mixedG = grad(mixed);
export const mixedHvY = hvp(mixed, { wrt: 'y' });
export const rosenbrockHv = hvp(rosenbrock);
export const rosenbrockH = hessian(rosenbrock);
export const scaledHv = hvp(scaled);
export const scaledHvX = hvp(scaled, { wrt: 0 });
export const scaledH = hessian(scaled);
export const mseHv = hvp(mse, { wrt: 0 });
export const inlineHv = hvp((p: number, q: number) => Math.sin(p * q) + p ** 4);
`;

let m: Record<string, any>;
beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/** cᵀJ from a Jacobian's rows. */
function rowsTimes(J: number[][], c: readonly number[]): number[] {
  return J[0].map((_, j) => J.reduce((sum, row, i) => sum + c[i] * row[j], 0));
}

function matrixTimes(H: number[][], v: readonly number[]): number[] {
  return H.map((row) => row.reduce((sum, h, j) => sum + h * v[j], 0));
}

describe('vjp', () => {
  it('of an array result: the value, and a pullback giving cᵀJ, called several times', () => {
    const point = [1.5, 0.4, -2];
    const [value, pullback] = m.polarV(...point);
    expect(value).toEqual(m.polar(...point));
    const J = m.polarJ(...point);
    for (const c of [
      [1, 0],
      [0, 1],
      [0.3, -2.5],
      [1, 0],
    ]) {
      const gradients = pullback(c);
      expect(gradients).toHaveLength(3);
      rowsTimes(J, c).forEach((expected, j) => close(gradients[j], expected, 1e-13));
      // the oracle of the oracle: finite differences of c · f
      point.forEach((_, j) =>
        close(
          gradients[j],
          partialDifference((...args) => m.polar(...args).reduce((s: number, y: number, i: number) => s + c[i] * y, 0), point, j),
        ),
      );
    }
  });

  it('with wrt: a tuple in the order given, and the bare gradient of a number result', () => {
    const point = [0.7, -1.1, 0.9];
    const [, all] = m.polarV(...point);
    const [, selected] = m.polarVzr(...point);
    const c = [0.5, 2];
    const [dr, , dz] = all(c);
    expect(selected(c)).toEqual([dz, dr]);
    const [value, pullback] = m.mixedV(...point);
    expect(value).toBe(m.mixed(...point));
    const gradient = pullback(1);
    point.forEach((_, j) => close(gradient[j], partialDifference(m.mixed, point, j)));
    pullback(-3).forEach((g: number, j: number) => close(g, -3 * gradient[j], 1e-15));
  });

  it('of a tuple result and of an arrow written in place', () => {
    const [value, pullback] = m.pairV(0.3, 1.2);
    expect(value).toEqual(m.pair(0.3, 1.2));
    const J = m.pairJ(0.3, 1.2);
    rowsTimes(J, [2, -1]).forEach((expected, j) => close(pullback([2, -1])[j], expected, 1e-13));
    const [u, w] = [1.3, -0.6];
    const [inline, inlinePullback] = m.inlineV(u, w);
    expect(inline).toEqual([u * w, u / w, Math.hypot(u, w)]);
    const [du, dw] = inlinePullback([1, 1, 1]);
    close(du, w + 1 / w + u / Math.hypot(u, w), 1e-13);
    close(dw, u - u / (w * w) + w / Math.hypot(u, w), 1e-13);
  });

  it('of a loop writing a typed array: Float64Array gradients, rows of the Jacobian', () => {
    const x = Float64Array.of(0.3, -1.2, 0.8, 2.1);
    const k = 0.7;
    const [value, pullback] = m.prefixV(x, k);
    expect(value).toEqual(m.prefix(x, k));
    const J = m.prefixJ(x, k);
    for (let row = 0; row < x.length; row++) {
      const c = new Float64Array(x.length);
      c[row] = 1;
      const [gx, gk] = pullback(c);
      expect(gx).toBeInstanceOf(Float64Array);
      [...gx, gk].forEach((g, j) => close(g, J[row][j], 1e-12));
    }
    const c = Float64Array.of(1, -2, 0.5, 3);
    const [gx, gk] = pullback(c);
    const [gx2, gk2] = pullback(c);
    expect([gx2, gk2]).toEqual([gx, gk]);
    rowsTimes(J, [...c]).forEach((expected, j) => close(j < x.length ? gx[j] : gk, expected, 1e-12));
  });

  it('uses the arguments as they were at the call, whatever happens to them after', () => {
    const model = { w: Float64Array.of(0.4, -0.3), b: 0.1 };
    const xs = Float64Array.of(0.5, 1, 1.5);
    const ys = Float64Array.of(0.2, 0.1, -0.4);
    const expected = m.mseG(model, xs, ys);
    const [value, pullback] = m.mseV(model, xs, ys);
    expect(value).toBe(m.mse(model, xs, ys));
    model.w[0] = 5;
    model.b = -2;
    xs[1] = 9;
    const gradient = pullback(1);
    expect(gradient.w).toBeInstanceOf(Float64Array);
    expect([...gradient.w]).toEqual([...expected.w]);
    expect(gradient.b).toBe(expected.b);
    const twice = pullback(2);
    expect([...twice.w]).toEqual([...expected.w].map((g) => 2 * g));
  });
});

describe('hvp', () => {
  it('of loops, branches and several numbers: H·v from hessian, and differences of the gradient along v', () => {
    for (const point of [
      [0.3, 0.7, 1.2],
      [-0.4, 1.5, -0.8],
    ]) {
      const H = m.mixedH(...point);
      for (const v of [
        [1, 0, 0],
        [0.5, -2, 0.25],
      ]) {
        const product = m.mixedHv(...point, v);
        expect(product).toHaveLength(3);
        matrixTimes(H, v).forEach((expected, i) => close(product[i], expected, 1e-12));
        const along = (t: number) => m.mixedG(...point.map((p, j) => p + t * v[j]));
        product.forEach((value: number, i: number) =>
          close(
            value,
            finiteDifference((t) => along(t)[i], 0, 1e-4),
            1e-6,
          ),
        );
      }
      // with respect to y alone: the (y, y) entry times v
      expect(m.mixedHvY(...point, 2)).toBeCloseTo(2 * H[1][1], 12);
    }
  });

  it('of a loop over a Float64Array, with an array and a number parameter, and wrt', () => {
    const x = Float64Array.of(0.5, -1.2, 2, 0.3);
    const v = Float64Array.of(1, 0.5, -1, 2);
    const product = m.rosenbrockHv(x, v);
    expect(product).toBeInstanceOf(Float64Array);
    matrixTimes(m.rosenbrockH(x), [...v]).forEach((expected, i) => close(product[i], expected, 1e-12));
    const k = 1.7;
    const H = m.scaledH(x, k);
    const [hx, hk] = m.scaledHv(x, k, [v, 0.5]);
    matrixTimes(H, [...v, 0.5]).forEach((expected, i) => close(i < x.length ? hx[i] : hk, expected, 1e-12));
    const onlyX = m.scaledHvX(x, k, v);
    matrixTimes(
      H.slice(0, 4).map((row: number[]) => row.slice(0, 4)),
      [...v],
    ).forEach((expected, i) => close(onlyX[i], expected, 1e-12));
  });

  it('with respect to an object: differences of its gradient along v, shaped like it', () => {
    const model = { w: Float64Array.of(0.4, -0.3), b: 0.1 };
    const xs = Float64Array.of(0.5, 1, 1.5);
    const ys = Float64Array.of(0.2, 0.1, -0.4);
    const v = { w: Float64Array.of(1, -2), b: 0.5 };
    const product = m.mseHv(model, xs, ys, v);
    const moved = (t: number) => ({ w: model.w.map((w, i) => w + t * v.w[i]), b: model.b + t * v.b });
    close(
      product.b,
      finiteDifference((t) => m.mseG(moved(t), xs, ys).b, 0, 1e-4),
      1e-7,
    );
    expect(product.w).toBeInstanceOf(Float64Array);
    for (let i = 0; i < 2; i++)
      close(
        product.w[i],
        finiteDifference((t) => m.mseG(moved(t), xs, ys).w[i], 0, 1e-4),
        1e-7,
      );
  });

  it('of an arrow written in place matches the hand-derived Hessian', () => {
    const [p, q] = [0.7, -1.3];
    const [a, b] = [2, -0.5];
    const H = [
      [-q * q * Math.sin(p * q) + 12 * p * p, Math.cos(p * q) - p * q * Math.sin(p * q)],
      [Math.cos(p * q) - p * q * Math.sin(p * q), -p * p * Math.sin(p * q)],
    ];
    const product = m.inlineHv(p, q, [a, b]);
    matrixTimes(H, [a, b]).forEach((expected, i) => close(product[i], expected, 1e-12));
  });
});
