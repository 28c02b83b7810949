import { valueAndGrad } from 'tapeless';

/** The Rosenbrock function: a curved valley with its minimum 0 at (1, 1). */
export function rosenbrock(x: number, y: number): number {
  const a = 1 - x;
  const b = y - x * x;
  return a * a + 100 * b * b;
}

const rosenbrockWithGradient = valueAndGrad(rosenbrock);

/** Gradient descent with momentum from (x, y); returns the last point and its value. */
export function minimize(x: number, y: number, steps: number, rate = 1e-3, momentum = 0.9) {
  let vx = 0;
  let vy = 0;
  const trace: { step: number; x: number; y: number; value: number }[] = [];
  for (let step = 0; step <= steps; step++) {
    const [value, [gx, gy]] = rosenbrockWithGradient(x, y);
    if (step % (steps / 5) === 0) trace.push({ step, x, y, value });
    vx = momentum * vx - rate * gx;
    vy = momentum * vy - rate * gy;
    x += vx;
    y += vy;
  }
  return trace;
}
