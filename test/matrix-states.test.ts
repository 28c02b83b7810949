// Arrays of arrays (number[][]) a loop reassigns, written as users write matrix code: a Kalman
// filter's covariance `P = matAdd(matMul(matMul(F, P), transpose(F)), Q)`, a 2×2 literal of
// the old P's entries, a rotation accumulated `R = matMul(rot(θ), R)`, a 3×3 covariance update,
// a Markov chain's n-step matrix, rows made longer or more numerous from pass to pass, two
// matrices swapped, a module's constant and the caller's matrices. The loop keeps the variable
// in one matrix whose arrays grow (frontend/lower/matrix-states.ts), into which each pass
// copies the one it leaves. Each is checked in every mode against finite differences: grad and
// valueAndGrad (reverse, and the forward twin `compile` checks them against), derivative, jvp
// and hessian (against differences of the gradient).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';
import { expectPointModes, pointModeExports } from './support/every-mode.js';

const SOURCE = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';

type Mat = number[][];

function matMul(A: Mat, B: Mat): Mat {
  return A.map((row) => B[0].map((_, j) => row.reduce((s, a, k) => s + a * B[k][j], 0)));
}
function transpose(A: Mat): Mat {
  return A[0].map((_, j) => A.map((row) => row[j]));
}
function matAdd(A: Mat, B: Mat): Mat {
  return A.map((row, i) => row.map((v, j) => v + B[i][j]));
}
function matVec(A: Mat, x: number[]): number[] {
  return A.map((row) => row.reduce((s, a, k) => s + a * x[k], 0));
}
function rot(t: number): Mat {
  return [[Math.cos(t), -Math.sin(t)], [Math.sin(t), Math.cos(t)]];
}

/** The negative log-likelihood of a constant-velocity Kalman filter, as the trial's user wrote it. */
export function kalman(q: number, r: number, obs: number[]): number {
  const dt = 0.1;
  const F: Mat = [[1, dt], [0, 1]];
  const Q: Mat = [[(q * dt ** 3) / 3, (q * dt * dt) / 2], [(q * dt * dt) / 2, q * dt]];
  let x = [0, 0];
  let P: Mat = [[1, 0], [0, 1]];
  let nll = 0;
  for (const z of obs) {
    x = matVec(F, x);
    P = matAdd(matMul(matMul(F, P), transpose(F)), Q);
    const s = P[0][0] + r;
    const y = z - x[0];
    nll += 0.5 * (Math.log(s) + (y * y) / s);
    const K = [P[0][0] / s, P[1][0] / s];
    x = [x[0] + K[0] * y, x[1] + K[1] * y];
    P = P.map((row, i) => row.map((v, j) => v - K[i] * P[0][j]));
  }
  return nll;
}

/** The same filter with the covariance written out as a 2×2 literal of the old P's entries. */
export function kalmanLiteral(q: number, r: number, obs: number[]): number {
  const dt = 0.1;
  let x0 = 0;
  let x1 = 0;
  let P: Mat = [[1, 0], [0, 1]];
  let nll = 0;
  for (const z of obs) {
    x0 += dt * x1;
    const a = P[0][0] + dt * (P[1][0] + P[0][1]) + dt * dt * P[1][1] + (q * dt ** 3) / 3;
    const b = P[0][1] + dt * P[1][1] + (q * dt * dt) / 2;
    const d = P[1][1] + q * dt;
    P = [[a, b], [b, d]];
    const s = P[0][0] + r;
    const y = z - x0;
    nll += 0.5 * (Math.log(s) + (y * y) / s);
    const k0 = P[0][0] / s;
    const k1 = P[1][0] / s;
    x0 += k0 * y;
    x1 += k1 * y;
    P = [[(1 - k0) * P[0][0], (1 - k0) * P[0][1]], [P[1][0] - k1 * P[0][0], P[1][1] - k1 * P[0][1]]];
  }
  return nll;
}

/** A rotation accumulated by multiplying on the left, n passes. */
export function rotation(theta: number, n: number): number {
  let R: Mat = [[1, 0], [0, 1]];
  for (let i = 0; i < n; i++) R = matMul(rot(theta * (i + 1)), R);
  return R[0][0] + 2 * R[1][0] + R[0][1] * R[1][1];
}

/** A 3×3 covariance propagated by S = A S Aᵀ + Q. */
export function covariance(a: number, b: number, steps: number): number {
  const A: Mat = [[1, a, 0], [0, 1, b], [a * b, 0, 1]];
  const Q: Mat = [[0.1, 0, 0], [0, 0.2 * a, 0], [0, 0, 0.3]];
  let S: Mat = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  for (let k = 0; k < steps; k++) S = matAdd(matMul(matMul(A, S), transpose(A)), Q);
  return S[0][0] + S[1][2] + S[2][2] * S[0][1];
}

/** A Markov chain's n-step transition matrix, built from its parameters, applied to a start. */
export function markov(p1: number, p2: number, steps: number): number {
  const T: Mat = [[1 - p1, p2], [p1, 1 - p2]];
  let Tn: Mat = [[1, 0], [0, 1]];
  for (let s = 0; s < steps; s++) Tn = matMul(T, Tn);
  const p = matVec(Tn, [0.3, 0.7]);
  return p[0] * p[0] + Tn[1][0];
}

/** Rows one longer each pass (a map of the old P): once a NaN gradient in reverse mode. */
export function wider(a: number, b: number): number {
  let P: Mat = [[a, 1], [2, b]];
  for (let i = 0; i < 3; i++) P = P.map((row) => [...row, row[0] * a + b]);
  let s = 0;
  for (const row of P) for (const v of row) s += v * v;
  return s + P.length + P[0].length;
}

/** One row more each pass, each read from the old rows. */
export function moreRows(a: number, b: number): number {
  let P: Mat = [[a, b]];
  for (let i = 0; i < 3; i++) P = Array.from({ length: P.length + 1 }, (_, r) => [a * r + P[r % P.length][1], b * P[0][0]]);
  let s = 0;
  for (const row of P) s += row[0] * row[1];
  return s + P.length;
}

/** Two matrices of different sizes swapped pass after pass: through a variable, then by destructuring. */
export function swapped(a: number, b: number): number {
  let P: Mat = [[a, 0], [0, b]];
  let Q: Mat = [[1, a], [a * b, 1], [b, 2]];
  for (let i = 0; i < 3; i++) {
    const next = P.map((row) => row.map((v) => v * a + b));
    P = Q;
    Q = next;
  }
  let total = P[0][1] + Q[0][0] + P[P.length - 1][0] * Q.length;
  for (let i = 0; i < 3; i++) {
    [P, Q] = [Q, P];
    total = total * b + P[P.length - 1][1] * Q[0][0];
  }
  return total;
}

const IDENTITY: Mat = [[1, 0], [0, 1]];

/** A module's constant matrix: the start of the loops, and assigned again after the inner one. */
export function restarts(a: number, b: number): number {
  let R = IDENTITY;
  let total = 0;
  for (let k = 0; k < 2; k++) {
    for (let i = 0; i < 3; i++) {
      R = matMul([[a, b], [b, -a]], R);
      total += R[0][0] + R[0][1] * R[1][0];
    }
    R = IDENTITY;
    total *= a;
  }
  return total + R[1][1];
}

/** The caller's matrices: one each pass, multiplied entry by entry with the old P. */
export function entrywise(a: number, b: number, Ms: Mat[]): number {
  let P: Mat = [[a, b], [b, a]];
  for (const M of Ms) P = M.map((row, i) => row.map((v, j) => v * P[i][j] + a));
  return P[0][0] + P[1][1] * b;
}

${pointModeExports(['kalman', 'kalmanLiteral', 'covariance', 'markov', 'wider', 'moreRows', 'swapped', 'restarts', 'entrywise'], 2)}
${pointModeExports(['rotation'], 1)}
export const gEntrywiseMs = grad(entrywise, { wrt: 'Ms' });
`;

let m: Record<string, any>;

// 46 calls of the API on matrices, built twice (reverse, and forward as its check): two minutes on a loaded machine.
beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
}, 300_000);

const obs = [0.1, 0.5, 0.4, 0.9, 1.3, 1.2, 1.8, 2.2];

describe('a matrix a loop reassigns with a matrix of the same size', () => {
  it('a Kalman filter: P = matAdd(matMul(matMul(F, P), transpose(F)), Q), then P = P.map(… map …)', () => {
    for (const point of [
      [0.5, 0.2],
      [2, 0.05],
    ])
      expectPointModes(m, 'kalman', point, [obs]);
  });

  it('the same filter with P = [[a, b], [b, d]], entries computed from the old P', () => {
    for (const point of [
      [0.5, 0.2],
      [2, 0.05],
    ])
      expectPointModes(m, 'kalmanLiteral', point, [obs]);
    close(m.kalmanLiteral(0.5, 0.2, obs), m.kalman(0.5, 0.2, obs), 1e-12);
  });

  it('a rotation accumulated on the left: R = matMul(rot(θ), R)', () => {
    for (const n of [0, 1, 4]) expectPointModes(m, 'rotation', [0.3], [n]);
  });

  it('a 3×3 covariance: S = matAdd(matMul(matMul(A, S), transpose(A)), Q)', () => {
    for (const steps of [1, 4]) expectPointModes(m, 'covariance', [0.4, 0.7], [steps]);
  });

  it("a Markov chain's n-step matrix Tn = matMul(T, Tn), T from the parameters", () => {
    for (const steps of [0, 2, 5]) expectPointModes(m, 'markov', [0.2, 0.3], [steps]);
  });

  it("a module's constant matrix as the start and assigned in passes, and the caller's matrices", () => {
    expectPointModes(m, 'restarts', [0.6, 0.3], []);
    const Ms = [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [0.5, -1],
        [2, 0.25],
      ],
    ];
    expectPointModes(m, 'entrywise', [0.6, 0.3], [Ms]);
    const gradient = m.gEntrywiseMs(0.6, 0.3, Ms);
    Ms.forEach((M, k) =>
      M.forEach((row, i) =>
        row.forEach((_, j) => {
          const at = (t: number) =>
            m.entrywise(
              0.6,
              0.3,
              Ms.map((N, l) => N.map((r, p) => r.map((v, q) => (l === k && p === i && q === j ? t : v)))),
            );
          close(gradient[k][i][j], partialDifference(at, [row[j]], 0), 1e-6);
        }),
      ),
    );
  });
});

describe('a matrix a loop reassigns with one of another size', () => {
  it('rows one longer each pass (a map of the old P): right in reverse mode too', () => {
    expectPointModes(m, 'wider', [0.7, -0.4], []);
  });

  it('one row more each pass (Array.from over P.length + 1)', () => {
    expectPointModes(m, 'moreRows', [0.7, -0.4], []);
  });

  it('two matrices of different sizes swapped, through a variable and by destructuring', () => {
    expectPointModes(m, 'swapped', [0.7, -0.4], []);
  });
});
