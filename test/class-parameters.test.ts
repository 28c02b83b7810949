// Class instances as parameters: their gradients (and tangents, and hvp's direction) hold
// exactly the instance's data fields — not its getters, methods or fields holding functions —
// in every API, against finite differences (compile() checks grad against forward mode too).
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, finiteDifference } from './support/compile.js';

const MAIN = `
import { grad, valueAndGrad, vjp, jvp, hvp, jacobian, hessian } from 'tapeless';

export class Net {
  W: number[];
  b: number;
  readonly scale = { k: 1.5 };
  activation = (v: number) => Math.tanh(v);
  constructor(W: number[], b: number) { this.W = W; this.b = b; }
  out(x: readonly number[]): number { return Math.tanh(x.reduce((a, xi, i) => a + xi * this.W[i], this.b)); }
  get norm2(): number { return this.W.reduce((a, w) => a + w * w, 0); }
  set bias(v: number) { this.b = v; }
  get bias(): number { return this.b; }
}
const XS = [[0.1, 0.4, -0.2], [0.9, -0.3, 0.5], [-0.6, 0.2, 0.8]];
const YS = [0.3, -0.2, 0.5];

export function netLoss(net: Net): number {
  let s = 0;
  XS.forEach((x, i) => { const e = net.out(x) - YS[i]; s += e * e; });
  return s + 0.1 * net.norm2 * net.scale.k + net.bias * net.bias;
}
export function outputs(net: Net): number[] {
  return XS.map((x) => net.out(x) * net.scale.k);
}
export const dNetLoss = grad(netLoss);
export const vgNetLoss = valueAndGrad(netLoss);
export const vjpNetLoss = vjp(netLoss);
export const jvpNetLoss = jvp(netLoss);
export const hvpNetLoss = hvp(netLoss);
export const hNetLoss = hessian(netLoss);
export const jOutputs = jacobian(outputs);
export const vjpOutputs = vjp(outputs);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

const NUMBERS = [0.2, -0.5, 0.3, 0.1];
/** The instance whose data are `v` (W then b), with a scale of 1.5 (not differentiated: a readonly object of numbers still is). */
const net = (v: readonly number[]) => new m.Net(v.slice(0, 3), v[3]);
/** ∂g/∂v by finite differences, over W then b. */
const differences = (g: (v: number[]) => number, v: readonly number[]) =>
  v.map((_, i) => finiteDifference((t) => g(v.map((u, j) => (j === i ? t : u))), v[i], 1e-4));
const flat = (d: { W: number[]; b: number }) => [...d.W, d.b];

describe('gradients of class instances', () => {
  it('grad and valueAndGrad hold the data fields only', () => {
    const g = m.dNetLoss(net(NUMBERS));
    expect(Object.keys(g).sort()).toEqual(['W', 'b', 'scale']);
    expect(Object.keys(g.scale)).toEqual(['k']);
    flat(g).forEach((value, i) => expect(value).toBeCloseTo(differences((v) => m.netLoss(net(v)), NUMBERS)[i], 7));
    expect(g.scale.k).toBeCloseTo(0.1 * (0.04 + 0.25 + 0.09), 12);
    const [value, again] = m.vgNetLoss(net(NUMBERS));
    expect(value).toBe(m.netLoss(net(NUMBERS)));
    expect(again).toEqual(g);
  });

  it('vjp and jvp: cotangents to gradients, tangents shaped like the data', () => {
    const [value, pullback] = m.vjpNetLoss(net(NUMBERS));
    expect(value).toBe(m.netLoss(net(NUMBERS)));
    expect(pullback(2)).toEqual({
      W: m.dNetLoss(net(NUMBERS)).W.map((w: number) => 2 * w),
      b: 2 * m.dNetLoss(net(NUMBERS)).b,
      scale: { k: 2 * m.dNetLoss(net(NUMBERS)).scale.k },
    });
    const t = { W: [1, 0, -1], b: 0.5, scale: { k: 0 } };
    const [, tangent] = m.jvpNetLoss([net(NUMBERS)], [t]);
    const g = flat(m.dNetLoss(net(NUMBERS)));
    expect(tangent).toBeCloseTo(
      g.reduce((a, gi, i) => a + gi * [...t.W, t.b][i], 0),
      10,
    );
  });

  it('hvp takes a direction of data fields only, and returns H·v of that shape', () => {
    const v = { W: [1, 0, -1], b: 0.5, scale: { k: 0 } };
    const Hv = m.hvpNetLoss(net(NUMBERS), v);
    expect(Object.keys(Hv).sort()).toEqual(['W', 'b', 'scale']);
    const direction = [...v.W, v.b];
    const along = (s: number) => flat(m.dNetLoss(net(NUMBERS.map((x, i) => x + s * direction[i]))));
    flat(Hv).forEach((value, i) =>
      expect(value).toBeCloseTo(
        finiteDifference((s) => along(s)[i], 0, 1e-4),
        6,
      ),
    );
  });

  it('hessian and jacobian run over the data numbers: W, b, then scale.k', () => {
    const H = m.hNetLoss(net(NUMBERS));
    expect(H).toHaveLength(5);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++)
        expect(H[i][j]).toBeCloseTo(
          finiteDifference((s) => flat(m.dNetLoss(net(NUMBERS.map((x, k) => (k === j ? s : x)))))[i], NUMBERS[j], 1e-4),
          6,
        );
    }
    const J = m.jOutputs(net(NUMBERS));
    expect(J.map((row: number[]) => row.length)).toEqual([5, 5, 5]);
    J.forEach((row: number[], r: number) =>
      row.slice(0, 4).forEach((value, c) => expect(value).toBeCloseTo(differences((v) => m.outputs(net(v))[r], NUMBERS)[c], 7)),
    );
    const [, pullback] = m.vjpOutputs(net(NUMBERS));
    expect(Object.keys(pullback([1, 0, 0])).sort()).toEqual(['W', 'b', 'scale']);
  });
});
