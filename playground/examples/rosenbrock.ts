// Gradient descent with momentum down Rosenbrock's curved valley, to its minimum at (1, 1).
// Exported arrays are plotted: [x, y] pairs as paths, numbers by step.
import { valueAndGrad } from 'tapeless';

function rosenbrock(x: number, y: number): number {
  const a = 1 - x;
  const b = y - x * x;
  return a * a + 100 * b * b;
}

const valueAndGradient = valueAndGrad(rosenbrock);

export const path: [number, number][] = [];
export const loss: number[] = [];
export const minimum: [number, number][] = [[1, 1]];

let [x, y] = [-1.2, 1];
let [vx, vy] = [0, 0];
const rate = 0.001;
const momentum = 0.9;
for (let step = 0; step < 1500; step++) {
  const [value, [gx, gy]] = valueAndGradient(x, y);
  path.push([x, y]);
  loss.push(value);
  vx = momentum * vx - rate * gx;
  vy = momentum * vy - rate * gy;
  x += vx;
  y += vy;
}
console.log(`after ${loss.length} steps: (${x.toFixed(4)}, ${y.toFixed(4)}), loss ${loss[loss.length - 1].toExponential(2)}`);
