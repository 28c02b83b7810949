// Loop states that a helper returns together, as recurrent cells and simulations are written:
// a tuple of arrays destructured into the loop's variables (`[h, c] = cell(h, c, x, w)`, or kept
// whole and read at constant indices: `const r = cell(…); h = r[0]; c = r[1];`), an
// object of arrays whose fields are assigned (`h = s.h`), their copies (spreads, maps), the
// cell inlined, and the physics forms (`[pos, vel] = step(pos, vel, dt)`, `s = step(s, dt)`).
// Each is checked in every mode (grad and valueAndGrad in reverse mode and, through compile's
// twin, forward mode; derivative, jvp, hessian) against finite differences. A result the
// helper shares between two variables stays a diagnostic, at the assignment, whose advice
// (copy it) compiles.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';
import { everyModeExports, expectEveryMode } from './support/every-mode.js';

const CELLS = `
const XS = [0.3, -1, 0.7, 0.2];

function cell(h: number[], c: number[], x: number, w: number[]): [number[], number[]] {
  const c2 = c.map((v, i) => 0.9 * v + Math.tanh(w[i] * x + h[(i + 1) % 3]));
  const h2 = c2.map((v, i) => Math.tanh(v) * (0.5 + 0.5 * Math.tanh(w[i] * h[i])));
  return [h2, c2];
}

function cellCopies(h: number[], c: number[], x: number, w: number[]): [number[], number[]] {
  const c2 = c.map((v, i) => 0.9 * v + Math.tanh(w[i] * x + h[(i + 1) % 3]));
  const h2 = c2.map((v, i) => Math.tanh(v) * (0.5 + 0.5 * Math.tanh(w[i] * h[i])));
  return [[...h2], [...c2]];
}

function cellObject(h: number[], c: number[], x: number, w: number[]): { h: number[]; c: number[] } {
  const c2 = c.map((v, i) => 0.9 * v + Math.tanh(w[i] * x + h[(i + 1) % 3]));
  const h2 = c2.map((v, i) => Math.tanh(v) * (0.5 + 0.5 * Math.tanh(w[i] * h[i])));
  return { h: h2, c: c2 };
}

/** Two paths, each returning its own tuple. */
function gatedCell(h: number[], c: number[], x: number, w: number[]): [number[], number[]] {
  const c2 = c.map((v, i) => 0.9 * v + Math.tanh(w[i] * x + h[(i + 1) % 3]));
  if (x > 0.5) return [c2.map((v) => -v), c2];
  return [c2.map((v, i) => Math.tanh(v) * (0.5 + 0.5 * Math.tanh(w[i] * h[i]))), c2];
}

/** A helper returning what another returns. */
function twoCells(h: number[], c: number[], x: number, w: number[]): [number[], number[]] {
  const [h1, c1] = cell(h, c, x, w);
  return cell(h1, c1, -0.5 * x, w);
}

function readout(h: number[], c: number[]): number {
  return h.reduce((a, b) => a + b * b, 0) + c[0];
}

export function rnnTuple(w: number[], k: number): number {
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  for (const x of XS) {
    [h, c] = cell(h, c, k * x, w);
  }
  return readout(h, c);
}

export function rnnKeptWhole(w: number[], k: number): number {
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  for (const x of XS) {
    const r = cell(h, c, k * x, w);
    h = r[0];
    c = r[1];
  }
  return readout(h, c);
}

export function rnnCopies(w: number[], k: number): number {
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  for (const x of XS) {
    [h, c] = cellCopies(h, c, k * x, w);
  }
  return readout(h, c);
}

export function rnnObject(w: number[], k: number): number {
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  for (const x of XS) {
    const s = cellObject(h, c, k * x, w);
    h = s.h;
    c = s.c;
  }
  return readout(h, c);
}

export function rnnObjectSpread(w: number[], k: number): number {
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  for (const x of XS) {
    const s = cellObject(h, c, k * x, w);
    h = [...s.h];
    c = [...s.c];
  }
  return readout(h, c);
}

export function rnnObjectMap(w: number[], k: number): number {
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  for (const x of XS) {
    const s = cellObject(h, c, k * x, w);
    h = h.map((_, i) => s.h[i]);
    c = c.map((_, i) => s.c[i]);
  }
  return readout(h, c);
}

export function rnnInline(w: number[], k: number): number {
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  for (const x of XS) {
    const c2 = c.map((v, i) => 0.9 * v + Math.tanh(w[i] * k * x + h[(i + 1) % 3]));
    h = c2.map((v, i) => Math.tanh(v) * (0.5 + 0.5 * Math.tanh(w[i] * h[i])));
    c = c2;
  }
  return readout(h, c);
}

export function rnnDeclared(w: number[], k: number): number {
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  for (const x of XS) {
    const [h2, c2] = cell(h, c, k * x, w);
    h = h2;
    c = c2;
  }
  return readout(h, c);
}

export function rnnGated(w: number[], k: number): number {
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  for (const x of XS) {
    [h, c] = gatedCell(h, c, k * x, w);
  }
  return readout(h, c);
}

export function rnnTwoCells(w: number[], k: number): number {
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  for (const x of XS) {
    [h, c] = twoCells(h, c, k * x, w);
  }
  return readout(h, c);
}

export function rnnLocalCell(w: number[], k: number): number {
  const step = (h: number[], c: number[], x: number): [number[], number[]] => {
    const c2 = c.map((v, i) => 0.9 * v + Math.tanh(w[i] * x + h[(i + 1) % 3]));
    return [c2.map((v) => Math.tanh(v)), c2];
  };
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  for (const x of XS) {
    [h, c] = step(h, c, k * x);
  }
  return readout(h, c);
}

/** The helper's object is kept too: h and c are copied out of it, as the diagnostic asks. */
export function rnnKeepsLast(w: number[], k: number): number {
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  let last = { h: [0, 0, 0], c: [0, 0, 0] };
  for (const x of XS) {
    const s = cellObject(h, c, k * x, w);
    h = [...s.h];
    c = [...s.c];
    last = s;
  }
  return readout(h, c) + last.h[1];
}

function step(pos: number[], vel: number[], dt: number, k: number): [number[], number[]] {
  const acc = pos.map((p, i) => -k * p + 0.5 * (pos[(i + 1) % 3] - p) - 0.1 * vel[i] * Math.abs(vel[i]));
  const vel2 = vel.map((v, i) => v + dt * acc[i]);
  const pos2 = pos.map((p, i) => p + dt * vel2[i]);
  return [pos2, vel2];
}

/** Three particles on springs: positions and velocities, a tuple of arrays. */
export function particles(init: number[], k: number): number {
  let pos = [init[0], init[1], init[2]];
  let vel = [0, 0, 0];
  for (let t = 0; t < 20; t++) {
    [pos, vel] = step(pos, vel, 0.05, k);
  }
  return pos.reduce((a, p) => a + p * p, 0) + vel[1];
}

interface Bodies {
  pos: number[];
  vel: number[];
}

function stepBodies(s: Bodies, dt: number, k: number): Bodies {
  const acc = s.pos.map((p, i) => -k * p + 0.5 * (s.pos[(i + 1) % 3] - p) - 0.1 * s.vel[i] * Math.abs(s.vel[i]));
  const vel = s.vel.map((v, i) => v + dt * acc[i]);
  const pos = s.pos.map((p, i) => p + dt * vel[i]);
  return { pos, vel };
}

function sgdStep(p: number[], lr: number): [number[], number] {
  const loss = p.reduce((s, v, i) => s + (v - i) ** 2 + 0.1 * v ** 4, 0);
  const next = p.map((v, i) => v - lr * (2 * (v - i) + 0.4 * v ** 3));
  return [next, loss];
}

/** An array and a number: parameters and the loss of the step. */
export function training(p0: number[], lr: number): number {
  let p = [...p0];
  let total = 0;
  for (let k = 0; k < 5; k++) {
    let loss: number;
    [p, loss] = sgdStep(p, 0.04 * lr);
    total += loss;
  }
  return total + p[0] * p[1];
}

interface Body {
  x: number;
  v: number;
}

function interact(a: Body, b: Body, dt: number, k: number): [Body, Body] {
  const f = -k * (a.x - b.x) ** 3;
  return [
    { x: a.x + dt * a.v, v: a.v + dt * f },
    { x: b.x + dt * b.v, v: b.v - dt * f },
  ];
}

/** Two objects. */
export function pair(xs: number[], k: number): number {
  let a: Body = { x: xs[0], v: 0 };
  let b: Body = { x: xs[1], v: xs[2] };
  for (let t = 0; t < 10; t++) {
    [a, b] = interact(a, b, 0.1, k);
  }
  return a.x * b.v + b.x;
}

/** The same particles, a state object reassigned. */
export function bodies(init: number[], k: number): number {
  let s: Bodies = { pos: [init[0], init[1], init[2]], vel: [0, 0, 0] };
  for (let t = 0; t < 20; t++) {
    s = stepBodies(s, 0.05, k);
  }
  return s.pos.reduce((a, p) => a + p * p, 0) + s.vel[1];
}
`;

const NAMES = [
  'rnnKeptWhole',
  'rnnTuple',
  'rnnCopies',
  'rnnObject',
  'rnnObjectSpread',
  'rnnObjectMap',
  'rnnInline',
  'rnnDeclared',
  'rnnGated',
  'rnnTwoCells',
  'rnnLocalCell',
  'rnnKeepsLast',
  'particles',
  'bodies',
  'training',
  'pair',
];

const SOURCE = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';
${CELLS}
${everyModeExports(NAMES)}
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

const W = [0.5, -0.8, 1.1];
const K = 1.3;

describe('states a helper returns together, in every mode against finite differences', () => {
  for (const name of NAMES) {
    it(name, () => expectEveryMode(m, name, W, K));
  }
});

describe('a result the helper shares between two variables', () => {
  const build = (loop: string) =>
    compile(
      {
        'main.ts': `import { grad } from 'tapeless';
${CELLS}
export function f(w: number[], k: number): number {
  let h = [0, 0, 0];
  let c = [0, 0, 0];
  let last = { h: [0, 0, 0], c: [0, 0, 0] };
${loop}
  return readout(h, c) + last.c[0];
}
export const g = grad(f);
`,
      },
      {},
      false,
    );
  const rejected = (loop: string) => build(loop).messages;
  const line = CELLS.split('\n').length + 5;
  const expectRight = async (loop: string) => {
    const compiled = build(loop);
    expect(compiled.messages).toEqual([]);
    const { f, g } = await compiled.load();
    const point = [...W, K];
    const [gW, gK] = g(W, K);
    [...gW, gK].forEach((d: number, j: number) =>
      close(
        d,
        partialDifference((...q: number[]) => f(q.slice(0, 3), q[3]), point, j),
        1e-6,
      ),
    );
  };
  const shares = `function shared(h: number[], x: number): [number[], number[]] {
  const next = h.map((v) => Math.tanh(v + x));
  return [next, next];
}`;

  it('the same array in both entries of the tuple, which nothing writes: right', () =>
    expectRight(`${shares}\n  for (const x of XS) {\n    [h, c] = shared(h, k * x);\n  }`));

  it('the same array in both entries of the tuple, an entry written after: a diagnostic at the destructuring; copied, it compiles', async () => {
    expect(rejected(`${shares}\n  for (const x of XS) {\n    [h, c] = shared(h, k * x);\n    h[0] += 0.1;\n  }`)).toEqual([
      `main.ts:${line + 6}:5 tapeless: a pass of this loop leaves the array or object of 'h' also held by another variable or object, which a loop that reassigns 'h' does not allow (the function writes entries of arrays, which a copy would not see: 'h[0] += 0.1' at main.ts:${line + 7}:5): copy it ('[...…]', '{ ...… }').`,
    ]);
    await expectRight(`${shares}\n  for (const x of XS) {\n    const [a, b] = shared(h, k * x);\n    h = [...a];\n    c = b;\n    h[0] += 0.1;\n  }`);
  });

  it('the helper object kept in another variable: right where nothing writes its arrays, else a diagnostic at the field assigned', async () => {
    const loop = (write: string) =>
      `  for (const x of XS) {\n    const s = cellObject(h, c, k * x, w);\n    h = s.h;\n    c = [...s.c];\n    last = s;${write}\n  }`;
    await expectRight(loop(''));
    expect(rejected(loop('\n    last.h[1] = 0;'))).toEqual([
      `main.ts:${line + 3}:5 tapeless: a pass of this loop leaves the array or object of 'h' also held by another variable or object, which a loop that reassigns 'h' does not allow (the function writes entries of arrays, which a copy would not see: 'last.h[1] = 0' at main.ts:${line + 6}:5): copy it ('[...…]', '{ ...… }').`,
    ]);
  });
});
