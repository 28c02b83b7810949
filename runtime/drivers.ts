/**
 * The drivers of `jacobian`, `hessian` and `vjp`: they call generated derivative code once per
 * column (a pushforward along each unit tangent) or once per row (a gradient), and lay the
 * results out as `number[][]`. The transformer copies the functions a file needs into that
 * file (renamed), so generated code imports nothing from tapeless at run time.
 *
 * Values are flattened in order: parameters in order, array elements by index (nested
 * arrays row by row), object fields by name (sorted, so that an object and its gradient,
 * whose keys may have been added in another order, flatten alike).
 */

type Value = number | ArrayLike<unknown> | { readonly [key: string]: unknown };

/** A zero of the same shape: numbers become 0, arrays and objects are copied with zeros. */
export function zerosLike(value: unknown): unknown {
  if (typeof value === 'number') return 0;
  if (value instanceof Float64Array || value instanceof Float32Array) return new (value.constructor as Float64ArrayConstructor)(value.length);
  if (Array.isArray(value)) return value.map(zerosLike);
  const zeros: Record<string, unknown> = {};
  for (const key of Object.keys(value as object)) zeros[key] = zerosLike((value as Record<string, unknown>)[key]);
  return zeros;
}

/** Where each number of `values` lives: its container and key, in flattening order. */
export function numberSlots(values: unknown[]): [Record<string | number, unknown>, string | number][] {
  const slots: [Record<string | number, unknown>, string | number][] = [];
  const visit = (container: Record<string | number, unknown>, key: string | number): void => {
    const value = container[key] as Value;
    if (typeof value === 'number') slots.push([container, key]);
    else if (value instanceof Float64Array || value instanceof Float32Array || Array.isArray(value)) for (let i = 0; i < value.length; i++) visit(value as unknown as Record<number, unknown>, i);
    else for (const field of Object.keys(value).sort()) visit(value as Record<string, unknown>, field);
  };
  for (let i = 0; i < values.length; i++) visit(values as unknown as Record<number, unknown>, i);
  return slots;
}

/** How many numbers a value holds. */
export function countNumbers(value: unknown): number {
  if (typeof value === 'number') return 1;
  if (value instanceof Float64Array || value instanceof Float32Array) return value.length;
  let count = 0;
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) count += countNumbers(value[i]);
  else for (const key of Object.keys(value as object)) count += countNumbers((value as Record<string, unknown>)[key]);
  return count;
}

/** Appends the numbers of a value to `numbers`, in flattening order. */
export function flattenInto(value: unknown, numbers: number[]): void {
  if (typeof value === 'number') numbers.push(value);
  else if (value instanceof Float64Array || value instanceof Float32Array || Array.isArray(value)) for (let i = 0; i < value.length; i++) flattenInto(value[i], numbers);
  else for (const key of Object.keys(value as object).sort()) flattenInto((value as Record<string, unknown>)[key], numbers);
}

/** The numbers of a value, in flattening order. */
export function flatten(value: unknown): number[] {
  const numbers: number[] = [];
  flattenInto(value, numbers);
  return numbers;
}

/**
 * The Jacobian from pushforwards, one column per input number: `tangentOf` receives the
 * inputs' tangents (zero but for one 1) and returns the output's tangent. Each column goes
 * straight into the rows (one scratch array per call, not one array per column).
 */
export function jacobianByColumns(tangentOf: (tangents: unknown[]) => unknown, inputs: readonly unknown[]): number[][] {
  const tangents = inputs.map(zerosLike);
  const slots = numberSlots(tangents);
  const matrix: number[][] = [];
  const column: number[] = [];
  for (let j = 0; j < slots.length; j++) {
    const [container, key] = slots[j];
    container[key] = 1;
    column.length = 0;
    flattenInto(tangentOf(tangents), column);
    container[key] = 0;
    if (j === 0) for (let i = 0; i < column.length; i++) matrix.push([]);
    for (let i = 0; i < column.length; i++) matrix[i].push(column[i]);
  }
  if (slots.length === 0) for (let i = countNumbers(tangentOf(tangents)); i > 0; i--) matrix.push([]);
  return matrix;
}

/**
 * The Jacobian from vector-Jacobian products, one row per output number: `gradientOf`
 * receives a cotangent shaped like `output` (zero but for one 1) and returns the gradient.
 */
export function jacobianByRows(gradientOf: (cotangent: unknown) => unknown, output: unknown): number[][] {
  if (typeof output === 'number') return [flatten(gradientOf(1))];
  const cotangent = zerosLike(output);
  const rows: number[][] = [];
  for (const [container, key] of numberSlots([cotangent])) {
    container[key] = 1;
    rows.push(flatten(gradientOf(cotangent)));
    container[key] = 0;
  }
  return rows;
}

/** The Jacobian by forward mode where f has fewer inputs than outputs, by reverse mode otherwise. */
export function jacobian(tangentOf: (tangents: unknown[]) => unknown, gradientOf: (cotangent: unknown) => unknown, inputs: readonly unknown[], output: unknown): number[][] {
  return countNumbers(inputs) < countNumbers(output) ? jacobianByColumns(tangentOf, inputs) : jacobianByRows(gradientOf, output);
}

/**
 * A gradient by forward mode, one pushforward per input number: `tangentOf` receives the
 * inputs' tangents (zero but for one 1) and returns f's tangent. The gradients have the
 * inputs' shapes, one per input.
 */
export function gradientByColumns(tangentOf: (tangents: unknown[]) => number, inputs: readonly unknown[]): unknown[] {
  const tangents = inputs.map(zerosLike);
  const gradients = inputs.map(zerosLike);
  const entries = numberSlots(gradients);
  numberSlots(tangents).forEach(([container, key], i) => {
    container[key] = 1;
    const [gradient, at] = entries[i];
    gradient[at] = tangentOf(tangents);
    container[key] = 0;
  });
  return gradients;
}

/**
 * A copy of an argument of `vjp(f)(…args)` as it is now, for its pullback: arrays, typed
 * arrays and objects copied (objects keep their prototype, so methods still read their
 * fields), anything else as it is.
 */
export function snapshot(value: unknown): unknown {
  if (value instanceof Float64Array || value instanceof Float32Array) return value.slice();
  if (Array.isArray(value)) return value.map(snapshot);
  if (typeof value !== 'object' || value === null) return value;
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
  for (const key of Object.keys(value)) copy[key] = snapshot((value as Record<string, unknown>)[key]);
  return copy;
}
