import { grad, valueAndGrad } from 'tapeless';
import { f } from './seed.js';
import { minimize } from './rosenbrock.js';

const x = 0.5;
const [value, gradient] = valueAndGrad(f)(x);
console.log(`seed: f(${x}) = ${value}`);
console.log(`      f'(${x}) = ${gradient}  (grad(f)(${x}) = ${grad(f)(x)})`);

console.log('\ngradient descent with momentum on Rosenbrock, from (-1.2, 1):');
for (const { step, x, y, value } of minimize(-1.2, 1, 5_000)) {
  console.log(`  step ${String(step).padStart(6)}: (x, y) = (${x.toFixed(6)}, ${y.toFixed(6)})  f = ${value.toExponential(3)}`);
}
