// Functions declared inside the differentiated function (arrows and declarations, hoisted),
// capturing its parameters and locals as JavaScript's closures do (the value at the call,
// also after a reassignment), called in loops and branches, assigning what they capture;
// callbacks given to local helpers and to helpers of the module, local helpers and functions
// of the program given to map and reduce; and helpers declared inside another function.
// Every gradient against finite differences, in every mode (compile() checks reverse
// against forward mode at every call).
import { beforeAll, describe, expect, it } from 'vitest';
import { close, compile, finiteDifference, partialDifference } from './support/compile.js';

const MAIN = `
import { derivative, grad, hessian, jacobian, valueAndGrad } from 'tapeless';

function integrate(g: (t: number) => number, a: number, b: number, n: number): number {
  const h = (b - a) / n;
  let s = 0.5 * (g(a) + g(b));
  for (let i = 1; i < n; i++) s += g(a + i * h);
  return s * h;
}

function applyIf(c: boolean, g: (v: number) => number, v: number): number {
  if (c) return g(v);
  return v;
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

export function closures(x: number, y: number): number {
  const sq = (v: number) => v * v;
  let k = 2;
  const scaled = (v: number) => k * v;
  let s = 0;
  for (let i = 0; i < 4; i++) {
    s += sq(x + i) + scaled(y);
    k = k + x;
    if (s > 8) s -= clamp(y, 0, 1);
  }
  function clamp(v: number, lo: number, hi: number): number {
    return Math.min(Math.max(v, lo), hi);
  }
  return s;
}

export function accumulate(x: number, y: number): number {
  let total = 0;
  const add = (v: number) => {
    total += v * x;
  };
  const kept: number[] = [];
  const keep = (v: number) => {
    kept.push(v * y);
  };
  for (let i = 0; i < 4; i++) {
    add(i + y);
    if (i % 2 === 0) keep(total);
    else add(1);
  }
  let b = 0;
  for (const v of kept) b += v;
  return total + b;
}

export function callbacks(x: number, y: number): number {
  const apply = (g: (v: number) => number, v: number) => g(v);
  const cube = (v: number) => v * v * v;
  let count = 0;
  const r = applyIf(x > 0, (v) => {
    count += 1;
    return v * (count + y);
  }, y);
  const area = integrate((t) => Math.sin(t * x) * y, 0, 1, 8) + integrate(Math.exp, 0, x, 4);
  const mapped = [x, y, x * y].map(cube).reduce(add, 0) + [x, y].map(sigmoid).reduce(add, 0);
  function add(a: number, b: number): number {
    return a + b;
  }
  return apply(cube, y) + apply((w) => w * x, y) + r + count + area + mapped;
}

export function returns(x: number, y: number): number {
  const soft = (v: number, t = 0.5) => {
    if (v < t) return (0.5 * v * v) / t;
    return v - 0.5 * t;
  };
  const logs = [x, y].map((v) => {
    if (v > 0) return Math.log1p(v);
    return v;
  });
  return soft(x) + soft(y, 1) + logs[0] * logs[1];
}

export function curve(t: number): number[] {
  const bump = (c: number) => Math.exp(-(t - c) * (t - c));
  return [bump(0), bump(1) * t, Math.sin(t) * bump(-1)];
}

export function makeGradient(k: number) {
  const inner = (x: number) => k * x * x;
  function twice(x: number): number {
    return 2 * inner(x);
  }
  return grad((x: number) => inner(x) + twice(x) * Math.sin(x));
}

/** Arrows and function expressions called where they are written, capturing x and y. */
export function invoked(x: number, y: number): number {
  const base = (() => {
    const t = x * 2;
    return t * t;
  })();
  const scaled = ((k: number) => k * Math.sin(y) + base)(3);
  return (function (a: number) { return a * y; })(base) + scaled;
}

export const dInvoked = grad(invoked);
export const hInvoked = hessian(invoked);
export const dxInvoked = derivative(invoked, { wrt: 'x' });
export const dClosures = grad(closures);
export const vgClosures = valueAndGrad(closures);
export const hClosures = hessian(closures);
export const dAccumulate = grad(accumulate);
export const hAccumulate = hessian(accumulate);
export const dCallbacks = grad(callbacks);
export const hCallbacks = hessian(callbacks);
export const dReturns = grad(returns);
export const dxReturns = derivative(returns);
export const jCurve = jacobian(curve);
export const dCurve = derivative(curve);
`;

let m: Record<string, any>;
let js: string;

beforeAll(async () => {
  const compiled = compile({ 'main.ts': MAIN });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
  js = compiled.js['main.ts'];
});

const POINTS = [
  [0.3, 0.7],
  [1.5, -0.4],
  [-2.1, 3.3],
  [0.9, 1.1],
];

/** The gradient of f(x, y) against finite differences, and its Hessian against differences of the gradient. */
function expectGradient(
  f: (x: number, y: number) => number,
  gradient: (x: number, y: number) => number[],
  hessian?: (x: number, y: number) => number[][],
): void {
  for (const p of POINTS) {
    const g = gradient(p[0], p[1]);
    g.forEach((gi, i) => close(gi, partialDifference(f, p, i), 1e-6));
    if (!hessian) continue;
    const h = hessian(p[0], p[1]);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        close(
          h[i][j],
          partialDifference((x: number, y: number) => gradient(x, y)[i], p, j),
          1e-5,
        );
  }
}

describe('functions declared inside the differentiated function', () => {
  it('arrows and hoisted declarations read what they capture as it is when called', () => {
    expectGradient(m.closures, m.dClosures, m.hClosures);
    const [value, gradient] = m.vgClosures(0.3, 0.7);
    expect(value).toBe(m.closures(0.3, 0.7));
    expect(gradient).toEqual(m.dClosures(0.3, 0.7));
  });

  it('they assign the variables they capture and push into captured arrays, in loops and branches', () => {
    expectGradient(m.accumulate, m.dAccumulate, m.hAccumulate);
  });

  it('are inlined: the generated code has no functions of its own for them', () => {
    const gradient = js.slice(js.indexOf('function closures_grad(x, y) {') + 30);
    expect(gradient.slice(0, gradient.indexOf('\n}\n'))).not.toMatch(/=>|function |clamp|scaled|sq\(/);
  });

  it('called where they are written, (() => { … })() and (function (a) { … })(v)', () => {
    expectGradient(m.invoked, m.dInvoked, m.hInvoked);
    for (const p of POINTS) close(m.dxInvoked(p[0], p[1]), partialDifference(m.invoked, p, 0), 1e-6);
  });

  it('return early, and take default values', () => {
    expectGradient(m.returns, m.dReturns);
    for (const p of POINTS) close(m.dxReturns(p[0], p[1]), partialDifference(m.returns, p, 0), 1e-6);
  });
});

describe('callbacks', () => {
  it('given to local helpers and to helpers of the module (with branches and loops), and to map and reduce', () => {
    expectGradient(m.callbacks, m.dCallbacks, m.hCallbacks);
  });

  it('of a function returning an array, in jacobian and derivative', () => {
    for (const t of [-0.7, 0.2, 1.3]) {
      const rows = m.jCurve(t);
      const tangent = m.dCurve(t);
      m.curve(t).forEach((_: number, i: number) => {
        const expected = finiteDifference((s) => m.curve(s)[i], t);
        close(rows[i][0], expected, 1e-6);
        close(tangent[i], expected, 1e-6);
      });
    }
  });
});

describe('helpers declared inside another function', () => {
  it("are inlined where the gradient is generated in place, reading that function's variables", () => {
    for (const k of [1.5, -0.5]) {
      const f = (x: number) => k * x * x + 2 * k * x * x * Math.sin(x);
      const gradient = m.makeGradient(k);
      for (const x of [0.4, 2]) close(gradient(x), finiteDifference(f, x), 1e-7);
    }
  });
});
