// The values user programs take and return: their shapes (numbers, arrays, tuples, typed
// arrays, matrices, objects, class instances), random points, the coordinates that finite
// differences move, and gradients read back by coordinate.
//
// Points are kept as plain data (numbers, arrays, records) and made into real arguments for
// one module (its classes, Float64Arrays) only when a function is called.

export type Shape =
  | { readonly kind: 'number' }
  | { readonly kind: 'array'; readonly length: number; readonly of: Shape; readonly style: 'array' | 'readonly' | 'tuple' }
  | { readonly kind: 'f64'; readonly length: number }
  /** An object: fields in declaration order; `type` is the name of its interface or class, else the literal type is written. */
  | { readonly kind: 'object'; readonly fields: readonly (readonly [string, Shape])[]; readonly type?: string; readonly isClass?: boolean };

export type Data = number | Data[] | { [key: string]: Data };
/** A coordinate: the parameter's index, then array indices and field names down to one number. */
export type Path = readonly (string | number)[];
export type Classes = Readonly<Record<string, new (...args: any[]) => any>>;

export const NUMBER: Shape = { kind: 'number' };

/** The TypeScript type of a shape. */
export function typeText(s: Shape): string {
  switch (s.kind) {
    case 'number':
      return 'number';
    case 'f64':
      return 'Float64Array';
    case 'array': {
      if (s.style === 'tuple') return `[${Array.from({ length: s.length }, () => typeText(s.of)).join(', ')}]`;
      return `${s.style === 'readonly' ? 'readonly ' : ''}${typeText(s.of)}[]`;
    }
    case 'object':
      return s.type ?? `{ ${s.fields.map(([k, f]) => `${k}: ${typeText(f)}`).join('; ')} }`;
  }
}

/** Numbers of a point: moderate, rounded, so that printed points reproduce exactly. */
const coordinate = (rand: () => number) => Math.round((rand() * 3 - 1.5) * 1e6) / 1e6;

export function randomData(s: Shape, rand: () => number): Data {
  switch (s.kind) {
    case 'number':
      return coordinate(rand);
    case 'f64':
      return Array.from({ length: s.length }, () => coordinate(rand));
    case 'array':
      return Array.from({ length: s.length }, () => randomData(s.of, rand));
    case 'object':
      return Object.fromEntries(s.fields.map(([k, f]) => [k, randomData(f, rand)]));
  }
}

/** Where the numbers of a shape are, in tapeless's flattening order (array order, fields sorted by name). */
export function paths(s: Shape, prefix: Path): Path[] {
  switch (s.kind) {
    case 'number':
      return [prefix];
    case 'f64':
      return Array.from({ length: s.length }, (_, i) => [...prefix, i]);
    case 'array':
      return Array.from({ length: s.length }, (_, i) => paths(s.of, [...prefix, i])).flat();
    case 'object':
      return [...s.fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).flatMap(([k, f]) => paths(f, [...prefix, k]));
  }
}

/** The coordinates of parameters `selected` (all by default) of a function of `shapes`. */
export function coordinates(shapes: readonly Shape[], selected: readonly number[] = shapes.map((_, i) => i)): Path[] {
  return selected.flatMap((i) => paths(shapes[i], [i]));
}

export function copyData(d: Data): Data {
  if (typeof d === 'number') return d;
  if (Array.isArray(d)) return d.map(copyData);
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, copyData(v)]));
}

/** The number at `path` of `d` (a point, or a gradient as plain data). */
export function at(d: Data, path: Path): number {
  let v: any = d;
  for (const key of path) v = v?.[key];
  return v as number;
}

/** A copy of the point `args` with the number at `path` moved by `delta`. */
export function shifted(args: readonly Data[], path: Path, delta: number): Data[] {
  const moved = args.map(copyData);
  let container: any = moved;
  for (const key of path.slice(0, -1)) container = container[key];
  container[path[path.length - 1]] += delta;
  return moved;
}

/** A value of shape `s` from data: typed arrays made, class instances constructed (fields in order), all frozen where JavaScript allows. */
export function materialise(d: Data, s: Shape, classes: Classes): unknown {
  switch (s.kind) {
    case 'number':
      return d;
    case 'f64':
      return Float64Array.from(d as number[]);
    case 'array':
      return Object.freeze((d as Data[]).map((e) => materialise(e, s.of, classes)));
    case 'object': {
      const fields = s.fields.map(([k, f]) => materialise((d as Record<string, Data>)[k], f, classes));
      if (s.isClass) return Object.freeze(new classes[s.type!](...fields));
      return Object.freeze(Object.fromEntries(s.fields.map(([k], i) => [k, fields[i]])));
    }
  }
}

/** Any value as plain data (typed arrays as arrays, instances as records), to read by path and compare. */
export function dataOf(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(dataOf);
  return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, dataOf(e)]));
}

/** What is wrong with a gradient's shape for a parameter of shape `s` (README: gradients mirror their parameters), or undefined. */
export function gradientShapeProblem(g: unknown, s: Shape): string | undefined {
  const got =
    typeof g === 'number'
      ? 'number'
      : g instanceof Float64Array
        ? 'Float64Array'
        : Array.isArray(g)
          ? 'Array'
          : g === null
            ? 'null'
            : typeof g === 'object'
              ? 'object'
              : typeof g;
  const want = s.kind === 'number' ? 'number' : s.kind === 'f64' ? 'Float64Array' : s.kind === 'array' ? 'Array' : 'object';
  if (got !== want) return `a ${got} where a ${want} was expected`;
  if (s.kind === 'array' || s.kind === 'f64') {
    const length = (g as ArrayLike<unknown>).length;
    if (length !== s.length) return `${length} entries, expected ${s.length}`;
    if (s.kind === 'array')
      for (const e of g as unknown[]) {
        const p = gradientShapeProblem(e, s.of);
        if (p) return p;
      }
  }
  if (s.kind === 'object') {
    const keys = Object.keys(g as object)
      .sort()
      .join(', ');
    const expected = s.fields
      .map(([k]) => k)
      .sort()
      .join(', ');
    if (keys !== expected) return `fields ${keys}, expected ${expected}`;
    for (const [k, f] of s.fields) {
      const p = gradientShapeProblem((g as Record<string, unknown>)[k], f);
      if (p) return `.${k}: ${p}`;
    }
  }
  return undefined;
}

/** A point as TypeScript-ish text, to reproduce a failure. */
export function show(args: readonly Data[], shapes: readonly Shape[]): string {
  const one = (d: Data, s: Shape): string => {
    switch (s.kind) {
      case 'number':
        return String(d);
      case 'f64':
        return `Float64Array.from([${(d as number[]).join(', ')}])`;
      case 'array':
        return `[${(d as Data[]).map((e) => one(e, s.of)).join(', ')}]`;
      case 'object': {
        const fields = s.fields.map(([k, f]) => [k, one((d as Record<string, Data>)[k], f)] as const);
        return s.isClass ? `new ${s.type}(${fields.map(([, v]) => v).join(', ')})` : `{ ${fields.map(([k, v]) => `${k}: ${v}`).join(', ')} }`;
      }
    }
  };
  return `(${args.map((d, i) => one(d, shapes[i])).join(', ')})`;
}
