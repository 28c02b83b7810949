// The benchmark cases: each function to differentiate, with its tapeless gradient (the
// `grad` call, compiled by the transformer), a gradient written by hand from the same math,
// and central finite differences. bench/run.mjs compiles this file with tspc and times them.
import { grad } from 'tapeless';
import { f as seed } from '../examples/seed.js';

/** A function of numbers, and the three ways of computing its gradient that are compared. */
export interface BenchCase {
  readonly name: string;
  readonly description: string;
  readonly parameters: readonly string[];
  /** One input where the function is smooth, drawn with `random` (uniform in [0, 1)). */
  readonly input: (random: () => number) => number[];
  readonly primal: (...args: number[]) => number;
  readonly tapeless: (...args: number[]) => number | number[];
  readonly handWritten: (...args: number[]) => number | number[];
  readonly finiteDifference: (...args: number[]) => number | number[];
}

/** The step of a central difference at `v`: about the cube root of machine epsilon, relative. */
function step(v: number): number {
  return 6e-6 * Math.max(1, Math.abs(v));
}

// ---------------------------------------------------------------------------------------
// 1. The seed function of DESIGN.md (examples/seed.ts).

/** The reverse sweep of DESIGN.md, as a person derives it. */
export function seedHandWritten(x: number): number {
  const a = x * x;
  const b = Math.exp(a);
  const c = a + b;
  const fc = 0.5 / Math.sqrt(c) - Math.sin(c);
  const fa = fc + fc * b;
  return 2 * x * fa;
}

export function seedFiniteDifference(x: number): number {
  const h = step(x);
  return (seed(x + h) - seed(x - h)) / (2 * h);
}

// ---------------------------------------------------------------------------------------
// 2. A small physics formula: 22 operations, five parameters, several Math functions.

/**
 * Displacement at time `t` of an underdamped mass-spring-damper (mass `m`, stiffness `k`,
 * damping `c`) released at rest from `x0`.
 */
export function oscillator(m: number, k: number, c: number, x0: number, t: number): number {
  const omega0 = Math.sqrt(k / m);
  const zeta = c / (2 * Math.sqrt(k * m));
  const s = Math.sqrt(1 - zeta * zeta);
  const omegaD = omega0 * s;
  const envelope = x0 * Math.exp(-zeta * omega0 * t);
  const phase = omegaD * t;
  return envelope * (Math.cos(phase) + (zeta / s) * Math.sin(phase));
}

type Gradient5 = [number, number, number, number, number];

/** The gradient of `oscillator` by hand: one forward sweep, then adjoints in reverse order. */
export function oscillatorHandWritten(m: number, k: number, c: number, x0: number, t: number): Gradient5 {
  // Forward sweep. Divisions become reciprocals here, so that the reverse sweep only
  // multiplies and adds: a division there would lie on the chain of adjoints.
  const invM = 1 / m;
  const r = k * invM;
  const omega0 = Math.sqrt(r);
  const invOmega0 = 1 / omega0;
  const q = Math.sqrt(k * m);
  const invQ = 1 / q;
  const zeta = 0.5 * c * invQ;
  const s = Math.sqrt(1 - zeta * zeta);
  const invS = 1 / s;
  const omegaD = omega0 * s;
  const decay = Math.exp(-zeta * omega0 * t);
  const envelope = x0 * decay;
  const phase = omegaD * t;
  const cos = Math.cos(phase);
  const sin = Math.sin(phase);
  const ratio = zeta * invS;
  const wave = cos + ratio * sin;
  // Reverse sweep of result = envelope * wave, with envelope = x0 * exp(u), u = -zeta * omega0 * t.
  const ratioBar = envelope * sin;
  const phaseBar = envelope * (ratio * cos - sin);
  const uBar = envelope * wave;
  const omegaDBar = phaseBar * t;
  // s enters omegaD = omega0 * s and ratio = zeta / s.
  const sBar = omegaDBar * omega0 - ratioBar * ratio * invS;
  // zeta enters ratio, s = sqrt(1 - zeta^2) and u.
  const zetaBar = (ratioBar - sBar * zeta) * invS - uBar * omega0 * t;
  const omega0Bar = omegaDBar * s - uBar * zeta * t;
  // zeta = c / (2 sqrt(k m)) and omega0 = sqrt(r), r = k / m.
  const kmBar = -0.5 * zetaBar * zeta * invQ * invQ;
  const rBar = 0.5 * omega0Bar * invOmega0;
  return [
    kmBar * k - rBar * r * invM,
    kmBar * m + rBar * invM,
    0.5 * zetaBar * invQ,
    wave * decay,
    phaseBar * omegaD - uBar * zeta * omega0,
  ];
}

export function oscillatorFiniteDifference(m: number, k: number, c: number, x0: number, t: number): Gradient5 {
  const [hm, hk, hc, hx0, ht] = [step(m), step(k), step(c), step(x0), step(t)];
  return [
    (oscillator(m + hm, k, c, x0, t) - oscillator(m - hm, k, c, x0, t)) / (2 * hm),
    (oscillator(m, k + hk, c, x0, t) - oscillator(m, k - hk, c, x0, t)) / (2 * hk),
    (oscillator(m, k, c + hc, x0, t) - oscillator(m, k, c - hc, x0, t)) / (2 * hc),
    (oscillator(m, k, c, x0 + hx0, t) - oscillator(m, k, c, x0 - hx0, t)) / (2 * hx0),
    (oscillator(m, k, c, x0, t + ht) - oscillator(m, k, c, x0, t - ht)) / (2 * ht),
  ];
}

// ---------------------------------------------------------------------------------------

export const cases: readonly BenchCase[] = [
  {
    name: 'seed',
    description: 'the seed function of DESIGN.md: exp, sqrt, cos of x*x (6 operations)',
    parameters: ['x'],
    input: (random) => [3 * random() - 1.5],
    primal: seed,
    tapeless: grad(seed),
    handWritten: seedHandWritten,
    finiteDifference: seedFiniteDifference,
  },
  {
    name: 'oscillator',
    description: 'displacement of an underdamped oscillator: sqrt, exp, cos, sin and arithmetic (22 operations)',
    parameters: ['m', 'k', 'c', 'x0', 't'],
    input: (random) => {
      const m = 0.5 + 1.5 * random();
      const k = 1 + 9 * random();
      // A damping ratio between 0.05 and 0.9, so that the oscillator is underdamped.
      const c = 2 * Math.sqrt(k * m) * (0.05 + 0.85 * random());
      return [m, k, c, 2 * random() - 1, 10 * random()];
    },
    primal: oscillator,
    tapeless: grad(oscillator),
    handWritten: oscillatorHandWritten,
    finiteDifference: oscillatorFiniteDifference,
  },
];
