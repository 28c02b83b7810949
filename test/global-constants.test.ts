// The constants of Math and Number (`Math.PI`, `Number.EPSILON`, `Number.POSITIVE_INFINITY`) read
// as their values, in every mode against finite differences: floors, starting values of a search,
// a missing value. Generated code prints them by name.
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './support/compile.js';
import { expectPointModes, pointModeExports } from './support/every-mode.js';

const SOURCE = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';

/** A log-likelihood floored at machine epsilon. */
export function safeLog(x: number, y: number): number {
  return Math.log(Math.max(x * y, Number.EPSILON)) + y;
}

/** The nearest of three candidates, by a search that starts from infinity. */
export function nearest(x: number, y: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const c of [x * x + y, (x - 1) * (x - 1), y * y + 0.5]) best = Math.min(best, c);
  let worst = Number.NEGATIVE_INFINITY;
  for (const c of [x, y]) if (c > worst) worst = c;
  return best * worst;
}

/** Bounds from Number, and a value missing where x <= 0, replaced. */
export function bounded(x: number, y: number): number {
  const v = x > 0 ? x * y : Number.NaN;
  const clipped = Math.min(Math.max(x * y * y, -Number.MAX_VALUE), Number.MAX_SAFE_INTEGER);
  return (Number.isNaN(v) ? y * y : v) + clipped + Math.sqrt(x * x + y * y + Number.MIN_VALUE) * Math.PI;
}

${pointModeExports(['safeLog', 'nearest', 'bounded'], 2)}
`;

let m: Record<string, any>;
let js: string;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
  js = compiled.js['main.ts'];
}, 120_000);

describe('Math and Number constants', () => {
  it('Number.EPSILON as a floor, on both sides of it', () => {
    expectPointModes(m, 'safeLog', [0.7, 1.3], []);
    expectPointModes(m, 'safeLog', [-0.7, 1.3], []);
  });

  it('Number.POSITIVE_INFINITY and NEGATIVE_INFINITY as the start of a search', () => {
    for (const point of [
      [0.3, 0.2],
      [1.4, -0.6],
      [-0.8, 2.1],
    ])
      expectPointModes(m, 'nearest', point, []);
  });

  it('Number.NaN, MAX_VALUE, MAX_SAFE_INTEGER and MIN_VALUE', () => {
    expectPointModes(m, 'bounded', [0.6, -1.1], []);
    expectPointModes(m, 'bounded', [-0.6, 0.9], []);
  });

  it('are printed by name in generated code', () => {
    for (const name of ['Number.EPSILON', 'Number.POSITIVE_INFINITY', 'Number.NaN', 'Number.MAX_SAFE_INTEGER', 'Math.PI']) expect(js).toContain(name);
  });
});
