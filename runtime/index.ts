import type { DerivativeOptions, GradOptions, GradientGiven, GradientOf, GradientResult, Output, Partials, TangentsOf } from './types.js';

export type {
  DerivativeOptions,
  GradientGiven,
  GradientOf,
  GradOptions,
  GradientResult,
  Output,
  OutputObject,
  ParameterSelector,
  Partials,
  TangentsOf,
} from './types.js';

// The API functions below exist for their types: the tapeless transformer replaces every
// call at compile time, and the JSDoc tag `@tapeless <name>` is how it recognises them.
// Reaching one of these bodies at run time means the transform did not run on that file.

function notTransformed(api: string): Error {
  return new Error(
    `tapeless: ${api}() ran without the tapeless transformer, so no gradient code was generated ` +
      `for this call. Compile this file with the transformer: tspc with "plugins": ` +
      `[{ "transform": "tapeless/transformer", "transformProgram": true }] in tsconfig, ` +
      `@rollup/plugin-typescript with tapelessTransformers() from tapeless/rollup, the plugins of ` +
      `tapeless/vite (Vite, Vitest), tapeless/esbuild (esbuild, Bun) or tapeless/webpack (ts-loader), ` +
      `ts-jest with tapeless/ts-jest, node -r tapeless/ts-node, or node --import tapeless/register: ` +
      `see the Setup section of tapeless's README.`,
  );
}

/**
 * Reverse-mode gradient of `f`: a function with f's parameters that returns the gradient
 * with respect to the parameters selected by `options.wrt` (default: all of them).
 * @tapeless grad
 */
export function grad<F extends (...args: any[]) => number, const O extends GradOptions = {}>(
  f: F,
  options?: O,
): (...args: Parameters<F>) => GradientResult<Parameters<F>, O> {
  throw notTransformed('grad');
}

/**
 * Like `grad`, but the generated function returns `[f(...args), gradient]` from one pass.
 * @tapeless valueAndGrad
 */
export function valueAndGrad<F extends (...args: any[]) => number, const O extends GradOptions = {}>(
  f: F,
  options?: O,
): (...args: Parameters<F>) => [number, GradientResult<Parameters<F>, O>] {
  throw notTransformed('valueAndGrad');
}

/**
 * Forward-mode derivative of `f` with respect to one number parameter (`options.wrt`,
 * default the first): a function with f's parameters returning df/dx, shaped like f's
 * result (a number, an array, or an object such as a point `{ x, y }`).
 * @tapeless derivative
 */
export function derivative<F extends (...args: any[]) => Output>(f: F, options?: DerivativeOptions): (...args: Parameters<F>) => GradientOf<ReturnType<F>> {
  throw notTransformed('derivative');
}

/**
 * Jacobian-vector product (forward mode): `jvp(f)(primals, tangents)` returns
 * `[f(...primals), the directional derivative of f along tangents]`, with one primal and one
 * tangent per parameter.
 * @tapeless jvp
 */
export function jvp<F extends (...args: any[]) => Output>(
  f: F,
): (primals: Parameters<F>, tangents: TangentsOf<Parameters<F>>) => [ReturnType<F>, GradientOf<ReturnType<F>>] {
  throw notTransformed('jvp');
}

/**
 * Vector-Jacobian product (reverse mode): `vjp(f)(...args)` returns `[f(...args), pullback]`;
 * `pullback(cotangent)` (a number, or an array or object shaped like f's result) returns the gradients
 * of `cotangent · f` with respect to the parameters selected by `options.wrt` (default: all),
 * shaped like `grad`'s. The pullback may be called any number of times, and uses the
 * arguments as they were at the call.
 * @tapeless vjp
 */
export function vjp<F extends (...args: any[]) => Output, const O extends GradOptions = {}>(
  f: F,
  options?: O,
): (...args: Parameters<F>) => [ReturnType<F>, (cotangent: GradientOf<ReturnType<F>>) => GradientResult<Parameters<F>, O>] {
  throw notTransformed('vjp');
}

/**
 * The Jacobian of `f` as `number[][]`: a row per number of f's result (an object's fields
 * sorted by name), a column per number of the selected parameters (parameter order, then
 * element order).
 * @tapeless jacobian
 */
export function jacobian<F extends (...args: any[]) => Output, const O extends GradOptions = {}>(f: F, options?: O): (...args: Parameters<F>) => number[][] {
  throw notTransformed('jacobian');
}

/**
 * The Hessian of `f` (forward over reverse) as `number[][]` over the numbers of the selected
 * parameters (parameter order, then element order).
 * @tapeless hessian
 */
export function hessian<F extends (...args: any[]) => number, const O extends GradOptions = {}>(f: F, options?: O): (...args: Parameters<F>) => number[][] {
  throw notTransformed('hessian');
}

/**
 * `jacobian` written into a matrix the caller keeps (`out`, first), for a Jacobian taken
 * in a loop without allocating it each time: `out` gets f's Jacobian with its rows reused
 * (made where missing, trimmed where longer), and is returned. Start with `[]`.
 * @tapeless jacobianInto
 */
export function jacobianInto<F extends (...args: any[]) => Output, const O extends GradOptions = {}>(
  f: F,
  options?: O,
): (out: number[][], ...args: Parameters<F>) => number[][] {
  throw notTransformed('jacobianInto');
}

/**
 * `hessian` written into a matrix the caller keeps (`out`, first), its rows reused, and
 * returned: see `jacobianInto`.
 * @tapeless hessianInto
 */
export function hessianInto<F extends (...args: any[]) => number, const O extends GradOptions = {}>(
  f: F,
  options?: O,
): (out: number[][], ...args: Parameters<F>) => number[][] {
  throw notTransformed('hessianInto');
}

/**
 * Hessian-vector product (forward over reverse, without forming the Hessian):
 * `hvp(f)(...args, v)` returns H·v, where H is the Hessian of `f` over the parameters
 * selected by `options.wrt` (default: all) and `v` is shaped like their gradient (a tuple,
 * one entry per parameter, where several are selected). The result has the same shape.
 * @tapeless hvp
 */
export function hvp<F extends (...args: any[]) => number, const O extends GradOptions = {}>(
  f: F,
  options?: O,
): (...argsThenV: [...Parameters<F>, GradientGiven<Parameters<F>, O>]) => GradientResult<Parameters<F>, O> {
  throw notTransformed('hvp');
}

/**
 * Gives `f` a derivative of your own, used by every mode instead of f's source (or for a
 * function without source, such as a library's). `partials` receives f's arguments followed
 * by its result and returns the partial derivative with respect to each argument:
 * `withDerivative((x: number) => Math.log1p(Math.exp(x)), (x, y) => [1 / (1 + Math.exp(-x))])`.
 * Returns `f` itself: calling it computes f. Rules are ordinary differentiable code, so
 * higher orders differentiate the rule.
 * @tapeless withDerivative
 */
export function withDerivative<F extends (...args: number[]) => number>(
  f: F,
  partials: (...argsThenResult: [...Parameters<F>, number]) => Partials<Parameters<F>>,
): F {
  return f;
}

/**
 * The identity, with derivative zero: `x` is treated as a constant by every mode.
 * @tapeless stopGradient
 */
export function stopGradient<T extends number>(x: T): T {
  throw notTransformed('stopGradient');
}
