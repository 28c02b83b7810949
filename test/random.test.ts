// Math.random() inside loops, branches and helpers: every mode draws each number once per
// call, and reverse mode's recomputations replay the numbers drawn (modes/reverse/stream.ts).
// Math.random is seeded here, so a function of x is deterministic: its gradient is checked
// against finite differences, against forward mode, and against the gradient of the same
// function given the drawn numbers as data.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { close, compile, compileForward, finiteDifference } from './support/compile.js';

const SOURCE = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';

/** Noise drawn in a loop, and a branch on a draw. */
export function noisy(x: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const u = Math.random();
    if (Math.random() < 0.5) s += Math.sin(x * u);
    else s += x * x * u;
  }
  return s;
}

/** The same, reading the numbers drawn from data. */
export function noisyData(x: number, n: number, draws: number[]): number {
  let s = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const u = draws[k++];
    if (draws[k++] < 0.5) s += Math.sin(x * u);
    else s += x * x * u;
  }
  return s;
}

/** Dropout: each weight kept with probability 1 - p, the kept ones scaled. */
export function dropout(w: number[], x: number[], p: number): number {
  let z = 0;
  for (let i = 0; i < w.length; i++) {
    if (Math.random() >= p) z += (w[i] * x[i]) / (1 - p);
  }
  return Math.tanh(z) ** 2;
}

export function dropoutData(w: number[], x: number[], p: number, draws: number[]): number {
  let z = 0;
  for (let i = 0; i < w.length; i++) {
    if (draws[i] >= p) z += (w[i] * x[i]) / (1 - p);
  }
  return Math.tanh(z) ** 2;
}

/** A standard normal draw (Box–Muller): a helper that draws, called in a loop. */
function gaussian(): number {
  const u = 1 - Math.random();
  const v = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A Monte Carlo estimate of E[cosh(mu + sigma * eps)^-1], as a smoothed loss is estimated. */
export function smoothed(mu: number, sigma: number, samples: number): number {
  let total = 0;
  for (let k = 0; k < samples; k++) {
    const eps = gaussian();
    total += 1 / Math.cosh(mu + sigma * eps);
  }
  return total / samples;
}

export function smoothedData(mu: number, sigma: number, samples: number, eps: number[]): number {
  let total = 0;
  for (let k = 0; k < samples; k++) total += 1 / Math.cosh(mu + sigma * eps[k]);
  return total / samples;
}

/** A random walk whose length is drawn: the loop's test draws, and a local array keeps the path. */
export function walk(x: number): number {
  const path = new Float64Array(40);
  let position = x;
  let steps = 0;
  while (Math.random() < 0.9 && steps < 40) {
    position = position * 0.9 + Math.sin(position) * (Math.random() - 0.5);
    path[steps] = position;
    steps++;
  }
  let energy = 0;
  for (let i = 0; i < steps; i++) energy += path[i] * path[i];
  return energy;
}

/** Draws in both sides of a branch, nested in loops. */
export function nested(x: number, y: number): number {
  let s = x;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 2; j++) {
      if (s > 0) s = s * y + Math.random();
      else s = Math.exp(s) - y * Math.random();
    }
  }
  return s * x;
}

export const dNoisy = grad(noisy, { wrt: 'x' });
export const vNoisy = valueAndGrad(noisy, { wrt: 'x' });
export const dNoisyData = grad(noisyData, { wrt: 'x' });
export const hNoisy = hessian(noisy, { wrt: 'x' });
export const fNoisy = derivative(noisy);
export const dDropout = grad(dropout, { wrt: 'w' });
export const dDropoutData = grad(dropoutData, { wrt: 'w' });
export const jDropout = jvp(dropout);
export const dSmoothed = grad(smoothed, { wrt: ['mu', 'sigma'] });
export const dSmoothedData = grad(smoothedData, { wrt: ['mu', 'sigma'] });
export const hSmoothed = hessian(smoothed, { wrt: ['mu', 'sigma'] });
export const dWalk = grad(walk);
export const hWalk = hessian(walk);
export const fWalk = derivative(walk);
export const dNested = grad(nested);
export const hNested = hessian(nested);
export const jNested = jvp(nested);
`;

/** A deterministic Math.random (mulberry32), so that every call of a function draws the same numbers. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = Math.random;
/** Runs `run` with Math.random seeded: the same numbers at each run. */
function withSeed<T>(seed: number, run: () => T): T {
  Math.random = seeded(seed);
  try {
    return run();
  } finally {
    Math.random = random;
  }
}

/** The numbers `run` draws with the seed. */
function drawsOf(seed: number, run: () => unknown): number[] {
  const draws: number[] = [];
  const source = seeded(seed);
  Math.random = () => {
    const value = source();
    draws.push(value);
    return value;
  };
  try {
    run();
  } finally {
    Math.random = random;
  }
  return draws;
}

afterEach(() => {
  Math.random = random;
});

let m: Record<string, any>;
let forward: Record<string, any>;
beforeAll(async () => {
  // The check of every call against forward mode (test/support/modes.ts) would draw twice:
  // forward mode is compared here with the same numbers drawn.
  const check = process.env.TAPELESS_FORWARD_CHECK;
  process.env.TAPELESS_FORWARD_CHECK = '0';
  const compiled = compile({ 'main.ts': SOURCE });
  if (check === undefined) delete process.env.TAPELESS_FORWARD_CHECK;
  else process.env.TAPELESS_FORWARD_CHECK = check;
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
  forward = await compileForward({ 'main.ts': SOURCE }).load();
});

describe('Math.random() in loops and branches', () => {
  it('draws once per call: the gradient is that of the function of the drawn numbers', () => {
    for (const [x, n, seed] of [
      [0.7, 6, 1],
      [-1.3, 9, 2],
      [2.1, 1, 3],
      [0.4, 0, 4],
    ]) {
      const at = (t: number) => withSeed(seed, () => m.noisy(t, n));
      const gradient = withSeed(seed, () => m.dNoisy(x, n));
      close(gradient, finiteDifference(at, x), 1e-6);
      const draws = drawsOf(seed, () => m.noisy(x, n));
      expect(draws.length).toBe(2 * n);
      close(gradient, m.dNoisyData(x, n, draws), 1e-12);
      // The function draws as many numbers as its gradient does, in the same order.
      expect(drawsOf(seed, () => m.dNoisy(x, n))).toEqual(draws);
      const [value, same] = withSeed(seed, () => m.vNoisy(x, n));
      expect(value).toBe(at(x));
      expect(same).toBe(gradient);
      close(
        withSeed(seed, () => m.fNoisy(x, n)),
        gradient,
        1e-12,
      );
      close(
        withSeed(seed, () => forward.dNoisy(x, n)),
        gradient,
        1e-12,
      );
      const hessian = withSeed(seed, () => m.hNoisy(x, n));
      close(
        hessian[0][0],
        finiteDifference((t) => withSeed(seed, () => m.dNoisy(t, n)), x),
        1e-6,
      );
    }
  });

  it('dropout: the gradient with respect to the weights is that of the kept weights', () => {
    const w = [0.3, -0.8, 0.5, 1.1, -0.2, 0.7];
    const x = [1, 0.5, -1.5, 0.25, 2, -0.75];
    for (const seed of [5, 6, 7]) {
      const gradient = withSeed(seed, () => m.dDropout(w, x, 0.4));
      const draws = drawsOf(seed, () => m.dropout(w, x, 0.4));
      const expected = m.dDropoutData(w, x, 0.4, draws);
      gradient.forEach((g: number, i: number) => close(g, expected[i], 1e-12));
      expect(gradient.some((g: number) => g === 0)).toBe(true);
      // jvp along the weights' tangent is the gradient dotted with it.
      const tangent = w.map((_, i) => (i % 2 ? 1 : -0.5));
      const [value, dot] = withSeed(seed, () => m.jDropout([w, x, 0.4], [tangent, x.map(() => 0), 0]));
      expect(value).toBe(m.dropoutData(w, x, 0.4, draws));
      close(
        dot,
        gradient.reduce((sum: number, g: number, i: number) => sum + g * tangent[i], 0),
        1e-12,
      );
    }
  });

  it('a helper that draws is inlined: each draw is recorded where the sweep recomputes it', () => {
    for (const [mu, sigma, seed] of [
      [0.3, 0.8, 11],
      [-1.2, 0.4, 12],
    ]) {
      const [dMu, dSigma] = withSeed(seed, () => m.dSmoothed(mu, sigma, 25));
      const uniforms = drawsOf(seed, () => m.smoothed(mu, sigma, 25));
      expect(uniforms.length).toBe(50);
      const eps = Array.from({ length: 25 }, (_, k) => Math.sqrt(-2 * Math.log(1 - uniforms[2 * k])) * Math.cos(2 * Math.PI * uniforms[2 * k + 1]));
      const [eMu, eSigma] = m.dSmoothedData(mu, sigma, 25, eps);
      close(dMu, eMu, 1e-12);
      close(dSigma, eSigma, 1e-12);
      close(
        dMu,
        finiteDifference((t) => withSeed(seed, () => m.smoothed(t, sigma, 25)), mu),
        1e-6,
      );
      // Each column of a Hessian is a call of generated code, which draws its own numbers: the first draws the seeded ones.
      const hessian = withSeed(seed, () => m.hSmoothed(mu, sigma, 25));
      close(
        hessian[0][0],
        finiteDifference((t) => withSeed(seed, () => m.dSmoothed(t, sigma, 25))[0], mu),
        1e-6,
      );
      close(
        hessian[1][0],
        finiteDifference((t) => withSeed(seed, () => m.dSmoothed(t, sigma, 25))[1], mu),
        1e-6,
      );
    }
  });

  it('a loop whose test draws, writing a local array', () => {
    for (const [x, seed] of [
      [0.8, 21],
      [-0.4, 22],
      [1.9, 23],
    ]) {
      const gradient = withSeed(seed, () => m.dWalk(x));
      close(
        gradient,
        finiteDifference((t) => withSeed(seed, () => m.walk(t)), x),
        1e-6,
      );
      close(
        withSeed(seed, () => m.fWalk(x)),
        gradient,
        1e-10,
      );
      close(
        withSeed(seed, () => forward.dWalk(x)),
        gradient,
        1e-10,
      );
      close(
        withSeed(seed, () => m.hWalk(x))[0][0],
        finiteDifference((t) => withSeed(seed, () => m.dWalk(t)), x),
        1e-6,
      );
    }
  });

  it('draws on both sides of a branch in nested loops', () => {
    for (const [x, y, seed] of [
      [0.5, 1.2, 31],
      [-0.7, 0.6, 32],
    ]) {
      const [dx, dy] = withSeed(seed, () => m.dNested(x, y));
      close(
        dx,
        finiteDifference((t) => withSeed(seed, () => m.nested(t, y)), x),
        1e-6,
      );
      close(
        dy,
        finiteDifference((t) => withSeed(seed, () => m.nested(x, t)), y),
        1e-6,
      );
      close(withSeed(seed, () => m.jNested([x, y], [1, 0]))[1], dx, 1e-10);
      close(withSeed(seed, () => m.jNested([x, y], [0, 1]))[1], dy, 1e-10);
      const hessian = withSeed(seed, () => m.hNested(x, y));
      close(
        hessian[1][0],
        finiteDifference((t) => withSeed(seed, () => m.dNested(t, y))[1], x),
        1e-6,
      );
    }
  });
});
