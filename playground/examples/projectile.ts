// A ball thrown against air drag: at which angle does it land 30 m away? Gradient descent on
// the squared miss, with the derivative of the whole simulation (a loop of unknown length).
import { grad } from 'tapeless';

const speed = 30; // m/s
const gravity = 9.81;
const drag = 0.02; // per metre
const dt = 0.01;
const target = 30;

/** How far the ball flies when thrown at `angle` (radians): Euler steps until it lands. */
export function distance(angle: number): number {
  let x = 0;
  let y = 0;
  let vx = speed * Math.cos(angle);
  let vy = speed * Math.sin(angle);
  let lastX = x;
  let lastY = y;
  while (y >= 0) {
    lastX = x;
    lastY = y;
    const v = Math.hypot(vx, vy);
    x += vx * dt;
    y += vy * dt;
    vx -= drag * v * vx * dt;
    vy -= (gravity + drag * v * vy) * dt;
  }
  // Where the last step crossed the ground, between its two ends.
  return lastX + ((x - lastX) * lastY) / (lastY - y);
}

function miss(angle: number): number {
  const error = distance(angle) - target;
  return error * error;
}

export const slope = grad(distance);
export const domain = [0.05, 1.5];

export const loss: number[] = [];
let angle = 0.1;
for (let step = 0; step < 30; step++) {
  loss.push(miss(angle));
  angle -= 5e-5 * grad(miss)(angle);
}
console.log(`aim at ${((angle * 180) / Math.PI).toFixed(2)}°: lands at ${distance(angle).toFixed(3)} m`);
