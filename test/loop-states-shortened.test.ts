// Arrays that a pass of a loop shortens (slice, filter), reassigned in the loop: the loop keeps
// the variable in one array as long as it started, with a length of its own that the loop
// carries (frontend/lower/loop-states.ts), and code after the loop reads a copy of that many
// entries; an array of arrays (`Point[]`) in one matrix with a number of rows the loop carries
// (frontend/lower/matrix-states.ts). The user programs of test/fixtures/users/src/shortened.ts check grad, valueAndGrad,
// hessian, derivative and jacobian; here jvp, vjp and hvp against finite differences, and the
// diagnostics of what stays unsupported: a typed array shortened, an entry read where one past
// the end would matter, writes into the rows of an array of arrays (a number[] a pass lengthens:
// test/loop-states-widths.test.ts; an array of arrays: test/matrix-states.test.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';

const SOURCE = `
import { hvp, jvp, vjp } from 'tapeless';

/** de Casteljau's algorithm on numbers, from the caller's array, 'previous' holding the old one. */
export function casteljau(control: number[], t: number): number {
  let points = control;
  while (points.length > 1) {
    const previous = points;
    points = previous.slice(1).map((p, i) => previous[i] + (p - previous[i]) * t);
  }
  return points[0] * points.length;
}

/** Survivors of a filter, then the sum of their squares after the loop. */
export function survivors(xs: number[], t: number): number {
  let alive = [...xs];
  for (let round = 0; round < 3; round++) alive = alive.filter((v) => v * t > 0.4).map((v) => v * (1 + 0.2 * t));
  return alive.reduce((s, v) => s + v * v, 0) + (alive[1] ?? -1);
}

type Point = [number, number];

/** de Casteljau's algorithm on points: an array of arrays a pass shortens. */
export function curvePoint(control: Point[], t: number): Point {
  let points = control;
  while (points.length > 1) {
    const previous = points;
    points = previous.slice(1).map((p, i): Point => [p[0] * t + previous[i][0] * (1 - t), p[1] * t + previous[i][1] * (1 - t)]);
  }
  return points[0];
}

export const jCurvePoint = jvp(curvePoint);
export const pCurvePoint = vjp(curvePoint);
export const jCasteljau = jvp(casteljau);
export const pCasteljau = vjp(casteljau);
export const hvCasteljau = hvp(casteljau);
export const jSurvivors = jvp(survivors);
export const pSurvivors = vjp(survivors);
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/** The partial derivatives of f(xs, t) by finite differences: the xs, then t. */
function differences(f: (xs: number[], t: number) => number, xs: number[], t: number): number[] {
  const point = [...xs, t];
  return point.map((_, j) => partialDifference((...q: number[]) => f(q.slice(0, xs.length), q[xs.length]), point, j));
}

describe('arrays a pass of a loop shortens', () => {
  for (const [name, xs, t] of [
    ['casteljau', [0.2, 1.4, -0.3, 0.9], 0.35],
    ['survivors', [0.9, 0.3, 1.6, 0.72, 2.1], 0.8],
  ] as const) {
    it(`${name}: jvp and vjp against finite differences`, () => {
      const f = m[name];
      const capitalized = name[0].toUpperCase() + name.slice(1);
      const expected = differences(f, [...xs], t);
      const tangent = xs.map((_, j) => 0.5 - 0.3 * j);
      const [primal, directional] = m[`j${capitalized}`]([[...xs], t], [tangent, 0.7]);
      close(primal, f([...xs], t));
      close(
        directional,
        [...tangent, 0.7].reduce((s, d, j) => s + d * expected[j], 0),
        1e-6,
      );
      const [value, pullback] = m[`p${capitalized}`]([...xs], t);
      close(value, f([...xs], t));
      const [gX, gT] = pullback(3);
      expect(gX).toHaveLength(xs.length);
      [...gX, gT].forEach((g: number, j: number) => close(g, 3 * expected[j], 1e-6));
    });
  }

  it('casteljau: hvp against differences of the gradient', () => {
    const xs = [0.2, 1.4, -0.3, 0.9];
    const t = 0.35;
    const gradient = (q: number[]) => {
      const [, pullback] = m.pCasteljau(q.slice(0, -1), q[q.length - 1]);
      const [gX, gT] = pullback(1);
      return [...gX, gT];
    };
    const point = [...xs, t];
    const v = [1, -0.5, 0.25, 2, 0.6];
    const [hvX, hvT] = m.hvCasteljau(xs, t, [v.slice(0, -1), v[v.length - 1]]);
    const expected = point.map((_, out) => v.reduce((s, vj, j) => s + vj * partialDifference((...q: number[]) => gradient(q)[out], point, j), 0));
    [...hvX, hvT].forEach((h: number, i: number) => close(h, expected[i], 1e-5));
  });
});

describe('an array of arrays a pass shortens', () => {
  const control: [number, number][] = [
    [0, 0],
    [0.3, 1.1],
    [0.8, 1.2],
    [1, 0.1],
  ];
  const flat = control.flat();
  const at = (q: number[]) => Array.from({ length: q.length / 2 }, (_, i) => [q[2 * i], q[2 * i + 1]]);
  /** The partial derivatives of the two coordinates: the control points' numbers, then t. */
  const expected = (t: number) =>
    [0, 1].map((out) =>
      [...flat, t].map((_, j) => partialDifference((...q: number[]) => m.curvePoint(at(q.slice(0, -1)), q[q.length - 1])[out], [...flat, t], j)),
    );

  it('jvp and vjp of a point of a planar Bézier curve against finite differences', () => {
    const t = 0.3;
    const d = expected(t);
    const tangent = flat.map((_, j) => 0.2 * j - 0.5);
    const [primal, directional] = m.jCurvePoint([control, t], [at(tangent), 1.5]);
    expect(primal).toEqual(m.curvePoint(control, t));
    [0, 1].forEach((out) =>
      close(
        directional[out],
        [...tangent, 1.5].reduce((s, v, j) => s + v * d[out][j], 0),
        1e-6,
      ),
    );
    const [value, pullback] = m.pCurvePoint(control, t);
    expect(value).toEqual(m.curvePoint(control, t));
    const [gControl, gT] = pullback([2, -1]);
    [...gControl.flat(), gT].forEach((g: number, j: number) => close(g, 2 * d[0][j] - d[1][j], 1e-6));
  });
});

describe('an entry past the end of an array a pass shortens', () => {
  it('is NaN, as the undefined JavaScript reads there is in arithmetic, not the number a longer pass left (valueAndGrad gave 18 where f gives NaN)', async () => {
    const compiled = compile({
      'main.ts': `import { valueAndGrad } from 'tapeless';
export function f(xs: number[], t: number): number {
  let p = xs.map((v) => v * t);
  let s = 0;
  for (let k = 0; k < 3; k++) {
    s += p[2];
    p = p.slice(1);
  }
  return s;
}
export const vg = valueAndGrad(f);
`,
    });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    expect(m.f([1, 2, 3], 2)).toBeNaN();
    expect(m.vg([1, 2, 3], 2)[0]).toBeNaN();
    // Where every read is within the length, the value and gradient are f's.
    const [value, [gx, gt]] = m.vg([1, 2, 3, 4, 5], 2);
    expect(value).toBe(m.f([1, 2, 3, 4, 5], 2));
    expect(gx).toEqual([0, 0, 2, 2, 2]);
    close(gt, 3 + 4 + 5);
  });
});

describe('arrays a pass shortens: what stays a diagnostic', () => {
  const rejected = (body: string) => compile({ 'main.ts': `import { grad } from 'tapeless';\n${body}\nexport const g = grad(f);\n` }).messages;

  it('a typed array: copy it into a number[]', () => {
    expect(
      rejected(`export function f(xs: Float64Array, t: number): number {
  let p = Float64Array.from(xs);
  while (p.length > 1) p = p.slice(1).map((v, i) => v * t + p[i]);
  return p[0];
}`),
    ).toEqual([
      "main.ts:4:3 tapeless: a loop that may shorten 'p' (slice, filter) keeps it in one array, which must be a number[] here, not a Float64Array: copy it into one first (let p = Array.from(…)).",
    ]);
  });

  it("an entry of the array before the pass shortens it, read by '??', a default or '=== undefined'", () => {
    const loop = (read: string) => `export function f(xs: number[], t: number): number {
  let p = xs.slice();
  let s = 0;
  for (let k = 0; k < 3; k++) {
    ${read}
    p = p.filter((v) => v > t);
  }
  return s;
}`;
    // The advice is written with the entry read, where the code reads one by index.
    const advice = (instead: string) =>
      `tapeless: this reads an entry of an array whose length a loop changes (slice, filter, a spread or concat that adds entries), where an entry past its end would be undefined: compare the index with its length instead ('${instead}').`;
    expect(rejected(loop('s += p[1] ?? 0;'))).toEqual([`main.ts:6:10 ${advice('1 < p.length ? p[1] : 0')}`]);
    expect(rejected(loop('const [a, b = 1] = p; s += a * b;'))).toEqual([`main.ts:6:15 ${advice('… < ….length ? …[…] : 0')}`]);
    expect(rejected(loop('if (p[2] === undefined) s += t;'))).toEqual([`main.ts:6:9 ${advice('2 < p.length ? p[2] : 0')}`]);
  });

  it('writes into the rows of an array of arrays a loop reassigns', () => {
    expect(
      rejected(`type Point = [number, number];
export function f(pts0: Point[], t: number): number {
  let pts = pts0;
  while (pts.length > 1) {
    pts[0][0] = t;
    pts = pts.slice(1);
  }
  return pts[0][1];
}`),
    ).toEqual([
      "main.ts:6:5 tapeless: writing to 'pts[0][0]' is not supported: 'pts' is an array of arrays a loop reassigns, whose rows may be those of the array it was made from (slice shares them): make new rows instead: pts = pts.map((row) => […]).",
    ]);
  });
});
