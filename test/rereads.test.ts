// Reads of local arrays that reverse mode does not record (transformer/modes/reverse/rereads.ts): arrays
// every pass of a loop writes before reading, which recomputations write again, and reads
// after the last write. Each function below is a place where reading the array instead of
// the load stream would be wrong if the analysis were too bold: entries a pass did not write
// (other bounds, other starts, a write in a branch, a loop left by break), entries rewritten
// after the read within the pass, arrays created inside an outer loop. Every gradient is
// checked against finite differences, and (through test/support/compile.ts) forward mode.
import { describe, expect, it } from 'vitest';
import { close, compile, entryDifference, finiteDifference } from './support/compile.js';

const MAIN = `
import { grad, hessian, valueAndGrad } from 'tapeless';

/**
 * The pattern of ADBench's GMM objective: per point and component, a centred vector, a
 * triangular product added into, its squared norm, then a log-sum-exp over components
 * (a helper); exp(q) computed once before the loops.
 */
export function mixture(q: Float64Array, means: Float64Array, points: Float64Array, k: number): number {
  const d = means.length / k;
  const n = points.length / d;
  const scales = new Float64Array(k * d);
  for (let i = 0; i < k * d; i++) scales[i] = Math.exp(q[i]);
  const centered = new Float64Array(d);
  const product = new Float64Array(d);
  const terms = new Float64Array(k);
  let total = 0;
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) {
        centered[j] = points[p * d + j] - means[c * d + j];
        product[j] = scales[c * d + j] * centered[j];
      }
      for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) product[j] += q[(c * d + i + j) % q.length] * centered[i];
      let squares = 0;
      for (let j = 0; j < d; j++) squares += product[j] * product[j];
      terms[c] = q[c] - 0.5 * squares;
    }
    total += logSumExp(terms);
  }
  return total;
}

/** Called with the local array terms: inlined, its loops run below terms.length, which is k. */
function logSumExp(values: Float64Array): number {
  let largest = values[0];
  for (let i = 1; i < values.length; i++) largest = Math.max(largest, values[i]);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i] - largest);
  return Math.log(sum) + largest;
}

/** The second loop reads past what the first wrote (m < n): entries from earlier passes. */
export function otherBounds(x: number, m: number, n: number): number {
  const a = new Float64Array(n);
  let s = 0;
  for (let p = 0; p < 3; p++) {
    for (let j = 0; j < m; j++) a[j] = Math.sin(x * (p + j + 1));
    for (let i = 0; i < n; i++) s += a[i] * a[i] * (i + 1);
  }
  return s;
}

/** The write starts at 1, the read at 0: a[0] is last pass's. */
export function otherStart(x: number, n: number): number {
  const a = new Float64Array(n);
  a[0] = x;
  let s = 0;
  for (let p = 0; p < 3; p++) {
    for (let j = 1; j < n; j++) a[j] = Math.cos(x * (p + j));
    for (let i = 0; i < n; i++) s += a[i] * x;
    a[0] = s * 0.5;
  }
  return s;
}

/** The writes are in a branch, or in a loop left by break: not every entry is written. */
export function partialWrites(x: number, n: number): number {
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  let s = 0;
  for (let p = 0; p < 4; p++) {
    if (p % 2 === 0) for (let j = 0; j < n; j++) a[j] = x * (p + j + 1);
    for (let j = 0; j < n; j++) {
      if (j > p) break;
      b[j] = Math.sin(x + p + j);
    }
    for (let i = 0; i < n; i++) s += a[i] * b[i];
  }
  return s;
}

/** Within a pass, an entry read, then written again, then read by the next inner pass. */
export function rewrittenInPass(x: number, n: number): number {
  const a = new Float64Array(n);
  let s = 0;
  for (let p = 0; p < 3; p++) {
    for (let j = 0; j < n; j++) a[j] = x + p + j;
    for (let r = 0; r < 2; r++) {
      for (let i = 0; i < n; i++) {
        s += a[i] * a[i] * x;
        a[i] = Math.sin(s);
      }
    }
  }
  return s;
}

/** A scratch array created in the outer loop, rewritten by an inner one; a read in a branch. */
export function createdInOuterLoop(x: number, n: number): number {
  let s = 0;
  for (let p = 0; p < 3; p++) {
    const t = new Float64Array(n);
    for (let c = 0; c < 2; c++) {
      for (let j = 0; j < n; j++) t[j] = Math.exp(x * (j - c + p));
      for (let j = 0; j < n; j++) s += t[j] * t[j];
      if (x > 0) for (let j = 0; j < n; j++) s += t[j] * x;
    }
  }
  return s;
}

/** A read whose value is only added into another scratch array, then read from that one. */
export function addedOn(x: number, n: number): number {
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  let s = 0;
  for (let p = 0; p < 3; p++) {
    for (let j = 0; j < n; j++) a[j] = x * (j + p);
    for (let j = 0; j < n; j++) b[j] = a[j] + 1;
    for (let j = 0; j < n; j++) b[j] += a[j] * x;
    for (let j = 0; j < n; j++) s += b[j] * b[j];
  }
  return s;
}

/** A Float32Array rounds what is written: the read after the write is not the value written. */
export function rounded(x: number): number {
  const a = new Float32Array(2);
  a[0] = x * 1.1;
  return a[0] * 3;
}

export const vRounded = valueAndGrad(rounded);
export const dMixture = grad(mixture, { wrt: ['q', 'means'] });
export const hMixture = hessian(mixture, { wrt: 'q' });
export const dOtherBounds = grad(otherBounds, { wrt: 'x' });
export const dOtherStart = grad(otherStart, { wrt: 'x' });
export const dPartialWrites = grad(partialWrites, { wrt: 'x' });
export const dRewrittenInPass = grad(rewrittenInPass, { wrt: 'x' });
export const dCreatedInOuterLoop = grad(createdInOuterLoop, { wrt: 'x' });
export const dAddedOn = grad(addedOn, { wrt: 'x' });
`;

const compiled = compile({ 'main.ts': MAIN });
const m: Record<string, any> = await compiled.load();

/** The text of the generated gradient function `name`. */
function generated(name: string): string {
  const js = compiled.js['main.ts'];
  const start = js.indexOf(`function ${name}`);
  return js.slice(start, js.indexOf('\nfunction ', start + 1));
}

const wave = (n: number, phase: number) => Float64Array.from({ length: n }, (_, i) => 0.6 * Math.sin(1.3 * i + phase));

describe('reads of local arrays the reverse sweep reads again from the array', () => {
  it('compiles without diagnostics', () => {
    expect(compiled.messages).toEqual([]);
  });

  it('the GMM pattern: exact against finite differences at several sizes, one component and one dimension included', () => {
    for (const [k, d, n] of [
      [3, 4, 5],
      [1, 3, 2],
      [2, 1, 3],
      [4, 2, 1],
    ]) {
      const q = wave(k * d, 0.2);
      const means = wave(k * d, 1.1);
      const points = wave(n * d, 2.3);
      const [dq, dmeans] = m.dMixture(q, means, points, k);
      q.forEach(
        (_, i) =>
          close(
            dq[i],
            entryDifference(() => m.mixture(q, means, points, k), q, i),
          ),
        1e-6,
      );
      means.forEach(
        (_, i) =>
          close(
            dmeans[i],
            entryDifference(() => m.mixture(q, means, points, k), means, i),
          ),
        1e-6,
      );
    }
  });

  it('the GMM pattern records nothing in the load stream but the first term of each point', () => {
    const code = generated('mixture_grad_wrt_q_means');
    // `largest = terms[0]` is the one read left to record (terms[0] is only written when k > 0).
    expect(code.match(/loads\[loaded\+\+\] = /g)?.length ?? 0).toBeLessThanOrEqual(4);
    expect(code).not.toMatch(/loads\[loaded\+\+\] = t_\d+;\s*\n\s*product/);
    // The vectors are computed by the forward code and again by the recomputation of each
    // component's pass; the recomputation of a point's pass, which needs only the terms
    // (their squares replayed), does not compute them a third time.
    expect(code.match(/centered\[\w+\] = /g)).toHaveLength(2);
  });

  it('its Hessian (forward over reverse, through the rewritten arrays) against differences of the gradient', () => {
    const [k, d, n] = [2, 3, 2];
    const q = wave(k * d, 0.4);
    const means = wave(k * d, 1.7);
    const points = wave(n * d, 0.9);
    const h = m.hMixture(q, means, points, k);
    for (let i = 0; i < q.length; i++) {
      for (let j = 0; j < q.length; j++)
        close(
          h[i][j],
          entryDifference(() => m.dMixture(q, means, points, k)[0][i], q, j),
          1e-5,
        );
    }
  });

  it('entries the pass did not write: other bounds, another start, writes in a branch or before a break', () => {
    for (const [x, a, b] of [
      [0.7, 2, 4],
      [-0.4, 0, 3],
      [1.1, 3, 3],
      [0.3, 0, 0],
    ])
      close(
        m.dOtherBounds(x, a, b),
        finiteDifference((t) => m.otherBounds(t, a, b), x, 1e-4),
        1e-6,
      );
    // (n ≥ 1: otherStart writes a[0].)
    for (const [x, n] of [
      [0.7, 4],
      [-0.4, 1],
      [0.9, 2],
    ]) {
      close(
        m.dOtherStart(x, n),
        finiteDifference((t) => m.otherStart(t, n), x, 1e-4),
        1e-6,
      );
      close(
        m.dPartialWrites(x, n),
        finiteDifference((t) => m.partialWrites(t, n), x, 1e-4),
        1e-6,
      );
    }
  });

  it('a read right after a write into a Float32Array reads the rounded value, not the one written', () => {
    for (const x of [0.1, 1 / 3, -7.77]) {
      const [value, dx] = m.vRounded(x);
      expect(value).toBe(m.rounded(x));
      expect(dx).toBeCloseTo(3.3, 6);
    }
  });

  it('entries rewritten within the pass, arrays created in an outer loop, values only added on', () => {
    for (const [x, n] of [
      [0.7, 4],
      [-0.4, 2],
      [0.9, 0],
      [0.2, 1],
    ]) {
      close(
        m.dRewrittenInPass(x, n),
        finiteDifference((t) => m.rewrittenInPass(t, n), x, 1e-4),
        1e-6,
      );
      close(
        m.dCreatedInOuterLoop(x, n),
        finiteDifference((t) => m.createdInOuterLoop(t, n), x, 1e-4),
        1e-6,
      );
      close(
        m.dAddedOn(x, n),
        finiteDifference((t) => m.addedOn(t, n), x, 1e-4),
        1e-6,
      );
    }
  });

  it('arrays each pass rewrites are read again, not recorded, where that is sound', () => {
    // createdInOuterLoop and addedOn read only what the pass wrote: no read is recorded (the
    // load stream keeps the sums of inner loops, named after s).
    const recordedRead = /loads\[loaded\+\+\] = t_\d+;/;
    expect(generated('createdInOuterLoop_grad_wrt_x')).not.toMatch(recordedRead);
    expect(generated('addedOn_grad_wrt_x')).not.toMatch(recordedRead);
    // otherBounds reads entries from earlier passes: recorded.
    expect(generated('otherBounds_grad_wrt_x')).toMatch(recordedRead);
  });
});
