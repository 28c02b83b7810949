// Every elementary rule: the generated gradient against a hand-derived derivative (at
// ordinary points and at the edges: 0, negatives, domain limits) and against finite
// differences where the function is smooth.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, compile, finiteDifference } from './support/compile.js';

const require = createRequire(import.meta.url);
const registry = require('../dist/transformer/ops/registry.js') as typeof import('../dist/transformer/ops/registry.js');
const { loadRules } = require('../dist/transformer/ops/rules.js') as typeof import('../dist/transformer/ops/rules.js');

interface Case {
  /** Parameters and body of the function, as TypeScript. */
  readonly params: readonly string[];
  readonly body: string;
  /** The gradient, derived by hand. */
  readonly hand: (...args: number[]) => number[];
  /** Ordinary points, checked against the hand gradient and finite differences. */
  readonly smooth: readonly number[][];
  /** Edges (kinks, domain limits), checked against the hand gradient only. */
  readonly edges?: readonly number[][];
}

const sq = (x: number) => x * x;
const CASES: Record<string, Case> = {
  add: {
    params: ['a', 'b'],
    body: 'a + b',
    hand: () => [1, 1],
    smooth: [
      [1, 2],
      [-3, 0.5],
    ],
  },
  sub: {
    params: ['a', 'b'],
    body: 'a - b',
    hand: () => [1, -1],
    smooth: [
      [1, 2],
      [-3, 0.5],
    ],
  },
  mul: {
    params: ['a', 'b'],
    body: 'a * b',
    hand: (a, b) => [b, a],
    smooth: [
      [1.5, 2],
      [-3, 0.5],
    ],
    edges: [[0, 0]],
  },
  div: {
    params: ['a', 'b'],
    body: 'a / b',
    hand: (a, b) => [1 / b, -a / (b * b)],
    smooth: [
      [1.5, 2],
      [-3, 0.5],
    ],
    edges: [
      [1, 0],
      [0, 0],
    ],
  },
  mod: {
    params: ['a', 'b'],
    body: 'a % b',
    hand: (a, b) => [1, -Math.trunc(a / b)],
    smooth: [
      [7.5, 2],
      [-7.5, 2],
      [5.3, -1.7],
    ],
  },
  negate: { params: ['x'], body: '-x', hand: () => [-1], smooth: [[2], [-1]] },
  plus: { params: ['x'], body: '+x * 3', hand: () => [3], smooth: [[2]] },
  square: { params: ['x'], body: 'x ** 2', hand: (x) => [2 * x], smooth: [[3], [-0.5]], edges: [[0]] },
  // At x = 0 the partial in p is its limit 0 (x^p log x -> 0), not 0 * -Infinity.
  powOperator: {
    params: ['x', 'p'],
    body: 'x ** p',
    hand: (x, p) => [p * x ** (p - 1), x === 0 ? 0 : x ** p * Math.log(x)],
    smooth: [
      [1.5, 2.5],
      [0.5, -1.5],
    ],
    edges: [
      [0, 2],
      [0, 0.5],
    ],
  },
  pow: {
    params: ['x', 'p'],
    body: 'Math.pow(x, p)',
    hand: (x, p) => [p * x ** (p - 1), x ** p * Math.log(x)],
    smooth: [
      [1.5, 2.5],
      [2, 3],
    ],
  },
  powZeroExponent: { params: ['x'], body: 'x ** 0', hand: () => [0], smooth: [[2]], edges: [[0]] },
  powBaseZero: { params: ['p'], body: '0 ** p', hand: () => [0], smooth: [], edges: [[2], [0.5]] },
  sin: { params: ['x'], body: 'Math.sin(x)', hand: (x) => [Math.cos(x)], smooth: [[0], [1], [-2], [10]] },
  cos: { params: ['x'], body: 'Math.cos(x)', hand: (x) => [-Math.sin(x)], smooth: [[0], [1], [-2], [10]] },
  tan: { params: ['x'], body: 'Math.tan(x)', hand: (x) => [1 / sq(Math.cos(x))], smooth: [[0], [1], [-1.2]] },
  asin: { params: ['x'], body: 'Math.asin(x)', hand: (x) => [1 / Math.sqrt(1 - x * x)], smooth: [[0], [0.5], [-0.7]], edges: [[1], [-1]] },
  acos: { params: ['x'], body: 'Math.acos(x)', hand: (x) => [-1 / Math.sqrt(1 - x * x)], smooth: [[0], [0.5], [-0.7]], edges: [[1], [-1]] },
  atan: { params: ['x'], body: 'Math.atan(x)', hand: (x) => [1 / (1 + x * x)], smooth: [[0], [2], [-30]] },
  atan2: {
    params: ['y', 'x'],
    body: 'Math.atan2(y, x)',
    hand: (y, x) => [x / (x * x + y * y), -y / (x * x + y * y)],
    smooth: [
      [1, 2],
      [-1, -0.5],
      [3, -4],
    ],
  },
  sinh: { params: ['x'], body: 'Math.sinh(x)', hand: (x) => [Math.cosh(x)], smooth: [[0], [1.5], [-2]] },
  cosh: { params: ['x'], body: 'Math.cosh(x)', hand: (x) => [Math.sinh(x)], smooth: [[0], [1.5], [-2]] },
  tanh: { params: ['x'], body: 'Math.tanh(x)', hand: (x) => [1 / sq(Math.cosh(x))], smooth: [[0], [0.5], [-2]], edges: [[40], [-40]] },
  asinh: { params: ['x'], body: 'Math.asinh(x)', hand: (x) => [1 / Math.sqrt(x * x + 1)], smooth: [[0], [2], [-3]] },
  acosh: { params: ['x'], body: 'Math.acosh(x)', hand: (x) => [1 / Math.sqrt(x * x - 1)], smooth: [[1.5], [4]], edges: [[1]] },
  atanh: { params: ['x'], body: 'Math.atanh(x)', hand: (x) => [1 / (1 - x * x)], smooth: [[0], [0.5], [-0.9]], edges: [[1], [-1]] },
  exp: { params: ['x'], body: 'Math.exp(x)', hand: (x) => [Math.exp(x)], smooth: [[0], [1], [-3]], edges: [[800], [-800]] },
  expm1: { params: ['x'], body: 'Math.expm1(x)', hand: (x) => [Math.exp(x)], smooth: [[0], [1e-10], [-2]] },
  log: { params: ['x'], body: 'Math.log(x)', hand: (x) => [1 / x], smooth: [[1], [0.1], [50]], edges: [[0]] },
  log1p: { params: ['x'], body: 'Math.log1p(x)', hand: (x) => [1 / (1 + x)], smooth: [[0], [1e-9], [3]], edges: [[-1]] },
  log2: { params: ['x'], body: 'Math.log2(x)', hand: (x) => [1 / (x * Math.LN2)], smooth: [[1], [8], [0.3]], edges: [[0]] },
  log10: { params: ['x'], body: 'Math.log10(x)', hand: (x) => [1 / (x * Math.LN10)], smooth: [[1], [100], [0.3]], edges: [[0]] },
  sqrt: { params: ['x'], body: 'Math.sqrt(x)', hand: (x) => [1 / (2 * Math.sqrt(x))], smooth: [[1], [4], [0.25]], edges: [[0]] },
  cbrt: { params: ['x'], body: 'Math.cbrt(x)', hand: (x) => [1 / (3 * Math.cbrt(x) ** 2)], smooth: [[1], [8], [-27]], edges: [[0]] },
  abs: { params: ['x'], body: 'Math.abs(x)', hand: (x) => [x > 0 ? 1 : x < 0 ? -1 : 0], smooth: [[2], [-3]], edges: [[0]] },
  max: {
    params: ['a', 'b'],
    body: 'Math.max(a, b)',
    hand: (a, b) => (a >= b ? [1, 0] : [0, 1]),
    smooth: [
      [1, 2],
      [3, -1],
    ],
    edges: [[1, 1]],
  },
  min: {
    params: ['a', 'b'],
    body: 'Math.min(a, b)',
    hand: (a, b) => (a <= b ? [1, 0] : [0, 1]),
    smooth: [
      [1, 2],
      [3, -1],
    ],
    edges: [[1, 1]],
  },
  max3: {
    params: ['a', 'b', 'c'],
    body: 'Math.max(a, b, c)',
    hand: (a, b, c) => {
      const m = Math.max(a, b, c);
      return a === m ? [1, 0, 0] : b === m ? [0, 1, 0] : [0, 0, 1];
    },
    smooth: [
      [1, 5, 2],
      [3, -1, 4],
    ],
    edges: [
      [2, 2, 2],
      [1, 3, 3],
    ],
  },
  min3: {
    params: ['a', 'b', 'c'],
    body: 'Math.min(a, b, c)',
    hand: (a, b, c) => {
      const m = Math.min(a, b, c);
      return a === m ? [1, 0, 0] : b === m ? [0, 1, 0] : [0, 0, 1];
    },
    smooth: [
      [1, 5, 2],
      [3, -1, 4],
    ],
    edges: [
      [2, 2, 2],
      [3, 1, 1],
    ],
  },
  sign: { params: ['x'], body: 'Math.sign(x) * 1', hand: () => [0], smooth: [[2], [-3]], edges: [[0]] },
  floor: { params: ['x'], body: 'Math.floor(x)', hand: () => [0], smooth: [[2.5], [-3.5]], edges: [[2]] },
  ceil: { params: ['x'], body: 'Math.ceil(x)', hand: () => [0], smooth: [[2.5], [-3.5]], edges: [[2]] },
  round: { params: ['x'], body: 'Math.round(x)', hand: () => [0], smooth: [[2.2], [-3.7]], edges: [[2.5]] },
  trunc: { params: ['x'], body: 'Math.trunc(x)', hand: () => [0], smooth: [[2.5], [-3.5]] },
  fround: { params: ['x'], body: 'Math.fround(x)', hand: () => [1], smooth: [], edges: [[2.5], [0.1]] },
  hypot: {
    params: ['a', 'b', 'c'],
    body: 'Math.hypot(a, b, c)',
    hand: (a, b, c) => {
      const h = Math.hypot(a, b, c);
      return [a / h, b / h, c / h];
    },
    smooth: [
      [1, 2, 2],
      [-3, 4, 0.5],
    ],
    edges: [[0, 3, 0]],
  },
  // At the origin atan2 jumps: its partials are 0 by convention, as hypot's.
  atan2Axes: {
    params: ['y', 'x'],
    body: 'Math.atan2(y, x)',
    hand: (y, x) => (x === 0 && y === 0 ? [0, 0] : [x / (x * x + y * y), -y / (x * x + y * y)]),
    smooth: [
      [0, 2],
      [3, 0],
    ],
    edges: [
      [0, 0],
      [0, -2],
      [-3, 0],
    ],
  },
  hypotOrigin: { params: ['a', 'b'], body: 'Math.hypot(a, b)', hand: () => [0, 0], smooth: [], edges: [[0, 0]] },
  random: { params: ['x'], body: 'x * Math.random()', hand: () => [NaN], smooth: [] },
};

let module: Record<string, (...args: number[]) => any>;

beforeAll(async () => {
  const source = [`import { grad } from 'tapeless';`];
  for (const [name, c] of Object.entries(CASES)) {
    const params = c.params.map((p) => `${p}: number`).join(', ');
    source.push(`export const f_${name} = (${params}): number => ${c.body};`);
    source.push(`export const g_${name} = grad((${params}): number => ${c.body}, { wrt: [${c.params.map((_, i) => i).join(', ')}] });`);
  }
  const compiled = compile({ 'main.ts': source.join('\n') });
  expect(compiled.messages).toEqual([]);
  module = await compiled.load();
});

/** Equal within a few ulps relative, or both the same non-finite value. */
function expectClose(actual: number, expected: number, tolerance = 1e-13): void {
  if (!Number.isFinite(expected)) return void expect(actual).toBe(expected);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
}

describe('derivative rules', () => {
  for (const [name, c] of Object.entries(CASES)) {
    if (name === 'random') continue;
    it(`${name}: ${c.body}`, () => {
      const f = module[`f_${name}`];
      const g = module[`g_${name}`];
      for (const point of [...c.smooth, ...(c.edges ?? [])]) {
        const gradient = g(...point) as number[];
        const hand = c.hand(...point);
        gradient.forEach((value, i) => expectClose(value, hand[i]));
      }
      for (const point of c.smooth) {
        const gradient = g(...point) as number[];
        gradient.forEach((value, i) => {
          const partial = (t: number) => f(...point.map((p, j) => (j === i ? t : p)));
          const numeric = finiteDifference(partial, point[i]);
          expect(Math.abs(value - numeric)).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(numeric)));
        });
      }
    });
  }

  it('Math.random() is a constant drawn once per call', () => {
    // d/dx (x * r) = r, the same r that the call drew: check it lies in [0, 1) and varies.
    const draws = Array.from({ length: 20 }, () => (module.g_random(3) as number[])[0]);
    for (const r of draws) expect(r >= 0 && r < 1).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(1);
  });
});

// Found by trying the rules at extreme magnitudes and on the axes (the checks above are
// absolute below 1, so a partial of 1e-200 computed as 0 passes them): atan2's partials were
// ±Infinity where a² + b² underflows (|a|, |b| < 1e-154) and 0 where it overflows; asinh's
// derivative 0 above 1e154; the Hessian of atan2 on an axis lost ∂²/∂a∂b (a test of b === 0 in
// the rule stopped its derivative), and so did that of x ** p at p = 0 (∂²/∂x∂p = 1/x).
describe('rules at extreme magnitudes and on the axes', () => {
  let m: Record<string, (...args: any[]) => any>;
  beforeAll(async () => {
    const compiled = compile({
      'main.ts': `
import { grad, hessian } from 'tapeless';
export const gAtan2 = grad((y: number, x: number) => Math.atan2(y, x), { wrt: [0, 1] });
export const hAtan2 = hessian((y: number, x: number) => Math.atan2(y, x));
export const gAsinh = grad((x: number) => Math.asinh(x));
export const hPow = hessian((x: number, p: number) => Math.pow(x, p));
export const hSquare = hessian((x: number, p: number) => x ** p);
`,
    });
    expect(compiled.messages).toEqual([]);
    m = await compiled.load();
  });
  /** Within `tolerance` relative to the expected value, however small. */
  const relativelyClose = (actual: number, expected: number, tolerance = 1e-12) =>
    expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.abs(expected));

  it('atan2 and asinh: the partials without overflow or underflow', () => {
    for (const [y, x] of [
      [1e-200, 1e-200],
      [-3e-200, 2e-200],
      [1e200, 1e200],
      [2e200, -3e200],
      [1e-200, 1],
      [5, 1e-180],
    ]) {
      // Scaled by the larger magnitude s: ∂/∂y = (x/s) / ((x/s)² + (y/s)²) / s.
      const s = Math.max(Math.abs(y), Math.abs(x));
      const r2 = (x / s) ** 2 + (y / s) ** 2;
      const [dy, dx] = m.gAtan2(y, x);
      relativelyClose(dy, x / s / r2 / s);
      relativelyClose(dx, -y / s / r2 / s);
    }
    for (const x of [1e200, -1e200, 3]) relativelyClose(m.gAsinh(x), 1 / (Math.abs(x) * Math.sqrt(1 + 1 / (x * x))));
    relativelyClose(m.gAsinh(1e-200), 1);
  });

  it('the Hessians of atan2 on the axes and of x ** p at p = 0, by hand', () => {
    for (const [y, x] of [
      [0, 2],
      [3, 0],
      [0, -2],
      [0.3, -0.7],
    ]) {
      const r4 = (x * x + y * y) ** 2;
      const hand = [
        [(-2 * x * y) / r4, (y * y - x * x) / r4],
        [(y * y - x * x) / r4, (2 * x * y) / r4],
      ];
      m.hAtan2(y, x).forEach((row: number[], i: number) => row.forEach((h, j) => expect(Math.abs(h - hand[i][j])).toBeLessThanOrEqual(1e-14)));
    }
    // x^p: ∂²/∂x² = p(p - 1)x^(p - 2), ∂²/∂x∂p = x^(p - 1)(1 + p ln x), ∂²/∂p² = x^p ln² x.
    for (const [x, p] of [
      [2, 0],
      [0.5, 0],
      [2, 1],
      [3, 2],
    ]) {
      const hand = [
        [p * (p - 1) * x ** (p - 2), x ** (p - 1) * (1 + p * Math.log(x))],
        [x ** (p - 1) * (1 + p * Math.log(x)), x ** p * Math.log(x) ** 2],
      ];
      for (const h of [m.hPow(x, p), m.hSquare(x, p)])
        h.forEach((row: number[], i: number) => row.forEach((value, j) => expect(Math.abs(value - hand[i][j])).toBeLessThanOrEqual(1e-13)));
    }
  });
});

describe('the registry of operations', () => {
  const rules = loadRules(ts);
  const named = registry.allOps().flatMap((op) => {
    const derivative = registry.opInfo(op).derivative;
    return derivative.kind === 'rule' || derivative.kind === 'variadic' ? [{ op, derivative }] : [];
  });

  it('every operation differentiated by a rule has that rule in runtime/rules.ts', () => {
    for (const { op, derivative } of named) expect(() => rules.get(derivative), op).not.toThrow();
  });

  it('every rule of runtime/rules.ts is the rule of an operation', () => {
    const source = ts.createSourceFile('rules.ts', readFileSync(path.join(ROOT, 'runtime/rules.ts'), 'utf8'), ts.ScriptTarget.ES2022, true);
    const given: string[] = [];
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const declaration of statement.declarationList.declarations) {
        if (!declaration.initializer || !ts.isObjectLiteralExpression(declaration.initializer)) continue;
        const table = declaration.name.getText();
        for (const property of declaration.initializer.properties)
          given.push(`${table}.${ts.isStringLiteral(property.name!) ? property.name.text : property.name!.getText()}`);
      }
    }
    const used = new Set(
      named.map(({ derivative }) =>
        derivative.kind === 'variadic' ? `variadicMathRules.${derivative.name}` : `${(derivative as { table: string }).table}.${derivative.name}`,
      ),
    );
    expect(given.filter((rule) => !used.has(rule))).toEqual([]);
  });

  it('every Math function of the registry has a case above', () => {
    const tested = new Set(Object.values(CASES).flatMap((c) => [...c.body.matchAll(/Math\.(\w+)\(/g)].map((m) => m[1])));
    const math = registry.allOps().filter((op) => registry.opInfo(op).print.startsWith('Math.') && op !== 'random');
    expect(math.filter((op) => !tested.has(op))).toEqual([]);
  });
});
