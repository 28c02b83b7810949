// Early exits (`throw`, `return`, `break`, `continue`) before an array or object the function
// keeps in a local and returns, or keeps in a variable of its own: issue 12's class L1, once
// rejected with a message naming 'result'. The programs are test/fixtures/users/src/guards.ts
// (which test/users.test.ts builds through tspc, rollup and vite and checks against finite
// differences in grad, hessian, derivative and jacobian); here the other modes (valueAndGrad,
// hvp, vjp, jvp) against those checked results and differences, the throws of the guards, and
// the diagnostics of what stays unsupported, which name the user's code and say what to write.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, close, compile, partialDifference } from './support/compile.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/users/src');
const read = (name: string) => readFileSync(path.join(FIXTURE, name), 'utf8');

let m: Record<string, any>;
let oracle: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'guards.ts': read('guards.ts'), 'oracle.ts': read('oracle.ts') });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load('guards.ts');
  oracle = await compiled.load('oracle.ts');
});

/** cᵀJ from a Jacobian's rows. */
const rowsTimes = (J: number[][], c: readonly number[]) => J[0].map((_, j) => J.reduce((sum, row, i) => sum + c[i] * row[j], 0));
const matrixTimes = (J: number[][], v: readonly number[]) => J.map((row) => row.reduce((sum, entry, j) => sum + entry * v[j], 0));

describe('early exits before a returned local array or object', () => {
  it('the fixture passes the oracle in every mode it checks, in process, reverse mode checked against forward mode', () => {
    const report = oracle.check(m.cases);
    expect(report.failures).toEqual([]);
    expect(report.checked).toBeGreaterThan(80);
  });

  it('valueAndGrad and hvp of a number function calling a guarded helper twice', () => {
    for (const x of [0.7, -1.3, 2.4]) {
      const [value, gradient] = m.vgTwoScales(x);
      expect(value).toBe(m.twoScales(x));
      close(gradient, partialDifference(m.twoScales, [x], 0));
      const [[h]] = m.hTwoScales(x);
      close(h, partialDifference(m.dTwoScales, [x], 0), 1e-6);
      close(m.hvTwoScales(x, -2.5), -2.5 * h, 1e-12);
    }
    for (const p of [
      [2, 0.5],
      [-0.7, 2.2],
      [0, 1],
    ]) {
      const H = m.hPolarCost(...p);
      const v = [0.3, -1.7];
      matrixTimes(H, v).forEach((expected, i) => close(m.hvPolarCost(...p, v)[i], expected, 1e-10));
    }
  });

  it('vjp and jvp of functions returning a Float64Array, an array and an object after a guard or an early return', () => {
    for (const [f, point] of [
      ['Planar', [0.5, 2]],
      ['Planar', [-1.5, 0.3]],
      ['Saturated', [0.5]],
      ['Saturated', [150]],
      ['Settled', [0.5, 2]],
      ['Settled', [1.5, 2]],
    ] as const) {
      const primal = m[f[0].toLowerCase() + f.slice(1)];
      const J = m[`j${f}`](...point);
      const c = J.map((_: number[], i: number) => 0.5 - 1.5 * i);
      if (m[`vjp${f}`]) {
        const [value, pullback] = m[`vjp${f}`](...point);
        expect(Array.from(value)).toEqual(Array.from(primal(...point)));
        const gradient = pullback(c);
        const cJ = rowsTimes(J, c);
        (Array.isArray(gradient) ? gradient : [gradient]).forEach((g: number, j: number) => close(g, cJ[j], 1e-12));
        point.forEach((_, j) =>
          close(
            cJ[j],
            partialDifference((...args) => Array.from(primal(...args) as number[]).reduce((s: number, y: number, i: number) => s + c[i] * y, 0), point, j),
            1e-6,
          ),
        );
      }
      if (m[`jvp${f}`]) {
        const t = point.map((_, j) => 1 - 2 * j);
        const [value, tangent] = m[`jvp${f}`](point, t);
        expect(Array.from(value)).toEqual(Array.from(primal(...point)));
        matrixTimes(J, t).forEach((expected, i) => close(tangent[i], expected, 1e-12));
      }
    }
    const [value, tangent] = m.jvpProject([2, 0.5], [1, -1]);
    expect(value).toEqual(m.project(2, 0.5));
    const J = m.jProject(2, 0.5); // rows x, y
    close(tangent.x, J[0][0] - J[0][1], 1e-12);
    close(tangent.y, J[1][0] - J[1][1], 1e-12);
    const samples = new Float64Array([0.5, -1.2, 2]);
    const [weighted, pullback] = m.vjpWeighted(samples, 0.8);
    expect(weighted).toBeInstanceOf(Float64Array);
    const [dxs, dk] = pullback(new Float64Array([1, 2, -1]));
    const Jw = m.jWeighted(samples, 0.8);
    rowsTimes(Jw, [1, 2, -1]).forEach((expected, j) => close(j < 3 ? dxs[j] : dk, expected, 1e-12));
  });

  it('Hessians the oracle does not lay out: an array parameter, and a wrt subset over a loop with break and continue', () => {
    const samples = [0.5, -1.2, 2];
    const k = 0.8;
    const energy = (...p: number[]) => m.softEnergy(new Float64Array(p.slice(0, 3)), p[3]);
    const gradient = (...p: number[]) => {
      const [dxs, dk] = m.dSoftEnergy(new Float64Array(p.slice(0, 3)), p[3]);
      return [...dxs, dk];
    };
    const H = m.hSoftEnergy(new Float64Array(samples), k);
    const point = [...samples, k];
    gradient(...point).forEach((g, i) => close(g, partialDifference(energy, point, i), 1e-6));
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++)
        close(
          H[i][j],
          partialDifference((...p) => gradient(...p)[i], point, j),
          1e-6,
        );
    for (const [a, n] of [
      [0.7, 4],
      [1.9, 4],
    ]) {
      const [[h]] = m.hLastCandidate(a, n);
      close(
        h,
        partialDifference((x) => m.dLastCandidate(x, n), [a], 0),
        1e-6,
      );
    }
  });

  it('the guards throw from generated code what the function throws', () => {
    expect(() => m.twoScales(NaN)).toThrow('not finite: NaN');
    for (const run of [() => m.dTwoScales(NaN), () => m.vgTwoScales(Infinity), () => m.hTwoScales(NaN), () => m.derivTwoScales(NaN)])
      expect(run).toThrow(/^not finite: /);
    for (const run of [() => m.jPlanar(NaN, 1), () => m.jvpPlanar([NaN, 1], [1, 0]), () => m.vjpPlanar(NaN, 1)]) expect(run).toThrow('bad');
    for (const run of [() => m.jWeighted(new Float64Array(0), 1), () => m.dSoftEnergy(new Float64Array(0), 1)]) expect(run).toThrow(RangeError);
  });
});

describe('what stays unsupported: a located diagnostic in the words of the code', () => {
  const diagnostics = (code: string) => {
    const compiled = compile({ 'main.ts': `import { jacobian } from 'tapeless';\n${code}\nexport const j = jacobian(f);\n` });
    expect(compiled.messages.join('\n')).not.toMatch(/'result'/);
    return compiled.messages;
  };

  it('an array returned from inside a loop: break, and return it after the loop', () => {
    expect(
      diagnostics(
        [
          'export function f(a: number): number[] {',
          '  const x = [a, 1];',
          '  for (let k = 0; k < 20; k++) {',
          '    x[0] -= 0.5 * (x[0] * x[0] - a);',
          '    if (Math.abs(x[0] * x[0] - a) < 1e-3) return x;',
          '  }',
          '  return x;',
          '}',
        ].join('\n'),
      ),
    ).toEqual([
      "main.ts:6:43 tapeless: returning an array or object from inside a loop is not supported yet: keep it in a variable declared before the loop, leave the loop with 'break', and return the variable after it.",
    ]);
  });

  it("the caller's arrays, or arrays of different lengths, returned on different paths", () => {
    const [callers] = diagnostics('export function f(a: number[], b: number[], c: number): number[] {\n  if (c > 0) return a;\n  return b;\n}');
    expect(callers).toMatch(
      /^main\.ts:3:3 tapeless: the function returns different arrays or objects depending on this branch, and one of them is not an array or object literal the function makes itself .*Return arrays or objects the function makes itself, alike on every path/,
    );
    const [lengths] = diagnostics('export function f(a: number, b: number): number[] {\n  if (a > b) return [a];\n  return [a, b];\n}');
    expect(lengths).toMatch(
      /^main\.ts:4:3 tapeless: the function returns different arrays or objects depending on this branch, and one of them is an array whose length is not the same/,
    );
  });
});
