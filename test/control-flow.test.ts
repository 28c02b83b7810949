// Branches and loops: every construct against finite differences and hand-derived values,
// and the traps other AD tools fell into.
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, finiteDifference } from './support/compile.js';

/** Functions under test, each exported as `name` and its gradient as `d_name` (all parameters). */
const FUNCTIONS = `
export enum Mode { Square, Cube, Sine }

export function piecewise(x: number): number {
  if (x < -1) return -x;
  else if (x < 1) { const y = x * x; return y + 1; }
  else return Math.log(x) + 2;
}
export function ternary(x: number, y: number): number {
  return x > y ? x * y : y > 0 ? Math.exp(y) : x - y;
}
export function logical(x: number, y: number): number {
  const a = (x > 0 && y) || x * 2;   // && and || yield one of their operands
  const b = !(x > y) ? y * 3 : x;
  const c = x ?? y;
  return a * b + c;
}
export function withMode(x: number, mode: Mode): number {
  switch (mode) {
    case Mode.Square: return x * x;
    case Mode.Cube: return x * x * x;
    default: return Math.sin(x);
  }
}
export function fallThrough(x: number, k: number): number {
  let s = 0;
  switch (k) {
    case 0:
      s += x;
    case 1:
      s += x * x;
      break;
    case 2:
      s = Math.exp(x);
    default:
      s -= x;
  }
  return s;
}
export function assignInCondition(x: number): number {
  let y = x;
  if ((y += x) > 1) y = y * y;
  return y;
}
export function power(x: number, n: number): number {
  let t = 1;
  for (let i = 0; i < n; i++) t *= x;
  return t;
}
export function whileLoop(x: number): number {
  let s = 0;
  let i = 0;
  while (i < 5) { s += Math.sin(x * i); i++; }
  return s;
}
export function doWhile(x: number): number {
  let y = x;
  let n = 0;
  do { y = y * 0.5 + Math.cos(y); n++; } while (n < 4);
  return y;
}
export function breakContinue(x: number): number {
  let s = 0;
  for (let i = 0; i < 10; i++) {
    if (i % 2 === 1) continue;
    if (i > 6) break;
    s += x ** i;
  }
  return s;
}
export function labelled(x: number): number {
  let s = 0;
  outer: for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      if (j > i) continue outer;
      if (i === 3) break outer;
      s += x * i + j * x * x;
    }
  }
  return s;
}
export function nested(x: number, y: number): number {
  let s = 0;
  for (let i = 1; i <= 3; i++) {
    let p = 1;
    for (let j = 0; j < i; j++) p *= x + j * y;
    s += p / i;
  }
  return s;
}
export function commaHeader(x: number): number {
  let a = 0;
  let b = 1;
  for (let i = 0, j = 3; i < j; i++, j--) { a += x * i; b *= x + j; }
  return a + b;
}
export function conditionAccumulates(x: number): number {
  let res = 0;
  let c: number;
  const i = 2;
  const j = x;
  for (c = 0; (res += i * j), c < 3; ++c) {}
  return res;
}
export function runtimeTrips(x: number, n: number): number {
  let s = x;
  for (let i = 0; i < n; i++) s = Math.sin(s) + x;
  return s;
}
// Traps
export function overwrittenInLoop(x: number): number {
  let prev = x;
  let s = 0;
  for (let i = 0; i < 4; i++) {
    const cur = prev * x;
    s += prev * cur;
    prev = cur;
  }
  return s;
}
export function changingDivisor(x: number): number {
  let d = x;
  let s = 0;
  for (let i = 0; i < 3; i++) {
    s += 1 / d;
    d = d * x + 1;
  }
  return s;
}
export function untakenNaN(x: number): number {
  if (x > 10) return Math.acos(2) * x;
  return x * x;
}
export function doubledInCondition(x: number): number {
  if ((x += x)) return x * 3;
  return 0;
}
export function returnInNestedLoops(x: number): number {
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      if (i * j === 6) return x * i * j + x * x;
    }
  }
  return -x;
}
export function zeroTrips(x: number, n: number): number {
  let s = x * x;
  for (let i = 0; i < n; i++) s += Math.exp(x * i);
  return s;
}
`;

const NAMES = [...FUNCTIONS.matchAll(/export function (\w+)\(([^)]*)\)/g)].map((m) => ({
  name: m[1],
  params: m[2].split(',').map((p) => p.trim().split(':')[0]),
}));

let m: Record<string, any>;

beforeAll(async () => {
  const grads = NAMES.map(({ name }) => `export const d_${name} = grad(${name});`).join('\n');
  // Data parameters (n, k, mode) are selected away below by checking only the first entries.
  const compiled = compile({
    'main.ts': `import { grad } from 'tapeless';\n${FUNCTIONS.replace(/grad\(/g, 'grad(')}\n${grads.replace(/grad\((withMode|fallThrough|power|runtimeTrips|zeroTrips)\)/g, "grad($1, { wrt: 'x' })")}`,
  });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

/** Gradient entries for the differentiable parameters, checked against central differences. */
function checkAgainstFiniteDifferences(name: string, point: number[], wrt: number[], tolerance = 1e-7): number[] {
  const f = m[name];
  const raw = m[`d_${name}`](...point);
  const gradient = Array.isArray(raw) ? raw : [raw];
  wrt.forEach((index, i) => {
    const numeric = finiteDifference((t) => f(...point.map((p, j) => (j === index ? t : p))), point[index], 1e-4);
    expect(Math.abs(gradient[i] - numeric), `${name} at ${point} d/d#${index}: ${gradient[i]} vs ${numeric}`).toBeLessThanOrEqual(
      tolerance * Math.max(1, Math.abs(numeric)),
    );
  });
  return gradient;
}

describe('branches', () => {
  it('if / else if / else with early returns', () => {
    for (const x of [-3, -1.5, -0.5, 0.25, 0.9, 1.5, 4]) checkAgainstFiniteDifferences('piecewise', [x], [0]);
    expect(m.d_piecewise(-2)).toBe(-1);
    expect(m.d_piecewise(0.5)).toBe(1);
    expect(m.d_piecewise(2)).toBe(0.5);
  });

  it('?: picks the branch taken', () => {
    for (const p of [
      [2, 1],
      [0.5, 1.5],
      [-2, -1],
    ])
      checkAgainstFiniteDifferences('ternary', p, [0, 1]);
    expect(m.d_ternary(2, 1)).toEqual([1, 2]);
    expect(m.d_ternary(-2, -1)).toEqual([1, -1]);
  });

  it('&&, ||, ?? and ! as values, with JavaScript semantics', () => {
    for (const p of [
      [1.5, 2],
      [1.5, 0.5],
      [-1, 2],
      [3, 1],
    ]) {
      checkAgainstFiniteDifferences('logical', p, [0, 1]);
    }
    // y = 0 is falsy: a = 2x, b = x, c = x, so f = 2x^2 + x (a kink in y: no finite differences).
    expect(m.d_logical(1.5, 0)).toEqual([7, 0]);
  });

  it('switch on an enum, with default', () => {
    expect(m.d_withMode(2, 0)).toBe(4);
    expect(m.d_withMode(2, 1)).toBe(12);
    expect(m.d_withMode(2, 2)).toBe(Math.cos(2));
  });

  it('switch with fall-through and break', () => {
    const x = 0.7;
    expect(m.d_fallThrough(x, 0)).toBeCloseTo(1 + 2 * x, 14);
    expect(m.d_fallThrough(x, 1)).toBeCloseTo(2 * x, 14);
    expect(m.d_fallThrough(x, 2)).toBeCloseTo(Math.exp(x) - 1, 14);
    expect(m.d_fallThrough(x, 7)).toBe(-1);
  });

  it('assignments inside conditions', () => {
    expect(m.d_assignInCondition(1)).toBe(8); // y = 2x > 1: y^2 = 4x^2
    expect(m.d_assignInCondition(0.25)).toBe(2); // y = 2x
  });
});

describe('loops', () => {
  it('for with a trip count known at run time', () => {
    for (const n of [0, 1, 2, 5]) expect(m.d_power(1.5, n)).toBeCloseTo(n === 0 ? 0 : n * 1.5 ** (n - 1), 12);
  });

  it('while, do…while, break, continue, labels, nesting, commas in headers', () => {
    for (const x of [0.3, -0.7, 1.2]) {
      checkAgainstFiniteDifferences('whileLoop', [x], [0]);
      checkAgainstFiniteDifferences('doWhile', [x], [0]);
      checkAgainstFiniteDifferences('breakContinue', [x], [0]);
      checkAgainstFiniteDifferences('labelled', [x], [0]);
      checkAgainstFiniteDifferences('nested', [x, 0.4], [0, 1]);
      checkAgainstFiniteDifferences('commaHeader', [x], [0]);
      checkAgainstFiniteDifferences('runtimeTrips', [x, 7], [0]);
    }
    // breakContinue = 1 + x^2 + x^4 + x^6: derivative 2x + 4x^3 + 6x^5
    const x = 1.1;
    expect(m.d_breakContinue(x)).toBeCloseTo(2 * x + 4 * x ** 3 + 6 * x ** 5, 12);
  });

  it('a loop whose condition accumulates', () => {
    // res = 2x, added 4 times (c = 0, 1, 2, 3): d/dx = 8
    expect(m.conditionAccumulates(1.5)).toBe(12);
    expect(m.d_conditionAccumulates(1.5)).toBe(8);
  });
});

describe('traps that made other tools silently wrong', () => {
  it('a variable overwritten in a loop and read in a later iteration', () => {
    // prev_k = x^(k+1), s = sum_{k=0..3} x^(k+1) x^(k+2) = x^3 + x^5 + x^7 + x^9
    const x = 0.9;
    expect(m.d_overwrittenInLoop(x)).toBeCloseTo(3 * x ** 2 + 5 * x ** 4 + 7 * x ** 6 + 9 * x ** 8, 13);
    checkAgainstFiniteDifferences('overwrittenInLoop', [1.1], [0]);
  });

  it('a divisor that changes inside the loop', () => {
    for (const x of [0.5, 2, -3]) checkAgainstFiniteDifferences('changingDivisor', [x], [0]);
  });

  it('an untaken branch holding Math.acos(2) does not make the gradient NaN', () => {
    expect(m.d_untakenNaN(3)).toBe(6);
    expect(Number.isNaN(m.d_untakenNaN(20))).toBe(true); // taken: the math says NaN
  });

  it('x += x inside a condition', () => {
    expect(m.d_doubledInCondition(2)).toBe(6);
    expect(m.d_doubledInCondition(0)).toBe(0);
  });

  it('a return inside nested loops', () => {
    // returns at i = 2, j = 3: 6x + x^2
    expect(m.d_returnInNestedLoops(1.5)).toBe(6 + 3);
  });

  it('a loop that runs zero times', () => {
    expect(m.d_zeroTrips(1.5, 0)).toBe(3);
    checkAgainstFiniteDifferences('zeroTrips', [0.5, 3], [0]);
  });
});

describe('edge cases of control flow', () => {
  const EDGES = `
import { grad, valueAndGrad, stopGradient } from 'tapeless';
export const emptyLabelledLoop = grad((x: number) => { label: for (;;) { break label; } return x; });
export const halving = grad((x: number) => { let y = x; do { y = y / 2; } while (y > 1); return y; });
export const emptySwitch = grad((x: number) => { switch (x) { } return x * 2; });
export const returnFromLoop = grad((x: number) => { for (let i = 0; i < 3; i++) { if (i == 1) return x * i; } return 0; });
export const nestedTernary = grad((x: number, y: number) => (x > 0 ? (y > 0 ? x * y : -x) : y) ** 2);
export const overwrittenLiteral = grad((x: number) => { const arr = [x, x * 2]; arr[0] = arr[1] * arr[0]; return arr[0] + arr.length; });
export const continueOverConstants = grad((x: number) => { let s = 0; const xs = [1, 2, 3]; for (const v of xs) { if (v === 2) continue; s += v * x; } return s; });
export const whileTrueBreak = grad((x: number) => { let n = 0; while (true) { n++; if (n > 3) break; } return x * n; });
export const stoppedValue = valueAndGrad((x: number) => stopGradient(x) * x);
`;
  let e: Record<string, any>;
  beforeAll(async () => {
    const compiled = compile({ 'main.ts': EDGES });
    expect(compiled.messages).toEqual([]);
    e = await compiled.load();
  });

  it('labels, empty switches, do…while, while (true), returns from loops, nested ?:, literals overwritten', () => {
    expect(e.emptyLabelledLoop(2)).toBe(1);
    expect(e.halving(5)).toBe(1 / 8);
    expect(e.emptySwitch(5)).toBe(2);
    expect(e.returnFromLoop(5)).toBe(1);
    expect(e.nestedTernary(2, 3)).toEqual([2 * 6 * 3, 2 * 6 * 2]);
    expect(e.nestedTernary(-2, 3)).toEqual([0, 6]);
    expect(e.overwrittenLiteral(1.5)).toBe(4 * 1.5);
    expect(e.continueOverConstants(1.5)).toBe(4);
    expect(e.whileTrueBreak(1.5)).toBe(4);
    expect(e.stoppedValue(3)).toEqual([9, 3]);
  });
});
