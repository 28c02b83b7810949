// Vector forward mode: a Jacobian's or Hessian's columns come from one pass carrying k
// tangents per value (k lanes), in chunks where there are more columns than lanes. Every
// matrix is checked against the scalar mode (one jvp or hvp per column, one tangent per value) and against
// central differences, for k = 1, 2, 3, 16 and 17 numbers (in chunks of 16 past 16) and for
// arrays of any length (4 lanes per pass, seeded by the generated code from the pass's first
// column where the arrays are read only by their elements, else by the driver), through
// loops, branches, arrays and helpers (whose pushforwards carry the k lanes too).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, entryDifference, partialDifference } from './support/compile.js';

const numbers = (count: number) => Array.from({ length: count }, (_, i) => `p${i}`);
/** A straight-line function of `count` numbers returning three, every input in every output. */
const wide = (name: string, count: number) => `
export function ${name}(${numbers(count)
  .map((p) => `${p}: number`)
  .join(', ')}): number[] {
  const s = ${numbers(count)
    .map((p, i) => `${p} * ${(i % 5) + 1}`)
    .join(' + ')};
  const q = ${numbers(count)
    .map((p) => `${p} * ${p}`)
    .join(' + ')};
  return [Math.sin(s), s * q, Math.exp(-q / ${count})];
}
export const ${name}J = jacobian(${name});
export const ${name}Jvp = jvp(${name});
export function ${name}Sum(${numbers(count)
  .map((p) => `${p}: number`)
  .join(', ')}): number {
  const [a, b, c] = ${name}(${numbers(count).join(', ')});
  return a + b * 0.01 + c;
}
export const ${name}H = hessian(${name}Sum);
export const ${name}Hv = hvp(${name}Sum);
`;

const SOURCE = `
import { grad, hessian, hessianInto, hvp, jacobian, jacobianInto, jvp } from 'tapeless';

/** A helper left as a call (it loops): its pushforward carries every lane. */
function wave(v: number, w: number): number {
  let s = 0;
  for (let i = 1; i <= 3; i++) s += Math.sin(v * i) * w / i;
  return s;
}

/** One input (k = 1). */
export function spiral(t: number): number[] {
  return [t * Math.cos(t), t * Math.sin(t), wave(t, t)];
}
export const spiralJ = jacobian(spiral);
export const spiralJvp = jvp(spiral);

/** Two inputs (k = 2) through a loop, a branch and the helper. */
export function orbit(x: number, y: number): number[] {
  const out: number[] = [];
  let r = x;
  for (let i = 0; i < 4; i++) {
    r = r > 0.5 ? r * y - wave(x, i) : Math.exp(r) + y * y;
    out.push(r);
  }
  return out;
}
export const orbitJ = jacobian(orbit);
export const orbitJvp = jvp(orbit);

/** An array of any length with a number, more outputs than inputs: 4 lanes per pass, seeded from the pass's first column. */
export function smooth(xs: Float64Array, k: number): Float64Array {
  const out = new Float64Array(2 * xs.length);
  for (let i = 0; i < xs.length; i++) {
    const left = i > 0 ? xs[i - 1] : 0;
    out[2 * i] = Math.tanh(k * xs[i] + left) + wave(xs[i], k);
    out[2 * i + 1] = left * xs[i] * k;
  }
  return out;
}
export const smoothJ = jacobian(smooth);
export const smoothJvp = jvp(smooth);

/** A Hessian over an array of any length (loops, a branch, the helper). */
export function energy(x: Float64Array): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) {
    const next = x[(i + 1) % x.length];
    e += x[i] < 0 ? x[i] * x[i] * next : Math.log1p(x[i] * x[i]) + wave(x[i], next);
  }
  return e;
}
export const energyH = hessian(energy);
export const energyHv = hvp(energy);
export const energyG = grad(energy);

/** A Hessian of three numbers (three lanes seeded in the generated code). */
export function trio(a: number, b: number, c: number): number {
  let s = a * b;
  for (let i = 0; i < 3; i++) s = s > 1 ? Math.sqrt(s) + c * wave(a, b) : s + c * c * a;
  return s;
}
/** A partial shared by the lanes (the max's, 1 where it is active) is the first lane's tangent too: it keeps its name for the second. */
export function hinge(a: number, b: number): number {
  const t = 2 * b;
  const e = Math.max(0, a - t);
  return e ** 3 + t * t;
}
export const hingeH = hessian(hinge);
export const trioH = hessian(trio);
export const trioHv = hvp(trio);
export const orbitJInto = jacobianInto(orbit);
export const smoothJInto = jacobianInto(smooth);
export const energyHInto = hessianInto(energy);
export const trioHInto = hessianInto(trio);
export const trioJInto = jacobianInto(trio);
export const trioG = grad(trio);
/** Many inputs, two outputs: rows (vector-Jacobian products). */
export function pair(xs: Float64Array): number[] {
  let s = 0;
  let p = 1;
  for (let i = 0; i < xs.length; i++) {
    s += Math.sin(xs[i]);
    p *= 1 + 0.1 * xs[i];
  }
  return [s, p];
}
export const pairJ = jacobian(pair);
export const pairJInto = jacobianInto(pair);

/**
 * Two arrays and a number between them, each array read only by its elements: the generated
 * code seeds each pass from its first column, the columns of k and b after a's.
 */
export function mixed(a: Float64Array, k: number, b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.sin(a[i] * k) * b[i % b.length];
  for (let j = 0; j < b.length; j++) s += b[j] * b[j] * k + Math.exp(0.1 * a[j % a.length] * b[j]);
  return s;
}
export const mixedH = hessian(mixed);
export const mixedHInto = hessianInto(mixed);
export const mixedHv = hvp(mixed);
export const mixedG = grad(mixed);

/** The same, with a read through a helper that takes the whole array: the driver seeds the lanes. */
function sumSquares(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}
export function whole(a: Float64Array, k: number, b: number[]): number {
  return mixed(a, k, b) + sumSquares(a) * k;
}
export const wholeH = hessian(whole);
export const wholeHv = hvp(whole);
export const wholeG = grad(whole);
${wide('wide16', 16)}
${wide('wide17', 17)}
`;

let m: Record<string, any>;
let code: string;
beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
  code = compiled.js['main.ts'];
});

/** A point of `count` numbers, away from the branches' edges. */
const pointOf = (count: number, scale = 0.3) => Array.from({ length: count }, (_, i) => scale * Math.sin(1.7 * i + 0.4) + 0.05 * i);

/** The Jacobian by the scalar forward mode: one jvp per column, one tangent per value. */
function jacobianByJvp(f: (primals: unknown[], tangents: unknown[]) => [unknown, unknown], args: number[]): number[][] {
  const columns = args.map((_, j) =>
    Array.from(
      f(
        args,
        args.map((__, k) => (k === j ? 1 : 0)),
      )[1] as ArrayLike<number>,
    ),
  );
  return columns[0].map((_, i) => columns.map((column) => column[i]));
}

/** Expects the same matrix, entry by entry. */
function expectMatrix(actual: number[][], expected: number[][], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(actual[i].length).toBe(expected[i].length);
    for (let j = 0; j < expected[i].length; j++) close(actual[i][j], expected[i][j], tolerance);
  }
}

/** The Jacobian of f at `args` by central differences. */
function differences(f: (...args: number[]) => ArrayLike<number>, args: number[]): number[][] {
  const rows = Array.from(f(...args)).map((_, i) => args.map((__, j) => partialDifference((...point) => f(...point)[i], args, j, 1e-4)));
  return rows;
}

describe('vector forward mode: jacobian', () => {
  it('of numbers: one pass with a lane per input, seeded in the generated code (k = 1, 2, 16)', () => {
    for (const [name, args] of [
      ['spiral', [0.7]],
      ['orbit', [0.9, 1.1]],
      ['orbit', [0.2, -0.6]],
      ['wide16', pointOf(16)],
    ] as const) {
      const J = m[`${name}J`](...args);
      // The scalar mode's numbers, up to rounding (constant seeds fold differently).
      expectMatrix(J, jacobianByJvp(m[`${name}Jvp`], [...args]), 1e-13);
      expectMatrix(J, differences(m[name], [...args]), 1e-7);
    }
    // One generated pass per Jacobian of up to 16 numbers; the helper's pushforward carries the lanes.
    expect(code).toMatch(/function wave_pushforward_wrt_v_lanes2\(v, w, v_dot_0, v_dot_1\)/);
    expect(code).not.toMatch(/wide16_jacobian_vjp/);
    // Columns of numbers known at compile time come back as the rows: no driver lays them out.
    expect(code).not.toMatch(/jacobianOfColumns\(wide16_jacobian_tangent/);
    expect(code).toMatch(/jacobianOfColumns\(orbit_jacobian_tangent/);
  });

  it('of 17 numbers: passes of 16 lanes, then one more (chunks)', () => {
    const args = pointOf(17);
    const J = m.wide17J(...args);
    expectMatrix(J, jacobianByJvp(m.wide17Jvp, args), 1e-13);
    expectMatrix(J, differences(m.wide17, args), 1e-7);
  });

  it('of an array of any length with a number: 4 lanes per pass, the last pass partly used (1, 2, 4, 5, 16, 17, 34 numbers)', () => {
    for (const length of [0, 1, 3, 4, 15, 16, 33]) {
      const xs = Float64Array.from(pointOf(length, 0.8));
      const k = 0.6;
      const J = m.smoothJ(xs, k);
      expect(J.length).toBe(2 * length);
      const jvps = [...xs, k].map((_, j) => {
        const tangent = Float64Array.from(xs, (__, i) => (i === j ? 1 : 0));
        return Array.from(m.smoothJvp([xs, k], [tangent, j === length ? 1 : 0])[1] as Float64Array);
      });
      for (let i = 0; i < 2 * length; i++) {
        expectMatrix([J[i]], [jvps.map((column) => column[i])], 1e-13);
        for (let j = 0; j < length; j++)
          close(
            J[i][j],
            entryDifference(() => m.smooth(xs, k)[i], xs, j),
            1e-6,
          );
        close(
          J[i][length],
          partialDifference((t) => m.smooth(xs, t)[i], [k], 0, 1e-4),
          1e-6,
        );
      }
    }
  });
});

describe('vector forward mode: hessian', () => {
  /** The Hessian by differences of the (reverse-mode) gradient, entry (i, j). */
  const secondDifference = (f: (...args: number[]) => number, args: number[], i: number, j: number) =>
    partialDifference((...point) => partialDifference(f, point, i, 1e-3), args, j, 1e-3);

  it('a partial the lanes share, itself the first tangent (Math.max(0, a - 2b), seeded with 1): against differences', () => {
    for (const args of [
      [1.5, 0.3],
      [0.2, 0.6],
    ]) {
      const H = m.hingeH(...args);
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) close(H[i][j], secondDifference(m.hinge, [...args], i, j), 1e-5);
    }
  });

  it('of numbers: one pass of k lanes (k = 3, 16, 17 in chunks) equals the hvp columns and differences', () => {
    for (const [name, args] of [
      ['trio', [0.8, 1.3, 0.4]],
      ['trio', [0.3, 0.2, -0.7]],
      ['wide16', pointOf(16)],
      ['wide17', pointOf(17)],
    ] as const) {
      const H = m[`${name}H`](...args);
      const f = m[name === 'trio' ? name : `${name}Sum`];
      expect(H.length).toBe(args.length);
      // The scalar mode: hvp (forward over reverse, one tangent per value) of each unit vector, given as one list.
      const columns = args.map(
        (_, j) =>
          m[`${name}Hv`](
            ...args,
            args.map((__, k) => (k === j ? 1 : 0)),
          ) as number[],
      );
      for (let i = 0; i < args.length; i++) for (let j = 0; j < args.length; j++) expect(H[i][j]).toBe(columns[j][i]);
      for (const [i, j] of [
        [0, 0],
        [1, 2],
        [2, 1],
        [args.length - 1, args.length - 1],
      ])
        close(H[i][j], secondDifference(f, [...args], i, j), 1e-5);
    }
  });

  it('of an array of any length (1, 2, 16, 17): columns equal hvp, symmetric, and match differences of the gradient', () => {
    for (const length of [1, 2, 16, 17]) {
      const x = Float64Array.from(pointOf(length, 0.9));
      const H = m.energyH(x);
      expect(H.length).toBe(length);
      for (let j = 0; j < length; j++) {
        const column = m.energyHv(
          x,
          Float64Array.from(x, (_, k) => (k === j ? 1 : 0)),
        ) as Float64Array;
        for (let i = 0; i < length; i++) {
          expect(H[i][j]).toBe(column[i]);
          close(H[i][j], H[j][i], 1e-9);
        }
      }
      for (const j of new Set([0, length - 1]))
        for (let i = 0; i < length; i++)
          close(
            H[i][j],
            entryDifference(() => m.energyG(x)[i], x, j),
            1e-6,
          );
    }
  });
});

describe('vector forward mode: passes over arrays', () => {
  /** The columns of the Hessian by hvp, one per unit vector of the flattened inputs (a, k, b), flattened. */
  function hvpColumns(hv: (...args: any[]) => [Float64Array, number, number[]], a: Float64Array, k: number, b: number[]): number[][] {
    const count = a.length + 1 + b.length;
    return Array.from({ length: count }, (_, j) => {
      const unit = (from: number, length: number) => Array.from({ length }, (__, i) => (from + i === j ? 1 : 0));
      const [va, vk, vb] = hv(a, k, b, [Float64Array.from(unit(0, a.length)), j === a.length ? 1 : 0, unit(a.length + 1, b.length)]);
      return [...va, vk, ...vb];
    });
  }

  it('seeded from the first column in the generated code (two arrays and a number between) or by the driver: columns equal hvp and differences', () => {
    // Each array is read only by its elements in mixed, not in whole (a helper reads a whole).
    expect(code).toMatch(
      /function mixed_hessian\(a, k, b\) \{\s*return jacobianByStarts\(start_\d+ => mixed_hessian_tangent\(a, k, b, start_\d+\), \[a, k, b\], 4\)/,
    );
    expect(code).toMatch(/function mixed_hessian_tangent\(a, k, b, start\)/);
    expect(code).toMatch(/function whole_hessian\(a, k, b\) \{\s*return jacobianByStarts\(seededByDriver\(/);
    for (const [name, lengths] of [
      ['mixed', [1, 1]],
      ['mixed', [3, 2]],
      ['mixed', [6, 5]],
      ['whole', [3, 2]],
      ['whole', [6, 5]],
    ] as const) {
      const a = Float64Array.from(pointOf(lengths[0], 0.9));
      const b = pointOf(lengths[1], 0.7).map((v) => v + 0.3);
      const k = 0.8;
      const H = m[`${name}H`](a, k, b);
      const columns = hvpColumns(m[`${name}Hv`], a, k, b);
      const count = columns.length;
      expect(H.length).toBe(count);
      for (let i = 0; i < count; i++) {
        expect(H[i].length).toBe(count);
        for (let j = 0; j < count; j++) close(H[i][j], columns[j][i], 1e-13);
      }
      // Differences of the gradient in a's last entry, in k and in b's first.
      const gradientAt = (t: number) => {
        const [ga, gk, gb] = m[`${name}G`](a, t, b);
        return [...ga, gk, ...gb];
      };
      for (let i = 0; i < count; i++) {
        close(
          H[i][a.length - 1],
          entryDifference(() => gradientAt(k)[i], a, a.length - 1),
          1e-6,
        );
        close(
          H[i][a.length],
          partialDifference((t) => gradientAt(t)[i], [k], 0, 1e-4),
          1e-6,
        );
        close(
          H[i][a.length + 1],
          entryDifference(() => gradientAt(k)[i], b, 0),
          1e-6,
        );
      }
    }
  });

  it('into a matrix given, reused from call to call', () => {
    const a = Float64Array.from(pointOf(5, 0.9));
    const b = [0.4, 0.9, 1.2];
    const out: number[][] = [[1, 2]];
    expect(m.mixedHInto(out, a, 0.8, b)).toBe(out);
    expect(out).toEqual(m.mixedH(a, 0.8, b));
    const first = out[0];
    m.mixedHInto(out, a, 0.8, b);
    expect(out[0]).toBe(first);
    expect(out).toEqual(m.mixedH(a, 0.8, b));
  });
});

describe('jacobianInto and hessianInto', () => {
  /** Calls `into` twice on one matrix: the same rows each time, equal to the allocating variant's. */
  function expectWrittenInto(into: (out: number[][], ...args: any[]) => number[][], fresh: number[][], args: any[], start: number[][]): void {
    const out = start;
    expect(into(out, ...args)).toBe(out);
    expect(out).toEqual(fresh);
    const rows = [...out];
    expect(into(out, ...args)).toBe(out);
    rows.forEach((row, i) => expect(out[i]).toBe(row));
    expect(out).toEqual(fresh);
  }

  it('write the matrix into the rows given, reused from call to call, made where missing and trimmed where longer', () => {
    const [x, y] = [0.9, 1.1];
    expectWrittenInto(m.orbitJInto, m.orbitJ(x, y), [x, y], []);
    expectWrittenInto(
      m.orbitJInto,
      m.orbitJ(x, y),
      [x, y],
      Array.from({ length: 7 }, () => [9, 9, 9, 9, 9]),
    );
    const trio = [0.8, 1.3, 0.4];
    expectWrittenInto(m.trioHInto, m.trioH(...trio), trio, [[1], [2]]);
    // A function returning a number: its one row is the gradient.
    expectWrittenInto(m.trioJInto, [m.trioG(...trio)], trio, [[5, 5, 5, 5], [5]]);
  });

  it('by lanes in chunks, by rows, and of arrays of any length', () => {
    for (const length of [1, 5, 17]) {
      const xs = Float64Array.from(pointOf(length, 0.8));
      expectWrittenInto(m.smoothJInto, m.smoothJ(xs, 0.6), [xs, 0.6], [[1, 2, 3]]);
      expectWrittenInto(m.energyHInto, m.energyH(xs), [xs], []);
      const J = m.pairJ(xs);
      for (let j = 0; j < length; j++)
        close(
          J[0][j],
          entryDifference(() => m.pair(xs)[0], xs, j),
          1e-6,
        );
      expectWrittenInto(
        m.pairJInto,
        J,
        [xs],
        Array.from({ length: 3 }, () => new Array(40).fill(7)),
      );
    }
  });
});
