// A network with one hidden layer of 8 tanh units learns sin(2x) from 25 samples, trained by
// gradient descent with the gradient tapeless generates for the loss.
import { valueAndGrad } from 'tapeless';

interface Net {
  w1: Float64Array; // input → hidden
  b1: Float64Array;
  w2: Float64Array; // hidden → output
  b2: number;
}

function predict(net: Net, x: number): number {
  let y = net.b2;
  for (let i = 0; i < net.w1.length; i++) y += net.w2[i] * Math.tanh(net.w1[i] * x + net.b1[i]);
  return y;
}

function meanSquaredError(net: Net, xs: readonly number[], ys: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    const error = predict(net, xs[i]) - ys[i];
    sum += error * error;
  }
  return sum / xs.length;
}

export const target = (x: number) => Math.sin(2 * x);
const xs = Array.from({ length: 25 }, (_, i) => -2 + i / 6);
const ys = xs.map(target);

const hidden = 8;
const net: Net = {
  w1: Float64Array.from({ length: hidden }, (_, i) => Math.cos(i * 2.1) * 1.5),
  b1: Float64Array.from({ length: hidden }, (_, i) => Math.sin(i * 1.3)),
  w2: Float64Array.from({ length: hidden }, (_, i) => Math.cos(i * 0.7) * 0.3),
  b2: 0,
};

const lossAndGradient = valueAndGrad(meanSquaredError, { wrt: 0 });
export const loss: number[] = [];
const rate = 0.05;
for (let step = 0; step < 3000; step++) {
  const [value, gradient] = lossAndGradient(net, xs, ys);
  if (step % 10 === 0) loss.push(value);
  for (let i = 0; i < hidden; i++) {
    net.w1[i] -= rate * gradient.w1[i];
    net.b1[i] -= rate * gradient.b1[i];
    net.w2[i] -= rate * gradient.w2[i];
  }
  net.b2 -= rate * gradient.b2;
}

export const fitted = (x: number) => predict(net, x);
export const domain = [-2, 2];
console.log(`loss after training: ${loss[loss.length - 1].toExponential(2)}`);
