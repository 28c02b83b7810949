// Local arrays of objects or arrays: `[net.hidden, net.output].reduce(…)`, `const layers = [a,
// b]` of parameters or of objects the function builds, read at constant indices (also destructured: const [p, q] = pts), by their
// length, by for-of (with break and continue), forEach, map (to numbers or to objects), reduce,
// every and some, given to helpers of the program (inlined), with `.flat()` of a number[][] in the callback. Every gradient against
// finite differences, in every mode (compile() checks reverse against forward mode at every
// call); what stays unsupported is a located diagnostic that says what to write.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, entryDifference, expectHessianOfGradient, partialDifference } from './support/compile.js';

const MAIN = `
import { derivative, grad, hessian, jacobian, jvp, valueAndGrad } from 'tapeless';

export interface Layer { weights: number[][]; bias: number[] }
export interface Net { hidden: Layer; output: Layer }

export function decay(net: Net, rate: number): number {
  const squared = [net.hidden, net.output].reduce((sum, layer) => sum + layer.weights.flat().reduce((acc, w) => acc + w * w, 0), 0);
  const layers = [net.hidden, net.output];
  let biases = 0;
  for (const layer of layers) biases += layer.bias[0] * layer.bias[layer.bias.length - 1];
  layers.forEach((layer, i) => {
    biases += (i + 1) * layer.weights[0][0];
  });
  const norms = layers.map((layer) => Math.sqrt(layer.bias.reduce((s, b) => s + b * b, 0)));
  return rate * squared + biases * norms[0] + norms[1] + layers[1].bias[0] * layers.length;
}

interface Point { x: number; y: number }

function firstRight(ps: readonly Point[]): number {
  for (const p of ps) if (p.x > 1) return p.y * ps.length;
  return 0;
}

export function polygon(a: number, b: number, c: number): number {
  const corners: Point[] = [{ x: a, y: b }, { x: b * c, y: a }, { x: c, y: a * b }];
  let area = 0;
  corners.forEach((p, i) => {
    const q = corners[(i + 1) % 3] ?? p;
    area += p.x * q.y - q.x * p.y;
  });
  let walked = 0;
  for (const p of corners) {
    if (p.x < 0) continue;
    if (walked > 1.5) break;
    walked += Math.hypot(p.x, p.y);
  }
  const scaled = corners.map((p) => ({ x: 2 * p.x, y: p.y * p.y }));
  const spread = scaled.reduce((s, p) => s + p.x * p.y, 0);
  const positive = corners.every((p) => p.y > 0) ? 1 : 0;
  const any = corners.some((p) => p.x > 1) ? a : b;
  return area / 2 + walked + spread * 0.1 + positive * c + any + firstRight(corners) + firstRight([{ x: c, y: a }]);
}

function bump(ps: Point[], k: number): void {
  for (const p of ps) p.y += k * p.x;
}

export function relax(a: number, b: number): number {
  const pts: Point[] = [{ x: a, y: b }, { x: b, y: a }];
  for (let t = 0; t < 3; t++) {
    for (const p of pts) p.x = p.x * p.y + 0.1;
    pts.forEach((p) => {
      p.y += p.x * 0.5;
    });
    bump(pts, 0.2);
  }
  return pts[0].x * pts[1].y + pts[1].x;
}

export function rows(u: number[], v: number[]): number[] {
  const pair = [u, v];
  const dots = pair.map((row) => row.reduce((s, x, i) => s + x * pair[0][i], 0));
  return [dots[0] + dots[1], pair.reduce((s, row) => s * row[1], 1)];
}

/** Destructured: the reads at constant indices written as names (const [p, q] = pts). */
export function destructured(a: number, b: number): number {
  const pts: Point[] = [{ x: a, y: b }, { x: b, y: a * a }];
  const [p, q] = pts;
  const [, last] = pts;
  return p.x * q.y + p.y * Math.sin(last.x);
}

export const dDecay = grad(decay, { wrt: 'net' });
export const vgDecay = valueAndGrad(decay, { wrt: 0 });
export const dRate = derivative(decay, { wrt: 'rate' });
export const dPolygon = grad(polygon);
export const hPolygon = hessian(polygon);
export const dxPolygon = derivative(polygon, { wrt: 'c' });
export const jRows = jacobian(rows);
export const dRelax = grad(relax);
export const hRelax = hessian(relax);
export const gDestructured = grad(destructured);
export const vDestructured = valueAndGrad(destructured);
export const dDestructured = derivative(destructured);
export const jDestructured = jvp(destructured);
export const hDestructured = hessian(destructured);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

function network() {
  return {
    hidden: {
      weights: [
        [0.5, -0.3],
        [0.2, 0.8],
      ],
      bias: [0.1, -0.2, 0.05],
    },
    output: { weights: [[0.7, -0.5, 0.3]], bias: [0.4, 0.1] },
  };
}

describe('a local array of objects of the parameters', () => {
  it('reduce of an array literal, for-of, forEach, map, constant indices and length: grad in the parameter shape, valueAndGrad', () => {
    const net = network();
    const gradient = m.dDecay(net, 0.01);
    for (const layer of ['hidden', 'output'] as const) {
      const of = (net as any)[layer];
      of.weights.forEach((row: number[], i: number) =>
        row.forEach((_, j) =>
          close(
            gradient[layer].weights[i][j],
            entryDifference(() => m.decay(net, 0.01), row, j),
            1e-6,
          ),
        ),
      );
      of.bias.forEach((_: number, k: number) =>
        close(
          gradient[layer].bias[k],
          entryDifference(() => m.decay(net, 0.01), of.bias, k),
          1e-6,
        ),
      );
    }
    const [value, again] = m.vgDecay(net, 0.01);
    expect(value).toBe(m.decay(net, 0.01));
    expect(again).toEqual(gradient);
    close(
      m.dRate(net, 0.01),
      partialDifference((r) => m.decay(network(), r), [0.01], 0),
      1e-6,
    );
  });
});

describe('a local array of objects the function builds', () => {
  const points = [
    [0.7, 0.3, 1.2],
    [1.5, -0.4, 0.6],
    [-0.5, 0.9, 2.1],
  ];

  it('forEach reading another entry, for-of with continue and break, map to objects, reduce, every, some, given to a helper that returns from a for-of: grad, hessian, derivative', () => {
    for (const point of points) {
      const gradient = m.dPolygon(...point);
      point.forEach((_, i) => close(gradient[i], partialDifference(m.polygon, point, i), 1e-6));
      close(m.dxPolygon(...point), gradient[2], 1e-12);
      expectHessianOfGradient(m.hPolygon(...point), m.dPolygon, point);
    }
  });

  it('its objects written in a loop, by for-of, forEach and a helper: grad and hessian', () => {
    for (const point of [
      [0.7, 0.3],
      [-0.4, 0.9],
    ]) {
      const gradient = m.dRelax(...point);
      point.forEach((_, i) => close(gradient[i], partialDifference(m.relax, point, i), 1e-6));
      expectHessianOfGradient(m.hRelax(...point), m.dRelax, point, 1e-4);
    }
  });

  it('destructured without a rest element (const [p, q] = pts, const [, last] = pts): every mode', () => {
    for (const point of [
      [0.7, 0.3],
      [-0.4, 1.9],
    ]) {
      const expected = point.map((_, i) => partialDifference(m.destructured, point, i));
      const gradient = m.gDestructured(...point);
      expected.forEach((d, i) => close(gradient[i], d, 1e-6));
      const [value, same] = m.vDestructured(...point);
      close(value, m.destructured(...point), 1e-12);
      expected.forEach((d, i) => close(same[i], d, 1e-6));
      close(m.dDestructured(...point), expected[0], 1e-6);
      const [primal, directional] = m.jDestructured(point, [0.6, -0.8]);
      close(primal, m.destructured(...point), 1e-12);
      close(directional, 0.6 * expected[0] - 0.8 * expected[1], 1e-6);
      expectHessianOfGradient(m.hDestructured(...point), m.gDestructured, point);
    }
  });

  it('a local array of arrays of the parameters: jacobian', () => {
    const u = [0.5, -1.2, 2];
    const v = [1.5, 0.3, -0.7];
    const j = m.jRows(u, v);
    for (const i of [0, 1]) {
      [...u, ...v].forEach((_, k) => {
        const [array, entry] = k < 3 ? [u, k] : [v, k - 3];
        close(
          j[i][k],
          entryDifference(() => m.rows(u, v)[i], array, entry),
          1e-6,
        );
      });
    }
  });
});

describe('what stays unsupported is a located diagnostic', () => {
  const PROGRAM = (body: string) => `
import { grad } from 'tapeless';
interface P { x: number }
function total(ps: P[]): number { return ps[0].x; }
export function f(a: number, b: number): number {
  ${body}
}
export const g = grad(f);
`;
  const cases: [string, string][] = [
    [
      'const ps = [{ x: a }, { x: b }];\n  let s = 0;\n  for (let i = 0; i < 2; i++) s += ps[i].x;\n  return s;',
      "main.ts:8:36 tapeless: this index of a local array of objects or arrays is not known at compile time to be within its 2 entries (they are kept apart, not in an array): loop over it with 'for (const v of ps)', forEach, map or reduce, or read 'ps[0]', 'ps[1]', ….",
    ],
    [
      'const ps = [{ x: a }, { x: b }];\n  const o = { ps };\n  return o.ps[0].x + total(ps);',
      "main.ts:7:15 tapeless: a local array of objects or arrays is read only at constant indices ('ps[0]', or destructured without a rest element), by its length, by for-of, forEach, map, reduce, every and some, and by the functions of the program it is given to (its entries are kept apart, not in an array): keep it in a const, and read it so.",
    ],
    [
      'let ps = [{ x: a }, { x: b }];\n  return ps[0].x;',
      "main.ts:6:7 tapeless: declare 'ps' with const: a local array of objects or arrays is not reassigned (its entries are kept apart, not in an array).",
    ],
  ];
  it.each(cases)('%s', (body, message) => {
    const compiled = compile({ 'main.ts': PROGRAM(body) }, {}, false);
    expect(compiled.messages).toEqual([message]);
  });
});
