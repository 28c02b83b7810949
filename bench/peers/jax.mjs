// The cases of bench/cases.ts in jax-js: the same functions in jax.numpy operations, in
// float64, differentiated by `grad` and compiled by `jit`, on the WebAssembly device (the
// only one jax-js has in Node besides its debugging "cpu" interpreter).
import { gmmFactorLayout } from './peers.mjs';

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
    // float64 arrays and arithmetic, but the compiled WebAssembly kernels of exp, log, sin,
    // cos and tanh compute in float32 (jax-js 0.1.25: jit(np.sin) of 12345.678 is off by
    // 9·10⁻⁵): those functions are only as accurate as in float32.
    precision: 'float64, with exp, log, sin, cos and tanh in float32',
    tolerance: 1e-6,
    // jax-js runs its WebAssembly kernels in workers only where there is a global `Worker`,
    // which Node has not: one thread, as every other variant.
    api: '`jit(grad(f))`, WebAssembly device, one thread',
    cases: Object.fromEntries(Object.entries({ seed, springChain, rosenbrock, logisticRegression, mlp, gmm, hessian10, hvp10 }).map(([name, prepare]) => [name, (...args) => prepare(jax, ...args)])),
  };
}

/**
 * Each case takes the first draw of its arguments and returns `gradient`, which takes the
 * case's arguments, computes the gradient and reads it back into JavaScript (`dataSync`) in
 * the shape of the tapeless gradient, and `dispose`, which frees the arrays and the compiled
 * function. A case over numbers makes its arrays at each call; a case over arrays converts
 * them to float64 arrays once, and its `gradient` ignores its arguments.
 *
 * jax-js counts references: a function takes ownership of the arrays passed to it, so an
 * array used again is passed as `a.ref`.
 */
function seed({ numpy: np, grad, jit }) {
  const gradient = jit(
    grad((x) => {
      const a = x.ref.mul(x);
      const c = a.ref.add(np.exp(a));
      return np.sqrt(c.ref).add(np.cos(c));
    }),
  );
  return { gradient: (x) => gradient(np.array(x, { dtype: np.float64 })).dataSync()[0], dispose: () => gradient.dispose() };
}

/** The spring chain of examples/springs.ts: positions for all i at once, then the stretches between neighbours. */
function springChain({ numpy: np, grad, jit }, ...args) {
  const n = args[4];
  const float64 = { dtype: np.float64 };
  const I = np.arange(1, n + 1, 1, float64);
  const gradients = jit(
    grad(({ k, rest, a, w }, I) => {
      const positions = I.ref.add(a.mul(np.sin(w.mul(I))));
      const previous = np.concatenate([np.zeros([1], float64), positions.ref.slice([0, n - 1])]);
      const stretch = positions.sub(previous).sub(rest);
      return k.mul(0.5).mul(np.sum(stretch.ref.mul(stretch)));
    }),
  );
  return {
    gradient: (k, rest, a, w) => {
      const parameters = Object.fromEntries(Object.entries({ k, rest, a, w }).map(([key, value]) => [key, np.array(value, float64)]));
      const bars = gradients(parameters, I.ref);
      return ['k', 'rest', 'a', 'w'].map((key) => bars[key].dataSync()[0]);
    },
    dispose: () => {
      I.dispose();
      gradients.dispose();
    },
  };
}

function rosenbrock({ numpy: np, grad, jit }, x) {
  const n = x.length;
  const X = np.array(x, { dtype: np.float64 });
  const gradient = jit(
    grad((x) => {
      const head = x.ref.slice([0, n - 1]);
      const a = head.ref.neg().add(1);
      const b = x.slice([1]).sub(head.ref.mul(head));
      return np.sum(a.ref.mul(a).add(b.ref.mul(b).mul(100)));
    }),
  );
  return {
    gradient: () => gradient(X.ref).dataSync(),
    dispose: () => {
      X.dispose();
      gradient.dispose();
    },
  };
}

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

/** The GMM objective of bench/gmm.ts, as in tfjs.mjs: all points and components at once. */
function gmm({ numpy: np, nn, grad, jit }, alphas, means, icf, x, wishart, wishartC) {
  const k = alphas.length;
  const d = means.length / k;
  const n = x.length / d;
  const size = (d * (d + 1)) / 2;
  const float64 = { dtype: np.float64 };
  const X = np.array(x, float64).reshape([1, n, d]);
  const layout = np.array(gmmFactorLayout(d), float64).reshape([size, d * d]);
  const parameters = { alphas: np.array(alphas, float64), means: np.array(means, float64).reshape([k, 1, d]), icf: np.array(icf, float64).reshape([k, size]) };
  const constant = -0.5 * n * d * Math.log(2 * Math.PI) - k * wishartC;
  const loss = ({ alphas, means, icf }, X, layout) => {
    const logDiagonals = icf.ref.slice([], [0, d]);
    const below = icf.slice([], [d]);
    const diagonals = np.exp(logDiagonals.ref);
    const factors = np.matmul(np.concatenate([diagonals.ref, below.ref], 1), layout).reshape([k, d, d]);
    const products = np.matmul(X.sub(means), factors.transpose([0, 2, 1]));
    const squares = np.sum(products.ref.mul(products), 2);
    const logDeterminants = np.sum(logDiagonals, 1);
    const terms = alphas.ref.add(logDeterminants.ref).reshape([k, 1]).sub(squares.mul(0.5));
    const frobenius = np.sum(diagonals.ref.mul(diagonals)).add(np.sum(below.ref.mul(below)));
    const prior = frobenius.mul(0.5 * wishart.gamma * wishart.gamma).sub(np.sum(logDeterminants).mul(wishart.m));
    return np.sum(nn.logsumexp(terms, 0)).sub(nn.logsumexp(alphas).mul(n)).add(prior).add(constant);
  };
  const gradients = jit(grad(loss));
  return {
    gradient: () => {
      const owned = Object.fromEntries(Object.entries(parameters).map(([key, array]) => [key, array.ref]));
      const bars = gradients(owned, X.ref, layout.ref);
      return [bars.alphas.dataSync(), bars.means.dataSync(), bars.icf.dataSync()];
    },
    dispose: () => {
      for (const array of [X, layout, ...Object.values(parameters)]) array.dispose();
      gradients.dispose();
    },
    // float32 exp and log.
    tolerance: 1e-5,
  };
}

/** The function of hessian10 and hvp10 (bench/cases.ts, `coupled`): x[(i + 1) % n] is x rotated by one. */
function coupled(np, x) {
  const next = np.concatenate([x.ref.slice([1]), x.ref.slice([0, 1])]);
  const sum = np.sum(np.sin(x.ref).mul(next));
  const squares = np.sum(x.ref.mul(x.ref));
  const exps = np.sum(np.exp(x));
  return sum.add(squares.ref.mul(squares).mul(0.5)).add(np.log(exps.add(1)));
}

/** `jit(hessian(f))`: jax-js's hessian is jacfwd(grad(f)). Arrays are made at each call, as the tapeless Hessian takes x. */
function hessian10({ numpy: np, hessian, jit }) {
  const float64 = { dtype: np.float64 };
  const H = jit(hessian((x) => coupled(np, x)));
  return {
    gradient: (x) => {
      const n = x.length;
      const flat = H(np.array(x, float64)).dataSync();
      return Array.from({ length: n }, (_, i) => Array.from(flat.subarray(i * n, (i + 1) * n)));
    },
    dispose: () => H.dispose(),
  };
}

/** `jit((x, v) => jvp(grad(f), [x], [v])[1])`: forward over reverse, the direction of bench/cases.ts. */
function hvp10({ numpy: np, grad, jvp, jit }, x) {
  const float64 = { dtype: np.float64 };
  const direction = np.array(
    Float64Array.from({ length: x.length }, (_, i) => Math.cos(i)),
    float64,
  );
  const product = jit((x, v) => jvp(grad((y) => coupled(np, y)), [x], [v])[1]);
  return {
    gradient: (x) => product(np.array(x, float64), direction.ref).dataSync(),
    dispose: () => {
      direction.dispose();
      product.dispose();
    },
  };
}
