// How reverse mode sweeps loops (transformer/modes/reverse/README.md, "Loops"): loops in while form sweep
// only the passes that run their body, counters are recomputed from the pass index (only
// where that is exact), and passes independent of one another are swept first to last.
// Each case is one where a shortcut taken in the wrong place would give a wrong gradient.
import { describe, expect, it } from 'vitest';
import { close, compile, entryDifference, finiteDifference } from './support/compile.js';

const MAIN = `
import { grad, hessian, valueAndGrad } from 'tapeless';

/** A counter from a non-integer start: i + 1 + 1 is not always i + 2, so it is recorded. */
export function fractionalCounter(x: number, start: number, n: number): number {
  let s = 0;
  for (let t = start; t < start + n; t++) s += Math.sin(t * x);
  return s;
}

/** Counters from integers: by 3, downwards, from Math.floor, and one incremented in the test. */
export function counters(x: number, y: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i += 3) s += Math.sin(x * i);
  for (let i = n; i > 0; i--) s += Math.cos(x * i) * s * 0.1;
  for (let i = Math.floor(y); i < n; i++) s += x * i;
  let k = 0;
  while (k++ < n) s += Math.sqrt(x * k);
  let d = 2;
  do {
    s += x / d;
    d++;
  } while (d < n);
  return s;
}

/** A triangular loop: the inner counter starts from the outer one. */
export function triangular(x: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += Math.sin(x * i * j);
  return s;
}

/** Each pass writes its own entry: its passes are swept in order. */
export function ownEntries(x: number, n: number): number {
  const h = new Float64Array(n);
  for (let j = 0; j < n; j++) h[j] = Math.sin(x * (j + 1));
  let s = 0;
  for (let j = 0; j < n; j++) s += h[j] * h[j];
  return s;
}

/** Passes overwrite each other's entries: only the last writes count, swept last to first. */
export function sharedEntries(x: number, n: number): number {
  const a = new Float64Array(2);
  for (let j = 0; j < n; j++) a[j % 2] = x * (j + 1);
  return a[0] * a[1];
}

/** Two counters write the same array: a later pass overwrites an entry an earlier one wrote. */
export function twoCounters(x: number, n: number): number {
  const a = new Float64Array(n + 2);
  let k = 2;
  for (let i = 0; i < n; i++) {
    a[i] = x * (i + 1);
    a[k] = x * x * (i + 1);
    k++;
  }
  let s = 0;
  for (let j = 0; j < n + 2; j++) s += a[j] * a[j];
  return s;
}

/** An entry read, then overwritten by the same pass and read again by the next. */
export function readThenWritten(x: number, n: number): number {
  const a = new Float64Array(1);
  a[0] = x;
  let s = 0;
  for (let k = 0; k < n; k++) {
    s += a[0] * a[0];
    a[0] = Math.sin(s);
  }
  return s + a[0];
}

/** A loop left by break, and one whose sum is scaled each pass (its adjoint changes pass to pass). */
export function breakAndScale(x: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (s > 2) break;
    s += x * i;
  }
  let p = 1;
  for (let i = 0; i < n; i++) p = p * x + i;
  return s + p;
}

/** Nested loops whose results the recomputation replays: dot products, a recurrence, in a branch. */
export function nestedResults(w: Float64Array, x: number, n: number): number {
  const h = new Float64Array(n);
  let total = 0;
  for (let s = 0; s < 3; s++) {
    for (let j = 0; j < n; j++) {
      let z = x * s;
      for (let i = 0; i < w.length; i++) z += w[i] * Math.sin(i + j + s * x);
      h[j] = Math.tanh(z);
    }
    for (let j = 0; j < n; j++) {
      // A recurrence: its sweep needs p as each pass started, so the loop still runs.
      let p = h[j];
      let k = 0;
      for (; k < 3; k++) p = p * x + h[(j + k) % n];
      total += p * k;
      if (h[j] > 0) {
        let q = 0;
        for (let i = 0; i < w.length; i++) q += w[i] * h[j];
        total += q * q;
      }
    }
  }
  if (x > 0) {
    let r = 1;
    for (let i = 0; i < n; i++) r = r * Math.cos(x + i);
    total += r;
  }
  return total;
}

/** Costly values a pass computes: recorded where the forward loop needs them, else computed again. */
export function costlyValues(x: number, n: number): number {
  let p = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(x * i * 0.1 + p * 0.1);
    p = p * 0.5 + e;
    s += Math.sin(e) * Math.cos(x * i);
  }
  return s + p;
}

/** An inner loop adding into the gradient of x[i], at an index fixed for its whole sweep. */
export function entrySums(x: Float64Array, w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    let t = 0;
    for (let j = 0; j < w.length; j++) t += Math.sin(x[i] * w[j]);
    s += t * t;
  }
  return s;
}

export const dEntrySums = grad(entrySums);

/** A loop in a recursive function: its pullback runs while an outer call of it holds the buffers. */
export function nested(x: number, depth: number): number {
  let s = 0;
  for (let i = 1; i <= 4; i++) s += Math.sin(x * i + s);
  return depth > 0 ? s * nested(s, depth - 1) : s;
}

/**
 * Carried variables that shift, each taking another's value of the pass before (a delay
 * line, a rotation of three): the sweep updates their adjoints as one parallel assignment.
 */
export function shifts(x: number, n: number): number {
  let z1 = 0;
  let z2 = 0;
  let a = x;
  let b = 1;
  let c = 2;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const y = x + z1;
    z1 = z2;
    z2 = x * y;
    const t = a;
    a = b;
    b = c;
    c = t * x;
    s += y + a * b;
  }
  return s;
}

export const dNested = grad(nested, { wrt: 'x' });
export const dShifts = grad(shifts, { wrt: 'x' });
export const shiftsHessian = hessian(shifts, { wrt: 'x' });
export const dCostlyValues = grad(costlyValues, { wrt: 'x' });
export const vCostlyValues = valueAndGrad(costlyValues, { wrt: 'x' });
export const dNestedResults = grad(nestedResults, { wrt: ['w', 'x'] });
export const vNestedResults = valueAndGrad(nestedResults, { wrt: 'x' });
export const dFractionalCounter = grad(fractionalCounter, { wrt: 'x' });
export const dCounters = grad(counters, { wrt: 'x' });
export const dTriangular = grad(triangular, { wrt: 'x' });
export const dOwnEntries = grad(ownEntries, { wrt: 'x' });
export const dSharedEntries = grad(sharedEntries, { wrt: 'x' });
export const dTwoCounters = grad(twoCounters, { wrt: 'x' });
export const dReadThenWritten = grad(readThenWritten, { wrt: 'x' });
export const dBreakAndScale = grad(breakAndScale, { wrt: 'x' });
`;

const compiled = compile({ 'main.ts': MAIN });
const m: Record<string, any> = await compiled.load();

describe('loop sweeps', () => {
  it('compiles without diagnostics', () => {
    expect(compiled.messages).toEqual([]);
  });

  it('a counter from a non-integer start', () => {
    // d/dx of sum sin(t x) over t = start, start + 1, …: sum t cos(t x), with t as the loop computes it.
    for (const [x, start, n] of [
      [0.7, 0.1, 5],
      [1.3, 1e-17, 4],
      [-0.4, 2.5, 0],
    ]) {
      let hand = 0;
      for (let t = start; t < start + n; t++) hand += t * Math.cos(t * x);
      close(m.dFractionalCounter(x, start, n), hand, 1e-14);
    }
  });

  it('counters by 3, downwards, from Math.floor, incremented in the test, in do … while', () => {
    for (const [x, y, n] of [
      [0.7, 1.5, 7],
      [0.3, -2.2, 1],
      [1.1, 4.9, 0],
    ])
      close(
        m.dCounters(x, y, n),
        finiteDifference((t) => m.counters(t, y, n), x, 1e-4),
      );
  });

  it('a triangular loop', () => {
    for (const [x, n] of [
      [0.7, 5],
      [-0.2, 1],
      [0.9, 0],
    ])
      close(
        m.dTriangular(x, n),
        finiteDifference((t) => m.triangular(t, n), x, 1e-4),
      );
  });

  it('passes writing their own entries, and passes overwriting shared ones', () => {
    for (const [x, n] of [
      [0.7, 5],
      [-1.2, 1],
      [0.5, 0],
    ])
      close(
        m.dOwnEntries(x, n),
        finiteDifference((t) => m.ownEntries(t, n), x, 1e-4),
      );
    // a[0] = x·n₀ and a[1] = x·n₁ from the last even and odd passes: d/dx (n₀ n₁ x²) = 2 n₀ n₁ x.
    expect(m.dSharedEntries(0.5, 5)).toBe(2 * 5 * 4 * 0.5);
    expect(m.dSharedEntries(0.5, 6)).toBe(2 * 5 * 6 * 0.5);
  });

  it('two counters writing the same array', () => {
    for (const [x, n] of [
      [0.7, 5],
      [-1.2, 2],
      [0.5, 0],
    ])
      close(
        m.dTwoCounters(x, n),
        finiteDifference((t) => m.twoCounters(t, n), x, 1e-4),
      );
  });

  it('an entry a pass reads, then overwrites for the next pass', () => {
    for (const [x, n] of [
      [0.7, 4],
      [-0.3, 1],
      [1.2, 0],
    ])
      close(
        m.dReadThenWritten(x, n),
        finiteDifference((t) => m.readThenWritten(t, n), x, 1e-4),
      );
  });

  it('nested loops whose results are replayed, with and without their recomputation', () => {
    // A loop whose every pass appends to the load stream extends it once, before the loop.
    expect(compiled.js['main.ts']).toMatch(/new Float64Array\(Math\.max\(2 \* loads\.length, loaded \+ \w+ \* 1\)\)/);
    const w = Float64Array.from([0.3, -0.5, 0.8, 0.1]);
    for (const [x, n] of [
      [0.7, 3],
      [-0.4, 2],
      [0.2, 0],
    ]) {
      const [gw, gx] = m.dNestedResults(w, x, n);
      close(
        gx,
        finiteDifference((t) => m.nestedResults(w, t, n), x, 1e-4),
      );
      w.forEach((_, i) =>
        close(
          gw[i],
          finiteDifference(
            (t) =>
              m.nestedResults(
                Float64Array.from(w, (v, k) => (k === i ? t : v)),
                x,
                n,
              ),
            w[i],
            1e-4,
          ),
        ),
      );
      const [value, dx] = m.vNestedResults(w, x, n);
      expect(value).toBe(m.nestedResults(w, x, n));
      expect(dx).toBe(gx);
    }
  });

  it('costly values recorded by the forward loop or computed again by the sweep', () => {
    for (const [x, n] of [
      [0.7, 6],
      [-0.3, 1],
      [1.2, 0],
    ]) {
      const dx = m.dCostlyValues(x, n);
      close(
        dx,
        finiteDifference((t) => m.costlyValues(t, n), x, 1e-4),
      );
      expect(m.vCostlyValues(x, n)).toEqual([m.costlyValues(x, n), dx]);
    }
  });

  it('sums into one gradient entry kept in a local for the sweep, with empty loops', () => {
    // The inner sweep adds into x_bar[i] through a local number, added once after it.
    expect(compiled.js['main.ts']).toMatch(/x_bar\[i_?\d*\] \+= x_bar_entry;/);
    for (const [n, k] of [
      [3, 4],
      [2, 0],
      [0, 3],
      [1, 1],
    ]) {
      const x = Float64Array.from({ length: n }, (_, i) => 0.4 + 0.3 * i);
      const w = Float64Array.from({ length: k }, (_, j) => 0.9 - 0.5 * j);
      const [gx, gw] = m.dEntrySums(x, w);
      x.forEach((_, i) =>
        close(
          gx[i],
          entryDifference(() => m.entrySums(x, w), x, i),
        ),
      );
      w.forEach((_, j) =>
        close(
          gw[j],
          entryDifference(() => m.entrySums(x, w), w, j),
        ),
      );
    }
  });

  it('records and load streams kept between calls: large, small and large again, and in recursion', () => {
    // The gradient keeps its buffers on itself: a smaller call after a larger one must not
    // read what the larger one left, and a recursive call allocates its own.
    for (const n of [40, 2, 0, 40, 7]) {
      for (const x of [0.7, 0.2])
        close(
          m.dCounters(x, 1.5, n),
          finiteDifference((t) => m.counters(t, 1.5, n), x, 1e-4),
          1e-5,
        );
    }
    const w = Float64Array.from([0.3, -0.5, 0.8, 0.1]);
    for (const n of [5, 1, 5])
      close(
        m.dNestedResults(w, 0.4, n)[1],
        finiteDifference((t) => m.nestedResults(w, t, n), 0.4, 1e-4),
      );
    for (const depth of [0, 1, 3, 1])
      close(
        m.dNested(0.3, depth),
        finiteDifference((t) => m.nested(t, depth), 0.3, 1e-4),
        1e-5,
      );
  });

  it('carried variables that shift: a delay line and a rotation, in the gradient and the Hessian', () => {
    // delay line alone: s = 3x + x² over 3 passes, so s' = 3 + 2x and s'' = 2
    for (const [x, n] of [
      [0.7, 3],
      [1.3, 5],
      [-0.6, 1],
      [0.4, 0],
    ]) {
      close(
        m.dShifts(x, n),
        finiteDifference((t) => m.shifts(t, n), x, 1e-4),
      );
      close(
        m.shiftsHessian(x, n)[0][0],
        finiteDifference((t) => m.dShifts(t, n), x, 1e-4),
        1e-6,
      );
    }
  });

  it('a loop left by break, and a sum scaled each pass', () => {
    for (const [x, n] of [
      [0.7, 6],
      [0.3, 3],
      [1.2, 0],
    ])
      close(
        m.dBreakAndScale(x, n),
        finiteDifference((t) => m.breakAndScale(t, n), x, 1e-4),
      );
  });
});

describe('a test on the counter plus an integer bounds the sweep', () => {
  it('i + 1 < x.length and x.length > i + 2, at every length from 0, against finite differences', async () => {
    const compiled = compile({
      'main.ts': `import { grad } from 'tapeless';
export function pairs(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) s += Math.sin(x[i]) * x[i + 1];
  return s;
}
export function triples(x: Float64Array): number {
  let s = 0;
  for (let i = 0; x.length > i + 2; i++) s += x[i] * x[i + 1] * x[i + 2];
  return s;
}
export const dPairs = grad(pairs);
export const dTriples = grad(triples);
`,
    });
    expect(compiled.messages).toEqual([]);
    // No loop left only to count the passes: the sweep is bounded by x.length less the integer.
    expect(compiled.js['main.ts']).toMatch(/const bound\w* = x\.length - 1;/);
    const m = await compiled.load();
    for (let n = 0; n <= 5; n++) {
      const x = Float64Array.from({ length: n }, (_, i) => 0.3 + 0.7 * Math.sin(i + 1));
      for (const [f, g] of [
        [m.pairs, m.dPairs],
        [m.triples, m.dTriples],
      ] as const) {
        const gradient = g(x);
        expect(gradient.length).toBe(n);
        for (let i = 0; i < n; i++) {
          const expected = finiteDifference((t) => {
            const shifted = Float64Array.from(x);
            shifted[i] = t;
            return f(shifted);
          }, x[i]);
          expect(gradient[i]).toBeCloseTo(expected, 9);
        }
      }
    }
  });
});
