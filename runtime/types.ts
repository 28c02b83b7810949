/**
 * The gradient of a value of type `T`: the same shape, with numbers where T has numbers. Of
 * an object (a class instance too), its data fields: methods and other functions are left out,
 * and so are fields of strings and booleans (a flag, a `kind`), which are never differentiated.
 */
export type GradientOf<T> = T extends number
  ? number
  : T extends Float64Array
    ? Float64Array
    : T extends Float32Array
      ? Float32Array
      : T extends readonly (infer Element)[]
        ? GradientOf<Element>[]
        : T extends object
          ? { -readonly [K in keyof T as T[K] extends ((...args: never[]) => unknown) | string | boolean ? never : K]: GradientOf<T[K]> }
          : never;

/** A parameter, selected by its name or by its index. */
export type ParameterSelector = string | number;

export interface GradOptions {
  /**
   * The parameters to differentiate with respect to: one (the gradient is returned alone)
   * or a list (a tuple with one gradient per entry, in the order given). Default: all.
   * Must be a compile-time constant.
   */
  readonly wrt?: ParameterSelector | readonly ParameterSelector[];
}

/** `Given`: a gradient the caller gives (hvp's direction), not one returned. */
type SelectedGradient<P extends readonly unknown[], W, Given extends boolean> = W extends number
  ? GradientOf<P[W]>
  : W extends string
    ? // Parameter names are invisible to the type system: a name selects one of them, so a
      // gradient returned is typed as every parameter's gradient at once, usable as the one
      // named (a union would make `error / vega` a type error where one parameter is an
      // object), and one given as any of them (none is every one at once).
      Given extends true
      ? GradientOf<P[number]>
      : AllOf<GradientOf<P[number]>>
    : never;

/** The intersection of the members of a union. */
type AllOf<U> = (U extends unknown ? (member: U) => void : never) extends (all: infer I) => void ? I : never;

/**
 * The parameters as their gradients see them: each one present (a parameter with a default
 * value has a gradient, at the value used), and a rest parameter one array.
 */
type Differentiated<P extends readonly unknown[]> = Grouped<Required<P>>;
type Grouped<P extends readonly unknown[]> = number extends P['length']
  ? P extends readonly [infer First, ...infer Rest]
    ? [First, ...Grouped<Rest>]
    : [P]
  : P;

/** What `grad(f, options)` returns for a function with parameters `P`. */
export type GradientResult<P extends readonly unknown[], O> = GradientOfParameters<Differentiated<P>, O, false>;

/** A direction shaped like `grad(f, options)`'s result, which the caller gives (`hvp`'s `v`). */
export type GradientGiven<P extends readonly unknown[], O> = GradientOfParameters<Differentiated<P>, O, true>;

type GradientOfParameters<P extends readonly unknown[], O, Given extends boolean> = O extends { readonly wrt: infer W }
  ? W extends readonly unknown[]
    ? { -readonly [I in keyof W]: SelectedGradient<P, W[I], Given> }
    : SelectedGradient<P, W, Given>
  : P extends readonly [infer Only]
    ? GradientOf<Only>
    : { -readonly [I in keyof P]: GradientOf<P[I]> };

/** The tangents `jvp` takes: one per parameter, each shaped like its parameter. */
export type TangentsOf<P extends readonly unknown[]> = { -readonly [I in keyof P]: GradientOf<P[I]> };

export interface DerivativeOptions {
  /** The one number parameter to differentiate with respect to (name or index). Default: the first. */
  readonly wrt?: ParameterSelector;
}

/** What a rule given with `withDerivative` returns: one partial derivative per parameter. */
export type Partials<P extends readonly unknown[]> = { -readonly [K in keyof P]: number };

/**
 * What forward mode and jacobian differentiate: a number, a flat array of numbers, or an
 * object of them (a point on a curve, a state).
 */
export type Output = number | readonly number[] | Float64Array | Float32Array | OutputObject;

/**
 * An object result, interfaces and classes included: the transformer checks that its fields
 * are numbers, flat arrays of numbers or such objects (a type with an index signature of
 * `Output` would reject interfaces, which have none).
 */
export interface OutputObject {
  readonly [field: string]: any;
}
