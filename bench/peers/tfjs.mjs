// The cases of bench/cases.ts in TensorFlow.js: the same functions in tensor operations,
// differentiated by `tf.grads` on the CPU backend (pure JavaScript; the native tfjs-node
// downloads a binary when installed). TensorFlow.js computes in float32 only.
import * as tf from '@tensorflow/tfjs';
import { gmmFactorLayout } from './peers.mjs';

/** Selects the CPU backend; production mode only silences tfjs's advice to install tfjs-node. */
export async function load() {
  tf.enableProdMode();
  if (!(await tf.setBackend('cpu'))) throw new Error('the CPU backend of TensorFlow.js did not start');
  return {
    precision: 'float32',
    /** Largest difference from the hand-written gradient expected, relative to its largest entry. */
    tolerance: 1e-5,
    api: '`tf.grads`, CPU backend',
    cases: { seed, springChain, rosenbrock, logisticRegression, mlp, gmm },
  };
}

/** tfjs takes no Float64Array: the values rounded to float32. */
function float32(values) {
  return Float32Array.from(values);
}

/** The gradients `grads` returns for `inputs()`, both made inside `tf.tidy`, read back into JavaScript and freed. */
function readGradients(grads, inputs) {
  const bars = tf.tidy(() => grads(inputs()));
  const values = bars.map((bar) => bar.dataSync());
  tf.dispose(bars);
  return values;
}

/**
 * Each case takes the first draw of its arguments and returns `gradient`, which takes the
 * case's arguments, computes the gradient and reads it back into JavaScript (`dataSync`) in
 * the shape of the tapeless gradient, and `dispose`, which frees the tensors. A case over
 * numbers makes its scalars at each call; a case over arrays converts them to tensors once,
 * and its `gradient` ignores its arguments. A case may give its own `tolerance`.
 */
function seed() {
  const grads = tf.grads((x) => {
    const a = tf.mul(x, x);
    const c = tf.add(a, tf.exp(a));
    return tf.add(tf.sqrt(c), tf.cos(c));
  });
  return { gradient: (x) => readGradients(grads, () => [tf.scalar(x, 'float32')])[0][0], dispose: () => {} };
}

/** The spring chain of examples/springs.ts: positions for all i at once, then the stretches between neighbours. */
function springChain(...args) {
  const n = args[4];
  const i = tf.range(1, n + 1, 1, 'float32');
  const grads = tf.grads((k, rest, a, w) => {
    const positions = tf.add(i, tf.mul(a, tf.sin(tf.mul(w, i))));
    const previous = tf.concat([tf.zeros([1]), tf.slice(positions, 0, n - 1)]);
    const stretch = tf.sub(tf.sub(positions, previous), rest);
    return tf.mul(tf.mul(0.5, k), tf.sum(tf.square(stretch)));
  });
  return {
    gradient: (k, rest, a, w) => readGradients(grads, () => [k, rest, a, w].map((value) => tf.scalar(value, 'float32'))).map((bar) => bar[0]),
    dispose: () => tf.dispose(i),
    // float32: at i = 10^4 the phase w·i is known to about 10⁻³ rad.
    tolerance: 1e-2,
  };
}

function rosenbrock(x) {
  const n = x.length;
  const X = tf.tensor1d(float32(x), 'float32');
  const grads = tf.grads((x) => {
    const head = tf.slice(x, 0, n - 1);
    const a = tf.sub(1, head);
    const b = tf.sub(tf.slice(x, 1, n - 1), tf.square(head));
    return tf.sum(tf.add(tf.square(a), tf.mul(100, tf.square(b))));
  });
  return { gradient: () => readGradients(grads, () => [X])[0], dispose: () => tf.dispose(X) };
}

function logisticRegression(w, b, xs, ys) {
  const [features, samples] = [w.length, ys.length];
  const X = tf.tensor2d(float32(xs), [samples, features], 'float32');
  const Y = tf.tensor1d(float32(ys), 'float32');
  const parameters = [tf.tensor2d(float32(w), [features, 1], 'float32'), tf.scalar(b, 'float32')];
  // softplus(z) - y z, with softplus(z) = max(z, 0) + log1p(exp(-|z|)), as in bench/cases.ts
  // (and in tf.losses.sigmoidCrossEntropy).
  const loss = (weights, bias) => {
    const z = tf.add(tf.reshape(tf.matMul(X, weights), [samples]), bias);
    return tf.mean(tf.sub(tf.add(tf.relu(z), tf.log1p(tf.exp(tf.neg(tf.abs(z))))), tf.mul(Y, z)));
  };
  const grads = tf.grads(loss);
  return {
    gradient: () => {
      const [wBar, bBar] = readGradients(grads, () => parameters);
      return [wBar, bBar[0]];
    },
    dispose: () => tf.dispose([X, Y, ...parameters]),
  };
}

function mlp(model, xs, targets) {
  const [hidden, outputs] = [model.b1.length, model.b2.length];
  const inputs = model.W1.length / hidden;
  const batch = xs.length / inputs;
  const X = tf.tensor2d(float32(xs), [batch, inputs], 'float32');
  const T = tf.tensor2d(float32(targets), [batch, outputs], 'float32');
  const parameters = [
    tf.tensor2d(float32(model.W1), [hidden, inputs], 'float32'),
    tf.tensor1d(float32(model.b1), 'float32'),
    tf.tensor2d(float32(model.W2), [outputs, hidden], 'float32'),
    tf.tensor1d(float32(model.b2), 'float32'),
  ];
  const loss = (W1, b1, W2, b2) => {
    const h = tf.tanh(tf.add(tf.matMul(X, W1, false, true), b1));
    const d = tf.sub(tf.add(tf.matMul(h, W2, false, true), b2), T);
    return tf.mul(tf.sum(tf.square(d)), 0.5 / batch);
  };
  const grads = tf.grads(loss);
  return {
    gradient: () => {
      const [W1, b1, W2, b2] = readGradients(grads, () => parameters);
      return { W1, b1, W2, b2 };
    },
    dispose: () => tf.dispose([X, T, ...parameters]),
  };
}

/**
 * The GMM objective of bench/gmm.ts for all points and components at once: each component's
 * factor Q from its parameters by a product with `gmmFactorLayout`, then Q (x - μ) as one
 * batched product of K × n × d, log-sum-exp over components.
 */
function gmm(alphas, means, icf, x, wishart, wishartC) {
  const k = alphas.length;
  const d = means.length / k;
  const n = x.length / d;
  const size = (d * (d + 1)) / 2;
  const X = tf.tensor2d(float32(x), [n, d], 'float32');
  const layout = tf.tensor2d(float32(gmmFactorLayout(d)), [size, d * d], 'float32');
  const parameters = [tf.tensor1d(float32(alphas), 'float32'), tf.tensor2d(float32(means), [k, d], 'float32'), tf.tensor2d(float32(icf), [k, size], 'float32')];
  const loss = (alphas, means, icf) => {
    const logDiagonals = tf.slice(icf, [0, 0], [k, d]);
    const diagonals = tf.exp(logDiagonals);
    const below = tf.slice(icf, [0, d], [k, size - d]);
    const factors = tf.reshape(tf.matMul(tf.concat([diagonals, below], 1), layout), [k, d, d]);
    const centered = tf.sub(tf.expandDims(X, 0), tf.expandDims(means, 1));
    const squares = tf.sum(tf.square(tf.matMul(centered, factors, false, true)), 2);
    const logDeterminants = tf.sum(logDiagonals, 1);
    const terms = tf.sub(tf.expandDims(tf.add(alphas, logDeterminants), 1), tf.mul(0.5, squares));
    const frobenius = tf.add(tf.sum(tf.square(diagonals)), tf.sum(tf.square(below)));
    const prior = tf.sub(tf.mul(0.5 * wishart.gamma * wishart.gamma, frobenius), tf.mul(wishart.m, tf.sum(logDeterminants)));
    const constant = -0.5 * n * d * Math.log(2 * Math.PI) - k * wishartC;
    return tf.add(tf.sub(tf.sum(tf.logSumExp(terms, 0)), tf.mul(n, tf.logSumExp(alphas))), tf.add(prior, constant));
  };
  const grads = tf.grads(loss);
  return {
    gradient: () => readGradients(grads, () => parameters),
    dispose: () => tf.dispose([X, layout, ...parameters]),
    // float32 sums of 1000 points' terms.
    tolerance: 1e-4,
  };
}
