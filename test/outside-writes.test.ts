// Differentiated code that changes what is outside it, as users first write it: a helper in
// another file normalising the array it is given in place, a module's counter of evaluations
// written by f and by a helper. Each is a located diagnostic naming what the user wrote and
// saying what to write: the copy to pass at the call in f's file, or where to count.
import { describe, expect, it } from 'vitest';
import { compile } from './support/compile.js';

const HELPERS = `export function normalise(xs: number[]): number {
  const s = xs.reduce((a, b) => a + b, 0);
  xs[0] = xs[0] / s;
  return s;
}
`;

const COUNTER = `export let evaluations = 0;
export function tick(x: number): number {
  evaluations++;
  return x;
}
`;

const MAIN = `import { grad, hessian } from 'tapeless';
import { normalise } from './helpers.js';
import { tick } from './counter.js';
let calls = 0;
export function f(xs: number[]): number {
  const s = normalise(xs);
  return s * xs[0];
}
export function energy(x: number): number {
  calls++;
  return x * x;
}
export function counted(x: number): number {
  return tick(x) * x;
}
export const gf = grad(f);
export const gEnergy = grad(energy);
export const hCounted = hessian(counted);
`;

const COUNT =
  'which must not write to outer variables: the generated functions run its code as their results need (hessian and jacobian more than once per call, and none of the code no result needs), so a count or a total kept there would be wrong.';

describe('writes outside the differentiated function', () => {
  it("a helper in another file writing into the caller's array names the call in f's file and the copy to pass; a module's counter says where to count", () => {
    const compiled = compile({ 'helpers.ts': HELPERS, 'counter.ts': COUNTER, 'main.ts': MAIN });
    expect(compiled.messages).toEqual([
      "helpers.ts:3:3 tapeless: writing to 'xs[0]' is not supported: differentiated code may write only into arrays it creates itself (never into its caller's data). The helper 'normalise' is called with an array the differentiated function did not create, at main.ts:6:13: copy 'xs' there and pass the copy, which then holds what 'normalise' writes: 'const copy = [...xs]; normalise(copy)'.",
      `main.ts:10:3 tapeless: 'calls' is declared outside the differentiated function, ${COUNT} Count where you call the generated function ('calls++' next to that call), or return what the caller needs.`,
      `counter.ts:3:3 tapeless: 'evaluations' is declared outside the differentiated function, ${COUNT} Count where you call the generated function ('evaluations++' next to that call), or return what the caller needs.`,
    ]);
  });

  it('what the messages say to write compiles, and counting beside the call counts each call once', async () => {
    const compiled = compile({
      'helpers.ts': HELPERS,
      'main.ts': `import { grad } from 'tapeless';
import { normalise } from './helpers.js';
export function f(xs: number[]): number {
  const copy = [...xs];
  const s = normalise(copy);
  return s * copy[0];
}
export function energy(x: number): number {
  return x * x;
}
export const gf = grad(f);
export const gEnergy = grad(energy);
export let calls = 0;
export function step(x: number): number {
  calls++;
  return x - 0.1 * gEnergy(x);
}
`,
    });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    // f = s * x0 / s = x0: its gradient is [1, 0, 0], and the caller's array is left as it is.
    const xs = [1, 2, 3];
    expect(m.gf(xs)).toEqual([1, 0, 0]);
    expect(xs).toEqual([1, 2, 3]);
    expect(m.step(m.step(1))).toBeCloseTo(0.64, 12);
    expect(m.calls).toBe(2);
  });
});
