// Determinism and safety of the output: two builds give byte-identical code, which does not
// depend on the order of the program's files or on the other files in it; the generated
// code has no eval, Function or with, writes no undeclared variable and creates no globals.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from './support/compile.js';
import { drawArbitrary } from './support/fuzz/choices.js';
import { gradientExport, programOf } from './support/fuzz/programs.js';
import { globalsCreated, unsafeConstructs } from './support/fuzz/safety.js';

// Random programs (the gradient fuzzer's), half in each of two files, plus a file that imports
// from both and differentiates their exports (imported functions and their pullbacks).
const programs = fc.sample(drawArbitrary(300), { seed: 0xd37e, numRuns: 24 }).map((draw, i) => programOf(draw, `q${i}`));
const fileOf = (half: typeof programs) =>
  `import { grad, valueAndGrad } from 'tapeless';\n\n${half.map((p) => `${p.source('ts').replace(/^function /gm, 'export function ')}${gradientExport(p)}\n`).join('\n')}`;
/** A function of a.ts that c.ts calls, which calls another function of a.ts (for its value): c.ts reaches into a.ts. */
const REACH = `\nexport function scale(k: number): number {\n  return 1 + k * k;\n}\nexport function reach(x: number): number {\n  return Math.sin(x) * scale(0.5);\n}\n`;
/** Arguments for a call of `p` inside `both(x)`. */
const argsOf = (p: (typeof programs)[number]) => p.params.map((q) => (q.type === 'number' ? 'x' : q.type === 'Float64Array' ? 'KF' : 'KA')).join(', ');
const FILES: Record<string, string> = {
  'a.ts': fileOf(programs.slice(0, 12)) + REACH,
  'b.ts': fileOf(programs.slice(12)),
  'c.ts':
    `import { grad } from 'tapeless';\nimport { q0, reach } from './a.js';\nimport { q12 } from './b.js';\n\n` +
    `const KA = [0.1, 0.2, 0.3];\nconst KF = Float64Array.from(KA);\n` +
    `export function both(x: number): number {\n  return q0(${argsOf(programs[0])}) + q12(${argsOf(programs[12])}) + reach(x);\n}\nexport const d_both = grad(both);\n`,
};

function reordered(files: Record<string, string>, order: readonly string[]): Record<string, string> {
  return Object.fromEntries(order.map((name) => [name, files[name]]));
}

describe('determinism', () => {
  it('two builds, and builds with the files in another order, give byte-identical output', () => {
    const first = compile(FILES, {}, false);
    expect(first.messages).toEqual([]);
    // c.ts reaches into a.ts (the pullback of reach calls scale there).
    expect(first.js['c.ts']).toMatch(/a_module\.scale\(/);
    const second = compile(FILES, {}, false);
    const reversed = compile(reordered(FILES, ['c.ts', 'b.ts', 'a.ts']), {}, false);
    for (const name of ['a.ts', 'b.ts', 'c.ts']) {
      expect(second.js[name], name).toBe(first.js[name]);
      expect(reversed.js[name], name).toBe(first.js[name]);
    }
  });

  it('a file compiles the same alone as with other files in the program', () => {
    const all = compile(FILES, {}, false);
    const alone = compile({ 'b.ts': FILES['b.ts'] }, {}, false);
    expect(alone.js['b.ts']).toBe(all.js['b.ts']);
  });
});

describe('safety of generated code', () => {
  it('the checks find eval, Function, with, undeclared writes and new globals', () => {
    expect(unsafeConstructs('function f(x) { return eval("x"); }')).toHaveLength(1);
    expect(unsafeConstructs('const f = new Function("return 1");')).toHaveLength(1);
    expect(unsafeConstructs('function f(o) { with (o) { return 1; } }')).toHaveLength(1);
    expect(unsafeConstructs('function f(x) { leaked = x; return x; }')).toEqual(["write to the undeclared 'leaked' in 'leaked = x' (in function f)"]);
    expect(unsafeConstructs('export function f(x) { const t = new Float64Array(2); return Math.sin(x) + t[0]; }')).toEqual([]);
    expect(globalsCreated('export function f(x) { globalThis.leak = x; return x; }', (m) => m.f(1))).toEqual(['leak']);
    expect(globalsCreated('export function f(x) { return x; }', (m) => m.f(1))).toEqual([]);
  });

  it('the generated code of the random programs above is safe', () => {
    const built = compile({ 'a.ts': FILES['a.ts'] }, {}, false);
    expect(unsafeConstructs(built.js['a.ts'])).toEqual([]);
    const created = globalsCreated(built.js['a.ts'], (m) => {
      for (const p of programs.slice(0, 12)) {
        const args = p.params.map((q) => (q.type === 'number' ? 0.3 : q.type === 'Float64Array' ? Float64Array.from([0.1, 0.2, 0.3]) : [0.1, 0.2, 0.3]));
        m[`d_${p.name}`](...args);
      }
    });
    expect(created).toEqual([]);
  });
});
