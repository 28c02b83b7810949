// A state of two arrays in a tuple (`type State = [number[], number[]]`) that a loop reassigns
// with a helper's result, `s = verletStep(s, …)`, the helper reading it by destructuring
// (`const [pos, vel] = s`), as a user of the trial wrote a spring chain. Its rows written
// differently, `[[...init], init.map(() => 0)]`, have the types `number[] | number[]`: the state
// is an array of arrays all the same (it was taken for an array of values and rejected, "declare
// 's' with const", and the destructuring "read only at constant indices"). Checked in every mode
// against finite differences: grad and valueAndGrad (reverse, and the forward twin `compile`
// checks them against), derivative, jvp and hessian (against differences of the gradient).
import { beforeAll, describe, expect, it } from 'vitest';
import { arrayEntryDifference, close, compile } from './support/compile.js';
import { expectPointModes, pointModeExports } from './support/every-mode.js';

const SOURCE = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';

type State = [number[], number[]];

function verletStep(s: State, dt: number, k: number): State {
  const [pos, vel] = s;
  const newPos = pos.map((p, i) => p + vel[i] * dt);
  const newVel = vel.map((v, i) => v - k * newPos[i] * dt);
  return [[...newPos], [...newVel]];
}

/** The spring chain: the positions copied, the velocities made by a map. */
export function springs(k: number, damping: number, init: number[]): number {
  let s: State = [[...init], init.map(() => 0)];
  for (let t = 0; t < 12; t++) {
    s = verletStep(s, 0.05, k);
    s = [[...s[0]], s[1].map((v) => v * (1 - damping))];
  }
  return s[0].reduce((a, p) => a + p * p, 0) + s[1][0];
}

/** The rows the other way round: a map first, then a copy. */
export function swappedRows(k: number, damping: number, init: number[]): number {
  let s: State = [init.map((p) => p * (1 + damping)), [...init]];
  for (let t = 0; t < 5; t++) s = verletStep(s, 0.1, k);
  const [pos, vel] = s;
  return pos[0] * vel[1] + Math.sin(pos[1]);
}

${pointModeExports(['springs'], 2)}
export const gSpringsInit = grad(springs, { wrt: 'init' });

${pointModeExports(['swappedRows'], 2)}
export const gSwappedRowsInit = grad(swappedRows, { wrt: 'init' });
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
}, 300_000);

/** `name(k, damping, init)` against finite differences in k and damping, in every mode, and its gradient in init. */
function expectEveryMode(name: string, point: readonly number[], init: readonly number[]): void {
  expectPointModes(m, name, point, [init]);
  const ofInit = m[`g${name[0].toUpperCase()}${name.slice(1)}Init`](...point, [...init]);
  init.forEach((_, i) =>
    close(
      ofInit[i],
      arrayEntryDifference((xs) => m[name](...point, xs), init, i),
      1e-6,
    ),
  );
}

describe('a tuple of two arrays a loop reassigns with a helper returning one', () => {
  it('rows written [[...init], init.map(() => 0)], read by destructuring in the helper', () => {
    expectEveryMode('springs', [2, 0.1], [1, 0.5, -0.25]);
    expectEveryMode('springs', [0.5, 0], [0.3, 2]);
  });

  it('rows written [init.map(…), [...init]], destructured after the loop', () => {
    expectEveryMode('swappedRows', [1.5, 0.2], [0.4, -0.7, 1.1]);
  });
});
