/**
 * The drivers of `jacobian`, `hessian` and `vjp`: they call generated derivative code once per
 * chunk of columns (a vector pushforward, one lane per unit tangent) or once per row (a
 * gradient), and lay the results out as `number[][]`. The transformer copies the functions a
 * file needs into that file (renamed), so generated code imports nothing from tapeless at run
 * time.
 *
 * Values are flattened in order: parameters in order, array elements by index (nested
 * arrays row by row), object fields by name (sorted, so that an object and its gradient,
 * whose keys may have been added in another order, flatten alike).
 */

type Value = number | ArrayLike<unknown> | { readonly [key: string]: unknown };

/**
 * The fields of an object that gradients have: those holding numbers, arrays or objects
 * (not functions, such as a class instance's arrow-function fields), by name.
 */
export function dataKeys(value: object): string[] {
  // A loop, not filter with an arrow: the transformer copies this code into the user's file.
  const keys: string[] = [];
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (typeof field === 'number' || (typeof field === 'object' && field !== null)) keys.push(key);
  }
  return keys;
}

/**
 * A zero of the same shape: numbers become 0, arrays and objects are copied with zeros. An
 * argument left out (undefined) is a number the function computes from its default.
 */
export function zerosLike(value: unknown): unknown {
  if (typeof value === 'number' || value === undefined) return 0;
  if (value instanceof Float64Array) return new Float64Array(value.length);
  if (value instanceof Float32Array) return new Float32Array(value.length);
  if (Array.isArray(value)) return value.map(zerosLike);
  const zeros: Record<string, unknown> = {};
  for (const key of dataKeys(value as object)) zeros[key] = zerosLike((value as Record<string, unknown>)[key]);
  return zeros;
}

/** Where each number of `values` lives: its container and key, in flattening order. */
export function numberSlots(values: unknown[]): [Record<string | number, unknown>, string | number][] {
  const slots: [Record<string | number, unknown>, string | number][] = [];
  const visit = (container: Record<string | number, unknown>, key: string | number): void => {
    const value = container[key] as Value;
    if (typeof value === 'number') slots.push([container, key]);
    else if (value instanceof Float64Array || value instanceof Float32Array || Array.isArray(value))
      for (let i = 0; i < value.length; i++) visit(value as unknown as Record<number, unknown>, i);
    else for (const field of dataKeys(value).sort()) visit(value as Record<string, unknown>, field);
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
  else for (const key of dataKeys(value as object)) count += countNumbers((value as Record<string, unknown>)[key]);
  return count;
}

/**
 * The matrix a Jacobian is written into: `out` (from `jacobianInto` or `hessianInto`) with
 * its rows reused, or a new one; `count` rows, each written column by column from index 0.
 */
function rowsOf(count: number, out: number[][] | undefined): number[][] {
  const matrix = out ?? [];
  matrix.length = count;
  for (let i = 0; i < count; i++) if (!Array.isArray(matrix[i])) matrix[i] = [];
  return matrix;
}

/** Trims the rows of a reused matrix to `columns` (a larger `out` keeps no stale entries). */
function trimmed(matrix: number[][], columns: number): number[][] {
  for (let i = 0; i < matrix.length; i++) if (matrix[i].length !== columns) matrix[i].length = columns;
  return matrix;
}

/**
 * The Jacobian from vector pushforwards, `lanes` columns per pass: `tangentsOf(start)`
 * returns the output's tangent in each lane, lane `l` seeded (by the generated code) with
 * a 1 in the number of column `start + l` of the inputs (in flattening order) and 0 in the
 * others. Columns go straight into the rows.
 */
export function jacobianByStarts(tangentsOf: (start: number) => readonly unknown[], inputs: readonly unknown[], lanes: number, out?: number[][]): number[][] {
  const count = countNumbers(inputs);
  let matrix = out ?? [];
  // One pass at least: a function of no numbers still has a row per output.
  for (let start = 0; start === 0 || start < count; start += lanes) {
    const columns = tangentsOf(start);
    if (start === 0) matrix = rowsOf(countNumbers(columns[0]), out);
    const width = Math.min(lanes, count - start);
    for (let lane = 0; lane < width; lane++) writeColumn(columns[lane], matrix, 0, start + lane);
  }
  return trimmed(matrix, count);
}

/**
 * The passes of a vector pushforward whose lanes the driver seeds, for `jacobianByStarts`:
 * `tangentsOf` receives `lanes` sets of the inputs' tangents (those of lane `l` zero but for
 * a 1 in the number of column `start + l`). The seeds are allocated once, whatever the
 * number of passes.
 */
export function seededByDriver(
  tangentsOf: (seeds: unknown[][]) => readonly unknown[],
  inputs: readonly unknown[],
  lanes: number,
): (start: number) => readonly unknown[] {
  const seeds: unknown[][] = [];
  for (let lane = 0; lane < lanes; lane++) seeds.push(inputs.map(zerosLike));
  const count = countNumbers(inputs);
  return (start) => {
    const width = Math.min(lanes, count - start);
    for (let lane = 0; lane < width; lane++) setNumber(seeds[lane], start + lane, 1);
    const columns = tangentsOf(seeds);
    for (let lane = 0; lane < width; lane++) setNumber(seeds[lane], start + lane, 0);
    return columns;
  };
}

/**
 * Sets the number at `index` of `values` (an array, typed array or object, in flattening
 * order) to `value`, allocating nothing: returns -1 once set, else what is left of `index`
 * after the numbers of `values`.
 */
function setNumber(values: unknown, index: number, value: number): number {
  if (values instanceof Float64Array || values instanceof Float32Array) {
    if (index < values.length) {
      values[index] = value;
      return -1;
    }
    return index - values.length;
  }
  const container = values as Record<string | number, unknown>;
  const keys = Array.isArray(values) ? undefined : dataKeys(container).sort();
  const length = keys ? keys.length : (values as unknown[]).length;
  let rest = index;
  for (let i = 0; i < length; i++) {
    const key = keys ? keys[i] : i;
    const entry = container[key];
    if (typeof entry === 'number') {
      if (rest === 0) {
        container[key] = value;
        return -1;
      }
      rest--;
    } else if ((rest = setNumber(entry, rest, value)) < 0) return -1;
  }
  return rest;
}

/** Writes the numbers of a column into column `j` of the rows from `row` on, in flattening order; returns the next row. */
function writeColumn(value: unknown, matrix: number[][], row: number, j: number): number {
  if (typeof value === 'number') {
    matrix[row][j] = value;
    return row + 1;
  }
  if (value instanceof Float64Array || value instanceof Float32Array) {
    for (let i = 0; i < value.length; i++) matrix[row + i][j] = value[i];
    return row + value.length;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) row = writeColumn(value[i], matrix, row, j);
    return row;
  }
  for (const key of dataKeys(value as object).sort()) row = writeColumn((value as Record<string, unknown>)[key], matrix, row, j);
  return row;
}

/** The Jacobian from its columns (the lanes of one vector pushforward, each seeded with its unit tangent in generated code). */
export function jacobianOfColumns(columns: readonly unknown[], out?: number[][]): number[][] {
  const matrix = rowsOf(countNumbers(columns[0]), out);
  for (let j = 0; j < columns.length; j++) writeColumn(columns[j], matrix, 0, j);
  return trimmed(matrix, columns.length);
}

/** The one row of the Jacobian of a function returning a number: its gradient, flattened. */
export function jacobianOfRow(gradient: unknown, out?: number[][]): number[][] {
  const matrix = rowsOf(1, out);
  return trimmed(matrix, writeRow(gradient, matrix[0], 0));
}

/** Writes the numbers of a value into `row` from index `at` on, in flattening order; returns the next index. */
function writeRow(value: unknown, row: number[], at: number): number {
  if (typeof value === 'number') {
    row[at] = value;
    return at + 1;
  }
  if (value instanceof Float64Array || value instanceof Float32Array || Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) at = writeRow(value[i], row, at);
    return at;
  }
  for (const key of dataKeys(value as object).sort()) at = writeRow((value as Record<string, unknown>)[key], row, at);
  return at;
}

/**
 * The Jacobian from vector-Jacobian products, one row per output number: `gradientOf`
 * receives a cotangent shaped like `output` (zero but for one 1) and returns the gradient.
 */
export function jacobianByRows(gradientOf: (cotangent: unknown) => unknown, output: unknown, out?: number[][]): number[][] {
  if (typeof output === 'number') return jacobianOfRow(gradientOf(1), out);
  const cotangent = zerosLike(output);
  const slots = numberSlots([cotangent]);
  const matrix = rowsOf(slots.length, out);
  let columns = 0;
  for (let i = 0; i < slots.length; i++) {
    const [container, key] = slots[i];
    container[key] = 1;
    columns = writeRow(gradientOf(cotangent), matrix[i], 0);
    container[key] = 0;
  }
  return trimmed(matrix, columns);
}

/**
 * The Jacobian by vector forward mode where one pass of `lanes` columns computes it or f has
 * fewer inputs than outputs, by reverse mode otherwise (f's output, for its shape, computed
 * only then).
 */
export function jacobian(
  tangentsOf: (start: number) => readonly unknown[],
  gradientOf: (cotangent: unknown) => unknown,
  inputs: readonly unknown[],
  output: () => unknown,
  lanes: number,
  out?: number[][],
): number[][] {
  const count = countNumbers(inputs);
  if (count <= lanes) return jacobianByStarts(tangentsOf, inputs, lanes, out);
  const value = output();
  return count < countNumbers(value) ? jacobianByStarts(tangentsOf, inputs, lanes, out) : jacobianByRows(gradientOf, value, out);
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
  const slots = numberSlots(tangents);
  // Inputs without numbers (an empty array) still take one pass, its tangent dropped: f's
  // throws happen in the gradient as in f (a reduce of no entries without an initial value).
  if (slots.length === 0) tangentOf(tangents);
  slots.forEach(([container, key], i) => {
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

/** Where a value's type declares class instances: this value's class (its prototype), and the fields that hold instances. */
export interface Instances {
  readonly prototype?: object;
  readonly fields?: { readonly [key: string]: Instances };
}

/**
 * The value of `vjp(f)` and `jvp(f)` with the class instances its type declares made
 * instances of their class, so that their getters and methods work: generated code builds an
 * instance as an object of its fields. Such an object is copied with the class's prototype,
 * and an object holding one is copied with the copy; the value may be the caller's own object
 * (`(p: Point) => p`), which is not changed. An instance already (perhaps of a subclass) is kept.
 */
export function instances<T>(value: T, plan: Instances): T {
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const copy = (prototype: object) => Object.assign(Object.create(prototype) as Record<string, unknown>, object);
  let made = plan.prototype && !Object.prototype.isPrototypeOf.call(plan.prototype, value) ? copy(plan.prototype) : object;
  if (plan.fields)
    for (const key of Object.keys(plan.fields)) {
      const field = instances(object[key], plan.fields[key]);
      if (field === object[key]) continue;
      if (made === object) made = copy(Object.getPrototypeOf(object) as object);
      made[key] = field;
    }
  return made as T;
}
