// Where a derivative returned a value where the function throws, or another number:
// - a helper whose value nothing reads (`check(x)`, `xs.forEach((x) => check(x))`, `const c =
//   check(x)`, a total by reduce without an initial value, a log) was dropped with the call as
//   dead code, in every mode: a call of a helper that may throw or log now runs where the
//   function runs it;
// - a forward-mode gradient (the `gradients: 'forward'` option: one pushforward per input
//   number) of a function of an empty array made no pushforward, so it returned [] where the
//   function throws (a reduce without an initial value): it makes one;
// - arrays made with a length that is not a whole number (`new Float64Array(xs.length / 2)`,
//   `Array.from({ length: n - 3 }, …)`) have the length JavaScript gives them;
// - a guard of a method of another module, inlined, printed its message from the wrong file's
//   text (a SyntaxError in the generated module).
// Every derivative throws the function's error where the function throws, and matches finite
// differences where it does not, in a reverse build (checked against forward mode at every
// call by compile()) and a forward one.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { arrayEntryDifference, close, compile, compileAlone, compileForward, expectArrayHessian, finiteDifference } from './support/compile.js';

const GUARDS = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';

function check(v: number): number {
  if (!(v < 100)) throw new RangeError('too big');
  return v;
}

/** A guard as a statement. */
export function guarded(x: number): number {
  check(x * 60);
  return x * x;
}

/** A guard whose value is kept, never read. */
export function kept(x: number): number {
  const c = check(x * 60);
  return Math.sin(x) * x;
}

/** A guard on every entry, in a for-of loop that does nothing else. */
export function everyEntry(xs: number[]): number {
  for (const x of xs) check(x * 60);
  return xs.reduce((a, b) => a + Math.sin(b), 0);
}

/** A guard in forEach. */
export function forEachEntry(xs: number[]): number {
  xs.forEach((x) => check(x * 60));
  return xs.reduce((a, b) => a + b * b, 0);
}

function total(xs: number[]): number {
  return xs.reduce((a, b) => a + b);
}

/** A total nothing reads, of no entries: a TypeError. */
export function unreadTotal(xs: number[]): number {
  const t = total(xs);
  return xs.reduce((a, b) => a + b * b, 0);
}

/** Checked copies nothing reads. */
export function checkedCopies(xs: number[]): number {
  const checked = xs.map((x) => check(x * 60));
  return xs.reduce((a, b) => a * 0.5 + Math.cos(b), 0);
}

export const gGuarded = grad(guarded);
export const vgGuarded = valueAndGrad(guarded);
export const dGuarded = derivative(guarded);
export const hGuarded = hessian(guarded);
export const jGuarded = jvp(guarded);
export const gKept = grad(kept);
export const dKept = derivative(kept);
export const hKept = hessian(kept);
export const gEveryEntry = grad(everyEntry);
export const vgEveryEntry = valueAndGrad(everyEntry);
export const hEveryEntry = hessian(everyEntry);
export const jEveryEntry = jvp(everyEntry);
export const gForEachEntry = grad(forEachEntry);
export const hForEachEntry = hessian(forEachEntry);
export const gUnreadTotal = grad(unreadTotal);
export const vgUnreadTotal = valueAndGrad(unreadTotal);
export const gCheckedCopies = grad(checkedCopies);
export const jCheckedCopies = jvp(checkedCopies);
`;

const EMPTY = `
import { grad, valueAndGrad } from 'tapeless';

/** A sum without an initial value: a TypeError for an empty array. */
export function squares(xs: number[]): number {
  return xs.reduce((a, b) => a + b * b);
}

/** The largest sine, of the entries left by a filter. */
export function largest(xs: number[]): number {
  return xs.filter((x) => x > 0).reduce((a, b) => (Math.sin(a) > Math.sin(b) ? a : b));
}

export const gSquares = grad(squares);
export const vgSquares = valueAndGrad(squares);
export const gLargest = grad(largest);
`;

const builds: Record<string, Record<string, any>> = {};

/** Expects the gradient `g<Name>` of the build's function `name` to match finite differences at `xs`. */
function expectGradient(m: Record<string, any>, name: string, xs: readonly number[]): void {
  const gradient = m[`g${name[0].toUpperCase()}${name.slice(1)}`]([...xs]);
  expect(gradient.length).toBe(xs.length);
  gradient.forEach((g: number, i: number) => close(g, arrayEntryDifference(m[name], xs, i), 1e-6));
}

beforeAll(async () => {
  for (const [name, source] of Object.entries({ GUARDS, EMPTY })) {
    const compiled = compile({ 'main.ts': source });
    expect(compiled.messages).toEqual([]);
    builds[`${name} reverse`] = await compiled.load();
    const forward = compileForward({ 'main.ts': source });
    expect(forward.messages).toEqual([]);
    builds[`${name} forward`] = await forward.load();
  }
});

describe.each(['reverse', 'forward'])('a guard in a helper whose value nothing reads (%s build)', (build) => {
  const m = () => builds[`GUARDS ${build}`];

  it('throws in every mode where the function throws', () => {
    expect(() => m().guarded(2)).toThrow(RangeError);
    for (const name of ['gGuarded', 'vgGuarded', 'dGuarded', 'hGuarded', 'gKept', 'dKept', 'hKept']) expect(() => m()[name](2), name).toThrow('too big');
    expect(() => m().jGuarded([2], [1])).toThrow('too big');
    const xs = [0.3, 1.9, -0.4];
    for (const name of ['gEveryEntry', 'vgEveryEntry', 'hEveryEntry', 'gForEachEntry', 'hForEachEntry', 'gCheckedCopies'])
      expect(() => m()[name](xs), name).toThrow('too big');
    expect(() => m().jEveryEntry([xs], [[1, 0, 0]])).toThrow('too big');
    expect(() => m().jCheckedCopies([xs], [[1, 0, 0]])).toThrow('too big');
    expect(() => m().unreadTotal([])).toThrow(TypeError);
    for (const name of ['gUnreadTotal', 'vgUnreadTotal']) expect(() => m()[name]([]), name).toThrow('Reduce of empty array with no initial value');
  });

  it('matches finite differences where it does not', () => {
    const x = 0.7;
    close(m().gGuarded(x), finiteDifference(m().guarded, x));
    close(m().vgGuarded(x)[1], 2 * x);
    close(m().dGuarded(x), 2 * x);
    close(m().hGuarded(x)[0][0], 2, 1e-6);
    close(m().jGuarded([x], [1])[1], 2 * x);
    close(m().gKept(x), finiteDifference(m().kept, x));
    close(m().dKept(x), finiteDifference(m().kept, x));
    close(m().hKept(x)[0][0], finiteDifference(m().dKept, x), 1e-6);
    const xs = [0.3, 1.2, -0.4];
    for (const name of ['everyEntry', 'forEachEntry', 'checkedCopies', 'unreadTotal']) expectGradient(m(), name, xs);
    expectArrayHessian(m().hEveryEntry([...xs]), m().gEveryEntry, xs);
    expectArrayHessian(m().hForEachEntry([...xs]), m().gForEachEntry, xs);
    const tangent = [1, -0.5, 2];
    const directional = finiteDifference((t) => m().checkedCopies(xs.map((x, i) => x + t * tangent[i])), 0);
    close(m().jCheckedCopies([[...xs]], [tangent])[1], directional, 1e-6);
  });
});

describe.each(['reverse', 'forward'])('a reduce without an initial value of an empty array (%s build)', (build) => {
  const m = () => builds[`EMPTY ${build}`];

  it('throws the TypeError the function throws', () => {
    expect(() => m().squares([])).toThrow(TypeError);
    for (const name of ['gSquares', 'vgSquares']) expect(() => m()[name]([]), name).toThrow('Reduce of empty array with no initial value');
    expect(() => m().largest([-1, -2])).toThrow(TypeError);
    expect(() => m().gLargest([])).toThrow('Reduce of empty array with no initial value');
    expect(() => m().gLargest([-1, -2])).toThrow('Reduce of empty array with no initial value');
  });

  it('matches finite differences where it does not', () => {
    const xs = [0.4, -1.1, 2.5];
    for (const name of ['squares', 'largest']) expectGradient(m(), name, xs);
    expect(m().gSquares([3])).toEqual([1]);
  });
});

describe('a read past the end of an array a loop grows', () => {
  it('where undefined would be tested, says the loop changes its length and what to write', () => {
    const compiled = compile({
      'main.ts': `
import { grad } from 'tapeless';
export function tail(xs: number[]): number {
  let p = [...xs];
  for (let k = 0; k < 3; k++) p = [...p, Math.cos(p[k] ?? 1)];
  return p.reduce((a, b) => a + b, 0);
}
export const gTail = grad(tail);
`,
    });
    expect(compiled.messages).toEqual([
      "main.ts:5:51 tapeless: this reads an entry of an array whose length a loop changes (slice, filter, a spread or concat that adds entries), where an entry past its end would be undefined: compare the index with its length instead ('k < p.length ? p[k] : 0').",
    ]);
  });
});

const LENGTHS = `
import { grad, hessian, jvp } from 'tapeless';

/** Products of neighbours: an odd count leaves the last entry out (a typed array's length is Math.trunc(n)). */
export function pairs(xs: number[]): number {
  const products = new Float64Array(xs.length / 2);
  for (let i = 0; i < products.length; i++) products[i] = xs[2 * i] * xs[2 * i + 1];
  return products.reduce((a, b) => a + b, 0) + products.length;
}

/** The same with Array.from({ length }), which counts Math.trunc(n) entries, none where n is not positive. */
export function pairsFrom(xs: number[]): number {
  const products = Array.from({ length: xs.length / 2 }, (_, i) => xs[2 * i] * xs[2 * i + 1]);
  return products.reduce((a, b) => a + b, 0) + products.length;
}

/** Twice all but the last three entries: none where there are fewer. */
export function allButThree(xs: number[]): number {
  const doubled = Array.from({ length: xs.length - 3 }, (_, i) => xs[i] * 2);
  return doubled.reduce((a, b) => a + b * b, 0) + doubled.length;
}

/** A state made with a length the caller gives, and each pass's: the same length, so the loop keeps it in one buffer. */
export function heat(x: number, n: number): number {
  let p = new Float64Array(n);
  for (let i = 0; i < p.length; i++) p[i] = x * (i + 1);
  for (let k = 0; k < 3; k++) {
    const q = new Float64Array(n);
    for (let i = 0; i < q.length; i++) q[i] = p[i] * 0.5 + (i > 0 ? p[i - 1] : 0) * 0.3 + Math.sin(p[i]);
    p = q;
  }
  return p.reduce((a, b) => a + b * b, 0);
}

export const gHeat = grad(heat, { wrt: 'x' });
export const gPairs = grad(pairs);
export const hPairs = hessian(pairs);
export const jPairs = jvp(pairs);
export const gPairsFrom = grad(pairsFrom);
export const hPairsFrom = hessian(pairsFrom);
export const gAllButThree = grad(allButThree);
export const jAllButThree = jvp(allButThree);
`;

describe('arrays made with a length that is not a whole number', () => {
  let reverse: Record<string, any>;
  let forward: Record<string, any>;

  beforeAll(async () => {
    const compiled = compile({ 'main.ts': LENGTHS });
    expect(compiled.messages).toEqual([]);
    reverse = await compiled.load();
    forward = await compileForward({ 'main.ts': LENGTHS }).load();
  });

  it('have the length JavaScript gives them, in every mode', () => {
    for (const m of [reverse, forward])
      for (const xs of [[0.5], [0.3, -1.2, 0.8], [0.3, -1.2, 0.8, 1.5, 0.2], [0.4, 1.1]]) {
        for (const name of ['pairs', 'pairsFrom', 'allButThree']) expectGradient(m, name, xs);
        expectArrayHessian(m.hPairs([...xs]), m.gPairs, xs);
        for (const n of [xs.length, xs.length + 0.5])
          close(
            m.gHeat(xs[0], n),
            finiteDifference((x) => m.heat(x, n), xs[0]),
            1e-6,
          );
        expectArrayHessian(m.hPairsFrom([...xs]), m.gPairsFrom, xs);
        const tangent = xs.map((_, i) => 1 - 0.4 * i);
        for (const [name, f] of [
          ['jPairs', m.pairs],
          ['jAllButThree', m.allButThree],
        ]) {
          const [value, directional] = m[name]([[...xs]], [tangent]);
          close(value, f([...xs]));
          close(
            directional,
            finiteDifference((t) => f(xs.map((x, i) => x + t * tangent[i])), 0),
            1e-6,
          );
        }
      }
  });
});

const HELPERS = `
export class Box {
  constructor(public w: number) {}
  /** A guard with messages of each kind of literal: the method's code is inlined into main.ts. */
  validate(): number {
    if (this.w > 1.5) throw new RangeError('too wide');
    if (this.w < -1.5) throw new RangeError(\`too narrow: \${this.w} < \${-1.5}\`);
    if (Number.isNaN(this.w)) throw new RangeError("not a width");
    return this.w;
  }
}
`;

const INLINED = `
import { derivative, grad, hessian } from 'tapeless';
import { Box } from './helpers.js';

/** A box made here, checked by its method (inlined: its code comes from helpers.ts). */
export function boxed(x: number): number {
  const b = new Box(x);
  b.validate();
  return Math.sin(x) * b.w;
}

export const gBoxed = grad(boxed);
export const dBoxed = derivative(boxed);
export const hBoxed = hessian(boxed);
`;

describe('a guard of a method of another module, inlined', () => {
  it('prints its messages as written there', async () => {
    const compiled = compile({ 'main.ts': INLINED, 'helpers.ts': HELPERS });
    expect(compiled.messages).toEqual([]);
    const js = compiled.js['main.ts'];
    expect(js).toContain("throw new RangeError('too wide')");
    expect(js).toContain('throw new RangeError(`too narrow: ${');
    const m = await compiled.load();
    expect(() => m.gBoxed(2)).toThrow('too wide');
    expect(() => m.dBoxed(-2)).toThrow('too narrow: -2 < -1.5');
    expect(() => m.hBoxed(NaN)).toThrow('not a width');
    close(m.gBoxed(0.7), finiteDifference(m.boxed, 0.7));
    close(m.dBoxed(0.7), finiteDifference(m.boxed, 0.7));
    close(m.hBoxed(0.7)[0][0], finiteDifference(m.dBoxed, 0.7), 1e-6);
  });
});

describe('a log in a helper whose value nothing reads', () => {
  it('prints once per call of the gradient, as the function prints it', async () => {
    const compiled = compileAlone({
      'main.ts': `
import { grad } from 'tapeless';
function noted(v: number): number {
  console.log('noted', v);
  return v;
}
export function squared(x: number): number {
  noted(x);
  return x * x;
}
export const gSquared = grad(squared);
`,
    });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(m.gSquared(3)).toBe(6);
      expect(log.mock.calls).toEqual([['noted', 3]]);
    } finally {
      log.mockRestore();
    }
  });
});
