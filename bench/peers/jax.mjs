// The array cases of bench/cases.ts in jax-js: the same losses in jax.numpy operations, in
// float64, differentiated by `grad` and compiled by `jit`, on the WebAssembly device (the
// only one jax-js has in Node besides its debugging "cpu" interpreter).

/** Starts the WebAssembly device. */
export async function load() {
  // jax-js tests `data instanceof Float16Array` whenever it makes an array, and Node before
  // 24 has no Float16Array. Nothing here is float16: a class that no value is an instance of
  // is enough.
  globalThis.Float16Array ??= class Float16Array {};
  const jax = await import('@jax-js/jax');
  // Only this device: starting them all probes WebGPU through `navigator`, which Node 20 lacks.
  const devices = await jax.init('wasm');
  if (!devices.includes('wasm')) throw new Error(`jax-js started no WebAssembly device (devices: ${devices.join(', ') || 'none'})`);
  jax.defaultDevice('wasm');
  return {
    // float64 arrays and arithmetic, but the WebAssembly kernels of exp, log and tanh take and
    // return f32 (jax-js 0.1.25): those functions are only as accurate as in float32.
    precision: 'float64, with exp, log and tanh in float32',
    tolerance: 1e-6,
    // jax-js runs its WebAssembly kernels in workers only where there is a global `Worker`,
    // which Node has not: one thread, as every other variant.
    api: '`jit(grad(f))`, WebAssembly device, one thread',
    cases: { logisticRegression: (...args) => logisticRegression(jax, ...args), mlp: (...args) => mlp(jax, ...args) },
  };
}

/**
 * Each case converts its arguments to float64 arrays once, and returns `gradient`, which
 * computes the gradient and reads it back into JavaScript (`dataSync`) in the shape of the
 * hand-written gradient, and `dispose`, which frees the arrays and the compiled function.
 *
 * jax-js counts references: a function takes ownership of the arrays passed to it, so an
 * array used again is passed as `a.ref`.
 */
function logisticRegression({ numpy: np, grad, jit }, w, b, xs, ys) {
  const [features, samples] = [w.length, ys.length];
  const float64 = { dtype: np.float64 };
  const X = np.array(xs, float64).reshape([samples, features]);
  const Y = np.array(ys, float64);
  const parameters = { w: np.array(w, float64), b: np.array(b, float64) };
  // softplus(z) - y z, with softplus(z) = max(z, 0) + log1p(exp(-|z|)), as in bench/cases.ts
  // (jax-js's nn.softplus is log(exp(z) + 1), which overflows for large z).
  const loss = ({ w, b }, X, Y) => {
    const z = np.matmul(X, w).add(b);
    const softplus = np.maximum(z.ref, 0).add(np.log1p(np.exp(np.negative(np.abs(z.ref)))));
    return np.mean(softplus.sub(Y.mul(z)));
  };
  const gradients = jit(grad(loss));
  return {
    gradient: () => {
      const bars = gradients({ w: parameters.w.ref, b: parameters.b.ref }, X.ref, Y.ref);
      return [bars.w.dataSync(), bars.b.dataSync()[0]];
    },
    dispose: () => {
      for (const array of [X, Y, parameters.w, parameters.b]) array.dispose();
      gradients.dispose();
    },
  };
}

function mlp({ numpy: np, grad, jit }, model, xs, targets) {
  const [hidden, outputs] = [model.b1.length, model.b2.length];
  const inputs = model.W1.length / hidden;
  const batch = xs.length / inputs;
  const float64 = { dtype: np.float64 };
  const X = np.array(xs, float64).reshape([batch, inputs]);
  const T = np.array(targets, float64).reshape([batch, outputs]);
  const parameters = {
    W1: np.array(model.W1, float64).reshape([hidden, inputs]),
    b1: np.array(model.b1, float64),
    W2: np.array(model.W2, float64).reshape([outputs, hidden]),
    b2: np.array(model.b2, float64),
  };
  const loss = ({ W1, b1, W2, b2 }, X, T) => {
    const h = np.tanh(np.matmul(X, W1.transpose()).add(b1));
    const d = np.matmul(h, W2.transpose()).add(b2).sub(T);
    return np.sum(d.ref.mul(d)).mul(0.5 / batch);
  };
  const gradients = jit(grad(loss));
  return {
    gradient: () => {
      const owned = Object.fromEntries(Object.entries(parameters).map(([key, array]) => [key, array.ref]));
      const bars = gradients(owned, X.ref, T.ref);
      return { W1: bars.W1.dataSync(), b1: bars.b1.dataSync(), W2: bars.W2.dataSync(), b2: bars.b2.dataSync() };
    },
    dispose: () => {
      for (const array of [X, T, ...Object.values(parameters)]) array.dispose();
      gradients.dispose();
    },
  };
}
