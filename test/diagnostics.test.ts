// Every diagnostic: its text, file, line and column. The cases compile as one program
// (one file each), so every message must point into its own file.
import { beforeAll, describe, expect, it } from 'vitest';
import { type Compiled, compile } from './support/compile.js';

interface Case {
  /** The file's code after the import line; `/*@*\/` marks where the diagnostic must point. */
  readonly code: string;
  readonly message: string;
}

const CASES: Record<string, Case> = {
  objectSpread: { code: `const base = { a: 1 };\nexport const g = grad((x: number) => { const o = { /*@*/...base, b: x };\n  return o.b; });`, message: 'object literals may only have plain fields' },
  randomInLoop: { code: `export const g = grad((x: number) => { let y = x;\n  for (let i = 0; i < 3; i++) y += /*@*/Math.random();\n  return y; });`, message: 'Math.random() inside a branch or loop is not supported yet' },
  stringEnum: { code: `enum Color { Red = 'red' }\nexport const g = grad((x: number, c: Color) => c === /*@*/Color.Red ? x : 2 * x, { wrt: 'x' });`, message: "the string enum member 'Color.Red' cannot be used" },
  labelledBlock: { code: `export const g = grad((x: number) => { let y = x;\n  /*@*/block: { y = 2 * x; }\n  return y; });`, message: 'only loops and switch statements can be labelled' },
  evalCall: { code: `export const g = grad((x: number) => { const v: number = /*@*/eval('2');\n  return x * v; });`, message: "'eval' has no source to differentiate" },
  throwStatement: { code: `export const g = grad((x: number) => { if (x < 0) /*@*/throw new Error('negative');\n  return x; });`, message: "a 'throw' statement cannot be differentiated yet" },
  getter: { code: `class Counter { calls = 0; get value() { this.calls++; return 2; } }\nexport const g = grad((x: number, c: Counter) => x * /*@*/c.value, { wrt: 'x' });`, message: "'c.value' is a getter" },
  pushOnFixed: { code: `export const g = grad((x: number) => { const a = new Array<number>(2).fill(0);\n  /*@*/a.push(x);\n  return x; });`, message: 'push is supported on arrays the function creates empty' },
  tryStatement: { code: `export const g = grad((x: number) => { let y = x;\n  /*@*/try { y = 2 * x; } catch { y = 0; }\n  return y; });`, message: "a 'try' statement cannot be differentiated yet" },
  varDeclaration: { code: `export const g = grad((x: number) => { /*@*/var y = x;\n  return y; });`, message: "'var' declarations are not supported" },
  readBeforeAssign: { code: `export const g = grad((x: number) => { let y!: number;\n  y = /*@*/y + x;\n  return y; });`, message: "'y' is read before it is assigned a value" },
  declaredCall: { code: `declare function helper(x: number): number;\nexport const g = grad((x: number) => /*@*/helper(x) * 2);`, message: "'helper' has no source to differentiate (it is only declared, e.g. in a .d.ts). Wrap calls to it in stopGradient(...)" },
  methodCall: { code: `export const g = grad((x: number) => { /*@*/console.log(x);\n  return x; });`, message: "cannot differentiate the call to 'console.log'" },
  nestedCallee: { code: `export function outer(k: number) {\n  const inner = (x: number) => k * x;\n  return grad((x: number) => /*@*/inner(x) * 2);\n}`, message: "cannot differentiate the call to 'inner': only functions declared at the top level" },
  notMathFunction: { code: `export const g = grad((x: number) => /*@*/Math.clz32(x));`, message: 'Math.clz32 is not a differentiable Math function' },
  spreadArgument: { code: `export const g = grad((xs: number[]) => Math.hypot(/*@*/...xs));`, message: 'spread arguments are supported in Math.max and Math.min only' },
  outerWrite: { code: `let total = 0;\nexport const g = grad((x: number) => { /*@*/total = x;\n  return x; });`, message: "'total' is declared outside the differentiated function, which must not write to outer variables" },
  outerIncrement: { code: `let count = 0;\nexport const g = grad((x: number) => { /*@*/count++;\n  return x; });`, message: "'count' is declared outside the differentiated function" },
  nestedGrad: { code: `export const g = grad((x: number) => /*@*/grad((y: number) => y * y)(x));`, message: 'grad() inside a differentiated function is not supported yet' },
  writeElement: { code: `export const g = grad((xs: number[]) => { /*@*/xs[0] = 1;
  return xs[1]; });`, message: "writing to 'xs[0]' is not supported: differentiated code may write only into arrays it creates itself (never into its caller's data)" },
  outerNonNumber: { code: `const label = 'a';\nexport const g = grad((x: number) => { const n = /*@*/label;\n  return x; });`, message: "'label' is read from outside the differentiated function and has type" },
  stringArrayParameter: { code: `export const g = grad((/*@*/xs: string[]) => 1);`, message: "cannot differentiate with respect to 'xs' of type 'string[]'" },
  stringParameter: { code: `export const g = grad((x: number, /*@*/s: string) => x);`, message: "cannot differentiate with respect to 's' of type 'string'" },
  stringValue: { code: `export const g = grad((x: number, s: string) => { const t = /*@*/s + '!';\n  return x; }, { wrt: 'x' });`, message: "'+' is differentiable on numbers only, but this has type 'string'" },
  wrtUnknownName: { code: `const f = (x: number, y: number) => x * y;\nexport const g = grad(f, { wrt: /*@*/'z' });`, message: "wrt names 'z', which is not a parameter; the parameters are 'x', 'y'" },
  wrtIndexOutOfRange: { code: `const f = (x: number, y: number) => x * y;\nexport const g = grad(f, { wrt: /*@*/2 });`, message: 'wrt index 2 is out of range: the function has 2 parameters' },
  wrtTwice: { code: `const f = (x: number, y: number) => x * y;\nexport const g = grad(f, { wrt: ['x', /*@*/0] });`, message: "wrt selects the parameter 'x' twice" },
  wrtEmpty: { code: `const f = (x: number, y: number) => x * y;\nexport const g = grad(f, { wrt: /*@*/[] });`, message: 'wrt must select at least one parameter' },
  optionsNotLiteral: { code: `const f = (x: number, y: number) => x * y;\nconst options = { wrt: 'x' } as const;\nexport const g = grad(f, /*@*/options);`, message: 'options must be an object literal written in place' },
  wrtNotLiteral: { code: `const f = (x: number, y: number) => x * y;\nconst which = 'x' as const;\nexport const g = grad(f, { wrt: /*@*/which });`, message: 'each wrt entry must be a parameter name' },
  noSource: { code: `declare function external(x: number): number;\nexport const g = grad(/*@*/external);`, message: "'external' has no source to differentiate" },
  letFunction: { code: `let f = (x: number) => x * x;\nexport const g = grad(/*@*/f);`, message: "'f' must be a function declaration, or a const initialised with an arrow or function expression" },
  noParameters: { code: `export const g = grad(/*@*/() => 1);`, message: 'the function has no parameters to differentiate with respect to' },
  destructuringRest: { code: `export const g = grad((x: number, [a, /*@*/...rest]: number[]) => x * a, { wrt: 'x' });`, message: 'rest elements in destructuring are not supported yet' },
  restParameter: { code: `export const g = grad((x: number, /*@*/...rest: number[]) => x, { wrt: 'x' });`, message: 'rest parameters are not supported yet' },
  notExported: { code: `import { usesHidden } from './lib.js';\nexport const g = grad(usesHidden);`, message: "'hidden' is not exported by the module of 'usesHidden'" },
  generator: { code: `/*@*/function* gen(x: number) { yield x; }\nexport const g = grad(gen as unknown as (x: number) => number);`, message: 'generator functions cannot be differentiated' },
  apiThroughCast: { code: `export const g = (/*@*/grad as any)((x: number) => x * x);`, message: 'grad must be called directly, as in grad(f)' },
  apiAsValue: { code: `const differentiate = /*@*/grad;\nexport const g = differentiate((x: number) => x * x);`, message: 'grad must be called directly, as in grad(f)' },
  asyncFunction: { code: `/*@*/async function later(x: number) { return x; }\nexport const g = grad(later as unknown as (x: number) => number);`, message: 'async functions cannot be differentiated' },
};

const LIB = `const hidden = 2;\nexport function usesHidden(x: number): number {\n  return /*@*/hidden * x;\n}\n`;

let compiled: Compiled;

/** `file.ts:line:col`, 1-based, of the code right after the marker in a file. */
function marker(file: string, text: string): string {
  const offset = text.indexOf('/*@*/');
  const before = text.slice(0, offset).split('\n');
  return `${file}:${before.length}:${before[before.length - 1].length + 1 + 5}`;
}

const source = (c: Case) => `import { grad } from 'tapeless';\n${c.code}\n`;

beforeAll(() => {
  const files: Record<string, string> = { 'lib.ts': LIB };
  for (const [name, c] of Object.entries(CASES)) files[`${name}.ts`] = source(c);
  compiled = compile(files);
});

describe('diagnostics', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      const file = name === 'notExported' ? 'lib.ts' : `${name}.ts`;
      const text = name === 'notExported' ? LIB : source(c);
      const found = compiled.messages.filter((m) => m.startsWith(`${file}:`) && m.includes(c.message));
      expect(found, compiled.messages.filter((m) => m.startsWith(`${file}:`)).join('\n')).toHaveLength(1);
      // Markers sit just before the construct, so the column is the marker's end.
      expect(found[0].split(' ')[0]).toBe(marker(file, text));
      expect(found[0]).toContain('tapeless: ');
    });
  }

  it('every diagnostic is an error with a tapeless code', () => {
    expect(compiled.diagnostics.length).toBe(Object.keys(CASES).length);
    for (const d of compiled.diagnostics) {
      expect(d.category).toBe(1);
      expect(d.code).toBeGreaterThanOrEqual(91001);
      expect(d.code).toBeLessThanOrEqual(91099);
    }
  });

  it('a file with a diagnostic keeps the failing call unchanged (the build fails, nothing wrong is emitted)', () => {
    expect(compiled.js['tryStatement.ts']).toContain('grad((x) =>');
  });
});
