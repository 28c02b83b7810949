import { derivative, grad, hessian, valueAndGrad } from 'tapeless';
import { f } from './seed.js';
import { minimize } from './rosenbrock.js';
import { fit } from './regression.js';
import { crossEntropy, logSumExpAll } from './stable.js';

const x = 0.5;
const [value, gradient] = valueAndGrad(f)(x);
console.log(`seed: f(${x}) = ${value}`);
console.log(`      f'(${x}) = ${gradient}  (grad(f)(${x}) = ${grad(f)(x)})`);

console.log('\ngradient descent with momentum on Rosenbrock, from (-1.2, 1):');
for (const { step, x, y, value } of minimize(-1.2, 1, 5_000)) {
  console.log(`  step ${String(step).padStart(6)}: (x, y) = (${x.toFixed(6)}, ${y.toFixed(6)})  f = ${value.toExponential(3)}`);
}

// Linear regression on data from y = 2 x0 - 3 x1 + 0.5 (plus a little deterministic noise).
const rows = 200;
const xs = new Float64Array(rows * 2);
const ys = new Float64Array(rows);
for (let i = 0; i < rows; i++) {
  xs[2 * i] = Math.sin(i);
  xs[2 * i + 1] = Math.cos(1.7 * i);
  ys[i] = 2 * xs[2 * i] - 3 * xs[2 * i + 1] + 0.5 + 0.01 * Math.sin(13 * i);
}
const model = { w: new Float64Array(2), b: 0 };
const losses = fit(model, xs, ys, 400, 0.5, 100);
console.log('\nlinear regression by gradient descent (grad of a loss over Float64Arrays):');
console.log(`  loss every 100 steps: ${losses.map((loss) => loss.toExponential(2)).join(', ')}`);
console.log(`  fitted w = [${[...model.w].map((v) => v.toFixed(4)).join(', ')}], b = ${model.b.toFixed(4)}  (true: [2, -3], 0.5)`);

// Forward mode and second order: the derivative along one input, and a Hessian (forward over reverse).
const rosenbrock = (x: number, y: number) => (1 - x) ** 2 + 100 * (y - x * x) ** 2;
console.log('\nforward mode and Hessians on Rosenbrock at (1, 1):');
console.log(`  d/dx = ${derivative(rosenbrock)(1, 1)}, Hessian = ${JSON.stringify(hessian(rosenbrock)(1, 1))}  (by hand: [[802, -400], [-400, 200]])`);

// Custom derivative rules keep gradients finite where the source would overflow.
console.log('\nstable functions with their own derivative rules (withDerivative):');
console.log(`  d/dz crossEntropy(z = -1000, label 1) = ${grad(crossEntropy, { wrt: 'z' })(-1000, 1)}  (the source's derivative would be NaN)`);
const logits = Float64Array.of(1000, 999, -5);
console.log(`  grad logSumExp([1000, 999, -5]) = [${[...grad(logSumExpAll)(logits)].map((v) => v.toFixed(6)).join(', ')}]  (softmax weights)`);
