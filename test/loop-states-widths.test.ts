// Arrays reassigned in a loop whose passes change their length (the layers of a network of
// different widths): the loop keeps the variable in an array that grows, with a length the
// loop carries (frontend/lower/loop-states.ts, resizingBuffer), and code after the loop reads a
// copy that long. Checked in every mode against finite differences: grad and valueAndGrad
// (reverse, and the forward twin `compile` checks it against), jvp, derivative, hessian; and
// the loop over a local array of layers, which is unrolled instead.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, entryDifference, expectHessianOfGradient, partialDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, jacobian, jvp, valueAndGrad } from 'tapeless';

interface Layer { W: number[][]; b: number[] }
interface Net { layers: Layer[] }

function relu(x: number): number { return x > 0 ? x : 0.01 * x; }

/** The network as users write it: each layer maps 'a' to an array of the layer's width. */
export function forward(net: Net, input: number[]): number[] {
  let a = input;
  for (const [li, layer] of net.layers.entries()) {
    const z = layer.W.map((row, i) => row.reduce((s, w, j) => s + w * a[j], layer.b[i]));
    a = z.map((v) => (li === net.layers.length - 1 ? v : relu(v)));
  }
  return a;
}

/** Softmax cross-entropy over a batch. */
export function loss(net: Net, xs: number[][], labels: number[]): number {
  let total = 0;
  for (let n = 0; n < xs.length; n++) {
    const logits = forward(net, xs[n]);
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((s, z) => s + Math.exp(z - m), 0));
    total += lse - logits[labels[n]];
  }
  return total / xs.length;
}

/** The widths of the passes given by the caller: 'a' grows and shrinks, the last pass's read after the loop. */
export function widths(x: number[], sizes: number[], t: number): number {
  let a = x.map((v) => v * t);
  for (const size of sizes) {
    const total = a.reduce((s, v) => s + Math.sin(v), 0);
    a = Array.from({ length: size }, (_, i) => a[i % a.length] * Math.cos(t * i) + total / size);
  }
  return a.reduce((s, v, i) => s + v * v * (i + 1), 0) + a.length;
}

const TINY: Net = {
  layers: [
    { W: [[0.3, -0.6], [0.5, 0.2], [-0.4, 0.9]], b: [0.1, -0.2, 0.05] },
    { W: [[0.7, -0.3, 0.2]], b: [0.1] },
  ],
};

/** A small network (2 → 3 → 1), of the inputs alone: for the hessian. */
export function tiny(x: number[]): number {
  return small(TINY, x);
}

function small(net: Net, x: number[]): number {
  let a = x;
  for (const layer of net.layers) a = layer.W.map((row, i) => Math.tanh(row.reduce((s, w, j) => s + w * a[j], layer.b[i])));
  return a[0];
}

/** A local array of layers: its loop is unrolled (each pass its own statements), not kept in a buffer. */
export function unrolled(W1: number[][], W2: number[][], x: number[]): number {
  const layers = [{ W: W1 }, { W: W2 }];
  let a = x;
  for (const layer of layers) a = layer.W.map((row) => Math.tanh(row.reduce((s, w, j) => s + w * a[j], 0)));
  return a.reduce((s, v) => s + v * v, 0);
}

/** Longer by one each pass (once a diagnostic: an array a pass may lengthen). */
export function lengthens(xs: number[], t: number): number {
  let p = xs.slice();
  for (let k = 0; k < 3; k++) p = p.slice(1).concat([t * p[0], t + p[p.length - 1]]);
  return p.reduce((s, v, i) => s + v * (i + 1), 0);
}

/** Arrays built by push: shorter by one each pass, then of one entry. */
export function pushed(xs: number[], t: number): number {
  let p = xs.map((v) => v * t);
  for (let i = 0; i < 3; i++) {
    const q: number[] = [];
    for (let j = 1; j < p.length; j++) q.push(p[j] * p[j - 1]);
    p = q;
  }
  let total = p.reduce((s, v) => s + v, 0);
  for (let i = 0; i < 2; i++) {
    const b: number[] = [];
    b.push(Math.sin(p[0] + total));
    p = b;
    total += p[0];
  }
  return total;
}

/** Left by a break once the array is long enough; spread after the loop. */
export function broke(xs: number[], sizes: number[], t: number): number {
  let a = xs.map((v) => v * t);
  for (const size of sizes) {
    a = Array.from({ length: size }, (_, i) => Math.sin(a[i % a.length]) + t);
    if (a.length > 5) break;
  }
  return a.reduce((s, v, i) => s + v * (i + 1), 0) + [...a].length;
}

/** Two arrays of different lengths swapped pass after pass, one of them a map of the other. */
export function swapped(xs: number[], t: number): number {
  let a = xs.map((v) => v * t);
  let b = xs.slice(1).map((v) => v + t);
  for (let k = 0; k < 3; k++) {
    const c = a.map((v) => v * t);
    a = b;
    b = c;
  }
  return a.reduce((s, v) => s + v, 0) * b.reduce((s, v) => s + v * v, 0);
}

/** The network's output itself, for jacobian and jvp. */
export function layers(Ws: number[][][], x: number[]): number[] {
  let a = x;
  for (const W of Ws) a = W.map((row) => Math.tanh(row.reduce((s, w, j) => s + w * a[j], 0)));
  return a;
}

export const gLoss = grad(loss, { wrt: 'net' });
export const vgLoss = valueAndGrad(loss, { wrt: 'net' });
export const gWidths = grad(widths, { wrt: ['x', 't'] });
export const jWidths = jvp(widths);
export const dWidths = derivative(widths, { wrt: 't' });
export const gTiny = grad(tiny);
export const hTiny = hessian(tiny);
export const gUnrolled = grad(unrolled);
export const gLengthens = grad(lengthens);
export const jLengthens = jvp(lengthens);
export const gBroke = grad(broke, { wrt: ['xs', 't'] });
export const gSwapped = grad(swapped);
export const JLayers = jacobian(layers, { wrt: 'x' });
export const jLayers = jvp(layers);
export const gPushed = grad(pushed);
export const jPushed = jvp(pushed);
export const jUnrolled = jvp(unrolled);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/** A network of layers of widths 2 → 3 → 4 → 2. */
function network() {
  const layer = (rows: number, columns: number, seed: number) => ({
    W: Array.from({ length: rows }, (_, i) => Array.from({ length: columns }, (__, j) => 0.6 * Math.sin(seed + 1.3 * i + 0.7 * j))),
    b: Array.from({ length: rows }, (_, i) => 0.1 * Math.cos(seed + i)),
  });
  return { layers: [layer(3, 2, 1), layer(4, 3, 2), layer(2, 4, 3)] };
}

const xs = [
  [1, 2],
  [-1, 0.5],
  [0.3, -0.7],
];
const labels = [0, 1, 1];

describe('a loop over the layers of a network of different widths', () => {
  it('forward runs as the program does', () => {
    expect(m.forward(network(), [1, 2])).toHaveLength(2);
  });

  it('grad and valueAndGrad of the loss (2 → 3 → 4 → 2) against finite differences', () => {
    const net = network();
    const gradient = m.gLoss(net, xs, labels);
    const [value, same] = m.vgLoss(net, xs, labels);
    close(value, m.loss(net, xs, labels), 1e-12);
    let count = 0;
    net.layers.forEach((layer, k) => {
      layer.W.forEach((row, i) =>
        row.forEach((_, j) => {
          const expected = entryDifference(() => m.loss(net, xs, labels), row, j);
          close(gradient.layers[k].W[i][j], expected, 1e-6);
          close(same.layers[k].W[i][j], expected, 1e-6);
          count++;
        }),
      );
      layer.b.forEach((_, i) => {
        close(
          gradient.layers[k].b[i],
          entryDifference(() => m.loss(net, xs, labels), layer.b, i),
          1e-6,
        );
        count++;
      });
    });
    expect(count).toBe(3 * 2 + 3 + 4 * 3 + 4 + 2 * 4 + 2);
  });
});

describe('an array that grows and shrinks from pass to pass', () => {
  const x = [0.4, -0.9, 1.3];
  const t = 0.7;
  /** The partial derivatives of widths(x, sizes, t) by finite differences: the x, then t. */
  const differences = (sizes: number[]) =>
    [...x, t].map((_, j) => partialDifference((...q: number[]) => m.widths(q.slice(0, x.length), sizes, q[x.length]), [...x, t], j));

  for (const sizes of [[5, 2, 6, 1], [2, 4], [3, 3], []]) {
    it(`widths ${JSON.stringify(sizes)}: grad, jvp and derivative against finite differences`, () => {
      const expected = differences(sizes);
      const [gX, gT] = m.gWidths(x, sizes, t);
      expect(gX).toHaveLength(x.length);
      [...gX, gT].forEach((g: number, j: number) => close(g, expected[j], 1e-6));
      const tangent = [0.5, -0.2, 0.9];
      const [primal, directional] = m.jWidths([x, sizes, t], [tangent, sizes.map(() => 0), 0.3]);
      close(primal, m.widths(x, sizes, t), 1e-12);
      close(
        directional,
        [...tangent, 0.3].reduce((s, d, j) => s + d * expected[j], 0),
        1e-6,
      );
      close(m.dWidths(x, sizes, t), expected[x.length], 1e-6);
    });
  }
});

describe('arrays a pass lengthens, or builds by push', () => {
  const xs = [0.4, -0.9, 1.3, 0.6, -0.2];
  const t = 0.7;
  for (const name of ['lengthens', 'pushed']) {
    it(`${name}: grad and jvp against finite differences`, () => {
      const f = m[name];
      const capitalized = name[0].toUpperCase() + name.slice(1);
      const expected = [...xs, t].map((_, j) => partialDifference((...q: number[]) => f(q.slice(0, xs.length), q[xs.length]), [...xs, t], j));
      const [gX, gT] = m[`g${capitalized}`](xs, t);
      expect(gX).toHaveLength(xs.length);
      [...gX, gT].forEach((g: number, j: number) => close(g, expected[j], 1e-6));
      const tangent = xs.map((_, j) => 0.3 * j - 0.5);
      const [primal, directional] = m[`j${capitalized}`]([xs, t], [tangent, 0.8]);
      close(primal, f(xs, t), 1e-12);
      close(
        directional,
        [...tangent, 0.8].reduce((s, d, j) => s + d * expected[j], 0),
        1e-6,
      );
    });
  }
});

describe('a break, two arrays swapped, and the network itself', () => {
  const xs = [0.3, -0.5, 0.8];
  it('broke and swapped: grad against finite differences', () => {
    const sizes = [4, 2, 6, 1, 3];
    const brokeAt = (q: number[]) => m.broke(q.slice(0, 3), sizes, q[3]);
    const [gX, gT] = m.gBroke(xs, sizes, 0.7);
    [...gX, gT].forEach((g: number, j: number) =>
      close(
        g,
        partialDifference((...q: number[]) => brokeAt(q), [...xs, 0.7], j),
        1e-6,
      ),
    );
    const [sX, sT] = m.gSwapped(xs, 0.7);
    [...sX, sT].forEach((g: number, j: number) =>
      close(
        g,
        partialDifference((...q: number[]) => m.swapped(q.slice(0, 3), q[3]), [...xs, 0.7], j),
        1e-6,
      ),
    );
  });

  it('layers (3 → 2 → 4): jacobian and jvp against finite differences', () => {
    const Ws = [
      [
        [0.1, 0.2, 0.3],
        [0.4, -0.5, 0.6],
      ],
      [
        [0.7, 0.8],
        [-0.2, 0.3],
        [0.5, 0.1],
        [0.9, -0.4],
      ],
    ];
    const x = [0.5, -1, 2];
    const J = m.JLayers(Ws, x);
    expect(J).toHaveLength(4);
    J.forEach((row: number[], i: number) =>
      row.forEach((entry, j) =>
        close(
          entry,
          partialDifference((...q: number[]) => m.layers(Ws, q)[i], x, j),
          1e-6,
        ),
      ),
    );
    // Layers that do not fit (a row longer than the array it reads): past its end the entry is
    // undefined, and the sum NaN, in the function and its gradient alike, not an entry of an earlier pass.
    const misfit = [[[1, 1, 1]], [[1, 1, 1]]];
    const dx = [1, -0.5, 0.25];
    expect(m.layers(misfit, x)[0]).toBeNaN();
    expect(m.JLayers(misfit, x)[0][0]).toBeNaN();
    expect(m.jLayers([misfit, x], [misfit.map((W) => W.map((row) => row.map(() => 0))), dx])[0][0]).toBeNaN();
    const [y, dy] = m.jLayers([Ws, x], [Ws.map((W) => W.map((row) => row.map(() => 0))), dx]);
    expect(y).toEqual(m.layers(Ws, x));
    dy.forEach((v: number, i: number) =>
      close(
        v,
        J[i].reduce((s: number, entry: number, j: number) => s + entry * dx[j], 0),
        1e-9,
      ),
    );
  });
});

describe('the hessian of a small network', () => {
  it('against differences of the gradient', () => {
    const point = [0.8, -0.3];
    expectHessianOfGradient(m.hTiny(point), (...q: number[]) => m.gTiny(q), point);
  });
});

describe('a loop over a local array of layers (unrolled)', () => {
  it('grad and jvp against finite differences', () => {
    const W1 = [
      [0.2, -0.5],
      [0.9, 0.3],
      [-0.4, 0.6],
    ];
    const W2 = [[0.5, -0.7, 0.1]];
    const x = [1.1, -0.4];
    const [g1, g2, gx] = m.gUnrolled(W1, W2, x);
    const f = () => m.unrolled(W1, W2, x);
    W1.forEach((row, i) => row.forEach((_, j) => close(g1[i][j], entryDifference(f, row, j), 1e-6)));
    W2[0].forEach((_, j) => close(g2[0][j], entryDifference(f, W2[0], j), 1e-6));
    x.forEach((_, j) => close(gx[j], entryDifference(f, x, j), 1e-6));
    const dx = [0.3, -0.8];
    const [, directional] = m.jUnrolled([W1, W2, x], [W1.map((row) => row.map(() => 0)), W2.map((row) => row.map(() => 0)), dx]);
    close(directional, dx[0] * gx[0] + dx[1] * gx[1], 1e-9);
  });
});
