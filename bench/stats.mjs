// Small helpers shared by the benchmark's scripts.

export function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

/** The `p`-quantile of `values`, interpolated linearly between order statistics. */
export function quantile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

export function median(values) {
  return quantile(values, 0.5);
}

/** Three decimals: well below the noise of any timing. */
export function rounded(value) {
  return Math.round(value * 1000) / 1000;
}

/** The numbers of a gradient: a number, a typed array, a tuple of them, or an object of them (fields in sorted order). */
export function flatten(gradient) {
  if (typeof gradient === 'number') return [gradient];
  if (ArrayBuffer.isView(gradient)) return Array.from(gradient);
  if (Array.isArray(gradient)) return gradient.flatMap(flatten);
  return Object.keys(gradient)
    .sort()
    .flatMap((field) => flatten(gradient[field]));
}

/** A small seeded generator, so that every run times the same inputs. */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
