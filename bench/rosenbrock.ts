// Rosenbrock's function in n dimensions (the "extended" form of Dixon and Szegő): a loop
// over the n - 1 neighbouring pairs, each term a curved valley as in examples/rosenbrock.ts.

/** Σ (1 - x_i)² + 100 (x_(i+1) - x_i²)², over i from 0 to n - 2. */
export function rosenbrockN(x: Float64Array): number {
  let total = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = 1 - x[i];
    const b = x[i + 1] - x[i] * x[i];
    total += a * a + 100 * b * b;
  }
  return total;
}

/** The gradient by hand: each term adds to the gradient of x_i and of x_(i+1). */
export function rosenbrockNHandWritten(x: Float64Array): Float64Array {
  const n = x.length;
  const gradient = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) {
    const xi = x[i];
    const a = 1 - xi;
    const b = 200 * (x[i + 1] - xi * xi);
    gradient[i] += -2 * a - 2 * b * xi;
    gradient[i + 1] += b;
  }
  return gradient;
}

/** Central differences, one pair of primal calls per entry (x is changed in place and restored exactly). */
export function rosenbrockNFiniteDifference(x: Float64Array): Float64Array {
  const gradient = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const value = x[i];
    const h = 6e-6 * Math.max(1, Math.abs(value));
    x[i] = value + h;
    const above = rosenbrockN(x);
    x[i] = value - h;
    const below = rosenbrockN(x);
    x[i] = value;
    gradient[i] = (above - below) / (2 * h);
  }
  return gradient;
}

/** A point around the valley's floor: each x_i in [-1.5, 1.5]. */
export function rosenbrockNInput(random: () => number, n: number): [x: Float64Array] {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 3 * random() - 1.5;
  return [x];
}
