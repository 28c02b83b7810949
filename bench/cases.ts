// The benchmark cases: each function to differentiate, with its tapeless gradient (the
// `grad` call, compiled by the transformer), a gradient written by hand from the same math,
// and central finite differences. bench/run.mjs compiles this file with tspc and times them.
import { grad } from 'tapeless';
import { f as seed } from '../examples/seed.js';
import { springChain } from '../examples/springs.js';

/** A function of numbers, and the three ways of computing its gradient that are compared. */
export interface BenchCase {
  readonly name: string;
  readonly description: string;
  /** Whether the function has loops: the gradient's target over the primal depends on it. */
  readonly controlFlow: 'straight-line' | 'loop';
  /** What the report says about the case besides its measurements, in Markdown. */
  readonly notes?: string;
  /** Overrides of the SETTINGS of bench/run.mjs, for a case whose calls take far longer than the others'. */
  readonly settings?: {
    readonly inputs?: number;
    readonly callsPerSample?: number;
    readonly warmupRounds?: number;
    readonly rounds?: number;
    readonly allocationCalls?: number;
    readonly primingCalls?: number;
  };
  readonly parameters: readonly string[];
  /** One input where the function is smooth, drawn with `random` (uniform in [0, 1)). */
  readonly input: (random: () => number) => number[];
  /**
   * For a function that runs long loops: one small input, drawn like `input`. Every function
   * of the case is first called many times on such inputs, before any other call, so that V8
   * optimises it whole, with type feedback from all its code. Otherwise V8 optimises it during
   * its first call, from inside its loop on (on-stack replacement), before the code after the
   * loop has ever run; in some runs it then enters that code at every call and leaves it
   * where feedback is missing, and the gradient of springChain ran up to twice as slowly.
   */
  readonly primingInput?: (random: () => number) => number[];
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
// 3. A loop of 10^4 passes: the spring chain of examples/springs.ts, each pass depending on
//    the one before. The gradient is with respect to k, rest, a and w; n is data.

const SPRINGS = 10_000;

function springChainInput(random: () => number, n: number): number[] {
  return [0.5 + 1.5 * random(), 0.5 + random(), 0.1 + 0.5 * random(), 0.1 + 2.9 * random(), n];
}

type Gradient4 = [number, number, number, number];

/**
 * The gradient of `springChain` by hand, in one forward pass that stores nothing.
 *
 * With p_i = i + a sin(w i), p_0 = 0 and s_i = p_i - p_(i-1) - rest, the energy is
 * E = k/2 Σ s_i², so ∂E/∂k = ½ Σ s_i², ∂E/∂rest = -k Σ s_i, and for θ = a or w,
 * ∂E/∂θ = k Σ s_i (∂p_i/∂θ - ∂p_(i-1)/∂θ), with ∂p_i/∂a = sin(w i) and
 * ∂p_i/∂w = a i cos(w i). Every sum runs forward with the pass: no reverse sweep.
 */
export function springChainHandWritten(k: number, rest: number, a: number, w: number, n: number): Gradient4 {
  let squares = 0;
  let stretches = 0;
  let aTerms = 0;
  let wTerms = 0;
  let previous = 0;
  let previousSin = 0;
  let previousICos = 0;
  for (let i = 1; i <= n; i++) {
    const sin = Math.sin(w * i);
    const iCos = i * Math.cos(w * i);
    const position = i + a * sin;
    const stretch = position - previous - rest;
    squares += stretch * stretch;
    stretches += stretch;
    aTerms += stretch * (sin - previousSin);
    wTerms += stretch * (iCos - previousICos);
    previous = position;
    previousSin = sin;
    previousICos = iCos;
  }
  return [0.5 * squares, -k * stretches, k * aTerms, k * a * wTerms];
}

export function springChainFiniteDifference(k: number, rest: number, a: number, w: number, n: number): Gradient4 {
  const [hk, hrest, ha, hw] = [step(k), step(rest), step(a), step(w)];
  return [
    (springChain(k + hk, rest, a, w, n) - springChain(k - hk, rest, a, w, n)) / (2 * hk),
    (springChain(k, rest + hrest, a, w, n) - springChain(k, rest - hrest, a, w, n)) / (2 * hrest),
    (springChain(k, rest, a + ha, w, n) - springChain(k, rest, a - ha, w, n)) / (2 * ha),
    (springChain(k, rest, a, w + hw, n) - springChain(k, rest, a, w - hw, n)) / (2 * hw),
  ];
}

// ---------------------------------------------------------------------------------------

export const cases: readonly BenchCase[] = [
  {
    name: 'seed',
    description: 'The seed function of DESIGN.md: exp, sqrt and cos of x*x (6 operations)',
    controlFlow: 'straight-line',
    parameters: ['x'],
    input: (random) => [3 * random() - 1.5],
    primal: seed,
    tapeless: grad(seed),
    handWritten: seedHandWritten,
    finiteDifference: seedFiniteDifference,
  },
  {
    name: 'oscillator',
    description: 'Displacement of an underdamped oscillator: sqrt, exp, cos, sin and arithmetic (22 operations)',
    controlFlow: 'straight-line',
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
  {
    name: 'springChain',
    description: `Elastic energy of a chain of n = ${SPRINGS} springs (examples/springs.ts): a loop of n passes, one sin each; gradient with respect to k, rest, a and w, n is data`,
    controlFlow: 'loop',
    notes: [
      'Per pass, the primal computes one sin; the hand-written gradient one sin and one cos, and stores nothing.',
      'The tapeless gradient runs the loop forward without the energy (the gradient does not need its value),',
      'recording i and previous at the start of each of its n + 1 passes (the last one only tests i <= n), then',
      'backward, recomputing each pass from its record and adding its adjoints: one sin and 2 stores forward, then',
      'one sin, one cos and 2 loads backward.',
      '',
      'Memory of the tapeless gradient: its record is one Float64Array of 128 numbers allocated on entry and, since',
      'the loop is a counted for, replaced once before the loop by one of 2·(n + 1) numbers: for n = 10^4, 20,130',
      'numbers in all, 161,040 bytes of array buffers, and no copies. The rest of bytes/call is on the V8 heap: the',
      "two arrays' objects and the array of the four results.",
      '',
      'Why not 1.2× the hand-written gradient: that one sums by parts in a single forward pass; reverse mode',
      'recomputes each pass in its backward sweep (sin forward, sin and cos backward), which costs about 1.5× the',
      'hand-written gradient even before its loads and stores, unless it kept sin(w·i) instead of recomputing it.',
      '',
      'Central differences are far off in w: its step, 6·10⁻⁶·max(1, w), moves the phase w·i of the last springs by 0.06 to 0.18 rad.',
    ].join('\n'),
    // A call takes about 10^4 times as long as a straight-line case's, so a sample of 50
    // calls takes milliseconds, and uses 50 inputs. 16 calls allocate 12.6 MB of array
    // buffers, little enough that V8 does not collect garbage meanwhile.
    settings: { inputs: 50, callsPerSample: 50, allocationCalls: 16 },
    parameters: ['k', 'rest', 'a', 'w', 'n'],
    input: (random) => springChainInput(random, SPRINGS),
    primingInput: (random) => springChainInput(random, 16),
    primal: springChain,
    tapeless: grad(springChain, { wrt: ['k', 'rest', 'a', 'w'] }),
    handWritten: springChainHandWritten,
    finiteDifference: springChainFiniteDifference,
  },
];
