import type { GradOptions, GradientResult } from './types.js';

export type { GradientOf, GradOptions, GradientResult, ParameterSelector } from './types.js';

// The API functions below exist for their types: the tapeless transformer replaces every
// call at compile time, and the JSDoc tag `@tapeless <name>` is how it recognises them.
// Reaching one of these bodies at run time means the transform did not run on that file.

function notTransformed(api: string): Error {
  return new Error(
    `tapeless: ${api}() ran without the tapeless transformer, so no gradient code was generated ` +
      `for this call. Compile this file with the transformer (tspc with "plugins": ` +
      `[{ "transform": "tapeless/transformer" }], @rollup/plugin-typescript with ` +
      `tapelessTransformers(), or the tapeless/vite plugin): see the Setup section of tapeless's README.`,
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
 * The identity, with derivative zero: `x` is treated as a constant by every mode.
 * @tapeless stopGradient
 */
export function stopGradient<T extends number>(x: T): T {
  throw notTransformed('stopGradient');
}
