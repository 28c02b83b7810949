import { grad } from 'tapeless';

function square(x: number): number {
  return x * x;
}

/** Distance of (x, y) from the unit circle, squared: calls a helper twice. */
export function ring(x: number, y: number): number {
  const radius = Math.sqrt(square(x) + square(y));
  return square(radius - 1);
}

export const ringGradient = grad(ring);
