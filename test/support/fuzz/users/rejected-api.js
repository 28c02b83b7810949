// Stands in for 'tapeless' in the emitted modules of the user-program fuzzer. A call that
// tapeless rejected is left in the output as written, and the real runtime throws when it
// is called, at module load for `export const d = grad(f)`: one rejected program would take
// a whole batch down. Here the call returns a function that throws when used instead, so
// the batch loads and each rejected export is seen as rejected.
const rejected = (api) => () => () => {
  const error = new Error(`${api}() was left untransformed (tapeless reported a diagnostic, or did not run)`);
  error.name = 'TapelessRejectedCall';
  throw error;
};
export const grad = rejected('grad');
export const valueAndGrad = rejected('valueAndGrad');
export const derivative = rejected('derivative');
export const jvp = rejected('jvp');
export const jacobian = rejected('jacobian');
export const hessian = rejected('hessian');
export const vjp = rejected('vjp');
export const hvp = rejected('hvp');
export const withDerivative = rejected('withDerivative');
export const stopGradient = (x) => rejected('stopGradient')()(x);
