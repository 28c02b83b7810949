import { valueAndGrad } from 'tapeless';

/** A linear model: weights and a bias. */
export interface Linear {
  w: Float64Array;
  b: number;
}

/** Mean squared error of the model over n rows of d features (xs, row-major) and targets ys. */
export function meanSquaredError(model: Linear, xs: Float64Array, ys: Float64Array): number {
  const d = model.w.length;
  let loss = 0;
  for (let i = 0; i < ys.length; i++) {
    let prediction = model.b;
    for (let j = 0; j < d; j++) prediction += model.w[j] * xs[i * d + j];
    const residual = prediction - ys[i];
    loss += residual * residual;
  }
  return loss / ys.length;
}

// By index, the gradient's type is exact: parameter names are invisible to the type system.
const lossAndGradient = valueAndGrad(meanSquaredError, { wrt: 0 });

/** Fits the model by gradient descent; returns the losses every `every` steps. */
export function fit(model: Linear, xs: Float64Array, ys: Float64Array, steps: number, rate: number, every: number): number[] {
  const losses: number[] = [];
  for (let step = 0; step <= steps; step++) {
    const [loss, gradient] = lossAndGradient(model, xs, ys);
    if (step % every === 0) losses.push(loss);
    for (let j = 0; j < model.w.length; j++) model.w[j] -= rate * gradient.w[j];
    model.b -= rate * gradient.b;
  }
  return losses;
}
