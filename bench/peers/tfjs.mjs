// The array cases of bench/cases.ts in TensorFlow.js: the same losses in tensor operations,
// differentiated by `tf.grads` on the CPU backend (pure JavaScript; the native tfjs-node
// downloads a binary when installed). TensorFlow.js computes in float32 only.
import * as tf from '@tensorflow/tfjs';

/** Selects the CPU backend; production mode only silences tfjs's advice to install tfjs-node. */
export async function load() {
  tf.enableProdMode();
  if (!(await tf.setBackend('cpu'))) throw new Error('the CPU backend of TensorFlow.js did not start');
  return {
    precision: 'float32',
    /** Largest difference from the hand-written gradient expected, relative to its largest entry. */
    tolerance: 1e-5,
    api: '`tf.grads`, CPU backend',
    cases: { logisticRegression, mlp },
  };
}

/** tfjs takes no Float64Array: the values rounded to float32. */
function float32(values) {
  return Float32Array.from(values);
}

/**
 * Each case converts its arguments to tensors once, and returns `gradient`, which computes
 * the gradient and reads it back into JavaScript (`dataSync`) in the shape of the
 * hand-written gradient, and `dispose`, which frees the tensors.
 */
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
  const gradients = tf.grads(loss);
  return {
    gradient: () => {
      const [wBar, bBar] = tf.tidy(() => gradients(parameters));
      const result = [wBar.dataSync(), bBar.dataSync()[0]];
      tf.dispose([wBar, bBar]);
      return result;
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
  const gradients = tf.grads(loss);
  return {
    gradient: () => {
      const bars = tf.tidy(() => gradients(parameters));
      const [W1, b1, W2, b2] = bars.map((bar) => bar.dataSync());
      tf.dispose(bars);
      return { W1, b1, W2, b2 };
    },
    dispose: () => tf.dispose([X, T, ...parameters]),
  };
}
