// A loop's state that another variable also holds, as users write convergence checks and
// keep the previous iterate: `let prev = x; for (…) { const next = step(x); if (dist(next,
// prev) < tol) break; prev = x; x = next; }`, momentum's `prevGrad = g`, de Casteljau's
// `previous = points`, the best point so far (`if (…) best = x`), a start kept for after the
// loop. Where the function writes no entry of an array that two names may hold (an array made
// by a literal, map or slice is only read once made), two names for one array are safe: the
// loop carries each as its own copy. Each program is checked in every mode (grad and
// valueAndGrad in reverse mode and, through compile's twin, forward mode; derivative, jvp,
// hessian) against finite differences. Where a write through one name could be seen through
// the other, the diagnostic stays, and names the write.
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, partialDifference } from './support/compile.js';
import { everyModeExports, expectEveryMode } from './support/every-mode.js';

const PROGRAMS = `
type P = [number, number];
function step(p: P, a: number): P { return [p[0] - 0.1 * (p[0] - a), p[1] - 0.1 * p[1] * a]; }
function dist(p: P, q: P): number { return Math.abs(p[0] - q[0]) + Math.abs(p[1] - q[1]); }

export function converge(w: number[], a: number): number {
  let x: P = [w[0], w[1] + w[2]];
  let prev = x;
  for (let i = 0; i < 50; i++) {
    const next = step(x, a);
    if (dist(next, prev) < 1e-3) break;
    prev = x;
    x = next;
  }
  return x[0] * x[1] + prev[0];
}

export function keptPrevious(w: number[], a: number): number {
  let s: [number, number] = [w[0], w[1] * w[2]];
  let previous = s;
  for (let k = 0; k < 3; k++) {
    previous = s;
    s = step(s, a);
  }
  return s[0] * previous[1] + s[1];
}

function gradientOf(w: number[], a: number): number[] {
  return w.map((wi, i) => 2 * (wi - a * (i + 1)) + wi * wi * 0.1);
}

export function momentum(w0: number[], a: number): number {
  let w = w0.map((v) => v);
  let prevGrad = gradientOf(w, a);
  let v = w.map(() => 0);
  for (let it = 0; it < 8; it++) {
    const g = gradientOf(w, a);
    v = v.map((vi, i) => 0.5 * vi + 0.1 * (g[i] + prevGrad[i]));
    prevGrad = g;
    w = w.map((wi, i) => wi - v[i]);
  }
  return w.reduce((s, wi) => s + wi * wi, 0) + prevGrad[0];
}

export function casteljau(points: number[], t: number): number {
  let current = points.map((p) => p * 1);
  let previous = current;
  while (current.length > 1) {
    previous = current;
    current = previous.slice(1).map((p, i) => (1 - t) * previous[i] + t * p);
  }
  return current[0] + 0.1 * previous[1];
}

export function bezier(w: number[], t: number): number {
  let points = [w[0], 2 * w[1], w[2] * w[2], 1];
  let previous = points;
  for (let level = 0; level < 3; level++) {
    previous = points;
    points = previous.slice(1).map((p, i) => (1 - t) * previous[i] + t * p);
  }
  return points[0] * previous[0];
}

interface Body { pos: number[]; w: number }
export function previousBody(w: number[], a: number): number {
  let st: Body = { pos: [w[0], w[1]], w: a * w[2] };
  let previous = st;
  for (let k = 0; k < 4; k++) {
    previous = st;
    st = { pos: [st.pos[1] + 0.1 * st.w, st.pos[0] - 0.2 * st.w], w: st.w * 0.9 + st.pos[0] };
  }
  return st.pos[0] * previous.pos[1] + previous.w;
}

export function fixedPoint(xs: number[], c: number): number {
  let x = xs.map((v) => v);
  let prev = x;
  for (let i = 0; i < 100; i++) {
    const next = x.map((v) => Math.cos(c * v) * 0.5);
    let d = 0;
    for (let j = 0; j < next.length; j++) d += Math.abs(next[j] - prev[j]);
    if (d < 1e-9) break;
    prev = x;
    x = next;
  }
  return x.reduce((s, v) => s + v, 0) + prev[0];
}

export function startKept(w: number[], a: number): number {
  const start: [number, number] = [w[0], w[1] - w[2]];
  let s = start;
  for (let i = 0; i < 5; i++) s = [s[1] * 0.5 + a, s[0] - 0.1 * s[1] * s[1]];
  return s[0] * start[1] + s[1];
}

export function best(w: number[], a: number): number {
  let x: P = [w[0] + a, w[1] * w[2]];
  let best = x;
  for (let i = 0; i < 6; i++) {
    x = [x[1] - 0.3 * x[0], x[0] + 0.2 * x[1] * x[1]];
    if (x[0] * x[0] < best[0] * best[0]) best = x;
  }
  return best[0] + best[1] * x[0];
}

export function scratchWritten(w: number[], a: number): number {
  let x: P = [w[0], w[1] + w[2]];
  let prev = x;
  const scratch = new Float64Array(2);
  for (let i = 0; i < 3; i++) {
    scratch[0] = x[0] * x[1];
    scratch[1] = x[0] - a * x[1];
    prev = x;
    x = [scratch[0] * 0.5, scratch[1] + a];
  }
  return x[0] * prev[1];
}

export function swapped(w: number[], a: number): number {
  let s = [w[0], a];
  let t = [w[1], w[2]];
  for (let i = 0; i < 3; i++) {
    s = [s[1], t[0] * a];
    t = s;
  }
  return s[0] + t[1];
}

export function bufferShared(xs: number[], a: number): number {
  let p = xs.map((v) => v * a);
  let q = xs.map((v) => v + a);
  for (let i = 0; i < 2; i++) p = q;
  return p[0] * q[1] + p[2];
}

export function keptOrReplaced(xs: number[], a: number): number {
  let p = xs;
  for (let k = 0; k < 4; k++) {
    const next = p.map((e) => e * a + 0.1);
    p = next[0] > 1 ? p : next;
  }
  return p[0] + p[1] * p[2];
}

export function chosenOrMapped(xs: number[], a: number): number {
  const z = xs.map((v) => v * a);
  const chosen = z[0] > 0 ? z : z.map((v) => Math.max(v, 0));
  return chosen[0] + z[1] * chosen[2];
}
`;

const NAMES = [...PROGRAMS.matchAll(/^export function (\w+)/gm)].map((match) => match[1]);

const SOURCE = `
import { derivative, grad, hessian, jvp, valueAndGrad } from 'tapeless';
${PROGRAMS}
${everyModeExports(NAMES)}
`;

let m: Record<string, any>;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': SOURCE });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

const W = [0.5, -0.8, 1.1];
const A = 0.7;

describe('a loop state another variable holds, where no array is written once two names hold it: every mode against finite differences', () => {
  for (const name of NAMES) {
    it(name, () => expectEveryMode(m, name, W, A));
  }
});

describe('where a write through one name could be seen through the other: the diagnostic names the write', () => {
  const rejected = (body: string, helpers = '') =>
    compile({ 'main.ts': `import { grad } from 'tapeless';\n${helpers}\nexport const g = grad((a: number, b: number) => {\n${body}\n});\n` }).messages;

  it('an entry written through the state after the other name took it', () => {
    expect(
      rejected(
        '  let x = [a, b];\n  let prev = x;\n  for (let i = 0; i < 3; i++) {\n    x[0] += 0.5 * prev[1];\n    prev = x;\n    x = [x[1], x[0] * a];\n  }\n  return x[0] + prev[0];',
      ),
    ).toEqual([
      "main.ts:6:3 tapeless: the array or object 'prev' holds as this loop starts is also held by another variable or object, which a loop that reassigns 'prev' does not allow (the function writes entries of arrays, which a copy would not see: 'x[0] += 0.5 * prev[1]' at main.ts:7:5): copy it first ('[...…]', '{ ...… }').",
    ]);
  });

  it('a helper writing the array it is given', () => {
    expect(
      rejected(
        '  let x: [number, number] = [a, b];\n  let prev = x;\n  for (let i = 0; i < 3; i++) {\n    prev = x;\n    x = [x[1] * 0.5, x[0] + a];\n    nudge(prev, 0.1);\n  }\n  return x[0] * prev[1];',
        'function nudge(p: number[], d: number): void { p[1] += d; }',
      ),
    ).toEqual([
      "main.ts:6:3 tapeless: the array or object 'prev' holds as this loop starts is also held by another variable or object, which a loop that reassigns 'prev' does not allow (the function writes entries of arrays, which a copy would not see: 'p[1] += d' at main.ts:2:48): copy it first ('[...…]', '{ ...… }').",
    ]);
  });

  it('a write the pass makes after the state is taken: its advice (a copy) compiles and is right', async () => {
    const body = (copy: string) =>
      `  let x = [a, b];\n  let prev = ${copy};\n  for (let i = 0; i < 3; i++) {\n    prev = ${copy};\n    x = [x[1] + a, x[0] * b];\n    x[1] *= 0.5;\n  }\n  return x[0] * prev[1] + x[1];`;
    expect(rejected(body('x'))).toEqual([expect.stringContaining("main.ts:6:3 tapeless: the array or object 'prev' holds as this loop starts")]);
    const source = `import { grad } from 'tapeless';\nexport function f(a: number, b: number): number {\n${body('[...x]')}\n}\nexport const g = grad(f);\n`;
    const compiled = compile({ 'main.ts': source });
    expect(compiled.messages).toEqual([]);
    const { f, g } = await compiled.load();
    const [ga, gb] = g(0.6, 0.9);
    close(ga, partialDifference(f, [0.6, 0.9], 0), 1e-6);
    close(gb, partialDifference(f, [0.6, 0.9], 1), 1e-6);
  });
});
