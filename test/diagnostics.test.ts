// Every diagnostic: its text, file, line and column. The cases compile as one program
// (one file each), so every message must point into its own file.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { catalogue } from './support/catalogue.js';
import { type Compiled, ROOT, compile } from './support/compile.js';
import { unwrittenNames } from './support/written-names.js';

interface Case {
  /** The file's code after the import line; `/*@*\/` marks where the diagnostic must point. */
  readonly code: string;
  readonly message: string;
  /** `line:col` where a zero-width node (a hole) cannot carry a marker. */
  readonly at?: string;
}

const CASES: Record<string, Case> = {
  overriddenMethod: {
    code: `class Base {\n  constructor(public k: number) {}\n  total(x: number): number {\n    return /*@*/this.term(x) + 1;\n  }\n  term(x: number): number {\n    return this.k * x;\n  }\n}\nclass Derived extends Base {\n  override term(x: number): number {\n    return this.k * x * x;\n  }\n}\nconst D = new Derived(2);\nexport const g = grad((x: number) => D.total(x));`,
    message: "'this.term' calls the method 'term' of 'Base', which 'Derived' overrides: which of them runs is known only when the code runs",
  },
  fieldOutsideDeclaredType: {
    code: `interface Shape {\n  readonly kind: 'circle' | 'rect';\n}\nclass Circle implements Shape {\n  readonly kind = 'circle';\n  constructor(public r: number) {}\n}\nexport const g = grad((a: number, shapes: Shape[]) => { let s = 0;\n  for (const sh of shapes) if (sh.kind === 'circle') s += a * /*@*/(sh as Circle).r;\n  return s; });`,
    message:
      "'r' is read here as a field that the declared type of 'shapes' ('Shape[]') does not have, and the gradient of 'shapes' has the fields of that type only",
  },
  genericPassedByName: {
    code: `function sumBy<T>(items: readonly T[], fn: (t: T) => number): number {\n  let s = 0;\n  for (const it of items) s += /*@*/fn(it);\n  return s;\n}\nfunction ident<T>(t: T): T {\n  return t;\n}\nexport const g = grad((xs: number[]) => sumBy(xs, ident));`,
    message:
      "'ident' is generic, and here what its type parameter 'T' stands for is not known when compiling: call it in an arrow written where it is passed ('(…) => ident(…)'), where TypeScript infers it",
  },
  unknownFromConstraint: {
    code: `type Elem<A> = A extends readonly (infer E)[] ? E : never;\nfunction firstE<A extends readonly unknown[]>(a: A): Elem<A> {\n  return /*@*/a[0] as Elem<A>;\n}\nexport const g = grad((rs: number[][]) => firstE(rs)[0] * 5);`,
    message: "'a[0]' has type 'unknown' here, from the constraint of a generic helper's type parameter, which does not say what it holds",
  },
  spreadOfLeftOutField: {
    code: `export const g = grad((x: number) => { const st: { a?: number; s: number } = { s: x };\n  st.a = x;\n  const c = { a: 1, /*@*/...st };\n  return c.s * (c.a ?? 1); });`,
    message:
      "'a' is a field that the object spread here was made without and that the function writes later, where a spread takes it only if it was written: give the field in the object literal ('a: undefined'), or write the spread's field after it",
  },
  writePastRowEnd: {
    code: `export const g = grad((x: number) => { const m = [[x, 1], [2, x]];\n  /*@*/m[0][2] = 5;\n  return m[1][0] * x; });`,
    message:
      "'m[0][2]' is past the end of its row: the rows of an array of arrays the function builds keep their length; build the row as long as it needs to be",
  },
  writePastEnd: {
    code: `export const g = grad((x: number) => { const out = [x, 0];\n  /*@*/out[3] = x * x;\n  return out.reduce((s, v) => s + v, 0); });`,
    message:
      "'out[3]' is past the end of 'out', whose length is 2 here: JavaScript lengthens a number[] written past its end with holes between (which reduce, map and forEach skip), which differentiated code does not follow. Write its entries in order ('out[2] = …' first, or push), or make it as long as it needs to be ('new Array<number>(4).fill(0)').",
  },
  writeMayLengthenLoopState: {
    code: `export const g = grad((x: number, n: number) => { let s = [x, 1];\n  for (let k = 0; k < n; k++) {\n    s = [s[1], 0.5 * s[0]];\n    /*@*/s[k] = Math.tanh(s[k]);\n  }\n  return s[0] * s[1]; });`,
    message:
      "'s[k]' may be past the end of 's' (2 entries where it is made): 'k' is not known to be below 2, and a write past the end lengthens an array, which tapeless cannot follow here: a loop that reassigns it, or a branch that chooses it, keeps it as so many numbers. Write only below its length: test the index ('if (k < s.length) …'), bound the loop with it ('k < s.length'), or make 's' as long as the writes need.",
  },
  computedIndexMayLengthenLoopState: {
    code: `export const g = grad((x: number) => { let s = [x, 1];\n  for (let k = 0; k < 4; k++) {\n    s = [s[1], 0.5 * s[0]];\n    /*@*/s[k >> 1] = Math.tanh(s[0]);\n  }\n  return s[0] * s[1]; });`,
    message:
      "'s[k >> 1]' may be past the end of 's' (2 entries where it is made): 'k >> 1' is not known to be below 2, and a write past the end lengthens an array, which tapeless cannot follow here: a loop that reassigns it, or a branch that chooses it, keeps it as so many numbers. Write only below its length: name the index and test it ('const j = k >> 1; if (j < s.length) s[j] = …'), or make 's' as long as the writes need.",
  },
  fieldMissingFromBuiltObjects: {
    code: `type P = { x: number; z?: number };\nexport const g = grad((a: number) => { const ps: P[] = Array.from({ length: 2 }, (_, i) => ({ x: a * i }));\n  /*@*/ps[1].z = a;\n  return ps[1].x; });`,
    message:
      "'ps[1].z' is a field the objects of this array were built without: an array of objects keeps the fields they are made with. Give every object the field where the array is built.",
  },
  objectHeldTwiceWritten: {
    code: `export const g = grad((a: number, xs: number[]) => { const o = { x: a, v: 1 };\n  const q = xs.map(() => o);\n  /*@*/o.x = 5 * a;\n  return q[0].x; }, { wrt: 0 });`,
    message:
      "writing to 'o.x' is not supported here: a map or Array.from before it put this object into an array as it is (JavaScript holds the same object twice), and differentiated code keeps a copy of its numbers there, which would not see the write. Return a new object from the callback (an object literal, or a spread of the object), or write the field before the array is built.",
  },
  objectsReassignedInLoop: {
    code: `export const g = grad((a: number, xs: number[]) => { let ps = xs.map((x) => ({ x: x * a, v: 0 }));\n  /*@*/for (let k = 0; k < 3; k++) ps = ps.map((p) => ({ x: p.x + 0.1 * p.v, v: p.v - 0.1 * p.x }));\n  return ps[0].x; }, { wrt: 0 });`,
    message:
      "a loop that reassigns 'ps', an array of objects that map or Array.from builds, is not supported: update its entries in place ('ps[…].x = …'), reading what a pass needs of the old values from a copy made first by a map of spreads ('({ ...… })').",
  },
  objectEntryReassignedInLoop: {
    code: `export const g = grad((a: number, xs: number[]) => { const ps = xs.map((x) => ({ x: x * a, v: 0 }));\n  let top = ps[0];\n  /*@*/for (const p of ps) if (p.x > top.x) top = p;\n  return top.x; }, { wrt: 0 });`,
    message:
      "a loop that reassigns 'top', which holds an entry of an array of objects that map or Array.from builds, is not supported: keep the index of the entry, or copy it ('{ ...top }').",
  },
  objectsAsValue: {
    code: `export const g = grad((a: number, xs: number[]) => { const ps = xs.map((x) => ({ x: x * a, v: 0 }));\n  let e = 0;\n  for (const p of ps) for (const q of ps) if (/*@*/p !== q) e += p.x * q.x;\n  return e; }, { wrt: 0 });`,
    message:
      'an array of objects that map or Array.from builds (or an entry of one) can be indexed, measured, looped over, written and passed to helpers, not used as a value here (compared, chosen, or reassigned by a loop): compare or choose its numbers or indices, or update its entries in place.',
  },
  stringKeyWritten: {
    code: `export const g = grad((x: number) => { const o = { a: 0, b: 1 };\n  /*@*/o['a'] = x * x;\n  return o.a + o.b; });`,
    message: "'o['a']' uses a string key here: write the field by its name ('o.a')",
  },
  stringKeyGetter: {
    code: `class Spring {\n  constructor(public k: number) {}\n  get stiffness(): number { return 2 * this.k; }\n}\nexport const g = grad((x: number) => { const s = new Spring(x);\n  return /*@*/s['stiffness'] * x; });`,
    message: "'s['stiffness']' reads 'stiffness' by a string key: write 's.stiffness'",
  },
  stringKeyAtRunTime: {
    code: `const COEFFS: Record<string, number> = { a: 1.5, b: -0.3 };\nfunction coefficient(table: Record<string, number>, name: string, x: number): number {\n  return /*@*/table[name] * x;\n}\nexport const g = grad((x: number) => coefficient(COEFFS, 'a', x));`,
    message:
      "'table[name]' reads a field by a key known only at run time, which differentiated code cannot follow: read the field by its name ('table.<field>'), choosing with a 'switch' on 'name' if it varies",
  },
  libraryMethodTarget: {
    code: `export const g = grad(/*@*/Math.atan2);`,
    message:
      "'Math.atan2' is a library function tapeless reads no source of: differentiate an arrow written in place that calls it, (y: number, x: number) => Math.atan2(y, x)",
  },
  grownRowsOfRows: {
    code: `export const g = grad((poly: [number, number][]) => { const pairs: [number, number][][] = [];\n  for (let i = 0; i + 1 < poly.length; i++) pairs.push(/*@*/[poly[i], poly[i + 1]]);\n  let total = 0;\n  for (const [a, b] of pairs) total += Math.hypot(b[0] - a[0], b[1] - a[1]);\n  return total; });`,
    message:
      "an array of arrays grown row by row is not supported, and each row here ('[poly[i], poly[i + 1]]') holds arrays itself, deeper than the arrays the function builds (an array of rows of numbers): build 'pairs' of the indices of those arrays instead, with map or Array.from ('const pairs = ….map((_, i) => [i, …])'), and read them by their indices",
  },
  factoryClosure: {
    code: `const DATA = [1, 2];\nfunction makeLoss(data: number[]) { return (w: number, b: number) => w * data[0] + b * data[1]; }\nconst lineLoss = makeLoss(DATA);\nexport const g = grad(/*@*/lineLoss);`,
    message:
      "'lineLoss' is the function that 'makeLoss(DATA)' returns, which tapeless cannot read: it differentiates functions whose source it sees. Declare the function 'makeLoss' returns at the top level of a module, taking what it closes over as parameters, and differentiate an arrow that passes them, '(w, b) => …(w, b, DATA)'",
  },
  factoryClosureCalled: {
    code: `const DATA = [1, 2];\nfunction makeLoss(data: number[]) { return (w: number, b: number) => w * data[0] + b * data[1]; }\nconst lineLoss = makeLoss(DATA);\nexport const g = grad((w: number, b: number) => /*@*/lineLoss(w, b));`,
    message:
      "'lineLoss' is the function that 'makeLoss(DATA)' returns, which tapeless cannot read: it differentiates functions whose source it sees. Declare the function 'makeLoss' returns at the top level of a module, taking what it closes over as parameters, and differentiate an arrow that passes them, '(w, b) => …(w, b, DATA)'",
  },
  defaultObjectReadingParameter: {
    code: `export function f(x: number, o = /*@*/{ k: 2 * x }): number { return o.k * x; }\nexport const g = grad(f, { wrt: 0 });`,
    message:
      "the default value of 'o' reads other parameters, and is an array or object: a default that reads parameters must be a number. Give each number it holds a parameter of its own, with that number as its default, and build the array or object in the function",
  },
  objectComputedName: {
    code: `export const g = grad((x: number) => { const o = { /*@*/['b']: x };\n  return o.b; });`,
    message: 'object literals may only have plain fields and spreads (no methods, accessors or computed names)',
  },
  objectSpreadNonNumber: {
    code: `export const g = grad((x: number, o: { tags: string[]; v: number }) => { const c = { /*@*/...o, tags: x };\n  return c.v * c.tags; }, { wrt: 0 });`,
    message: 'only objects of numbers, strings, booleans, arrays or objects of these can be spread into an object literal',
  },
  returnedClosure: {
    code: `function lcg(seed: number) {\n  let s = seed;\n  return /*@*/() => (s = (s * 1664525 + 1013904223) % 4294967296) / 4294967296;\n}\nexport const g = grad((x: number) => { const next = lcg(7); return x * next(); });`,
    message:
      "a function returned by 'lcg' cannot be differentiated: differentiated code calls functions and gives functions written in place to map, reduce, forEach… and to the program's functions, but does not return them or keep them in data. Keep what it closes over in an instance of a class of the module, whose method reads it (and updates it, for state such as a random number generator's), or pass it to a function of the program as a parameter",
  },
  functionKept: {
    code: `export const g = grad((x: number, k: number) => { const act = k > 0 ? /*@*/(v: number) => Math.tanh(v) : (v: number) => v;\n  return act(x) * x; }, { wrt: 0 });`,
    message:
      "a function kept as a value cannot be differentiated: differentiated code calls functions and gives functions written in place to map, reduce, forEach… and to the program's functions, but does not return them or keep them in data. Declare it as a function of the program or a const in the function, and call it by name",
  },
  labelledBlock: {
    code: `export const g = grad((x: number) => { let y = x;\n  /*@*/block: { y = 2 * x; }\n  return y; });`,
    message: 'only loops and switch statements can be labelled',
  },
  evalCall: {
    code: `export const g = grad((x: number) => { const v: number = /*@*/eval('2');\n  return x * v; });`,
    message: "'eval' is a function without source",
  },
  staticGetter: {
    code: `class K { static get two() { return 2; } }\nexport const g = grad((x: number) => x * /*@*/K.two);`,
    message: "'K.two' is a getter tapeless cannot inline: differentiated code reads getters of instances of classes declared at the top level of a module",
  },
  setter: {
    code: `class C { w = 0; set v(x: number) { this.w = x; } get v() { return this.w; } }\nexport const g = grad((x: number) => { const c = new C();\n  /*@*/c.v = x;\n  return c.w; });`,
    message:
      "'c.v' is a setter: differentiated code assigns fields, not setters (which may have effects). Assign the fields the setter sets, or call a method that does",
  },
  newLibraryClass: {
    code: `export const g = grad((x: number) => { const d = /*@*/new Date(x);\n  return x; });`,
    message:
      "'new Date(…)' cannot be differentiated: differentiated code constructs local arrays (new Float64Array(n)) and instances of classes declared in the program",
  },
  classInFunction: {
    code: `export function make() {\n  class L { constructor(public v: number) {} }\n  return grad((x: number) => /*@*/new L(x).v);\n}`,
    message: "'L' is declared inside a function: differentiated code constructs classes declared at the top level of a module",
  },
  classExtends: {
    code: `class A { a = 1; }\nclass B extends A { constructor(public v: number) { super(); } }\nexport const g = grad((x: number) => /*@*/new B(x).v);`,
    message:
      "'B' extends another class, and differentiated code constructs classes without a base class: construct it outside and pass it in as a parameter, or give 'B' the fields it inherits",
  },
  classWithNull: {
    code: `class S { seen: number[] | null = null; name = 'a'; constructor(public v: number) {} }\nexport const g = grad((x: number) => /*@*/new S(x).v);`,
    message:
      "the fields of 'S' must be numbers, strings, booleans, arrays or objects of these to construct it in differentiated code, and 'seen' has type 'number[] | null': construct it outside and pass it in, or keep other data out of it",
  },
  classConstructsItself: {
    code: `class R {\n  v: number;\n  constructor(n: number) { this.v = n > 0 ? /*@*/new R(n - 1).v + 1 : 0; }\n}\nexport const g = grad((x: number) => x * new R(2).v);`,
    message:
      "constructing 'R' constructs another 'R' (its constructor is inlined, which recursion does not allow): build the chain in a loop, or pass the inner instance to the constructor",
  },
  writtenObjectToGenerated: {
    code: `interface S { x: number; v: number }\nfunction energy(s: S, k: number): number { return s.x * s.x * s.v * k; }\nexport const g = grad((x: number) => { const s = { x, v: 2 };\n  s.v = 4;\n  return /*@*/grad(energy, { wrt: 1 })(s, x); });`,
    message:
      "this call gives an object whose fields the differentiated function writes, or an instance of a class it constructs, to code that tapeless does not inline (which would see the object as it was made): pass a copy made after the writes ('{ ...o }'), or its numbers",
  },
  consoleInExpression: {
    code: `export const g = grad((x: number) => { const shown = /*@*/console.log(x);
  return x; });`,
    message: "'console.log(…)' runs in differentiated code as a statement of its own (its value is undefined), not inside an expression",
  },
  thisInArrow: {
    code: `export class Model {
  k = 2;
  gradient() { return grad((x: number) => { console.log(/*@*/this.k);
    return x * x; }); }
}`,
    message: "'this' outside a method of a class cannot be read here: pass the value as a parameter",
  },
  pushOnFixed: {
    code: `export const g = grad((x: number) => { const a = new Array<number>(2).fill(0);\n  /*@*/a.push(x);\n  return x; });`,
    message: "push is supported on arrays the function creates empty ('const out: number[] = []'), which 'a' is not",
  },
  tryStatement: {
    code: `export const g = grad((x: number) => { let y = x;\n  /*@*/try { y = 2 * x; } catch { y = 0; }\n  return y; });`,
    message:
      "a 'try' statement cannot be differentiated: put the try … catch outside the differentiated function, around the call of its gradient, and test here with 'if' what would fail ('throw' is supported: the gradient throws where the function does)",
  },
  templateString: {
    code: `export const g = grad((x: number) => { const label = /*@*/\`x is \${x}\`;\n  return x * label.length; });`,
    message:
      "a template string cannot be differentiated: differentiated code keeps template strings only in the messages of 'throw' and of console calls. Compute with numbers here, and build strings outside the differentiated function",
  },
  varDeclaration: { code: `export const g = grad((x: number) => { /*@*/var y = x;\n  return y; });`, message: "'var' declarations are not supported" },
  readBeforeAssign: {
    code: `export const g = grad((x: number) => { let y!: number;\n  y = /*@*/y + x;\n  return y; });`,
    message: "'y' is read before it is assigned a value",
  },
  declaredCall: {
    code: `declare function helper(x: number): number;\nexport const g = grad((x: number) => /*@*/helper(x) * 2);`,
    message:
      "'helper' is a function without source (only declared, e.g. in a .d.ts), which tapeless cannot read: call it outside the differentiated function and pass its result in as a parameter (left out of 'wrt'), or give it a custom derivative (withDerivative).",
  },
  declaredOverloads: {
    code: `declare function readText(path: string): string;\ndeclare function readText(path: string, size: number): string;\nexport const g = grad((x: number) => x * /*@*/readText('a').length);`,
    message: "'readText' is a function without source (only declared, e.g. in a .d.ts), which tapeless cannot read",
  },
  overloadedWithSource: {
    code: `function twice(x: number): number;\nfunction twice(x: string): string;\nfunction twice(x: any): any { return x + x; }\nexport const g = grad((x: number) => /*@*/twice(x));`,
    message: "'twice' is overloaded: tapeless differentiates functions with one signature.",
  },
  methodCall: {
    code: `export const g = grad((x: number) => x * /*@*/Date.now());`,
    message:
      "cannot differentiate the call to 'Date.now': tapeless differentiates calls to Math functions and to functions of the program written in TypeScript. Call it outside the differentiated function and pass its result in as a parameter (left out of 'wrt').",
  },
  shadowedCapture: {
    code: `export function outer(k: number) {\n  const inner = (x: number) => /*@*/k * x;\n  return (k: number) => grad((x: number) => inner(x) * k);\n}`,
    message:
      "'k' is read here, but the derivative is generated in place of the call on line 4, where 'k' names another variable: rename one of them, or pass 'k' as a parameter",
  },
  localRecursion: {
    code: `export const g = grad((x: number) => {\n  const down = (v: number, n: number): number => (n > 0 ? /*@*/down(v * 0.5, n - 1) : v);\n  return down(x, 3); });`,
    message:
      "'down' calls itself, directly or through other functions: functions declared inside the differentiated function are inlined at each call, which recursion does not allow. Write the recursion as a loop",
  },
  reassignedFunction: {
    code: `export const g = grad((x: number) => { let act = (v: number) => v;\n  if (x > 0) /*@*/act = (v: number) => 2 * v;\n  return act(x); });`,
    message: "'act' holds a function, and differentiated code does not reassign functions",
  },
  functionInData: {
    code: `export const g = grad((x: number, o: { f: (v: number) => number }) => /*@*/o.f(x), { wrt: 0 });`,
    message:
      "'o.f' calls a function kept in data, known only when the code runs, and tapeless differentiates the calls it sees at compile time: keep such functions in a module's constant",
  },
  arrayOfFunctions: {
    code: `function sq(v: number): number { return v * v; }\nexport const g = grad((x: number) => { const fs = /*@*/[sq, Math.sin];\n  let s = 0;\n  for (let i = 0; i < fs.length; i++) s += fs[i](x);\n  return s; });`,
    message:
      "this array holds functions, which are known only when the code runs, and tapeless differentiates the calls it sees at compile time: call each function in place ('sq(…) + Math.sin(…)'), or keep them in a module's constant of object literals and call them on its entries, which tapeless unrolls ('const TERMS = [{ g: sq }, { g: Math.sin }]; for (const term of TERMS) term.g(…);', or at a constant index, or by forEach, map or reduce)",
  },
  mappedFunctions: {
    code: `export const g = grad((x: number) => /*@*/[Math.sin, (v: number) => v * v].map((h) => h(x))[1]);`,
    message:
      "this array holds functions, which are known only when the code runs, and tapeless differentiates the calls it sees at compile time: keep them in a module's constant of object literals and call them on its entries, which tapeless unrolls ('const TERMS = [{ g: Math.sin }, { g: (v: number) => v * v }]; for (const term of TERMS) term.g(…);'",
  },
  constantOfFunctions: {
    code: `const FNS = [Math.sin, Math.cos];\nexport const g = grad((x: number) => { let s = 0;\n  for (const h of /*@*/FNS) s += h(x);\n  return s; });`,
    message:
      "'FNS' holds functions, which are known only when the code runs, and tapeless differentiates the calls it sees at compile time: call each function in place ('Math.sin(…) + Math.cos(…)'), or keep them in a module's constant of object literals and call them on its entries, which tapeless unrolls ('const FNS = [{ g: Math.sin }, { g: Math.cos }]; for (const term of FNS) term.g(…);'",
  },
  tableWithSpread: {
    code: `const BASE: { g?: (v: number) => number } = { g: (v) => v };\nconst TABLE = [{ g: (v: number) => v * v, ...BASE }];\nexport const g = grad((x: number) => { let s = 0;\n  for (const c of TABLE) s += /*@*/c.g(x);\n  return s; });`,
    message: "'c.g' calls a function kept in data, known only when the code runs",
  },
  tableParameter: {
    code: `type C = { g: (v: number) => number };\nconst TABLE: C[] = [{ g: (v) => v * v }];\nfunction total(x: number, cs: C[] = TABLE): number {\n  let s = 0;\n  for (const c of cs) s += /*@*/c.g(x);\n  return s;\n}\nexport const g = grad(total, { wrt: 0 });`,
    message:
      "'c.g' calls a function of 'cs', a parameter of 'total' whose functions its caller chooses when the code runs, and tapeless differentiates the calls it sees at compile time: differentiate a function that leaves it out, such as (x) => total(x), so that its default 'TABLE' is known",
  },
  tableMissingFunction: {
    code: `type K = { smooth: true; f: (v: number) => number } | { smooth: false; h: (v: number) => number };\nconst ON = true;\nconst KS: K[] = [{ smooth: ON, f: (v) => v }, { smooth: false, h: (v) => 2 * v }];\nexport const g = grad((x: number) => { let s = 0;\n  for (const k of KS) s += k.smooth ? k.f(x) : /*@*/k.h(x);\n  return s; });`,
    message: "'k.h' calls the field 'h' of an entry of a table of functions, and that entry (line 4) has no function 'h'",
  },
  functionAsValue: {
    code: `export const g = grad((x: number) => { const sq = (v: number) => v * v;\n  const pick = x > 0 ? /*@*/sq : sq;\n  return pick(x); });`,
    message: "'sq' is a function: differentiated code calls it, passes it to a function, or gives it to map, reduce, forEach, every or some",
  },
  parameterFunction: {
    code: `export const g = grad((x: number, h: (v: number) => number) => /*@*/h(x), { wrt: 0 });`,
    message: "'h' holds a function known only when the code runs, and tapeless differentiates the calls it can see at compile time",
  },
  destructuredFunction: {
    code: `function arity(/*@*/{ length }: (v: number) => number): number { return length; }\nexport const g = grad((x: number) => x * arity((v: number) => v));`,
    message: "the parameter '{ length }' of 'arity' receives a function, so it must be a plain name",
  },
  restOfArrays: {
    code: `function total(/*@*/...rows: number[][]): number { return rows.length; }\nexport const g = grad((x: number) => x * total([x], [x]));`,
    message: "the rest parameter 'rows' of 'total' must hold numbers ('...rows: number[]'): pass other values as parameters of their own",
  },
  spreadIntoMethod: {
    code: `class K { sum(...xs: number[]) { return xs[0]; } }\nexport const g = grad((xs: number[], k: K) => k.sum(/*@*/...xs), { wrt: 0 });`,
    message: "spread arguments are supported in Math.max, Math.min, Math.hypot and calls of functions with a rest parameter ('...xs: number[]')",
  },
  jvpRest: {
    code: `export const j = jvp((/*@*/...vs: number[]) => vs[0] * vs[1]);`,
    message:
      "jvp() takes one primal and one tangent per parameter, which a rest parameter does not have: declare 'vs' as an array ('vs: number[]'), or use jacobian()",
  },
  mathFunctionOfTwo: {
    code: `export const g = grad((xs: number[]) => xs.map(/*@*/Math.atan2)[0]);`,
    message: 'only Math functions of one argument can be passed as functions: write the call of Math.atan2 in place',
  },
  notMathFunction: { code: `export const g = grad((x: number) => /*@*/Math.clz32(x));`, message: 'Math.clz32 is not a differentiable Math function' },
  spreadArgument: {
    code: `export const g = grad((p: [number, number]) => Math.atan2(/*@*/...p));`,
    message: "spread arguments are supported in Math.max, Math.min and Math.hypot only: write the arguments one by one ('Math.atan2(p[0], p[1], …)')",
  },
  outerWrite: {
    code: `let total = 0;\nexport const g = grad((x: number) => { /*@*/total = x;\n  return x; });`,
    message: "'total' is declared outside the differentiated function, which must not write to outer variables",
  },
  outerIncrement: {
    code: `let count = 0;\nexport const g = grad((x: number) => { /*@*/count++;\n  return x; });`,
    message:
      "'count' is declared outside the differentiated function, which must not write to outer variables: the generated functions run its code as their results need (hessian and jacobian more than once per call, and none of the code no result needs), so a count or a total kept there would be wrong. Count where you call the generated function ('count++' next to that call), or return what the caller needs.",
  },
  generatedRest: {
    code: `function total(x: number, ...xs: number[]): number { return x * xs.length; }\nexport const g = grad((x: number) => /*@*/grad(total, { wrt: 'x' })(x, 1, 2));`,
    message: "'grad(total, { wrt: 'x' })' is generated from 'total', which has a rest parameter",
  },
  generatedValueAndGradients: {
    code: `function price(spot: number, vol: number, dividend = 0): number { return spot * vol - dividend; }\nconst both = valueAndGrad(price, { wrt: ['spot', 'vol'] });\nexport const g = grad((s: number) => { const [value, [, vega]] = /*@*/both(s, 0.2); return value * vega * s; });`,
    message:
      "'both' returns its value and several gradients, and inside differentiated code valueAndGrad(…)(…) is differentiated where it returns its value and one gradient: call 'price' for the value and a gradient of one parameter for each you need (grad(price, { wrt: 'spot' })(…))",
  },
  generatedValueOfArrow: {
    code: `export const g = grad((s: number) => /*@*/valueAndGrad((x: number) => x * x)(s)[1]);`,
    message: 'the function given to valueAndGrad() inside differentiated code must be declared at the top level of a module',
  },
  nestedGrad: {
    code: `export const g = grad((x: number) => /*@*/grad((y: number) => y * y)(x));`,
    message: 'the function given to grad() inside differentiated code must be declared at the top level of a module',
  },
  derivativeWrtList: {
    code: `const f = (x: number, y: number) => x * y;\nexport const d = derivative(f, /*@*/{ wrt: ['x', 'y'] } as any);`,
    message: 'derivative() differentiates with respect to one parameter',
  },
  derivativeOfArray: {
    code: `export const d = derivative((/*@*/xs: number[]) => xs[0] * 2);`,
    message: 'derivative() differentiates with respect to one number; for an array or object use jvp() or jacobian()',
  },
  notComposable: {
    code: `const f = (x: number) => x * x;\nexport const g = grad(/*@*/hessian(f) as any);`,
    message: 'the result of hessian() cannot be differentiated again',
  },
  hvpOfGenerated: {
    code: `const f = (x: number) => x * x * x;\nexport const h = /*@*/hvp(grad(f));`,
    message: 'hvp() of a function that is itself generated is not supported',
  },
  vjpOfGenerated: {
    code: `const f = (x: number) => x * x * x;\nexport const v = /*@*/vjp(grad(f));`,
    message: 'vjp() of a function that is itself generated is not supported',
  },
  hessianOfGenerated: {
    code: `const f = (x: number) => x * x * x;\nexport const h = /*@*/hessian(grad(f));`,
    message: 'hessian() of a function that is itself generated is not supported',
  },
  gradOfTuple: {
    code: `const f = (x: number, y: number) => x * y;\nexport const g = /*@*/grad(grad(f) as any);`,
    message: 'the generated function returns several numbers (a tuple of gradients)',
  },
  apiInsideDifferentiated: {
    code: `export const g = grad((x: number) => { const d = /*@*/derivative((y: number) => y * y);\n  return x; });`,
    message: 'derivative() inside a differentiated function is not supported yet',
  },
  gradOfGeneratedArray: {
    code: `const f = (xs: number[], k: number) => xs[0] * k * k;\nexport const g = /*@*/grad(derivative(f, { wrt: 'k' }), { wrt: 0 });`,
    message: 'the gradient of a generated function is taken with respect to numbers only',
  },
  derivativeOfObjectInside: {
    code: `interface Bond { coupon: number; face: number }\nconst price = (y: number, bond: Bond) => bond.face / (1 + y) ** 10 + bond.coupon;\nexport const g = grad((coupon: number) => { const bond = { coupon, face: 100 };\n  return /*@*/derivative(price)(0.05, bond); });`,
    message:
      "'derivative(price)(0.05, bond)': the gradient of a generated function is taken with respect to numbers only, and 'bond' is not a number: differentiate a helper that takes the numbers it is built from as parameters and builds it",
  },
  listOfListsOfObjects: {
    code: `class V { constructor(public x: number, public y: number) {} }\nexport const g = grad((a: number, b: number) => { const p = new V(a, b); const q = new V(b, a);\n  const springs: [V, V][] = [/*@*/[p, q], [q, p]];\n  let e = 0;\n  for (const [u, w] of springs) e += (u.x - w.x) ** 2;\n  return e; });`,
    message:
      "an array of arrays of objects or arrays ('[[p, q], …]') cannot be differentiated (an array of objects or arrays keeps its entries apart, not in an array): make each entry an object of them ('{ a: …, b: … }'), and destructure it where it is read ('for (const { a, b } of …)')",
  },
  ruleWithAnd: {
    code: `export const f = withDerivative((x: number, y: number) => x * y, (x: number, y: number) => /*@*/[x > 0 && y > 0 ? y : 0, x]);`,
    message: 'the rule must be one expression per partial derivative, without && or ||',
  },
  ruleNotArrow: {
    code: `const partials = (x: number, y: number): [number] => [2];\nexport const f = withDerivative((x: number) => 2 * x, /*@*/partials);`,
    message: 'the rule must be an arrow function written in place',
  },
  ruleArity: {
    code: `export const f = withDerivative((x: number, y: number) => x * y, ((x: number, y: number, r: number) => /*@*/[y]) as any);`,
    message: 'the rule returns 1 partial derivative, but the function takes 2 arguments: one partial per argument',
  },
  ruleTooManyParameters: {
    code: `export const f = withDerivative((x: number) => 2 * x, ((x: number, r: number, /*@*/extra: number) => [2]) as any);`,
    message: "the rule takes the function's 1 argument and its result: 2 parameters at most, not 3",
  },
  ruleNotArray: {
    code: `export const f = withDerivative((x: number) => 2 * x, ((x: number) => /*@*/2) as any);`,
    message: 'the rule must return an array literal of partial derivatives, one per argument of the function: (x, result) => [d_dx]',
  },
  ruleStatements: {
    code: `export const f = withDerivative((x: number) => Math.abs(x), (x: number, y: number) => /*@*/{ if (x > 0) return [1]; return [-1] as [number]; });\nexport const g = grad((x: number) => f(x));`,
    message: 'the rule must be one expression per partial derivative',
  },
  ruleNotFunction: {
    code: `export const f = withDerivative(/*@*/42 as any, ((x: number, y: number) => [1]) as any);`,
    message: 'withDerivative needs a function as its first argument',
  },
  ruleWithoutSource: {
    code: `declare function j0(x: number): number;\ndeclare function j1(x: number): number;\nconst bessel = withDerivative(j0, (x) => [-/*@*/j1(x)]);\nexport const h = hessian((x: number) => bessel(x));`,
    message: "'j1' has no source to differentiate: a higher derivative differentiates this rule, so give 'j1' a rule of its own with withDerivative",
  },
  writeElement: {
    code: `export const g = grad((xs: number[]) => { /*@*/xs[0] = 1;
  return xs[1]; });`,
    message:
      "writing to 'xs[0]' is not supported: differentiated code may write only into arrays it creates itself (never into its caller's data). Copy it first and write into the copy: 'const out = [...xs]; out[0] = …'.",
  },
  writeTypedArrayElement: {
    code: `export const g = grad((out: Float64Array) => { for (let i = 0; i < out.length; i++) /*@*/out[i] *= 2;\n  return out[0]; });`,
    message: "Copy it first and write into the copy: 'const out2 = out.slice(); out2[i] = …'.",
  },
  helperWritesInput: {
    code: `function scale(out: Float64Array, k: number): void {\n  for (let i = 0; i < out.length; i++) /*@*/out[i] *= k;\n}\nexport const g = grad((x: Float64Array) => { scale(x, 2);\n  return x[0]; });`,
    message:
      "writing to 'out[i]' is not supported: differentiated code may write only into arrays it creates itself (never into its caller's data). The helper 'scale' is called with an array the differentiated function did not create, at helperWritesInput.ts:5:46: copy 'x' there and pass the copy, which then holds what 'scale' writes: 'const copy = x.slice(); scale(copy, 2)'.",
  },
  recursiveWritingHelper: {
    code: `function fillDown(a: Float64Array, i: number): void {\n  if (i < 0) return;\n  a[i] = i;\n  /*@*/fillDown(a, i - 1);\n}\nexport const g = grad((x: number) => { const a = new Float64Array(3);\n  fillDown(a, 2);\n  return x * a[1]; });`,
    message: "'fillDown' writes into the arrays it is given and calls itself: its calls are inlined, which recursion does not allow",
  },
  outerNonNumber: {
    code: `const unit = Symbol('unit');\nexport const g = grad((x: number) => { const n = /*@*/unit;\n  return x; });`,
    message: "'unit' is read from outside the differentiated function and has type",
  },
  stringArrayParameter: { code: `export const g = grad((/*@*/xs: string[]) => 1);`, message: "cannot differentiate with respect to 'xs' of type 'string[]'" },
  stringParameter: {
    code: `export const g = grad((x: number, /*@*/s: string) => x);`,
    message: "cannot differentiate with respect to 's' of type 'string': tapeless differentiates with respect to numbers (select other parameters with 'wrt').",
  },
  jvpStringParameter: {
    code: `function f(x: number, /*@*/mode: string): number { return mode === 'sq' ? x * x : x; }\nexport const j = jvp(f);`,
    message:
      "cannot differentiate with respect to 'mode' of type 'string': tapeless differentiates with respect to numbers (jvp takes a tangent for every parameter: differentiate an arrow that takes only the numbers, 'jvp((x: number) => f(x, mode))' with 'mode' the value to hold fixed).",
  },
  jvpArrowStringParameter: {
    code: `export const j = jvp((x: number, /*@*/mode: string, o: { a?: number }) => (mode === 'sq' ? x * x : x));`,
    message:
      "cannot differentiate with respect to 'mode' of type 'string': tapeless differentiates with respect to numbers (jvp takes a tangent for every parameter: let the function take only numbers and arrays or objects of numbers, and read 'mode' and 'o' from outside it).",
  },
  anyTyped: {
    code: `export const g = grad((x: number) => { const z = Array(3).fill(0); z[1] = x; return /*@*/z[1] * x; });`,
    message: "'*' is differentiable on numbers only, but this has type 'any': give what it is computed from a type (const z: number[] = Array(3).fill(0))",
  },
  objectValues: {
    code: `export const g = grad((o: { a: number; b: number }) => /*@*/Object.values(o)[0] * o.b);`,
    message:
      "'Object.values' lists an object's fields in the order they were created, which is known only when the code runs: read the fields by name (o.a, o.b), or keep the numbers in an array",
  },
  optionalTupleElement: {
    code: `export const g = grad((/*@*/p: [number, number?]) => p[0] * (p[1] ?? 2));`,
    message:
      "of type '[number, (number | undefined)?]': a tuple with optional or rest elements has no fixed length; write number[] (an entry past the end reads a default with 'p[1] ?? …')",
  },
  stringValue: {
    code: `export const g = grad((x: number, s: string) => { const t = /*@*/s + '!';\n  return x; }, { wrt: 'x' });`,
    message:
      "'+' is differentiable on numbers only, but this has type 'string': differentiated code keeps strings only as data (given, compared, chosen, kept in fields). Build the string outside the differentiated function and pass it in, or compute with numbers here.",
  },
  bigintValue: {
    code: `export const g = grad((x: number, n: bigint) => { const t = /*@*/n * n;\n  return x; }, { wrt: 'x' });`,
    message: "'*' is differentiable on numbers only, but this has type 'bigint'.",
  },
  wrtUnknownName: {
    code: `const f = (x: number, y: number) => x * y;\nexport const g = grad(f, { wrt: /*@*/'z' });`,
    message: "wrt names 'z', which is not a parameter; the parameters are 'x', 'y'",
  },
  wrtIndexOutOfRange: {
    code: `const f = (x: number, y: number) => x * y;\nexport const g = grad(f, { wrt: /*@*/2 });`,
    message: 'wrt index 2 is out of range: the function has 2 parameters',
  },
  wrtTwice: {
    code: `const f = (x: number, y: number) => x * y;\nexport const g = grad(f, { wrt: ['x', /*@*/0] });`,
    message: "wrt selects the parameter 'x' twice",
  },
  wrtEmpty: {
    code: `const f = (x: number, y: number) => x * y;\nexport const g = grad(f, { wrt: /*@*/[] });`,
    message: 'wrt must select at least one parameter',
  },
  optionsNotLiteral: {
    code: `const f = (x: number, y: number) => x * y;\nconst options = { wrt: 'x' } as const;\nexport const g = grad(f, /*@*/options);`,
    message: 'options must be an object literal written in place',
  },
  wrtNotLiteral: {
    code: `const f = (x: number, y: number) => x * y;\nconst which = 'x' as const;\nexport const g = grad(f, { wrt: /*@*/which });`,
    message: 'each wrt entry must be a parameter name',
  },
  noSource: {
    code: `declare function external(x: number): number;\nexport const g = grad(/*@*/external);`,
    message: "'external' is a function without source",
  },
  letFunction: {
    code: `let f = (x: number) => x * x;\nexport const g = grad(/*@*/f);`,
    message: "'f' must be a function declaration, or a const initialised with an arrow or function expression",
  },
  methodTarget: {
    code: `class Model {\n  k = 2;\n  loss(x: number, y: number): number {\n    return this.k * x * y;\n  }\n}\nconst m = new Model();\nexport const g = grad(/*@*/m.loss);`,
    message: "'m.loss' is a method: differentiate an arrow written in place that calls it, such as (x, y) => m.loss(x, y).",
  },
  numberOfString: {
    code: `export const g = grad((x: number, s: string) => Number(/*@*/s) * x, { wrt: 0 });`,
    message: 'Number(…) converts numbers only in differentiated code (convert other data before calling the function, and pass the number)',
  },
  noParameters: { code: `export const g = grad(/*@*/() => 1);`, message: 'the function has no parameters to differentiate with respect to' },
  destructuringRestOfObject: {
    code: `export const g = grad((x: number, o: { a: number; b: number }) => { const { a, /*@*/...others } = o;\n  return x * a * others.b; }, { wrt: 'x' });`,
    message: 'a rest element is supported in destructuring an array into a name only: name the fields or entries you need',
  },
  destructuringRestOfRows: {
    code: `export const g = grad((x: number, m: number[][]) => { const [first, /*@*/...rows] = m;\n  return x * first[0] * rows.length; }, { wrt: 'x' });`,
    message: "a rest element is supported in destructuring an array of numbers: read the rest of the rows or objects with slice ('rows = ….slice(1)')",
  },
  notExported: {
    code: `import { usesHidden } from './lib.js';\nexport const g = grad(usesHidden);`,
    message:
      "'hidden' is not exported by lib.ts, so the gradient generated in notExported.ts (the file that calls the API) cannot read it. Export it from lib.ts, or pass it as a parameter",
  },
  unexportedRecursion: {
    code: `import { halves } from './lib.js';\nexport const g = grad(halves);`,
    message:
      "'down' calls itself, and its module does not export it: the code generated in another file inlines its calls, which recursion does not allow. Export 'down' from its module",
    at: '8:62',
  },
  generator: {
    code: `/*@*/function* gen(x: number) { yield x; }\nexport const g = grad(gen as unknown as (x: number) => number);`,
    message: 'generator functions cannot be differentiated: gather what the generator yields into an array outside, and differentiate a function of the array.',
  },
  apiThroughCast: { code: `export const g = (/*@*/grad as any)((x: number) => x * x);`, message: 'grad must be called directly, as in grad(f)' },
  apiAsValue: {
    code: `const differentiate = /*@*/grad;\nexport const g = differentiate((x: number) => x * x);`,
    message: 'grad must be called directly, as in grad(f)',
  },
  destructuringDefault: {
    code: `export const g = grad((xs: number[][]) => { const [a = /*@*/[1]] = xs;\n  return a[0]; });`,
    message: 'default values in destructuring are supported for numbers and data: for an array or object',
  },
  assignmentDefault: {
    code: `export const g = grad((x: number, o: { q?: number }) => { let q = x;\n  ({ q = /*@*/2 } = o);\n  return q * x; }, { wrt: 0 });`,
    message:
      "default values in a destructuring assignment are not supported: declare the variables there ('const { q = 2 } = o'), or assign 'q' by itself ('q = o.q ?? 2')",
  },
  arrayAssignmentDefault: {
    code: `export const g = grad((ws: number[]) => { let a = 0;\n  let b = 0;\n  [a, b = /*@*/2] = ws;\n  return a * b; });`,
    message:
      "default values in a destructuring assignment are not supported: declare the variables there ('const [a, b = 2] = ws'), or assign 'b' by itself ('b = … ?? 2')",
  },
  entriesUnpacked: {
    code: `export const g = grad((ws: number[]) => { let s = 0;\n  for (/*@*/const entry of ws.entries()) s += entry[1];\n  return s; });`,
    message: "declare the loop's variables in its head: 'for (const [i, v] of ws.entries())'",
  },
  destructuringComputed: {
    code: `export const g = grad((o: { w: number }) => { const { /*@*/['w']: w } = o;\n  return w; });`,
    message: 'computed names in destructuring are not supported',
  },
  branchAggregates: {
    code: `export const g = grad((x: number, xs: number[], ys: number[]) => { let a = xs;\n  /*@*/if (x > 0) a = ys;\n  return a[0] * x; }, { wrt: 0 });`,
    message:
      "'a' holds different arrays or objects on the two sides of this branch, and one of them is not an array or object literal the function makes itself with a length known at compile time. Choose the numbers instead of the arrays or objects, or write into one array made before the branch.",
  },
  branchChoosesArrays: {
    code: `export const g = grad((x: number, p: number[], q: number[]) => { const a = /*@*/x > 0 ? p : q;\n  return a[0] * x; }, { wrt: 0 });`,
    message:
      "this expression chooses between arrays or objects, and one of them is not an array or object literal the function makes itself with a length known at compile time. Choose the numbers instead of the arrays or objects ('x > 0 ? p[0] : q[0]', for the first entry), or write into one array made before the branch.",
  },
  branchChoosesMapped: {
    code: `function relu(v: number): number { return Math.max(v, 0); }\nexport const g = grad((x: number, xs: number[], last: boolean) => { const z = xs.map((v) => v * x);\n  const a = /*@*/last ? z : z.map(relu);\n  z[1] *= 2;\n  return a[0] + z[1]; }, { wrt: 0 });`,
    message:
      "this expression chooses between arrays or objects, and one of them is also held by another variable or object. Choose the numbers in one map instead of the arrays ('z.map((v) => (last ? v : relu(v)))').",
  },
  branchChoosesMappedFirst: {
    code: `export const g = grad((x: number, xs: number[], first: boolean) => { const z = xs.map((v) => v * x);\n  const a = /*@*/first ? z.map((e) => Math.tanh(e)) : z;\n  z[1] *= 2;\n  return a[0] + z[1]; }, { wrt: 0 });`,
    message:
      "this expression chooses between arrays or objects, and one of them is also held by another variable or object. Choose the numbers in one map instead of the arrays ('z.map((e) => (first ? Math.tanh(e) : e))').",
  },
  entriesWrapAround: {
    code: `export const g = grad((points: { x: number }[]) => { let s = 0;\n  for (let i = 0; i < points.length; i++) s += points[i].x * (/*@*/points[i + 1] ?? points[0]).x;\n  return s; });`,
    message:
      "this expression chooses between arrays or objects, and one of them is not an array or object literal the function makes itself with a length known at compile time. Choose the index instead of the entries ('points[(i + 1) % points.length]').",
  },
  entriesChosenByIndex: {
    code: `export const g = grad((rows: number[][], k: number) => { const r = /*@*/rows[k + 1] || rows[k];\n  return r[0]; }, { wrt: 0 });`,
    message: "Choose the index instead of the entries ('rows[k + 1 < rows.length ? k + 1 : k]').",
  },
  previousEntryChosenByIndex: {
    code: `export const g = grad((points: { x: number }[]) => { let s = 0;\n  for (let i = 0; i < points.length; i++) s += points[i].x * (/*@*/points[i - 1] ?? points[points.length - 1]).x;\n  return s; });`,
    message: "Choose the index instead of the entries ('points[i - 1 >= 0 && i - 1 < points.length ? i - 1 : points.length - 1]').",
  },
  stateKeptOrReplaced: {
    code: `export const g = grad((xs: number[]) => { let p = xs;\n  for (let k = 0; k < 4; k++) { const next = p.map((e) => e * 1.2 + 0.1);\n    next[1] += 0.1;\n    p = /*@*/next[0] > 1 ? p : next; }\n  return p[0]; });`,
    message:
      "this expression chooses between arrays or objects, and one of them is also held by another variable or object. Assign only where it changes, as the last statement of its block ('if (!(next[0] > 1)) p = next;').",
  },
  branchChoosesInstances: {
    code: `class Spring { constructor(readonly rest: number[], readonly k: number) {} }\nexport const g = grad((x: number, p: number[], q: number[]) => { const s = /*@*/x > 0 ? new Spring(p, x) : new Spring(q, x);\n  return s.rest[0] * s.k; }, { wrt: 0 });`,
    message:
      'this expression chooses between arrays or objects, and one of them is not an array or object literal the function makes itself with a length known at compile time. Choose the numbers instead',
  },
  branchChoosesInstanceArguments: {
    code: `class Box { v: number[]; constructor(n: number, readonly k: number) { this.v = new Array<number>(n).fill(k); } }\nexport const g = grad((x: number) => { const b = /*@*/x > 0 ? new Box(2, x) : new Box(3, 2 * x);\n  return b.v[0] * b.k; });`,
    message:
      "this expression chooses between arrays or objects, and one of them is an array whose length is not the same known number on both sides. Choose the arguments instead of the instances ('new Box(x > 0 ? 2 : 3, x > 0 ? x : 2 * x)').",
  },
  branchResult: {
    code: `function pick(x: number, p: number[], q: number[]): number[] { /*@*/if (x > 0) return p;\n  return q; }\nexport const g = grad((x: number, p: number[], q: number[]) => pick(x, p, q)[0] * x, { wrt: 0 });`,
    message:
      'the function returns different arrays or objects depending on this branch, and one of them is not an array or object literal the function makes itself with a length known at compile time. Return arrays or objects the function makes itself, alike on every path',
  },
  returnInsideLoop: {
    code: `function settle(x: number): number[] { const v = [x, 1];\n  for (let k = 0; k < 3; k++) if (x > k) /*@*/return v;\n  return v; }\nexport const g = grad((x: number) => settle(x)[0]);`,
    message:
      "returning an array or object from inside a loop is not supported yet: keep it in a variable declared before the loop, leave the loop with 'break'",
  },
  composedGradOfArrays: {
    code: `function e(xs: number[]): number { return xs[0] * xs[1]; }\nexport const g = grad((x: number) => /*@*/grad(e)([x, 2])[0]);`,
    message: "grad(…)(…) inside differentiated code is differentiated with respect to numbers only, and 'xs' is not a number",
  },
  composedDerivativeOfArrays: {
    code: `function path(t: number): [number, number] { return [t * t, t]; }\nexport const g = grad((x: number) => /*@*/derivative(path)(x)[0]);`,
    message: "derivative(…)(…) inside differentiated code is differentiated where the function returns a number, and 'path' returns '[number, number]'",
  },
  undefinedForDefault: {
    code: `function g(x: number, dt = 0.5): number { return dt * x * x; }\nexport const h = grad((x: number, cfg: { dt?: number }) => g(x, /*@*/cfg.dt), { wrt: 0 });`,
    message: "this argument may be undefined, where 'g' gives its parameter 'dt' its default value",
  },
  optionalCall: {
    code: `export const h = grad((x: number, o: { f?: (v: number) => number }) => x * (/*@*/o.f?.(x) ?? 3), { wrt: 0 });`,
    message: "an optional call ('o.f?.(x)') cannot be differentiated: test the function first ('if (o.f !== undefined) …'), or call one that is always there",
  },
  optionalNull: {
    code: `export const h = grad((x: number, o: { s: number } | null) => x * (/*@*/o?.s ?? 3), { wrt: 0 });`,
    message: "optional chaining ('?.') on a value that may be null cannot be differentiated",
  },
  optionalObject: {
    code: `export const h = grad((x: number, o?: { inner?: { s: number } }) => { const inner = /*@*/o?.inner;\n  return inner === undefined ? x : x * inner.s; }, { wrt: 0 });`,
    message: "'o?.inner' may be an array or object or undefined, which differentiated code does not keep in one variable",
  },
  hvpRestParameter: {
    code: `function total(/*@*/...vs: number[]): number { return vs[0] * vs[1]; }\nexport const h = hvp(total);`,
    message: "hvp() takes f's arguments then v, which cannot follow a rest parameter: declare 'vs' as an array ('vs: number[]')",
  },
  loopReassignsArray: {
    code: `export const g = grad((x: number) => { let a: number[] = [];\n  a.push(x);\n  /*@*/for (let i = 0; i < 2; i++) a = a.map((v) => v * x);\n  return a[0]; });`,
    message: "a loop that reassigns 'a' keeps the array or object it holds in one place of its own",
  },
  loopBufferLength: {
    code: `export const g = grad((x: number, xs: number[]) => { let a = Float64Array.from(xs, (v) => v * x);\n  /*@*/for (let i = 0; i < 2; i++) a = new Float64Array(a.length + 1).fill(x);\n  return a[0]; }, { wrt: 0 });`,
    message: "a pass of this loop leaves 'a' holding an array the loop cannot copy into the one it keeps 'a' in",
  },
  loopBufferShared: {
    code: `export const g = grad((x: number, xs: number[]) => { let a = xs.map((v) => v * x);\n  let b = xs.map((v) => v + x);\n  for (let i = 0; i < 2; i++) /*@*/a = b;\n  b[1] = x;\n  return a[0] + b[0]; }, { wrt: 0 });`,
    message: "a pass of this loop leaves the array of 'a' also held by another variable or object",
  },
  shortenedTypedArray: {
    code: `export const g = grad((xs: Float64Array, t: number) => { let p = Float64Array.from(xs);\n  /*@*/while (p.length > 1) p = p.slice(1).map((v, i) => v * t + p[i]);\n  return p[0]; });`,
    message: "a loop that may shorten 'p' (slice, filter) keeps it in one array, which must be a number[] here, not a Float64Array",
  },
  shortenedEntryPastEnd: {
    code: `export const g = grad((xs: number[], t: number) => { let p = xs.slice();\n  let s = 0;\n  for (let k = 0; k < 3; k++) { s += /*@*/p[1] ?? 0;\n    p = p.filter((v) => v > t); }\n  return s; });`,
    message:
      "this reads an entry of an array whose length a loop changes (slice, filter, a spread or concat that adds entries), where an entry past its end would be undefined: compare the index with its length instead ('1 < p.length ? p[1] : 0')",
  },
  matrixStateNotMade: {
    code: `export const g = grad((t: number) => { let m: number[][] = [[t, 1], [2, t]];\n  for (let k = 0; k < 2; k++) /*@*/m = null as unknown as number[][];\n  return m[0][1]; });`,
    message: "a pass of this loop leaves 'm' holding an array of arrays that is neither one the function made nor the caller's",
  },
  matrixStateRowWritten: {
    code: `export const g = grad((pts0: [number, number][], t: number) => { let pts = pts0;\n  while (pts.length > 1) { /*@*/pts[0][0] = t;\n    pts = pts.slice(1); }\n  return pts[0][1]; });`,
    message: "writing to 'pts[0][0]' is not supported: 'pts' is an array of arrays a loop reassigns",
  },
  loopStateHeldTwice: {
    code: `export const g = grad((x: number) => { const first = [x, 1];\n  let s = first;\n  /*@*/for (let i = 0; i < 2; i++) s = [s[1], x];\n  first[1] = 2;\n  return s[0] * first[0]; });`,
    message: "the array or object 's' holds as this loop starts is also held by another variable or object",
  },
  loopStateChangesKind: {
    code: `export const g = grad((x: number) => { let s: number[] = [x, 1];\n  /*@*/for (let i = 0; i < 2; i++) s = [s[1], x, x];\n  return s[0]; });`,
    message: "a pass of this loop leaves 's' holding an array or object of another size or kind than it started with",
  },
  loopStateShared: {
    code: `export const g = grad((x: number) => { let s = [x, 1];\n  let t = [1, x];\n  for (let i = 0; i < 2; i++) { /*@*/s = [s[1], t[0]]; t = s; }\n  t[1] += x;\n  return s[0] + t[1]; });`,
    message: "a pass of this loop leaves the array or object of 's' also held by another variable or object",
  },
  loopStateUnset: {
    code: `export const g = grad((x: number) => { let s!: number[];\n  /*@*/for (let i = 0; i < 2; i++) s = [x, i];\n  return s[0]; });`,
    message: "'s' is assigned arrays or objects in this loop but holds none as it starts",
  },
  forOfDestructuring: {
    code: `export const g = grad((xss: number[][]) => { let s = 0;\n  let a = 0;\n  for (/*@*/[a] of xss) s += a;\n  return s; });`,
    message: "only 'for (const v of xss)', 'for (const [a, b] of xss)' and a variable declared before the loop, 'for (… of xss)', are supported",
  },
  forOfNotArray: {
    code: `export const g = grad((x: number) => { let s = x;\n  for (const v of /*@*/new Set([1, 2])) s += v;\n  return s; });`,
    message: "'for … of' is supported over arrays only",
  },
  callbackNotFunction: {
    code: `const table = [Math.sin];\nexport const g = grad((xs: number[]) => xs.map(/*@*/table[0])[0]);`,
    message: "the callback of map must be a function written in place ('(v) => …'), declared in the function, or declared in the program",
  },
  mapNotNumbers: {
    code: `export const g = grad((xs: number[]) => { const m = xs.map(/*@*/(v) => ({ v, s: 'a' }));\n  return xs[0]; });`,
    message: 'map must build an array of numbers or of objects of numbers here',
  },
  arrayFromNotNumbers: {
    code: `export const g = grad((a: number) => { const tags = Array.from({ length: 2 }, /*@*/(_, i) => (i > 0 ? 'b' : 'a'));\n  return a * tags.length; });`,
    message: 'Array.from must build an array of numbers or of objects of numbers here: return a number or an object literal of numbers from its callback',
  },
  pushObjects: {
    code: `export const g = grad((xs: number[]) => { const pts: { x: number }[] = [];\n  pts.push(/*@*/{ x: xs[0] });\n  return pts.length; });`,
    message:
      "an array of objects grown by push is not supported: build 'pts' with map, its callback returning an object literal, or push each field onto an array of its own",
  },
  returnObjectEntry: {
    code: `export const g = jvp((xs: number[]) => { const pts = xs.map((x) => ({ x, w: 2 * x }));\n  return /*@*/pts[0]; });`,
    message: 'an entry of an array of objects the function builds is returned here',
  },
  arrayMethod: {
    code: `export const g = grad((xs: number[]) => { const ys = [...xs];\n  /*@*/ys.splice(0, 1);\n  return ys[0]; });`,
    message:
      '.splice() on an array is not supported (it moves entries in place): build a new array with slice and concat; differentiated code supports map, filter',
  },
  findMethod: {
    code: `export const g = grad((ws: number[]) => /*@*/ws.find((v) => v > 0)!);`,
    message:
      ".find() on an array is not supported (it may return undefined): use findIndex and read the entry, 'const k = ws.findIndex((v) => v > 0); … ws[k]'",
  },
  subarrayMethod: {
    code: `export const g = grad((params: Float64Array) => /*@*/params.subarray(1)[0] * params[0]);`,
    message: ".subarray() on an array is not supported (its entries are shared with 'params'): copy them with 'params.slice(…)'; differentiated code supports",
  },
  arrayOfArraysMethod: {
    code: `export const g = grad((m: number[][]) => /*@*/m.filter((row) => row.length > 1)[0][0]);`,
    message: '.filter() on an array of arrays is not supported: loop over its entries, or map them',
  },
  sortObjects: {
    code: `export const g = grad((pts: number[][], q: number) => { const ds = pts.map((p) => ({ d: (p[0] - q) ** 2 }));\n  /*@*/ds.sort((a, b) => a.d - b.d);\n  return ds[0].d; }, { wrt: 1 });`,
    message:
      "'ds' holds objects, and differentiated code sorts numbers: sort the indices of its entries by their key instead ('const order = ds.map((_, i) => i).sort((i, j) => …)', the comparator reading ds[i] and ds[j] as yours reads its two entries), and read the entries in that order, ds[order[k]]",
  },
  arrayOfObjectsMethod: {
    code: `export const g = grad((pts: number[][], q: number) => { const ds = pts.map((p) => ({ d: (p[0] - q) ** 2 }));\n  return /*@*/ds.filter((e) => e.d > 1).length + q; }, { wrt: 1 });`,
    message: '.filter() on an array of objects is not supported: loop over its entries, or map them',
  },
  arrayStaticMethod: {
    code: `export const g = grad((xs: number[]) => (/*@*/Array.isArray(xs) ? xs[0] : 0));`,
    message: 'Array.isArray() is not supported: differentiated code builds arrays with Array.from, Array.of, new Array(n) or a literal',
  },
  arrayMethodArguments: {
    code: `export const g = grad((xs: number[]) => /*@*/xs.indexOf(2, 1) * xs[0]);`,
    message: 'indexOf takes the value to look for (from a start index: loop over the indices from it) here',
  },
  fromLengthWithoutCallback: {
    code: `export const g = grad((x: number) => /*@*/Array.from({ length: 3 }).length * x);`,
    message: "Array.from({ length: n }) without a callback holds undefined: give it one, '(_, i) => …', or use new Array<number>(n).fill(0)",
  },
  sortCallerData: {
    code: `export const g = grad((xs: number[]) => { /*@*/xs.sort((a, b) => a - b);\n  return xs[0]; });`,
    message: "sort writes into 'xs', which the differentiated function did not create (it never changes its caller's data): sort a copy, '[...xs].sort(…)'",
  },
  sortWithoutComparator: {
    code: `export const g = grad((xs: number[]) => /*@*/[...xs].sort()[0]);`,
    message: 'sort() without a comparator sorts numbers as strings ([10, 9, 1].sort() is [1, 10, 9]): write sort((a, b) => a - b)',
  },
  comparatorNotInPlace: {
    code: `const ascending = (a: number, b: number) => a - b;\nexport const g = grad((xs: number[]) => [...xs].sort(/*@*/ascending)[0]);`,
    message: 'the comparator of sort must be written in place',
  },
  comparatorForm: {
    code: `export const g = grad((xs: number[]) => [...xs].sort(/*@*/(a, b) => (a < b ? -1 : 1))[0]);`,
    message:
      "tapeless differentiates sorts with comparators of the form '(a, b) => a - b' (ascending), '(a, b) => b - a' (descending), or the same expression of each ('(a, b) => Math.abs(a) - Math.abs(b)', or an argsort's '(i, j) => …[i] - …[j]'): compute the keys",
  },
  matrixByPush: {
    code: `export const g = grad((x: number) => { const m: number[][] = [];\n  m.push(/*@*/[x]);\n  return x; });`,
    message:
      "an array of arrays grown row by row is not supported: build 'm' with map or Array.from, each row by a callback ('Array.from({ length: … }, (_, i) => Array.from({ length: … }, (_, j) => …))'), or as a literal of its rows",
  },
  matrixRowWritten: {
    code: `export function product(a: number[][], b: number[][]): number {\n  const out: number[][] = [];\n  for (let i = 0; i < a.length; i++) {\n    out[i] = /*@*/[];\n    for (let j = 0; j < b[0].length; j++) out[i][j] = a[i][0] * b[0][j];\n  }\n  return out[0][0];\n}\nexport const g = grad(product);`,
    message:
      "an array of arrays grown row by row is not supported: build 'out' with map or Array.from, each row by a callback ('Array.from({ length: … }, (_, i) => Array.from({ length: … }, (_, j) => …))'), or as a literal of its rows",
  },
  matrixRowSpread: {
    code: `export const g = grad((m: number[][]) => { const c = [/*@*/...m];\n  return c[0][0]; });`,
    message: 'spreads of rows are not supported in an array of arrays',
  },
  matrixSharedRow: {
    code: `export const g = grad((x: number) => { const r = [x, 1];\n  const m = [/*@*/r, [2, 3]];\n  return m[0][0]; });`,
    message:
      'each row of an array of arrays the function builds must be an array made where the rows are listed, not one a variable already holds (the array of arrays keeps its own copy of each row, which writes to one would not show in the other): write [...r]',
  },
  matrixWholeRow: {
    code: `export const g = grad((x: number) => { const m = [[x, 1], [2, 3]];\n  /*@*/m[0] = [x, x];\n  return m[0][0]; });`,
    message: "writing a whole row, 'm[0] = …', is not supported: write its entries, 'for (let j = 0; j < m[0].length; j++) m[0][j] = …'",
  },
  matrixBorrowedWrite: {
    code: `export const g = grad((p: number[], q: number[]) => { const pts = [p, q];\n  /*@*/pts[0][1] = 2;\n  return pts[0][0]; });`,
    message: "writing to 'pts[0][1]' is not supported: the rows of this array of arrays are arrays the differentiated function did not create",
  },
  flatDeeper: {
    code: `export const g = grad((m: number[][][]) => /*@*/m.flat()[0][0]);`,
    message: 'flat builds an array of numbers here: it flattens one level, of arrays of numbers',
  },
  matrixDeeper: {
    code: `export const g = grad((x: number) => { const t = /*@*/[[[x]]];\n  return t[0][0][0]; });`,
    message:
      'arrays the function builds nest two levels at most (an array of rows of numbers): keep a deeper one as rows (t[i * n + j][k]) or as one flat array (t[(i * n + j) * m + k])',
  },
  matrixDeeperFrom: {
    code: `export const g = grad((x: number) => { const t = /*@*/Array.from({ length: 2 }, () => [[x, 1]]);\n  return t[0][0][0]; });`,
    message: 'arrays the function builds nest two levels at most',
  },
  matrixRowInLoopState: {
    code: `export const g = grad((x: number) => { const grid = [[x, 1], [2, x]];\n  let r = grid[0];\n  /*@*/for (let t = 0; t < 2; t++) r = grid[1];\n  return r[0]; });`,
    message:
      "a loop that reassigns 'r', which holds a row of an array of arrays the function builds, is not supported: keep the index of the row, or copy it ([...row])",
  },
  matrixAsValue: {
    code: `export const g = grad((x: number) => { const m = [[x, 1], [2, x]];\n  return /*@*/m[0] === m[1] ? x : 2 * x; });`,
    message:
      'an array of arrays the function builds (or a row of one) can be indexed, measured, looped over, copied and passed to helpers, not used as a value here: compare or choose its numbers',
  },
  matrixInObject: {
    code: `export const g = grad((x: number) => { const m = [[x]];\n  const o = /*@*/{ m };\n  return o.m[0][0]; });`,
    message: 'an object literal holding an array of arrays the function builds (or a row of one) is not supported: keep it in a variable of its own',
  },
  listIndexNotConstant: {
    code: `export const g = grad((a: number, b: number) => { const ps = [{ x: a }, { x: b }];\n  let s = 0;\n  for (let i = 0; i < 2; i++) s += /*@*/ps[i].x;\n  return s; });`,
    message:
      "this index of a local array of objects or arrays is not known at compile time to be within its 2 entries (they are kept apart, not in an array): loop over it with 'for (const v of ps)', forEach, map or reduce, or read 'ps[0]', 'ps[1]', ….",
  },
  listHeld: {
    code: `export const g = grad((a: number, b: number) => { const ps = [{ x: a }, { x: b }];\n  const o = { /*@*/ps };\n  return o.ps[0].x; });`,
    message:
      "a local array of objects or arrays is read only at constant indices ('ps[0]', or destructured without a rest element), by its length, by for-of, forEach, map, reduce, every and some, and by the functions of the program it is given to",
  },
  listEntryWritten: {
    code: `export const g = grad((a: number, b: number) => { const ps = [{ x: a }, { x: b }];\n  /*@*/ps[0] = { x: 2 * b };\n  return ps[0].x; });`,
    message:
      "writing 'ps[0]', an entry of a local array of objects or arrays, is not supported (its entries are kept apart, not in an array): write the entry's fields ('ps[0].x = …'), or build a new array",
  },
  listLet: {
    code: `export const g = grad((a: number, b: number) => { let /*@*/ps = [{ x: a }, { x: b }];\n  return ps[0].x; });`,
    message: "declare 'ps' with const: a local array of objects or arrays is not reassigned",
  },
  callbackTooManyParameters: {
    code: `export const g = grad((xs: number[]) => { let s = 0;\n  xs.forEach((v, i, all, /*@*/extra?: number) => { s += v; });\n  return s; });`,
    message: 'this callback takes at most 3 parameters here',
  },
  callbackWithoutValue: {
    code: `export const g = grad((xs: number[]) => xs.every(/*@*/(v) => { v; }) ? xs[0] : 0);`,
    message: 'this callback must return a value',
  },
  arrayHoles: {
    code: `export const g = grad((x: number) => { const a = [x, , x];\n  return x; });`,
    message: 'array literals with holes are not supported',
    at: '2:53',
  },
  objectNonNumber: {
    code: `export const g = grad((x: number) => { const o = /*@*/{ previous: null, v: x };
  return o.v; });`,
    message:
      "an object literal must have fields of numbers, strings, booleans, arrays or objects of these: 'previous' has type 'null'; keep other data out of it, in a variable of its own.",
  },
  inOperator: {
    code: `export const g = grad((x: number, o: { a?: number }) => ('a' /*@*/in o ? x : 0), { wrt: 0 });`,
    message: "the operator 'in' cannot be differentiated yet.",
  },
  logicalAssignmentOnEntry: {
    code: `export const g = grad((xs: number[]) => { const out = [...xs];\n  /*@*/out[0] ??= xs[1] || 3;\n  return out[0]; });`,
    message: "'??=' on an array entry is not supported: write 'out[0] = out[0] ?? (xs[1] || 3)'.",
  },
  writeCallersInstance: {
    code: `class Lcg {\n  constructor(public s: number) {}\n  next(): number {\n    /*@*/this.s = (this.s * 16807) % 2147483647;\n    return this.s / 2147483647;\n  }\n}\nexport const g = grad((x: number, rng: Lcg) => x * rng.next(), { wrt: 0 });`,
    message:
      "writing to 'this.s' is not supported here: differentiated code writes only into objects it makes itself, and this method is called on an instance of its caller's. Make the instance in the differentiated function ('new Lcg(…)', from the caller's numbers), and call the method on it",
  },
  nullishUnknown: {
    code: `export const g = grad((x: number, o: { v: unknown }) => x * ((/*@*/o.v ?? 1) as number), { wrt: 0 });`,
    message: "'??' on a value of type 'any' or 'unknown' cannot be differentiated: give it a type (an optional number, or a number or null)",
  },
  nullishEntryWithEffects: {
    code: `export const g = grad((u: number[]) => { let i = 0;\n  const a = /*@*/u[i++] ?? 0;\n  return a * u[0]; });`,
    message: "'??' on an array entry whose index has effects: compute the index in a statement of its own first",
  },
  writeParameterField: {
    code: `export const g = grad((x: number, o: { v: number }) => { /*@*/o.v = x;\n  return o.v; }, { wrt: 0 });`,
    message:
      "writing to 'o.v' is not supported: differentiated code writes only into objects it makes itself (never into its caller's data). Copy the object first ('const copy = { ...o }') and write the copy",
  },
  optionalField: {
    code: `interface Options { lr: number; inner: { m?: number } }\nexport const g = grad((w: number, /*@*/opts: Options) => w * opts.lr);`,
    message:
      "cannot differentiate with respect to 'opts': its field 'opts.inner.m' has type 'number | undefined', and tapeless differentiates with respect to numbers and arrays and objects of numbers (make the field required and a number, or select other parameters with 'wrt')",
  },
  overloaded: {
    code: `function f(x: number): number;\nfunction f(x: number, y?: number): number { return x; }\nexport const g = grad(/*@*/f);`,
    message: "'f' is overloaded",
  },
  targetNotAName: {
    code: `const fs = [(x: number) => x * x];\nexport const g = grad(/*@*/fs[0]);`,
    message: 'the function to differentiate must be a function name, or an arrow or function expression written in place',
  },
  notTopLevel: {
    code: `import { N } from './lib.js';\nexport const g = grad(/*@*/N.square);`,
    message: "'N.square' is not declared at the top level of its module",
  },
  objectMethod: {
    code: `const o = { m(x: number) { return x * x; } };\nexport const g = grad((x: number) => /*@*/o.m(x));`,
    message: "cannot differentiate the call to 'o.m': only methods of classes declared at the top level of a module can be called",
  },
  staticMethodThroughValue: {
    code: `class K { static f(x: number) { return x * x; } }\nexport const g = grad((x: number) => /*@*/(K).f(x));`,
    message: "call the static method 'f' through its class's name ('K.f(…)')",
  },
  forIn: {
    code: `export const g = grad((x: number, o: { a: number }) => { /*@*/for (const k in o) x += 1;\n  return x; }, { wrt: 0 });`,
    message:
      "a 'for…in' loop cannot be differentiated: read the fields by name ('o.x'), or keep the numbers in an array and loop over it ('for (const v of …)').",
  },
  typeofExpression: {
    code: `export const g = grad((x: number) => /*@*/typeof x === 'number' ? x : 0);`,
    message: "'typeof' cannot be differentiated: test the value itself: compare it with undefined, or a field of a union with one of its literals.",
  },
  strictUndefinedOfNull: {
    code: `export const g = grad((x: number, m: number | null) => (/*@*/m === undefined ? x : 2 * x), { wrt: 0 });`,
    message:
      "'m' may be null, which differentiated code keeps as undefined, so it cannot tell it from undefined: test 'm == null' (null or undefined), or 'm === null' where it is never undefined.",
  },
  strictNullMaybeUndefined: {
    code: `export const g = grad((x: number, m: number | null | undefined) => (/*@*/m !== null ? x : 2 * x), { wrt: 0 });`,
    message:
      "'m' may be undefined as well as null (an entry past the end of an array, say), which differentiated code keeps as undefined, so it cannot tell them apart: test 'm != null' (null or undefined).",
  },
  arithmeticOnNull: {
    code: `export const g = grad((x: number) => { let m: number | null = null;\n  if (x > 0) m = x;\n  return /*@*/m! * x; });`,
    message:
      "'*' is differentiable on numbers only, but 'm' may be null, which JavaScript would take as 0 here: test it first ('m === null ? … : m'), or give it a number ('m ?? 0').",
  },
  classInside: {
    code: `export const g = grad((x: number) => { /*@*/class P { v = 1; }\n  return x; });`,
    message: 'a class declaration cannot be differentiated: declare the class at the top level of a module, where differentiated code can construct it.',
  },
  regularExpression: {
    code: `export const g = grad((x: number) => { const r = /*@*//a+/;\n  return x; });`,
    message: 'the expression \'/a+/\' cannot be differentiated yet (see README, "What can be differentiated").',
  },
  asyncFunction: {
    code: `/*@*/async function later(x: number) { return x; }\nexport const g = grad(later as unknown as (x: number) => number);`,
    message: 'async functions cannot be differentiated: await the data outside, and differentiate a function of it that returns a number.',
  },
  objectOfRuntimeArrays: {
    code: `interface S { pos: number[]; vel: number[] }\nfunction step(s: S, k: number): S {\n  const vel = s.vel.map((v, i) => v - k * s.pos[i]);\n  return { pos: s.pos.map((p, i) => p + vel[i]), vel };\n}\nexport const g = grad((k: number, init: number[]) => { let s: S = { pos: [...init], vel: init.map(() => 0) };\n  /*@*/for (let t = 0; t < 3; t++) s = step(s, k);\n  return s.pos[0]; });`,
    message:
      "a loop that reassigns 's' carries an object only when the arrays it holds have a length known at compile time (array literals: '{ pos: […, …] }'), and 's.pos' starts with a length known only at run time: keep each such array in a variable of its own that the loop reassigns ('let pos = …', 'let vel = …'), give the object where it is needed ('{ pos, vel }') and read its fields back ('pos = ….pos')",
  },
  recordGainsField: {
    code: `export const g = grad((x: number, y: number) => { const totals: Record<string, number> = {};\n  /*@*/totals['food'] = x * 2;\n  totals.rent = y * y;\n  return totals.food * totals['rent']; });`,
    message:
      "'totals' has no field 'food': an object the function makes has the fields it is made with, and a Record or '{}' made without fields cannot gain any. Make it with every field it holds ('const totals = { food: 0, rent: 0 }')",
  },
  optionalStringGained: {
    code: `interface P { x: number; y: number; label?: string }\nexport const g = grad((x: number) => { const p: P = { x, y: 2 * x };\n  /*@*/p.label = 'moved';\n  return p.x * p.y; });`,
    message:
      "'p' has no field 'label': an object the function makes has the fields it is made with, and a Record or '{}' made without fields cannot gain any. Make it with every field it holds ('const p: P = { x, y: 2 * x, label: '' }')",
  },
  undefinedField: {
    code: `interface P { x: number; label?: string }\nexport const g = grad((x: number) => { const p: P = /*@*/{ x, label: undefined };\n  return p.x * x; });`,
    message:
      "an object literal must have fields of numbers, strings, booleans, arrays or objects of these: 'label' is undefined; leave it out, as a field the type makes optional may be missing, or make it with a value ('label: ''')",
  },
  runTimeKeyWritten: {
    code: `export const g = grad((x: number, key: 'x' | 'y') => { const o = { x, y: 2 * x };\n  /*@*/o[key] = 3 * x;\n  return o.x * o.y; }, { wrt: 0 });`,
    message: "'o[key]' uses a string key here: write the field by its name ('o.<field>'), choosing on 'key' ('if (key === 'x') o.x = …; else o.y = …;')",
  },
  wrtRecord: {
    code: `export const g = grad((/*@*/p: Record<string, number>, x: number) => p['a'] * x + p.b, { wrt: 'p' });`,
    message:
      "cannot differentiate with respect to 'p' of type 'Record<string, number>': its keys are known only at run time, and tapeless differentiates with respect to objects whose fields their type names: give it such a type ('p: { a: number; b: number }', or an interface), or select other parameters with 'wrt'",
  },
  wrtOptionalObject: {
    code: `export const g = grad((x: number, /*@*/opts?: { scale?: number }) => (opts?.scale ?? 2) * x, { wrt: 'opts' });`,
    message:
      "cannot differentiate with respect to 'opts': it may be undefined (an optional parameter), and tapeless differentiates with respect to values the caller gives: make it required, its fields numbers the caller gives ('opts: { scale: number }'), or select other parameters with 'wrt'",
  },
  wrtOptionalNumber: {
    code: `export const g = derivative((r: number, /*@*/bias?: number) => r * (bias ?? 1), { wrt: 'bias' });`,
    message:
      "cannot differentiate with respect to 'bias': it may be undefined (an optional parameter), and tapeless differentiates with respect to values the caller gives: make it required ('bias: number'), or select other parameters with 'wrt'",
  },
  destructuredEmptyFallback: {
    code: `export const g = grad((x: number, opts?: { scale?: number; shift?: number }) => { const { scale = 2, shift } = /*@*/opts ?? {};\n  return scale * x + (shift ?? 0); }, { wrt: 0 });`,
    message:
      "'opts ?? {}' chooses between 'opts' and an empty object, which differentiated code does not keep in one variable: read each field through the chain ('const scale = opts?.scale ?? 2; const shift = opts?.shift;')",
  },
  classFieldArrow: {
    code: `class Osc {\n  constructor(public w: number) {}\n  period = (): number => (2 * Math.PI) / this.w;\n}\nexport const g = grad((w: number) => /*@*/new Osc(w).period());`,
    message:
      "'new Osc(w).period' calls the function the field 'period' holds, a value known only when the code runs, and tapeless differentiates the calls it sees at compile time: make it a method of 'Osc' ('period(): number { … }'), which 'this' reaches as the arrow did",
  },
};

/**
 * Diagnostics of code that is not type-correct either (TypeScript reports its own error too):
 * compiled without the type check.
 */
const ILL_TYPED: Record<string, Case> = {
  gradOfArray: {
    code: `export const g = grad((x: number) => /*@*/[x, x * x]);`,
    message:
      "the function must return a number, but this has type 'number[]': grad, valueAndGrad and hessian differentiate a function returning one number; for one returning an array or object of numbers, use jacobian (a row per number), vjp (a weighted sum of the rows) or derivative and jvp (along a direction of the inputs)",
  },
  jvpOptions: {
    code: `const f = (x: number) => x * x;\nexport const j = jvp(f, /*@*/{ wrt: 'x' });`,
    message: 'jvp() takes only the function: tangents are given for every parameter',
  },
  ruleMissing: { code: `export const f = /*@*/withDerivative((x: number) => x);`, message: 'withDerivative takes the function and its rule' },
  ruleOfString: {
    code: `export const f = withDerivative(/*@*/(s: string) => 1, (s: number, y: number) => [0]);`,
    message: "withDerivative gives rules to functions of numbers; the parameter 's' is not a number",
  },
  ruleReturnsString: {
    code: `export const f = withDerivative(/*@*/(x: number) => 'a', (x: number, y: number) => [0]);`,
    message: 'withDerivative gives rules to functions that return a number',
  },
  destructuringWithoutValue: {
    code: `export const g = grad((x: number) => { let /*@*/[a, b]: number[];\n  return x; });`,
    message: 'a destructuring declaration needs a value',
  },
  forAwait: {
    code: `export const g = grad((x: number) => { /*@*/for await (const v of [x]) {}\n  return x; });`,
    message: "'for await' cannot be differentiated",
  },
  breakWithoutTarget: {
    code: `export const g = grad((x: number) => { for (let i = 0; i < 2; i++) { x *= 2; }\n  /*@*/break;\n  return x; });`,
    message: "this 'break' has no target tapeless can see",
  },
  continueWithoutTarget: {
    code: `export const g = grad((x: number) => { s: switch (x) { case 0: for (let i = 0; i < 2; i++) { /*@*/continue s; } }\n  return x; });`,
    message: "this 'continue' has no target tapeless can see",
  },
  assignConstant: { code: `export const g = grad((x: number) => { const y = x;\n  /*@*/y = 2;\n  return y; });`, message: "'y' is a constant" },
  noReturn: { code: `export const g = grad(/*@*/(x: number) => { const y = x; });`, message: "the function must end with 'return <number>' on every path" },
  emptyReturn: {
    code: `export const g = grad((x: number): number => { /*@*/return; });`,
    message: "the function must return a number, but this 'return' has no value",
  },
  noDeclaration: { code: `export const g = grad(/*@*/nothing);`, message: "cannot find the declaration of 'nothing'" },
  noArguments: { code: `export const g = /*@*/grad();`, message: 'grad() needs the function to differentiate as its first argument' },
  extraArguments: {
    code: `export const g = grad((x: number) => x, { wrt: 0 }, /*@*/3);`,
    message: 'grad() takes a function and an options object, nothing more',
  },
  unknownOption: { code: `export const g = grad((x: number) => x, { wrt: 0, /*@*/foo: 1 });`, message: "unknown option 'foo': the only option is 'wrt'" },
  stopGradientArity: { code: `export const g = /*@*/stopGradient(1, 2);`, message: 'stopGradient takes exactly one argument' },
  stopGradientArityInside: { code: `export const g = grad((x: number) => /*@*/stopGradient(x, x));`, message: 'stopGradient takes exactly one argument' },
  numberTestArity: { code: `export const g = grad((x: number) => /*@*/Number.isFinite(x, x) ? x : 0);`, message: 'Number.isFinite takes one number here' },
  numberTestOfString: {
    code: `export const g = grad((x: number, s: string) => isNaN(/*@*/s) ? x : 0, { wrt: 0 });`,
    message: "isNaN tests numbers only, but this has type 'string'",
  },
  assignToCast: {
    code: `export const g = grad((x: number) => { let y = x;\n  /*@*/(y as any) = 2;\n  return y; });`,
    message: "assigning to '(y as any)' is not supported yet: only local variables can be assigned",
  },
  mathArity: { code: `export const g = grad((x: number) => /*@*/Math.atan2(x));`, message: 'Math.atan2 takes 2 arguments here, not 1' },
  spreadIntoFixed: {
    code: `function h(a: number, b: number): number { return a * b; }\nexport const g = grad((xs: number[]) => h(.../*@*/xs));`,
    message: "this spread argument would fill the parameter 'a' of 'h': only a rest parameter ('...a: number[]') takes a spread; pass 'a' by itself",
  },
  ruledArity: {
    code: `const f = withDerivative((x: number, y: number) => x * y, (x, y) => [y, x]);\nexport const g = grad((x: number) => /*@*/f(x));`,
    message: "'f' takes 2 arguments, one for each partial derivative of its rule: pass exactly 2",
  },
  argumentCount: {
    code: `function h(x: number, y: number): number { return x; }\nexport const g = grad((x: number) => /*@*/h(x));`,
    message: "'h' is called without its parameter 'y', which has no default value: pass it, or give the parameter a default value ('y = …')",
  },
  mathValueWithoutArgument: {
    code: `export const g = grad((x: number) => { const e = Math.exp;\n  return /*@*/e() * x; });`,
    message: 'Math.exp is called here without a number',
  },
};

/** Messages no type-correct or ill-typed input reaches, and why (they guard the transformer itself). */
const UNREACHABLE: Record<string, string> = {
  "'…' is generic, and TypeScript … does not tell what its type parameter '…' stands for at this call: use a newer TypeScript, or write '…' for the types it is called with.":
    'the TypeScript of the tests tells what a call gives a generic helper (getTypeArgumentsForResolvedSignature)',
  'push takes plain values here, not spreads.': 'spread arguments of any call are reported first',
  "the property access '…' cannot be used in a rule.": 'raised only while reading the derivative rules of runtime/rules.ts',
  "cannot resolve '…'.": 'an unresolved name has type any, which is reported first',
  'the function has no body to differentiate.':
    'a function without a body (declared, an overload, abstract) is reported first as having no source or as a call tapeless cannot differentiate',
};

// A constant whose type is not its value (an array), and a recursive function: read from another file, neither can be reached nor inlined.
const LIB = `const hidden = [Math.SQRT2];\nexport function usesHidden(x: number): number {\n  return /*@*/hidden[0] * x;\n}\nexport namespace N {\n  export function square(x: number): number { return x * x; }\n}\nfunction down(x: number, n: number): number { return n > 0 ? down(x * 0.5, n - 1) : x; }\nexport function halves(x: number): number { return down(x, 3); }\n`;

let compiled: Compiled;
let illTyped: Compiled;

/** `file.ts:line:col`, 1-based, of the code right after the marker in a file. */
function marker(file: string, text: string): string {
  const offset = text.indexOf('/*@*/');
  const before = text.slice(0, offset).split('\n');
  return `${file}:${before.length}:${before[before.length - 1].length + 1 + 5}`;
}

const source = (c: Case) => `import { derivative, grad, hessian, hvp, jvp, stopGradient, valueAndGrad, vjp, withDerivative } from 'tapeless';\n${c.code}\n`;

beforeAll(() => {
  const files: Record<string, string> = { 'lib.ts': LIB };
  for (const [name, c] of Object.entries(CASES)) files[`${name}.ts`] = source(c);
  compiled = compile(files);
  illTyped = compile(Object.fromEntries(Object.entries(ILL_TYPED).map(([name, c]) => [`${name}.ts`, source(c)])), {}, false);
});

function expectAt(result: Compiled, name: string, c: Case): void {
  const inLib = name === 'notExported' || name === 'unexportedRecursion';
  const file = inLib ? 'lib.ts' : `${name}.ts`;
  const text = inLib ? LIB : source(c);
  const found = result.messages.filter((m) => m.startsWith(`${file}:`) && m.includes(c.message));
  expect(found, result.messages.filter((m) => m.startsWith(`${file}:`)).join('\n')).toHaveLength(1);
  // Markers sit just before the construct, so the column is the marker's end.
  expect(found[0].split(' ')[0]).toBe(c.at ? `${file}:${c.at}` : marker(file, text));
  expect(found[0]).toContain('tapeless: ');
}

describe('diagnostics', () => {
  for (const [name, c] of Object.entries(CASES)) it(name, () => expectAt(compiled, name, c));
  for (const [name, c] of Object.entries(ILL_TYPED)) it(`${name} (ill-typed)`, () => expectAt(illTyped, name, c));

  it('every diagnostic is an error with a tapeless code', () => {
    expect(compiled.diagnostics.length).toBe(Object.keys(CASES).length);
    for (const d of compiled.diagnostics) {
      expect(d.category).toBe(1);
      expect(d.code).toBeGreaterThanOrEqual(91001);
      expect(d.code).toBeLessThanOrEqual(91099);
    }
  });

  it('every diagnostic the transformer can raise has a case here', () => {
    // The message itself, without the line naming the call that reached it.
    const reported = [...compiled.messages, ...illTyped.messages].map(
      (m) => m.slice(m.indexOf('tapeless: ') + 'tapeless: '.length).split('\n  while differentiating ')[0],
    );
    const untested = catalogue()
      .filter((entry) => entry.code !== 'Internal' && !(entry.text in UNREACHABLE))
      .filter((entry) => !reported.some((message) => entry.pattern.test(message)))
      .map((entry) => `${entry.site}: ${entry.text}`);
    expect(untested).toEqual([]);
    // Entries listed as unreachable must still exist.
    for (const text of Object.keys(UNREACHABLE)) expect(catalogue().map((entry) => entry.text)).toContain(text);
  });

  it('every diagnostic is in the catalogue of docs/diagnostics.md, word for word', () => {
    const readme = readFileSync(path.join(ROOT, 'docs/diagnostics.md'), 'utf8');
    const missing = catalogue()
      .filter((entry) => !readme.includes(`\`${entry.text}\``))
      .map((entry) => `${entry.site}: ${entry.text}`);
    expect(missing).toEqual([]);
  });

  it('every message names what the user wrote, never a placeholder of the transformer', () => {
    // The check itself (every compile of the suite runs it, see support/compile.ts) finds placeholders and generated names.
    expect(unwrittenNames("choose 'c ? a[i] : b[i]', or copy '[...xs]'", ['const ws = [1];'])).toEqual(['c', 'a', 'i', 'b', 'xs']);
    expect(unwrittenNames("'result' holds t_3 and x_bar", ['let x = 1;'])).toEqual(['t_3', 'x_bar', 'result']);
    expect(unwrittenNames("declare 'out' ('const out: number[] = []'), then 'out.push(…)' with 'Math.max'", [''])).toEqual(['out']);
    const sources: Record<string, string> = { ...Object.fromEntries(Object.entries(CASES).map(([name, c]) => [`${name}.ts`, source(c)])), 'lib.ts': LIB };
    const illSources: Record<string, string> = Object.fromEntries(Object.entries(ILL_TYPED).map(([name, c]) => [`${name}.ts`, source(c)]));
    for (const [result, files] of [
      [compiled, sources],
      [illTyped, illSources],
    ] as const) {
      for (const message of result.messages) {
        const file = message.slice(0, message.indexOf(':'));
        expect(unwrittenNames(message.slice(message.indexOf('tapeless: ')), [files[file] ?? '']), message).toEqual([]);
      }
    }
  });

  it('names the API call that reached a diagnostic lying outside it, on the line after the message and as related information', () => {
    const [diagnostic] = compiled.diagnostics.filter((d) => d.file!.fileName.endsWith('/classConstructsItself.ts'));
    const text = source(CASES.classConstructsItself);
    const call = text.indexOf('grad((x: number) => x * new R(2).v)');
    const [message, reached] = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n');
    expect(message).toMatch(/^tapeless: constructing 'R' constructs another 'R'/);
    const { line, character } = diagnostic.file!.getLineAndCharacterOfPosition(call);
    expect([line + 1, character + 1]).toEqual([6, 18]);
    const where = path.relative(process.cwd(), path.join(compiled.dir, 'classConstructsItself.ts'));
    expect(reached).toBe(`  while differentiating the function given to grad((x: number) => x * new R(2).v), at ${where}:6:18`);
    expect(diagnostic.relatedInformation).toEqual([
      expect.objectContaining({
        file: diagnostic.file,
        start: call,
        length: 'grad((x: number) => x * new R(2).v)'.length,
        messageText: 'the call that differentiates it',
      }),
    ]);
    // A diagnostic inside its call (the arrow written there) has no such line.
    const [inside] = compiled.diagnostics.filter((d) => d.file!.fileName.endsWith('/localRecursion.ts'));
    expect(typeof inside.messageText).toBe('string');
    expect(inside.relatedInformation).toBeUndefined();
  });

  it('a failed call, where a host still writes the file, throws its diagnostic with the location when it runs', async () => {
    expect(compiled.js['tryStatement.ts']).not.toContain('grad(');
    const [reported] = compiled.messages.filter((m) => m.startsWith('tryStatement.ts:'));
    const [where, ...text] = reported.split(' ');
    const thrown = `${where} - error TS91001: ${text.join(' ')}`;
    await expect(compiled.load('tryStatement.ts')).rejects.toThrow(new RegExp(`/${thrown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });
});
