// Counterexamples found by the fuzz tests (test/fuzz.test.ts, test/robustness.test.ts),
// shrunk, kept as regression tests. Each case names what was wrong.
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Compiled, compile, compileAlone, entryDifference, partialDifference } from './support/compile.js';

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

/**
 * Assigning the length of an array grown by push to a variable renamed the length's own
 * temporary, which the loop of a later reduce still read: 't_2 is not defined' at run time
 * (fuzz seed 1, program 1244, shrunk and simplified).
 */
export function pushedLength(x: number): number {
  const a: number[] = [];
  a.push(x);
  a.push(x * x);
  let n = 0;
  n = a.length;
  return n * a.reduce((s: number, e: number) => s + Math.sin(e), 0);
}
export const d_pushedLength = grad(pushedLength);

/** The counterexample as shrunk by fast-check. */
function fh(u: number, w: number): number {
  u = Math.log10(1 + (-0.44) ** 2);
  return (-0.82) * u + 0.81 * w + ((0.53 + (-0.9)) * (u * u));
}
export function shrunk1244(x: number): number {
  const L1: number[] = [];
  L1.push(((-0.58) * fh(x, x)));
  L1.push(((-x) - (-1.66)), x);
  x = L1.length;
  x -= fh((((0) >= ((x - L1[0]))) ? x : fh(L1[2], x)), (-L1.reduce((s2: number, e3: number) => s2 + Math.tanh(x), (-0.15))));
  L1[2] *= x;
  return 0.17 * x + L1[2] + (x * L1[0]);
}
export const d_shrunk1244 = grad(shrunk1244);

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
    for (const [x, y] of [
      [0.3, -1.2],
      [1.1, 0.7],
    ]) {
      const [dx, dy] = m.d_filled(x, y);
      expect(dx).toBeCloseTo(partialDifference(m.filled, [x, y], 0), 7);
      expect(dy).toBeCloseTo(partialDifference(m.filled, [x, y], 1), 7);
    }
    for (const x of [0.4, -0.9]) expect(m.d_filledInLoop(x)).toBeCloseTo(partialDifference(m.filledInLoop, [x], 0), 7);
  });

  it('the length of an array grown by push, assigned to a variable, stays defined', () => {
    for (const x of [0.3, -1.1]) {
      expect(m.d_pushedLength(x)).toBeCloseTo(partialDifference(m.pushedLength, [x], 0), 7);
      expect(m.d_shrunk1244(x)).toBeCloseTo(partialDifference(m.shrunk1244, [x], 0), 7);
    }
  });

  it('a constant fill is still emitted as a fill', () => {
    expect(m.d_constantFill(1.5)).toBe(3);
    expect(compiled.js['main.ts']).toMatch(/new Array\(2\)\.fill\(1\)/);
  });

  it('a long chain of sums differentiates (in time)', () => {
    const exact = Array.from({ length: 600 }, (_, i) => i % 7).reduce((a, b) => a + b, 0);
    expect(m.d_longChain(0.5)).toBe(exact);
  });

  it('a sum of 2,500 terms, deeper than the stack allows recursive walks, differentiates', async () => {
    // The left-deep tree of a + b + … was lowered, walked and printed recursively: from about
    // 1,500 terms the stack ran out (TS91099). TypeScript itself checks such sums to ~5,000. (Its
    // time limit is generous: at a load of 15 on 2 cores it took 80–120 s; alone, 20–40 s.)
    const terms = Array.from({ length: 2500 }, (_, i) => `Math.sin(x * ${i + 1})`).join(' + ');
    // The exact sum is the oracle: no forward-mode twin, which would double the suite's longest compile.
    const deep = compileAlone({
      'main.ts': `import { grad } from 'tapeless';\nexport function f(x: number): number {\n  return ${terms};\n}\nexport const g = grad(f);\n`,
    });
    expect(deep.messages).toEqual([]);
    const { g } = await deep.load();
    for (const x of [0.3, -1.7]) {
      const exact = Array.from({ length: 2500 }, (_, i) => (i + 1) * Math.cos(x * (i + 1))).reduce((a, b) => a + b, 0);
      expect(g(x)).toBeCloseTo(exact, 6);
    }
  }, 180_000);

  it('a non-number inside an arithmetic chain is still a diagnostic, at the operand', () => {
    const bad = compile({
      'bad.ts': `import { grad } from 'tapeless';\nexport const g = grad((x: number, s: string) => ((s + x) + x) as unknown as number * x, { wrt: 0 });\n`,
    });
    expect(bad.messages).toHaveLength(1);
    expect(bad.messages[0]).toMatch(/^bad\.ts:2:51 tapeless: '\+' is differentiable on numbers only, but this has type 'string'/);
  });
});

describe('repeated reads of a parameter array share one adjoint', () => {
  it('a first read used only in a condition still passes on the adjoint of a later read (found by the forward-mode oracle)', async () => {
    const compiled = compile({
      'main.ts': `import { grad } from 'tapeless';
export function f(x: number, a: Float64Array): number {
  let v0 = x;
  v0 += Math.hypot(Math.tanh(a[2]) > 0.5 ? 1 : a[2] - x, 2);
  v0 -= Math.atan((a[1] + a[2]) * a[0]);
  return v0;
}
export const d_f = grad(f);
`,
    });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    const a = Float64Array.of(0.77, -0.99, 1.41);
    const [, g] = m.d_f(-1.17, a);
    const expected = entryDifference(() => m.f(-1.17, a), a, 2);
    expect(g[2]).toBeCloseTo(expected, 8);
  });
});

describe('a helper whose derivative cannot be generated', () => {
  it('fails every request that needs it, and no generated code calls a companion never emitted (found by the user-shaped fuzzer)', () => {
    const compiled = compile({
      'main.ts': `import { grad, valueAndGrad, derivative } from 'tapeless';
function risky(x: number): number {
  try { return x * x; } catch { return 0; }
}
export function f(x: number): number { return risky(x) + x; }
export const g = grad(f);
export const vg = valueAndGrad(f);
export const d = derivative(f);
`,
    });
    expect(compiled.messages).toEqual([
      "main.ts:3:3 tapeless: a 'try' statement cannot be differentiated: put the try … catch outside the differentiated function, around the call of its gradient, and test here with 'if' what would fail ('throw' is supported: the gradient throws where the function does).",
    ]);
    // One diagnostic, naming each call that reached it on a line of its own.
    const reached = ts.flattenDiagnosticMessageText(compiled.diagnostics[0].messageText, '\n').split('\n').slice(1);
    expect(reached.map((line) => line.replace(/, at .*main\.ts:(\d+):(\d+)$/, ' at $1:$2'))).toEqual([
      "  while differentiating 'f' for grad(f) at 6:18",
      "  while differentiating 'f' for valueAndGrad(f) at 7:19",
      "  while differentiating 'f' for derivative(f) at 8:18",
    ]);
    expect(compiled.diagnostics[0].relatedInformation).toHaveLength(3);
    expect(compiled.js['main.ts']).not.toMatch(/risky_(pullback|pushforward)/);
  });
});

describe('a loop pass that only moves values between carried variables (found while extending the user-shaped fuzzer)', () => {
  // The sweep updated the carried adjoints one after another: for a swap it wrote
  // `a_bar = b_bar; b_bar = a_bar;`, so grad(swapped)(x, y) was [1, 1] for [1, 2].
  const SWAPS = `import { grad, hessian } from 'tapeless';
export function swapped(x: number, y: number): number {
  let a = x, b = y;
  for (let k = 0; k < 3; k++) { const t = a; a = b; b = t; }
  return a * 2 + b * b;
}
export function destructured(x: number, y: number): number {
  let a = x, b = y, c = x * y;
  for (let k = 0; k < 2; k++) [a, b, c] = [b, c, a];
  return a * 2 + b + 3 * Math.sin(c);
}
export function shifted(x: number, y: number): number {
  let a = x, b = y, c = x * y;
  for (let k = 0; k < 3; k++) { a = b; b = c; }
  return a * 2 + b * 5 + c;
}
export function tupleState(x: number, y: number): number {
  let s: [number, number] = [x, y];
  for (let k = 0; k < 3; k++) { const [p, q] = s; s = [q, p]; }
  return s[0] * 2 + s[1] * s[1];
}
export function objectState(x: number, y: number): number {
  let st = { p: x, q: y };
  for (let k = 0; k < 3; k++) { st = { p: st.q, q: st.p }; if (st.p > 10) break; }
  return st.p * 2 + Math.exp(st.q);
}
export function nested(x: number, y: number): number {
  let a = x, b = y, s = 0;
  for (let i = 0; i < 2; i++) {
    for (let k = 0; k <= i; k++) [a, b] = [b, a];
    s += a * (i + 1);
  }
  return s + b * b;
}
export const d_swapped = grad(swapped);
export const d_destructured = grad(destructured);
export const d_shifted = grad(shifted);
export const d_tupleState = grad(tupleState);
export const d_objectState = grad(objectState);
export const d_nested = grad(nested);
export const h_swapped = hessian(swapped);
export const h_tupleState = hessian(tupleState);
`;
  const NAMES = ['swapped', 'destructured', 'shifted', 'tupleState', 'objectState', 'nested'];
  let m: Record<string, any>;
  beforeAll(async () => {
    const compiled = compile({ 'main.ts': SWAPS });
    expect(compiled.messages).toEqual([]);
    // compile's load also checks every gradient against forward mode.
    m = await compiled.load();
  });

  it('gradients against finite differences', () => {
    for (const name of NAMES) {
      for (const point of [
        [0.7, -0.4],
        [-1.3, 0.9],
      ]) {
        const g = m[`d_${name}`](...point);
        point.forEach((_, i) => expect(g[i], `${name} ∂${i} at ${point}`).toBeCloseTo(partialDifference(m[name], point, i), 7));
      }
    }
  });

  it('Hessians against finite differences of the gradient', () => {
    for (const name of ['swapped', 'tupleState']) {
      const point = [0.7, -0.4];
      const h = m[`h_${name}`](...point);
      for (const i of [0, 1])
        for (const j of [0, 1])
          expect(h[i][j], `${name} ∂${i}∂${j}`).toBeCloseTo(
            partialDifference((...q: number[]) => m[`d_${name}`](...q)[i], point, j),
            6,
          );
    }
  });
});

describe("states stepped by helpers that make arrays of the state's length, buffers made as long as a copy (found by the user-shaped fuzzer)", () => {
  // `new Float64Array(s.length)` in a step of a state of a known length had a length known
  // only at run time (rejected: "another size or kind"), and `[...u]` was as long as `0 + u.length`,
  // not u.length, so a buffer `new Array(u.length)` swapped with it was "not known to be as long".
  const STATES = `import { grad, hessian } from 'tapeless';
function relax(s: Float64Array, dt: number): Float64Array {
  const out = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s[i] + dt * Math.tanh(s[(i + 1) % s.length]);
  return out;
}
function relaxArray(s: number[], dt: number): number[] {
  const out = new Array<number>(s.length).fill(0);
  for (let i = 0; i < s.length; i++) out[i] = s[i] + dt * Math.sin(s[i] * s[(i + 1) % s.length]);
  return out;
}
export function typedState(x: number, y: number): number {
  let c: Float64Array = new Float64Array([x, y]);
  for (let k = 0; k < 3; k++) c = relax(c, 0.2);
  return c[0] + 2 * c[1] * c[0];
}
export function literalState(x: number, y: number): number {
  let c = [x, y, x * y];
  for (let k = 0; k < 3; k++) { c = relaxArray(c, 0.3); if (c[0] > 5) break; }
  return c[0] + 2 * c[1] + c[2] * c[2];
}
export function copiedBuffers(u: number[], x: number): number {
  let cur = [...u];
  let next = new Array<number>(u.length).fill(0);
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < cur.length; i++) next[i] = 0.5 * cur[(i + 1) % cur.length] + x * cur[i];
    [cur, next] = [next, cur];
  }
  return cur[0] + 2 * cur[1] * cur[2];
}
export function buffersAsLongAsTheCopy(u: number[], x: number): number {
  let p = [...u];
  let next = new Array<number>(p.length).fill(0);
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < p.length; i++) next[i] = Math.sin(p[(i + 1) % p.length]) + x * p[i];
    [p, next] = [next, p];
  }
  return p[0] + 2 * p[1] * p[2];
}
export const d_typedState = grad(typedState);
export const d_literalState = grad(literalState);
export const d_copiedBuffers = grad(copiedBuffers);
export const d_buffersAsLongAsTheCopy = grad(buffersAsLongAsTheCopy);
export const h_typedState = hessian(typedState);
`;
  let m: Record<string, any>;
  beforeAll(async () => {
    const compiled = compile({ 'main.ts': STATES });
    expect(compiled.messages).toEqual([]);
    // compile's load also checks every gradient against forward mode.
    m = await compiled.load();
  });

  it('gradients of states stepped by helpers against finite differences', () => {
    for (const name of ['typedState', 'literalState']) {
      for (const point of [
        [0.7, -0.4],
        [-1.3, 0.9],
      ]) {
        const g = m[`d_${name}`](...point);
        point.forEach((_, i) => expect(g[i], `${name} ∂${i} at ${point}`).toBeCloseTo(partialDifference(m[name], point, i), 7));
      }
    }
    const point = [0.7, -0.4];
    const h = m.h_typedState(...point);
    for (const i of [0, 1])
      for (const j of [0, 1])
        expect(h[i][j], `∂${i}∂${j}`).toBeCloseTo(
          partialDifference((...q: number[]) => m.d_typedState(...q)[i], point, j),
          6,
        );
  });

  it('gradients of swapped buffers against finite differences', () => {
    for (const name of ['copiedBuffers', 'buffersAsLongAsTheCopy']) {
      const u = [0.3, -0.8, 1.1],
        x = 0.6;
      const [gu, gx] = m[`d_${name}`](u, x);
      u.forEach((_, i) =>
        expect(gu[i], `${name} ∂u[${i}]`).toBeCloseTo(
          entryDifference(() => m[name](u, x), u, i),
          7,
        ),
      );
      expect(gx, `${name} ∂x`).toBeCloseTo(
        partialDifference((y: number) => m[name](u, y), [x], 0),
        7,
      );
    }
  });
});

describe('an empty object literal given for options whose fields are all optional (found by the user-shaped fuzzer)', () => {
  // `update(x, g, {})` was rejected: "an object literal must have fields of numbers, …" (its type has no fields).
  const OPTIONS = `import { grad, hessian } from 'tapeless';
export interface Opts { lr?: number; decay?: number }
function update(x: number, g: number, opts: Opts): number {
  const lr = opts.lr ?? 0.1;
  let y = x - lr * Math.tanh(g);
  if (opts.decay !== undefined) y *= 1 - opts.decay;
  return y;
}
export function f(x: number, y: number): number {
  const none = {};
  return update(x, y, {}) * update(y, x, { lr: 0.2 }) + update(x * y, x, { decay: 0.1, lr: 0.3 }) + update(y, y * y, none);
}
export const d_f = grad(f);
export const h_f = hessian(f);
`;
  it('gradient and Hessian against finite differences', async () => {
    const compiled = compile({ 'main.ts': OPTIONS });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    for (const point of [
      [0.7, -0.4],
      [-1.3, 0.9],
    ]) {
      const g = m.d_f(...point);
      point.forEach((_, i) => expect(g[i], `∂${i} at ${point}`).toBeCloseTo(partialDifference(m.f, point, i), 7));
      const h = m.h_f(...point);
      for (const i of [0, 1])
        for (const j of [0, 1])
          expect(h[i][j], `∂${i}∂${j}`).toBeCloseTo(
            partialDifference((...q: number[]) => m.d_f(...q)[i], point, j),
            6,
          );
    }
  });
});

// Found by the user-shaped fuzzer (seed 24181, program 4): a function whose array result does
// not depend on its input had its Jacobian laid out as one row holding the zero tangent array
// (`[[[0, 0, 0]]]`) instead of a row of zeros per number of the result.
const CONSTANT_RESULT = `
import { jacobian, jvp, derivative } from 'tapeless';
const L = new Float64Array([0.29, -1.11, 0.06]);
const f = (x: number): [number, number, number] => [L[0] * 2, L[1], Math.max(...L)];
export const j = jacobian(f);
export const jv = jvp(f);
export const d = derivative(f);
`;

describe('a result that does not depend on the input', () => {
  it('has a Jacobian of zeros, a row per number of the result, and zero tangents', async () => {
    const compiled = compile({ 'main.ts': CONSTANT_RESULT });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    expect(m.j(0.5)).toEqual([[0], [0], [0]]);
    expect(m.jv([0.5], [1])[1]).toEqual([0, 0, 0]);
    expect(m.d(0.5)).toEqual([0, 0, 0]);
  });
});

describe('the Jacobian of an array result that does not vary with the inputs (found by the user-shaped fuzzer)', () => {
  // jacobian(f) gave [[[0, 0, 0]]] (one row holding the zero array) instead of 3 rows of zeros:
  // the zero tangent of the array result was taken for a number (seed 7000, program 40).
  const CONSTANT = `import { jacobian, stopGradient } from 'tapeless';
export function constant(x: number): number[] {
  return [1, 2, 3];
}
export function stepped(x: number, y: number): [number, number, number] {
  return [Math.floor(x), Math.round(y) * 2, 0.5];
}
export function held(x: number, y: number): number[] {
  const s = stopGradient(x * y);
  return [s * s, Math.cos(s)];
}
export const j_constant = jacobian(constant);
export const j_stepped = jacobian(stepped);
export const j_steppedY = jacobian(stepped, { wrt: 'y' });
export const j_held = jacobian(held);
`;
  it('every entry against finite differences (stopGradient: zero, a constant to every derivative)', async () => {
    const compiled = compile({ 'main.ts': CONSTANT });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    const point = [0.7, -1.3];
    const expectJacobian = (J: number[][], f: (...args: number[]) => number[], inputs: readonly number[], expected?: number) => {
      const rows = f(...point).length;
      expect(J.length, 'rows').toBe(rows);
      for (let i = 0; i < rows; i++) {
        expect(J[i].length, `row ${i}`).toBe(inputs.length);
        inputs.forEach((j, k) => expect(J[i][k], `J[${i}][${k}]`).toBeCloseTo(expected ?? partialDifference((...q: number[]) => f(...q)[i], point, j), 7));
      }
    };
    expectJacobian(m.j_constant(point[0]), m.constant, [0]);
    expectJacobian(m.j_stepped(...point), m.stepped, [0, 1]);
    expectJacobian(m.j_steppedY(...point), m.stepped, [1]);
    expectJacobian(m.j_held(...point), m.held, [0, 1], 0);
  });
});

describe("a callback's own return inside a loop that reassigns an array (found while extending the user-shaped fuzzer)", () => {
  // A `return` inside a callback written in a loop (`p.map((e) => { …; return v; })`) was taken
  // for a return of the function: the loop carried the function's `returned` flag, the rest of
  // each pass was guarded by it, and `p = next` inside that guard was rejected ("'p' holds
  // different arrays or objects on the two sides of this branch"): a branch the user never wrote.
  // The same for a `throw` in such a callback (`guarded`): it ends the callback's path, not a pass of the loop.
  const RELAX = `import { grad, hessian } from 'tapeless';
export function relax(xs: number[], y: number): number {
  let p = [...xs];
  for (let s = 0; s < 3; s++) {
    const next = p.map((e, i, arr) => {
      let force = 0;
      for (let j = 0; j < arr.length; j++) {
        if (j === i) continue;
        const d = e - arr[j];
        force += d / (1 + d * d);
      }
      return e + 0.1 * force * y;
    });
    p = next;
  }
  return p[0] * p[1] + p[2];
}
export function smooth(x: number, y: number): number {
  let p: [number, number] = [x, y];
  for (let s = 0; s < 3; s++) {
    const m = p.map((e) => {
      const d = Math.sin(e * y);
      return e + 0.2 * d;
    });
    p = [m[1], m[0] * x];
  }
  return p[0] + p[1] * p[1];
}
export function guarded(xs: number[]): number {
  let p = [...xs];
  for (let k = 0; k < 3; k++) {
    const next = p.map((e, i, arr) => {
      if (!Number.isFinite(e)) throw new Error('diverged at ' + i);
      return 0.5 * e + 0.25 * (arr[i - 1] ?? e) * e;
    });
    p = next;
  }
  return p.reduce((a, b) => a + b * b, 0);
}
export const d_relax = grad(relax);
export const d_smooth = grad(smooth);
export const h_smooth = hessian(smooth);
export const d_guarded = grad(guarded);
`;
  it('gradients and a Hessian against finite differences', async () => {
    const compiled = compile({ 'main.ts': RELAX });
    expect(compiled.messages).toEqual([]);
    // compile's load also checks every gradient against forward mode.
    const m = await compiled.load();
    const xs = [0.7, -0.3, 1.1],
      y = 0.6;
    const [gx, gy] = m.d_relax(xs, y);
    xs.forEach((_, i) =>
      expect(gx[i], `∂xs[${i}]`).toBeCloseTo(
        entryDifference(() => m.relax(xs, y), xs, i),
        7,
      ),
    );
    expect(gy, '∂y').toBeCloseTo(
      partialDifference((t: number) => m.relax(xs, t), [y], 0),
      7,
    );
    for (const point of [
      [0.7, -0.4],
      [-1.3, 0.9],
    ]) {
      const g = m.d_smooth(...point);
      point.forEach((_, i) => expect(g[i], `∂${i} at ${point}`).toBeCloseTo(partialDifference(m.smooth, point, i), 7));
      const h = m.h_smooth(...point);
      for (const i of [0, 1])
        for (const j of [0, 1])
          expect(h[i][j], `∂${i}∂${j}`).toBeCloseTo(
            partialDifference((...q: number[]) => m.d_smooth(...q)[i], point, j),
            6,
          );
    }
    const guardedAt = [0.3, -0.7, 1.1];
    const gGuarded = m.d_guarded(guardedAt);
    guardedAt.forEach((_, i) =>
      expect(gGuarded[i], `∂guarded/∂xs[${i}]`).toBeCloseTo(
        entryDifference(() => m.guarded(guardedAt), guardedAt, i),
        7,
      ),
    );
    expect(() => m.d_guarded([0.3, Number.NaN, 1])).toThrow('diverged at 1');
  });
});
