// Functions differentiated from another file than their own: the generated code lives in the
// file that calls the API, and reaches what the function calls and reads from there —
// through the module declaring it where the function's module only imports it, inlined
// where no module exports it. Gradients against finite differences (and forward mode:
// compile() runs both builds).
import { beforeAll, describe, expect, it } from 'vitest';
import { type Compiled, compile, format, build, partialDifference } from './support/compile.js';

const HELPER = `
export function sq(x: number): number { return Math.exp(x) * x; }
export const RATE = [0.5, 2];
export class Complex {
  static polar(r: number, t: number): number { return r * Math.cos(t); }
}
`;

// The function differentiated elsewhere: it imports its helpers without re-exporting them,
// and calls helpers it does not export itself.
const MODEL = `
import { sq, RATE, Complex } from './helper.js';
import * as helper from './helper.js';
import { G, DRAG } from 'gravity';

const K = 4;
const NAME = 'quadratic';
function hidden(x: number, y: number): number { return K * x * y + sq(y); }
const alsoHidden = (v: number) => (NAME === 'quadratic' ? v * v : v);
class Hidden { static twice(v: number): number { return 2 * v; } }
function loop(x: number): number { let s = 0; for (let i = 0; i < 3; i++) s += Math.sin(x * i); return s; }

export function cost(x: number): number {
  return K * sq(x) + Math.sin(2 * x) + RATE[1] * x;
}
export function viaNamespace(x: number, y: number): number {
  return helper.sq(x * y) + helper.RATE[0] * y;
}
export function usesHidden(x: number, y: number): number {
  return hidden(x, y) + alsoHidden(x) * Complex.polar(y, x) + Hidden.twice(y) + loop(x * y);
}
export function fall(t: number): number {
  return 0.5 * G * t * t + DRAG[0] * t;
}
export function mapsHidden(xs: number[]): number {
  return xs.map(alsoHidden).reduce((a, b) => a + b, 0);
}
`;

const MAIN = `
import { grad, valueAndGrad, derivative, hessian, hvp } from 'tapeless';
import { cost, viaNamespace, usesHidden, mapsHidden, fall } from './model.js';

export { cost, viaNamespace, usesHidden, mapsHidden, fall };
export const dFall = grad(fall);
export const dCost = grad(cost);
export const vgCost = valueAndGrad(cost);
export const d2Cost = derivative(grad(cost));
export const dViaNamespace = grad(viaNamespace);
export const dUsesHidden = grad(usesHidden);
export const hUsesHidden = hessian(usesHidden);
export const hvpUsesHidden = hvp(usesHidden);
export const fUsesHidden = derivative(usesHidden, { wrt: 1 });
export const dMapsHidden = grad(mapsHidden);
`;

// A package (its declarations and its JavaScript), imported by its name.
const GRAVITY = {
  'node_modules/gravity/package.json': JSON.stringify({ name: 'gravity', type: 'module', exports: { '.': { types: './index.d.ts', default: './index.js' } } }),
  'node_modules/gravity/index.d.ts': 'export declare const G: number;\nexport declare const DRAG: readonly number[];\n',
  'node_modules/gravity/index.js': 'export const G = 9.81;\nexport const DRAG = [0.25];\n',
};

let compiled: Compiled;
let m: Record<string, any>;

beforeAll(async () => {
  compiled = compile({ 'main.ts': MAIN, 'model.ts': MODEL, 'helper.ts': HELPER, ...GRAVITY });
  expect(compiled.messages).toEqual([]);
  m = await compiled.load();
});

describe('a function differentiated from another file', () => {
  it('calls a helper its module imports, through the module declaring it', () => {
    for (const x of [-1.2, 0, 0.6, 2]) {
      expect(m.dCost(x)).toBeCloseTo(partialDifference(m.cost, [x], 0), 7);
      expect(m.vgCost(x)).toEqual([m.cost(x), m.dCost(x)]);
      expect(m.d2Cost(x)).toBeCloseTo(partialDifference(m.dCost, [x], 0), 6);
    }
    // One import of each module, named so that it collides with nothing of the file.
    expect(compiled.js['main.ts']).toMatch(/import \* as helper_module from "\.\/helper\.js";/);
    expect(compiled.js['main.ts'].match(/from "\.\/helper\.js"/g)).toHaveLength(1);
  });

  it("reads a package's constants through an import of the package, by its name", () => {
    for (const t of [0.5, 2]) expect(m.dFall(t)).toBeCloseTo(9.81 * t + 0.25, 12);
    expect(compiled.js['main.ts']).toMatch(/import \* as \w+ from "gravity";/);
  });

  it('calls helpers through a namespace import of their module', () => {
    for (const p of [
      [0.3, 1.1],
      [-0.7, 0.4],
    ]) {
      expect(m.dViaNamespace(...p)).toEqual([0, 1].map((i) => expect.closeTo(partialDifference(m.viaNamespace, p, i), 6)));
    }
  });

  it('inlines the helpers no module exports, and reads the constants whose type is their value', () => {
    for (const p of [
      [0.3, 1.1],
      [-0.7, 0.4],
      [1.5, -0.2],
    ]) {
      const g = m.dUsesHidden(...p);
      [0, 1].forEach((i) => expect(g[i]).toBeCloseTo(partialDifference(m.usesHidden, p, i), 6));
      expect(m.fUsesHidden(...p)).toBeCloseTo(g[1], 10);
      const H = m.hUsesHidden(...p);
      const gi =
        (i: number) =>
        (...q: number[]) =>
          m.dUsesHidden(...q)[i];
      [0, 1].forEach((i) => [0, 1].forEach((j) => expect(H[i][j]).toBeCloseTo(partialDifference(gi(i), p, j), 5)));
      const v = [0.5, -2];
      const Hv = m.hvpUsesHidden(...p, v);
      [0, 1].forEach((i) => expect(Hv[i]).toBeCloseTo(H[i][0] * v[0] + H[i][1] * v[1], 10));
    }
    const xs = [0.5, -1, 2];
    expect(m.dMapsHidden(xs)).toEqual(xs.map((x) => 2 * x));
    // Nothing of model.ts is imported but what it exports.
    expect(compiled.js['main.ts']).not.toMatch(/\bhidden\b|alsoHidden|Hidden\.|\bloop\(/);
  });
});

describe('code copied from the function’s own file', () => {
  it('keeps its literals and names: a throw with a string or a template, a call to console (the printer read them from the calling file’s text)', async () => {
    const compiled = compile({
      'model.ts': `
export function f(x: number): number {
  if (x < 0) throw new Error('negative input');
  return x * x;
}
export function g(x: number, label: string): number {
  if (!Number.isFinite(x)) throw new RangeError(\`not finite: \${x} (\${label})\`);
  console.debug(\`g at \${x}\`, /a+b/.test(label));
  return Math.sin(x) * x;
}
`,
      'main.ts': `// This file's text differs from model.ts where its literals lie, so that wrong positions show.
import { grad, derivative } from 'tapeless';
import { f, g } from './model.js';
export const df = grad(f);
export const dg = grad(g, { wrt: 0 });
export const ddg = derivative(g, { wrt: 0 });
`,
    });
    expect(compiled.messages).toEqual([]);
    const m = await compiled.load();
    const debug = console.debug;
    console.debug = () => {};
    try {
      expect(m.df(1.5)).toBe(3);
      expect(() => m.df(-1)).toThrow(new Error('negative input'));
      expect(() => m.dg(Infinity, 'ab')).toThrow(new RangeError('not finite: Infinity (ab)'));
      const g = (x: number) => Math.sin(x) * x;
      expect(m.dg(0.7, 'ab')).toBeCloseTo(partialDifference(g, [0.7], 0), 8);
      expect(m.ddg(0.7, 'ab')).toBeCloseTo(partialDifference(g, [0.7], 0), 8);
    } finally {
      console.debug = debug;
    }
  });
});

describe('what no module exports, and cannot be inlined', () => {
  const cases: Record<string, { model: string; message: string }> = {
    'array computed by code (a literal is computed in place: idioms.test.ts)': {
      model: `const W = [1, 2].map((v) => v * 2);\nexport function f(x: number): number { return W[0] * x; }`,
      message:
        "model.ts:2:47 tapeless: 'W' is not exported by model.ts, so the gradient generated in main.ts (the file that calls the API) cannot read it. Export it from model.ts, or pass it as a parameter.",
    },
    recursion: {
      model: `function down(x: number, n: number): number { return n > 0 ? down(x * 0.5, n - 1) : x; }\nexport function f(x: number): number { return down(x, 3); }`,
      message:
        "model.ts:1:62 tapeless: 'down' calls itself, and its module does not export it: the code generated in another file inlines its calls, which recursion does not allow. Export 'down' from its module.",
    },
  };
  for (const [name, { model, message }] of Object.entries(cases)) {
    it(name, () => {
      const built = build({ 'main.ts': `import { grad } from 'tapeless';\nimport { f } from './model.js';\nexport const g = grad(f);\n`, 'model.ts': model });
      expect(format(built.diagnostics)).toEqual([message]);
    });
  }
});
