// Newton's method with the exact Hessian: the valley that gradient descent needs a thousand
// steps for (the Rosenbrock example) takes a handful.
import { grad, hessian } from 'tapeless';

function rosenbrock(x: number, y: number): number {
  const a = 1 - x;
  const b = y - x * x;
  return a * a + 100 * b * b;
}

const gradient = grad(rosenbrock);
const curvature = hessian(rosenbrock); // [[∂²f/∂x², ∂²f/∂x∂y], [∂²f/∂y∂x, ∂²f/∂y²]]

export const path: [number, number][] = [];
export const loss: number[] = [];
let [x, y] = [-1.2, 1];
for (let step = 0; step < 8; step++) {
  path.push([x, y]);
  loss.push(rosenbrock(x, y));
  // Solve H · d = g for the Newton step d (a 2 × 2 system).
  const [gx, gy] = gradient(x, y);
  const [[hxx, hxy], [hyx, hyy]] = curvature(x, y);
  const det = hxx * hyy - hxy * hyx;
  x -= (hyy * gx - hxy * gy) / det;
  y -= (hxx * gy - hyx * gx) / det;
}

console.log(`Hessian at (-1.2, 1): ${JSON.stringify(curvature(-1.2, 1))}`);
console.log(`after ${path.length} Newton steps: (${x}, ${y})`);
