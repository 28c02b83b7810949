// The benchmark cases: each function to differentiate, with its tapeless gradient (the
// `grad` call, compiled by the transformer), a gradient written by hand from the same math
// where practical, and central finite differences where the inputs are few. bench/run.mjs
// compiles this file with tspc, and bench/measure.mjs times each case in a process of its
// own, also against TensorFlow.js and jax-js, whose versions of the cases are in bench/peers.
import { derivative, grad, hessian, hvp, jacobian, vjp } from 'tapeless';
import { f as seed } from '../examples/seed.js';
import { springChain } from '../examples/springs.js';
import { gmmInput, gmmObjective } from './gmm.js';
import { rosenbrockN, rosenbrockNFiniteDifference, rosenbrockNHandWritten, rosenbrockNInput } from './rosenbrock.js';

/** Per-case overrides of the timing settings of bench/measure.mjs. */
export interface BenchSettings {
  /** Draws of the arguments, cycled through by every timing loop. */
  readonly inputs?: number;
  /** Untimed rounds first, so that V8 has optimised every loop and every function. */
  readonly warmupRounds?: number;
  /** Timed rounds; a round takes one sample of each variant. */
  readonly rounds?: number;
  /** A sample lasts at least this long: each variant's calls per sample are set to reach it. */
  readonly sampleMilliseconds?: number;
  /** Calls per allocation measurement (few enough that no garbage collection runs meanwhile). */
  readonly allocationCalls?: number;
  /** Calls of each function on the case's `primingInput`, if it has one, before any other. */
  readonly primingCalls?: number;
}

/**
 * A function and the ways of computing its gradient that are compared: the tapeless
 * gradient (the `grad` call, compiled by the transformer), a gradient written by hand,
 * central differences, and the same function in TensorFlow.js and jax-js (bench/peers,
 * under the case's name).
 */
export interface BenchCase<Args extends unknown[] = any[], Gradient = unknown> {
  readonly name: string;
  readonly description: string;
  /** Whether the function has loops: the gradient's target over the primal depends on it. */
  readonly controlFlow: 'straight-line' | 'loop';
  /**
   * The target of tapeless ÷ primal where it is not the one of `controlFlow` (forward mode
   * has its own), or `null` where the case has none (a Hessian).
   */
  readonly overPrimalTarget?: number | null;
  /** What the report says about the case besides its measurements, in Markdown. */
  readonly notes?: string;
  /** Overrides of the settings of bench/measure.mjs, for a case whose calls take far longer than the others'. */
  readonly settings?: BenchSettings;
  readonly parameters: readonly string[];
  /**
   * The parameters differentiated, in the order of the gradient's tuple. Where the case has
   * no `finiteDifference`, bench/measure.mjs checks the gradient against central differences
   * of the primal on a few entries of each of them.
   */
  readonly wrt: readonly string[];
  /** A series of cases of one function at several sizes (the Rosenbrock plot), and this one's size. */
  readonly series?: { readonly name: string; readonly n: number };
  /** One draw of the arguments, where the function is smooth, with `random` (uniform in [0, 1)). */
  readonly input: (random: () => number) => Args;
  /**
   * For a function that runs long loops: small arguments, drawn like `input`. Every function
   * of the case is first called many times on such inputs, before any other call, so that V8
   * optimises it whole, with type feedback from all its code. Otherwise V8 optimises it during
   * its first call, from inside its loop on (on-stack replacement), before the code after the
   * loop has ever run; in some runs it then enters that code at every call and leaves it
   * where feedback is missing, and the gradient of springChain ran up to twice as slowly.
   */
  readonly primingInput?: (random: () => number) => Args;
  /** The function itself (a Jacobian's case returns its array of numbers). */
  readonly primal: (...args: Args) => number | ArrayLike<number>;
  readonly tapeless: (...args: Args) => Gradient;
  readonly handWritten?: (...args: Args) => Gradient;
  readonly finiteDifference?: (...args: Args) => Gradient;
}

/** Checks one case against its own argument and gradient types. */
function benchCase<Args extends unknown[], Gradient>(definition: BenchCase<Args, Gradient>): BenchCase {
  return definition as unknown as BenchCase;
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

/** The derivative of the seed in forward mode, written by hand: each value, then its tangent. */
export function seedForwardHandWritten(x: number): number {
  const a = x * x;
  const b = Math.exp(a);
  const c = a + b;
  const da = 2 * x;
  const dc = da + b * da;
  return (0.5 / Math.sqrt(c) - Math.sin(c)) * dc;
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
  return [kmBar * k - rBar * r * invM, kmBar * m + rBar * invM, 0.5 * zetaBar * invQ, wave * decay, phaseBar * omegaD - uBar * zeta * omega0];
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
// Cases over arrays: their parameters are typed arrays. Each is timed on one draw of its
// arguments; where a case has no `finiteDifference`, central differences are only
// spot-checked, a few entries of the gradient (bench/measure.mjs).

function uniform(random: () => number, n: number, low: number, high: number): Float64Array {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = low + (high - low) * random();
  return values;
}

// ---------------------------------------------------------------------------------------
// 4. Logistic regression: the mean cross-entropy of 10^4 samples of 100 features.

const SAMPLES = 10_000;
const FEATURES = 100;

/**
 * The mean cross-entropy of a logistic regression with weights `w` and bias `b` on the
 * samples `xs` (row-major, one row of w.length features per sample) with labels `ys` in
 * {0, 1}. Per sample, with z = w·x + b, the loss -y log σ(z) - (1 - y) log(1 - σ(z)) is
 * written as softplus(z) - y z, and softplus(z) = max(z, 0) + log1p(exp(-|z|)), which
 * neither overflows nor loses precision for any z.
 */
export function logisticLoss(w: Float64Array, b: number, xs: Float64Array, ys: Float64Array): number {
  const features = w.length;
  const samples = ys.length;
  let total = 0;
  for (let s = 0; s < samples; s++) {
    let z = b;
    for (let k = 0; k < features; k++) z += w[k] * xs[s * features + k];
    total += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - ys[s] * z;
  }
  return total / samples;
}

type LogisticArguments = [w: Float64Array, b: number, xs: Float64Array, ys: Float64Array];

/**
 * The gradient of `logisticLoss` by hand: ∂/∂z of a sample's loss is σ(z) - y, so per
 * sample one dot product for z, then w's gradient gains (σ(z) - y)/n times the sample's row.
 */
export function logisticLossHandWritten(w: Float64Array, b: number, xs: Float64Array, ys: Float64Array): [Float64Array, number] {
  const features = w.length;
  const samples = ys.length;
  const scale = 1 / samples;
  const wBar = new Float64Array(features);
  let bBar = 0;
  for (let s = 0, row = 0; s < samples; s++, row += features) {
    let z = b;
    for (let k = 0; k < features; k++) z += w[k] * xs[row + k];
    // σ(z) from exp(-|z|), which cannot overflow.
    const e = Math.exp(-Math.abs(z));
    const sigmoid = z >= 0 ? 1 / (1 + e) : e / (1 + e);
    const zBar = (sigmoid - ys[s]) * scale;
    bBar += zBar;
    for (let k = 0; k < features; k++) wBar[k] += zBar * xs[row + k];
  }
  return [wBar, bBar];
}

/**
 * Samples whose labels a logistic model draws, from weights unlike the parameters `w`
 * the gradient is taken at.
 */
function logisticInput(random: () => number, samples: number, features: number): LogisticArguments {
  const xs = uniform(random, samples * features, -1, 1);
  const truth = uniform(random, features, -0.5, 0.5);
  const ys = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    let z = 0;
    for (let k = 0; k < features; k++) z += truth[k] * xs[s * features + k];
    ys[s] = random() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return [uniform(random, features, -0.1, 0.1), random() - 0.5, xs, ys];
}

// ---------------------------------------------------------------------------------------
// 5. A two-layer perceptron: a batch of 64 inputs of 784 values, 64 tanh units, 10 outputs.

const BATCH = 64;
const INPUTS = 784;
const HIDDEN = 64;
const OUTPUTS = 10;

/** The weights of a two-layer perceptron; a weight matrix has one row per unit, row-major. */
export interface Mlp {
  W1: Float64Array;
  b1: Float64Array;
  W2: Float64Array;
  b2: Float64Array;
}

/**
 * Half the squared error of a two-layer perceptron, tanh(W1 x + b1) then W2 h + b2, against
 * `targets`, summed over outputs and averaged over the batch `xs` (one row per input).
 */
export function mlpLoss(model: Mlp, xs: Float64Array, targets: Float64Array): number {
  const { W1, b1, W2, b2 } = model;
  const hidden = b1.length;
  const outputs = b2.length;
  const inputs = W1.length / hidden;
  const batch = xs.length / inputs;
  const h = new Float64Array(hidden);
  let total = 0;
  for (let s = 0; s < batch; s++) {
    for (let j = 0; j < hidden; j++) {
      let z = b1[j];
      for (let i = 0; i < inputs; i++) z += W1[j * inputs + i] * xs[s * inputs + i];
      h[j] = Math.tanh(z);
    }
    for (let o = 0; o < outputs; o++) {
      let y = b2[o];
      for (let j = 0; j < hidden; j++) y += W2[o * hidden + j] * h[j];
      const d = y - targets[s * outputs + o];
      total += d * d;
    }
  }
  return (0.5 * total) / batch;
}

type MlpArguments = [model: Mlp, xs: Float64Array, targets: Float64Array];

/**
 * The gradient of `mlpLoss` by hand, back-propagation one input at a time: the forward pass
 * keeps the input's hidden activations, then the output errors give W2's and b2's gradients
 * and the hidden units' adjoints, and those times tanh' give W1's and b1's.
 */
export function mlpLossHandWritten(model: Mlp, xs: Float64Array, targets: Float64Array): Mlp {
  const { W1, b1, W2, b2 } = model;
  const hidden = b1.length;
  const outputs = b2.length;
  const inputs = W1.length / hidden;
  const batch = xs.length / inputs;
  const scale = 1 / batch;
  const [W1Bar, b1Bar, W2Bar, b2Bar] = [new Float64Array(W1.length), new Float64Array(hidden), new Float64Array(W2.length), new Float64Array(outputs)];
  const h = new Float64Array(hidden);
  const hBar = new Float64Array(hidden);
  for (let s = 0; s < batch; s++) {
    const x = s * inputs;
    for (let j = 0; j < hidden; j++) {
      const row = j * inputs;
      let z = b1[j];
      for (let i = 0; i < inputs; i++) z += W1[row + i] * xs[x + i];
      h[j] = Math.tanh(z);
      hBar[j] = 0;
    }
    for (let o = 0; o < outputs; o++) {
      const row = o * hidden;
      let y = b2[o];
      for (let j = 0; j < hidden; j++) y += W2[row + j] * h[j];
      const yBar = (y - targets[s * outputs + o]) * scale;
      b2Bar[o] += yBar;
      for (let j = 0; j < hidden; j++) {
        W2Bar[row + j] += yBar * h[j];
        hBar[j] += yBar * W2[row + j];
      }
    }
    for (let j = 0; j < hidden; j++) {
      const row = j * inputs;
      const zBar = hBar[j] * (1 - h[j] * h[j]);
      b1Bar[j] += zBar;
      for (let i = 0; i < inputs; i++) W1Bar[row + i] += zBar * xs[x + i];
    }
  }
  return { W1: W1Bar, b1: b1Bar, W2: W2Bar, b2: b2Bar };
}

/** Inputs like pixel intensities in [0, 1), one-hot targets, weights scaled by 1/√(fan-in). */
function mlpInput(random: () => number, batch: number, inputs: number, hidden: number, outputs: number): MlpArguments {
  const model = {
    W1: uniform(random, hidden * inputs, -1 / Math.sqrt(inputs), 1 / Math.sqrt(inputs)),
    b1: uniform(random, hidden, -0.1, 0.1),
    W2: uniform(random, outputs * hidden, -1 / Math.sqrt(hidden), 1 / Math.sqrt(hidden)),
    b2: uniform(random, outputs, -0.1, 0.1),
  };
  const targets = new Float64Array(batch * outputs);
  for (let s = 0; s < batch; s++) targets[s * outputs + Math.floor(random() * outputs)] = 1;
  return [model, uniform(random, batch * inputs, 0, 1), targets];
}

const mlpGradient = grad(mlpLoss, { wrt: 'model' });

// ---------------------------------------------------------------------------------------
// 6. Rosenbrock's function in n dimensions (bench/rosenbrock.ts), at several n: the points
//    of the plot bench/rosenbrock.svg. Central differences only where n is small.

const ROSENBROCK_SIZES = [2, 10, 100, 1000, 10_000, 100_000];
const ROSENBROCK_FINITE_DIFFERENCES = 100;
const rosenbrockNGradient = grad(rosenbrockN);

/** Where the tapeless gradient of rosenbrockN spends its time: the notes of one case of the series, pointed to by the others'. */
const ROSENBROCK_NOTES = [
  'The hand-written gradient makes one pass over x, adding into the gradient of x_i and x_(i+1). The tapeless gradient',
  '(`rosenbrockN_grad` in .tmp/bench/bench/cases.js) makes two:',
  '',
  '1. A forward loop that computes nothing but the counter: it records i for each of its n passes (n - 1 and the one that',
  '   fails the test) in a Float64Array that starts at 64 numbers and doubles when full, copying. The condition',
  '   `i + 1 < x.length` is not recognised as a counted loop, so the record is not sized once before the loop as the spring',
  "   chain's is: for n = 10^4, 8 allocations and copies, 32,704 numbers (262 kB, the peak extra above) for 10^4 needed.",
  '   And i needs no record at all: in a loop whose counter only steps by 1, it is a function of the pass.',
  '2. The reverse loop reloads i, tests `i + 1 < x.length` again for each pass, recomputes the pass and updates the',
  '   gradient of x_i three times (the two terms of the adjoint of x_i·x_i are added one after the other, not as',
  '   2·x_i·adjoint, and the two equal products of a·a also) where the hand-written code updates it once.',
  '',
  'Evidence: `node --cpu-prof` over 300,000 calls at n = 100: 26% of the samples on the line that allocates the doubled',
  'record, 12% on allocating the first record, 17% on allocating the result, 21% in the garbage collector (the backing',
  'stores of typed arrays of more than 64 bytes are allocated outside the heap, one by one); the arithmetic of both',
  'sweeps about 15%. Each `new Float64Array` costs about as much as the whole primal at n = 10. `--trace-deopt`: no',
  'deoptimisation of the gradient. A copy of the generated reverse loop with i taken from the pass (no forward loop, no',
  'record) ran at 3.2× the primal at n = 10^4 instead of 9×, and with one update of each gradient entry per pass at 2.2×,',
  'as the hand-written gradient (2.1×), in the same process (.tmp/prof/rosen-variants.mjs, not kept: the numbers are',
  'in this note).',
].join('\n');

function rosenbrockCase(n: number): BenchCase {
  return benchCase({
    name: `rosenbrock${n}`,
    description: `Rosenbrock's function in n = ${n.toLocaleString('en-US')} dimensions: a loop over the n - 1 neighbouring pairs of x, two products and a square each`,
    controlFlow: 'loop',
    series: { name: 'rosenbrock', n },
    notes: n === 100 ? ROSENBROCK_NOTES : 'Where the time of the tapeless gradient goes: see [rosenbrock100](#rosenbrock100).',
    // Calls of small n take nanoseconds: many allocation calls, as for the scalar cases.
    settings: { ...ARRAY_SETTINGS, allocationCalls: Math.max(4, Math.min(1000, Math.round(1e6 / n))) },
    parameters: ['x'],
    wrt: ['x'],
    input: (random) => rosenbrockNInput(random, n),
    primingInput: (random) => rosenbrockNInput(random, 3),
    primal: rosenbrockN,
    tapeless: rosenbrockNGradient,
    handWritten: rosenbrockNHandWritten,
    ...(n <= ROSENBROCK_FINITE_DIFFERENCES ? { finiteDifference: rosenbrockNFiniteDifference } : {}),
  });
}

// ---------------------------------------------------------------------------------------
// 7. The GMM objective of ADBench (bench/gmm.ts): d = 10, K = 25, n = 1000.

const GMM = { d: 10, k: 25, n: 1000 };

// ---------------------------------------------------------------------------------------

/** The settings of the scalar cases: calls take nanoseconds, over many draws of the inputs. */
const SCALAR_SETTINGS: BenchSettings = { inputs: 1024 };

/** The settings of the cases over arrays: one draw; calls take up to milliseconds. */
const ARRAY_SETTINGS: BenchSettings = { inputs: 1, warmupRounds: 3, rounds: 41, allocationCalls: 4, primingCalls: 200 };

// ---------------------------------------------------------------------------------------
// Second order: a Hessian of a function of 10 inputs (forward over reverse), against
// central differences of the tapeless gradient (20 gradient calls).

/** A smooth function of 10 inputs coupling neighbours and all pairs: a dense Hessian. */
export function coupled(x: Float64Array): number {
  let sum = 0;
  let squares = 0;
  let exps = 0;
  for (let i = 0; i < x.length; i++) {
    sum += Math.sin(x[i]) * x[(i + 1) % x.length];
    squares += x[i] * x[i];
    exps += Math.exp(x[i]);
  }
  return sum + 0.5 * squares * squares + Math.log(1 + exps);
}

const coupledGradient = grad(coupled);

/** Central differences of the gradient: one row per input, from two gradient calls each. */
export function coupledHessianByDifferences(x: Float64Array): number[][] {
  const rows: number[][] = [];
  for (let j = 0; j < x.length; j++) {
    const value = x[j];
    const h = step(value);
    x[j] = value + h;
    const above = coupledGradient(x);
    x[j] = value - h;
    const below = coupledGradient(x);
    x[j] = value;
    rows.push(Array.from(above, (a, i) => (a - below[i]) / (2 * h)));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------
// Jacobians, vjp and hvp (issue 17): the matrices users call in inner loops (IK, Gauss-Newton,
// Newton-CG), each against central differences of the primal.

/** The end point of a planar arm of three links (forward kinematics): 2 outputs of 3 angles. */
export function arm(a: number, b: number, c: number): number[] {
  const ab = a + b;
  const abc = ab + c;
  return [Math.cos(a) + 0.8 * Math.cos(ab) + 0.5 * Math.cos(abc), Math.sin(a) + 0.8 * Math.sin(ab) + 0.5 * Math.sin(abc)];
}

/** The residuals of a decaying oscillation fitted to 40 samples: 40 outputs of 3 parameters. */
export function residuals(amplitude: number, decay: number, frequency: number): Float64Array {
  const out = new Float64Array(40);
  for (let i = 0; i < 40; i++) {
    const t = 0.1 * i;
    out[i] = amplitude * Math.exp(-decay * t) * Math.cos(frequency * t) - Math.cos(1.3 * t) * (1 - 0.2 * t);
  }
  return out;
}

/** The Jacobian by central differences of a function of numbers returning numbers. */
function jacobianByDifferences(f: (...args: number[]) => ArrayLike<number>, args: number[]): number[][] {
  const columns = args.map((value, j) => {
    const h = step(value);
    const above = f(...args.map((v, k) => (k === j ? value + h : v)));
    const below = f(...args.map((v, k) => (k === j ? value - h : v)));
    return Array.from(above, (a, i) => (a - below[i]) / (2 * h));
  });
  return columns[0].map((_, i) => columns.map((column) => column[i]));
}

/** The arm's angles and their draws, for its Jacobian and its vjp. */
const ARM = {
  parameters: ['a', 'b', 'c'],
  wrt: ['a', 'b', 'c'],
  input: (random: () => number): [number, number, number] => [2 * random() - 1, 2 * random() - 1, 2 * random() - 1],
  primal: arm,
};
const armPullback = vjp(arm);
/** The cotangent the vjp case pulls back: a weighted sum of the two coordinates. */
const ARM_COTANGENT = [1, 0.5];

/** The Hessian of `coupled` times a fixed vector, by central differences of its gradient. */
const HVP_DIRECTION = Float64Array.from({ length: 10 }, (_, i) => Math.cos(i));
function coupledHvpByDifferences(x: Float64Array): Float64Array {
  const h = 1e-5;
  const above = coupledGradient(x.map((v, i) => v + h * HVP_DIRECTION[i]));
  const below = coupledGradient(x.map((v, i) => v - h * HVP_DIRECTION[i]));
  return above.map((a, i) => (a - below[i]) / (2 * h));
}
const coupledHvp = hvp(coupled);

/** The end point of a planar chain of eight links (straight-line): 2 outputs of 8 angles. */
export function chain8(a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number): number[] {
  const s1 = a0 + a1;
  const s2 = s1 + a2;
  const s3 = s2 + a3;
  const s4 = s3 + a4;
  const s5 = s4 + a5;
  const s6 = s5 + a6;
  const s7 = s6 + a7;
  const x =
    Math.cos(a0) +
    0.9 * Math.cos(s1) +
    0.8 * Math.cos(s2) +
    0.7 * Math.cos(s3) +
    0.6 * Math.cos(s4) +
    0.5 * Math.cos(s5) +
    0.4 * Math.cos(s6) +
    0.3 * Math.cos(s7);
  const y =
    Math.sin(a0) +
    0.9 * Math.sin(s1) +
    0.8 * Math.sin(s2) +
    0.7 * Math.sin(s3) +
    0.6 * Math.sin(s4) +
    0.5 * Math.sin(s5) +
    0.4 * Math.sin(s6) +
    0.3 * Math.sin(s7);
  return [x, y];
}

/** A smooth straight-line function of 6 numbers with a dense Hessian. */
export function bowl6(a: number, b: number, c: number, d: number, e: number, f: number): number {
  const s = a * b + c * d + e * f;
  const q = a * a + b * b + c * c + d * d + e * e + f * f;
  return Math.sin(s) + 0.25 * q * q + Math.log(1 + Math.exp(a - f)) + b * Math.cos(c + e);
}
const bowl6Gradient = grad(bowl6);

/** A Hessian of a function of numbers by central differences of its gradient. */
function hessianByDifferences(gradient: (...args: number[]) => number[], args: number[]): number[][] {
  return args.map((value, j) => {
    const h = step(value);
    const above = gradient(...args.map((v, k) => (k === j ? value + h : v)));
    const below = gradient(...args.map((v, k) => (k === j ? value - h : v)));
    return above.map((a, i) => (a - below[i]) / (2 * h));
  });
}

export const cases: readonly BenchCase[] = [
  {
    name: 'seed',
    description: 'The seed function of DESIGN.md: exp, sqrt and cos of x*x (6 operations)',
    controlFlow: 'straight-line',
    parameters: ['x'],
    wrt: ['x'],
    settings: SCALAR_SETTINGS,
    notes: [
      'jax-js below is compiled (`jit(grad(f))`), its fastest form: most of its time per call is its own (making the',
      'argument array, running the kernel, reading the result back), so the margin stays near 800× however fast the',
      'gradient itself is. Uncompiled, `grad(f)` takes about 900 µs per call on this machine (processor time over 2,000',
      "calls of jax-js's seed after 200 to warm up; `jit(grad(f))` 69 µs in the same script): about 28,000× the tapeless",
      "gradient. Issue 7's figure, a hand-written gradient 11,000× faster than jax-js on the seed, lies between the two.",
    ].join('\n'),
    input: (random) => [3 * random() - 1.5],
    primal: seed,
    tapeless: grad(seed),
    handWritten: seedHandWritten,
    finiteDifference: seedFiniteDifference,
  },
  {
    name: 'seedForward',
    description: 'The seed in forward mode: derivative(f), each value followed by its tangent; the hand-written column is forward mode by hand',
    controlFlow: 'straight-line',
    overPrimalTarget: 2,
    parameters: ['x'],
    wrt: ['x'],
    settings: SCALAR_SETTINGS,
    input: (random) => [3 * random() - 1.5],
    primal: seed,
    tapeless: derivative(seed),
    handWritten: seedForwardHandWritten,
    finiteDifference: seedFiniteDifference,
  },
  {
    name: 'oscillator',
    description: 'Displacement of an underdamped oscillator: sqrt, exp, cos, sin and arithmetic (22 operations)',
    controlFlow: 'straight-line',
    parameters: ['m', 'k', 'c', 'x0', 't'],
    wrt: ['m', 'k', 'c', 'x0', 't'],
    settings: SCALAR_SETTINGS,
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
      'recording, for each of its n passes, previous as the pass starts and sin(w·i) as it ends (i, a counter, is',
      "recomputed as 1 + pass), then backward, restoring both and adding the pass's adjoints: one sin and 2 stores",
      'forward, then one cos and 2 loads backward.',
      '',
      'Memory of the tapeless gradient: its record, one Float64Array of 2·(n + 1) numbers (160 kB for n = 10^4), is',
      'kept on the gradient function between calls, so a call allocates only the array of the four results. When',
      'each call allocated its record, the gradient took 1.34–1.39× the hand-written one here, and 7× its primal in',
      'runs without the peers loaded (a smaller heap, collected more often).',
      '',
      'Why not quite 1.2× the hand-written gradient: that one sums by parts in a single forward pass, one sin and one cos',
      'per spring. The tapeless gradient computes the same sin and cos, but in two loops, the second walking the',
      'record backwards (each pass depends on the one before through previous), with the adjoint arithmetic of',
      'reverse mode (about twice the multiplications and additions of the sum by parts) and 4 memory accesses per',
      'pass. Before the loop shapes of transformer/modes/reverse/README.md it also recorded i and computed sin(w·i) again: 3.7×',
      'the primal, 2.0× the hand-written gradient.',
      '',
      'Central differences are far off in w: its step, 6·10⁻⁶·max(1, w), moves the phase w·i of the last springs by 0.06 to 0.18 rad.',
    ].join('\n'),
    // A call takes about 10^4 times as long as a straight-line case's: 50 inputs are enough.
    // 16 calls allocate 2.6 MB of array buffers, little enough that V8 does not collect
    // garbage meanwhile.
    settings: { inputs: 50, allocationCalls: 16 },
    parameters: ['k', 'rest', 'a', 'w', 'n'],
    wrt: ['k', 'rest', 'a', 'w'],
    input: (random) => springChainInput(random, SPRINGS),
    primingInput: (random) => springChainInput(random, 16),
    primal: springChain,
    tapeless: grad(springChain, { wrt: ['k', 'rest', 'a', 'w'] }),
    handWritten: springChainHandWritten,
    finiteDifference: springChainFiniteDifference,
  },
  ...ROSENBROCK_SIZES.map(rosenbrockCase),
  benchCase({
    name: 'logisticRegression',
    description: `Mean cross-entropy of a logistic regression on ${SAMPLES.toLocaleString('en-US')} samples of ${FEATURES} features, computed stably with log1p and exp; gradient with respect to w and b`,
    controlFlow: 'loop',
    settings: ARRAY_SETTINGS,
    parameters: ['w', 'b', 'xs', 'ys'],
    wrt: ['w', 'b'],
    notes: [
      'Per sample, the primal computes a dot product of 100 features, one exp and one log1p. The hand-written gradient',
      'computes the dot product and one exp, then adds the row times (σ(z) - y)/n into the gradient of w: two passes over',
      'the row.',
      '',
      'The tapeless gradient needs no value of the loss: its forward loop computes the dot product z of each sample and',
      'keeps it (the result of a loop nested in a loop: one number per sample, in the load stream); its reverse sweep,',
      'in sample order since the samples are independent, reads z back, computes its adjoint (one exp) and adds the row',
      'times it into the gradient of w (`for (let k = 0; k < features; k++)`): two passes over the row, as by hand.',
      '',
      'Before the loop shapes of transformer/modes/reverse/README.md, this gradient took 4.8× the primal and 2.5× the hand-written',
      'one: generated loops were `while (true)` with the pass inside an `if` and its values merged after it, in which',
      'V8 kept the sum boxed (16 MB of heap numbers per call); the counter k was recorded and reloaded; the dot product',
      'was computed again in the reverse sweep; and the sweep walked the samples backwards, which alone made it 1.6×',
      'the hand-written gradient (the rows of xs, 8 MB, read against the hardware prefetcher).',
      '',
      'Memory of the tapeless gradient: the load stream, z for each of the 10,000 samples (extended once, before the',
      'loop, to hold them all), and the record of where each sample starts in it, both kept on the gradient function',
      'between calls: a call allocates 800 bytes of array buffers, its result. The other 160 kB of bytes/call, in the',
      'primal and both gradients alike, are numbers V8 boxes on its heap (10,000 of 16 bytes: one per sample).',
    ].join('\n'),
    input: (random) => logisticInput(random, SAMPLES, FEATURES),
    primingInput: (random) => logisticInput(random, 4, 3),
    primal: logisticLoss,
    tapeless: grad(logisticLoss, { wrt: ['w', 'b'] }),
    handWritten: logisticLossHandWritten,
  }),
  benchCase({
    name: 'mlp',
    description: `Squared error of a ${INPUTS}-${HIDDEN}-${OUTPUTS} perceptron with a tanh hidden layer, on a batch of ${BATCH}; gradient with respect to all weights (W1, b1, W2, b2 of \`model\`)`,
    controlFlow: 'loop',
    settings: ARRAY_SETTINGS,
    parameters: ['model', 'xs', 'targets'],
    wrt: ['model'],
    notes: [
      'Per input, the primal computes the hidden layer, 64 dot products of 784, then 10 of 64. The hand-written gradient',
      "computes the hidden layer once, then, after the output layer's adjoints, adds each unit's adjoint times the input",
      "into W1's gradient: two passes over W1 and the input.",
      '',
      'The tapeless gradient makes two as well: its forward sweep computes the hidden layer, keeping the result z of',
      'each dot product (a loop nested in two loops) in the load stream, and reading h again from its array (each',
      'input writes all of h before the output layer reads it: transformer/modes/reverse/rereads.ts); its',
      'reverse sweep reads z back instead of computing it again, and adds into the gradient of W1 in the order of its',
      'rows (`for (let i_12 = 0; i_12 < inputs; i_12++)`). Before the loop shapes of transformer/modes/reverse/README.md it made',
      'three passes, recording and reloading the counter of each, and took 6.1× the primal and 2.5× the hand-written',
      'gradient.',
      '',
      "Memory of the tapeless gradient: besides the gradient (the hand-written one's 408 KB), the load stream, which",
      'keeps the 4,096 values of z (64 inputs × 64 units), kept on the gradient function between calls with its',
      'records: a call allocates its result. Before h was read again rather than recorded, the stream also kept 40,960',
      'reads of h and about 1 MB of array buffers was allocated per call.',
    ].join('\n'),
    input: (random) => mlpInput(random, BATCH, INPUTS, HIDDEN, OUTPUTS),
    primingInput: (random) => mlpInput(random, 2, 5, 3, 2),
    primal: mlpLoss,
    tapeless: mlpGradient,
    handWritten: mlpLossHandWritten,
  }),

  benchCase({
    name: 'gmm',
    description: `The Gaussian mixture model objective of ADBench, d = ${GMM.d}, K = ${GMM.k}, n = ${GMM.n.toLocaleString('en-US')}: per point and component a triangular matrix-vector product and a squared norm, a log-sum-exp over components per point, and a Wishart prior; gradient with respect to alphas, means and icf`,
    controlFlow: 'loop',
    settings: ARRAY_SETTINGS,
    parameters: ['alphas', 'means', 'icf', 'x', 'wishart', 'wishartC'],
    wrt: ['alphas', 'means', 'icf'],
    notes: [
      'No hand-written gradient: ADBench has several, each hundreds of lines. The peers compute all points and components at',
      'once: K × n × d arrays and one batched product of K × n × d by d × d.',
      '',
      'The tapeless gradient (`gmmObjective_grad_wrt_alphas_means_icf`) records almost nothing. Each pass of the loop over',
      'components writes `centered[j]` and `product[j]` for every j < d before reading them, so the reverse sweep reads them',
      'again from the arrays, which its recomputation of the pass writes again (transformer/modes/reverse/rereads.ts: proved from the',
      "loops' counters and bounds); `qDiagonals` and `logDeterminants` are read after their last write, so they are final;",
      '`logSumExp(terms)` reads below `terms.length`, which the loop over components wrote. The load stream keeps 4',
      "numbers per point and one per component (each component's squared norm, so that recomputing a point does not run",
      "the component loops again), kept between calls: a call allocates its result. The triangular product's sweep adds into",
      '`centered_bar[i]` through a local number (transformer/passes/accumulators.ts), as one would by hand.',
      '',
      'Before these changes it recorded every read of those five arrays, 131 numbers per point and component, 67 MB of',
      'array buffers per call, and took 36× its primal (bench/RESULTS.md at commit 9cb3dac; `node --cpu-prof`: 72% of the',
      'time in the forward sweep, half of it copying the doubling stream). The arithmetic now: the forward pass, the',
      "recomputation of each component's pass for its sweep, and the sweep itself; `node --cpu-prof` puts the largest",
      'share (a sixth) on the sweep of the triangular product, whose l (an index from c·d(d + 1)/2, not provably an',
      'integer) is recorded per pass.',
    ].join('\n'),
    input: (random) => gmmInput(random, GMM.d, GMM.k, GMM.n),
    primingInput: (random) => gmmInput(random, 2, 2, 3),
    primal: gmmObjective,
    tapeless: grad(gmmObjective, { wrt: ['alphas', 'means', 'icf'] }),
  }),
  benchCase({
    name: 'hessian10',
    description:
      'The Hessian of a function of 10 inputs (a loop over a Float64Array with sin, exp and log): hessian(f), forward over reverse, vector passes of 4 lanes seeded in the generated code from their first column; central differences of the tapeless gradient for comparison',
    controlFlow: 'loop',
    overPrimalTarget: 40,
    settings: SCALAR_SETTINGS,
    parameters: ['x'],
    wrt: ['x'],
    input: (random): [Float64Array] => [Float64Array.from({ length: 10 }, () => 2 * random() - 1)],
    primal: coupled,
    tapeless: hessian(coupled),
    finiteDifference: coupledHessianByDifferences,
  }),
  benchCase({
    name: 'jacobianArm',
    description: "The 2×3 Jacobian of a planar arm's forward kinematics (straight-line): jacobian(arm), one vector forward pass of 3 lanes",
    controlFlow: 'straight-line',
    overPrimalTarget: 4,
    settings: SCALAR_SETTINGS,
    ...ARM,
    tapeless: jacobian(arm),
    finiteDifference: (a, b, c) => jacobianByDifferences(arm, [a, b, c]),
  }),
  benchCase({
    name: 'vjpArm',
    description: 'One vector-Jacobian product of the arm: vjp(arm)(a, b, c), then its pullback of [1, 0.5]',
    controlFlow: 'straight-line',
    overPrimalTarget: null,
    settings: SCALAR_SETTINGS,
    ...ARM,
    tapeless: (a, b, c) => armPullback(a, b, c)[1](ARM_COTANGENT),
    finiteDifference: (a, b, c) => {
      const J = jacobianByDifferences(arm, [a, b, c]);
      return J[0].map((_, j) => ARM_COTANGENT[0] * J[0][j] + ARM_COTANGENT[1] * J[1][j]);
    },
  }),
  benchCase({
    name: 'jacobianResiduals',
    description: 'The 40×3 Jacobian of the residuals of a fit (a loop writing a Float64Array): jacobian(residuals), one vector forward pass of 3 lanes',
    controlFlow: 'loop',
    overPrimalTarget: 4,
    settings: SCALAR_SETTINGS,
    parameters: ['amplitude', 'decay', 'frequency'],
    wrt: ['amplitude', 'decay', 'frequency'],
    input: (random): [number, number, number] => [0.5 + random(), 0.1 + 0.5 * random(), 0.8 + random()],
    primal: residuals,
    tapeless: jacobian(residuals),
    finiteDifference: (amplitude, decay, frequency) => jacobianByDifferences(residuals, [amplitude, decay, frequency]),
  }),
  benchCase({
    name: 'hvp10',
    description:
      'The Hessian of the function of hessian10 times a vector: hvp(f)(x, v), one pushforward of the gradient (forward over reverse), no Hessian formed',
    controlFlow: 'loop',
    overPrimalTarget: 5,
    settings: SCALAR_SETTINGS,
    parameters: ['x'],
    wrt: ['x'],
    input: (random): [Float64Array] => [Float64Array.from({ length: 10 }, () => 2 * random() - 1)],
    primal: coupled,
    tapeless: (x) => coupledHvp(x, HVP_DIRECTION),
    finiteDifference: coupledHvpByDifferences,
  }),
  benchCase({
    name: 'jacobianChain8',
    description:
      'The 2×8 Jacobian of a planar chain of 8 links (straight-line): jacobian(chain8), one vector forward pass of 8 lanes; target (1 + k)× for k = 8 columns',
    controlFlow: 'straight-line',
    overPrimalTarget: 9,
    settings: SCALAR_SETTINGS,
    parameters: ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'],
    wrt: ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'],
    input: (random): [number, number, number, number, number, number, number, number] =>
      [0, 0, 0, 0, 0, 0, 0, 0].map(() => 2 * random() - 1) as [number, number, number, number, number, number, number, number],
    primal: chain8,
    tapeless: jacobian(chain8),
    finiteDifference: (...args) => jacobianByDifferences(chain8, args),
  }),
  benchCase({
    name: 'hessianBowl6',
    description:
      'The 6×6 Hessian of a straight-line function of 6 numbers: hessian(bowl6), forward over reverse, one vector pass of 6 lanes; target 3n× for n = 6',
    controlFlow: 'straight-line',
    overPrimalTarget: 18,
    settings: SCALAR_SETTINGS,
    parameters: ['a', 'b', 'c', 'd', 'e', 'f'],
    wrt: ['a', 'b', 'c', 'd', 'e', 'f'],
    input: (random): [number, number, number, number, number, number] =>
      [0, 0, 0, 0, 0, 0].map(() => 2 * random() - 1) as [number, number, number, number, number, number],
    primal: bowl6,
    tapeless: hessian(bowl6),
    finiteDifference: (...args) => hessianByDifferences(bowl6Gradient, args),
  }),
];
