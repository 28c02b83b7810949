// Counterexamples found by the fuzz tests (test/fuzz.test.ts, test/robustness.test.ts),
// shrunk, kept as regression tests. Each case names what was wrong.
import { beforeAll, describe, expect, it } from 'vitest';
import { type Compiled, compile, partialDifference } from './support/compile.js';

const chain = (n: number) => Array.from({ length: n }, (_, i) => `x * ${i % 7}`).join(' + ');

const MAIN = `
import { grad } from 'tapeless';

/** new Array(n).fill(v) with v depending on x: the fill's gradient was dropped (fuzz seed 0x7a9e1e55, program 0). */
export function filled(x: number, y: number): number {
  const a = new Array<number>(3).fill(x * y);
  a[1] *= x;
  return a[0] + 2 * a[1] + Math.sin(a[2]);
}
export const d_filled = grad(filled);

/** The same inside a loop, filled anew each pass. */
export function filledInLoop(x: number): number {
  let s = 0;
  for (let i = 0; i < 3; i++) {
    const a = new Array<number>(2).fill(Math.sin(x + i));
    s += a[0] * a[1];
  }
  return s;
}
export const d_filledInLoop = grad(filledInLoop);

/** A constant fill stays a fill. */
export function constantFill(x: number): number {
  const a = new Array<number>(2).fill(1);
  a[0] = x * x;
  return a[0] + a[1];
}
export const d_constantFill = grad(constantFill);

/** A sum of 600 products: lowering asked the checker for the type of every prefix (minutes; robustness fuzz). */
export function longChain(x: number): number {
  return ${chain(600)};
}
export const d_longChain = grad(longChain);
`;

let compiled: Compiled;
let m: Record<string, any>;

beforeAll(async () => {
  compiled = compile({ 'main.ts': MAIN });
  if (compiled.messages.length === 0) m = await compiled.load();
});

describe('fuzz regressions', () => {
  it('compiles without diagnostics', () => {
    expect(compiled.messages).toEqual([]);
  });

  it('new Array(n).fill(v): the gradient flows back to v', () => {
    for (const [x, y] of [[0.3, -1.2], [1.1, 0.7]]) {
      const [dx, dy] = m.d_filled(x, y);
      expect(dx).toBeCloseTo(partialDifference(m.filled, [x, y], 0), 7);
      expect(dy).toBeCloseTo(partialDifference(m.filled, [x, y], 1), 7);
    }
    for (const x of [0.4, -0.9]) expect(m.d_filledInLoop(x)).toBeCloseTo(partialDifference(m.filledInLoop, [x], 0), 7);
  });

  it('a constant fill is still emitted as a fill', () => {
    expect(m.d_constantFill(1.5)).toBe(3);
    expect(compiled.js['main.ts']).toMatch(/new Array\(2\)\.fill\(1\)/);
  });

  it('a long chain of sums differentiates (in time)', () => {
    const exact = Array.from({ length: 600 }, (_, i) => i % 7).reduce((a, b) => a + b, 0);
    expect(m.d_longChain(0.5)).toBe(exact);
  });

  it('a non-number inside an arithmetic chain is still a diagnostic, at the operand', () => {
    const bad = compile({ 'bad.ts': `import { grad } from 'tapeless';\nexport const g = grad((x: number, s: string) => ((s + x) + x) as unknown as number * x, { wrt: 0 });\n` });
    expect(bad.messages).toHaveLength(1);
    expect(bad.messages[0]).toMatch(/^bad\.ts:2:51 tapeless: '\+' is differentiable on numbers only, but this has type 'string'/);
  });
});
