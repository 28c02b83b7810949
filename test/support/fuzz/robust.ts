// The transformer never crashes: arbitrary, unsupported, ill-typed and broken TypeScript must
// end in emitted code or diagnostics, with no exception escaping the host and no hang. Inputs
// run in a worker thread (transform-worker.cjs) that is killed when one file exceeds its time
// budget; the rest of the batch then goes on in a new worker.
import fc from 'fast-check';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { ROOT, TMP } from '../compile.js';
import { drawArbitrary } from './choices.js';
import { type Program, gradientExport, programOf } from './programs.js';

export interface Outcome {
  readonly index: number;
  readonly source: string;
  readonly diagnostics: readonly { code: number; message: string }[];
  readonly js?: string;
  readonly ms: number;
  /** The exception that escaped the transform, if any. */
  readonly threw?: string;
  /** TypeScript's emit throws on this input without tapeless too (a TypeScript bug). */
  readonly typescriptThrows?: boolean;
  /** The time budget ran out. */
  readonly hung?: boolean;
  /** An API call was left in the output without a tapeless diagnostic. */
  readonly leftApi?: boolean;
  /** TypeScript's own errors in the file (counted only when an API call was left). */
  readonly typeErrors?: number;
}

/** Files per worker (one TypeScript program). */
const CHUNK = 250;

interface Message {
  kind: 'start' | 'done';
  index: number;
  diagnostics: Outcome['diagnostics'];
  js?: string;
  ms: number;
  threw?: string;
  typescriptThrows?: boolean;
  leftApi?: boolean;
  typeErrors?: number;
}

/** Transforms every source (one file each, all in one program per worker), `budget` ms at most per file. */
export async function transformAll(sources: readonly string[], budget: number, log: (line: string) => void = () => {}): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let first = 0;
  while (first < sources.length) {
    log(`${first}/${sources.length} inputs transformed`);
    const last = Math.min(first + CHUNK, sources.length) - 1;
    first = await new Promise<number>((resolve, reject) => {
      const worker = new Worker(path.join(ROOT, 'test/support/fuzz/transform-worker.cjs'), {
        workerData: { root: ROOT, dir: path.join(TMP, 'robust'), files: sources.slice(first, last + 1), first },
      });
      let current = first;
      let timer: NodeJS.Timeout | undefined;
      // Program creation (parsing the lib files) gets a budget of its own.
      const arm = (ms: number) => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          outcomes.push({ index: current, source: sources[current], diagnostics: [], ms, hung: true });
          void worker.terminate();
          resolve(current + 1);
        }, ms);
      };
      arm(budget + 60_000);
      worker.on('message', (message: Message) => {
        if (message.kind === 'start') {
          current = message.index;
          arm(budget);
          return;
        }
        outcomes.push({ ...message, source: sources[message.index] });
        if (message.index === last) {
          clearTimeout(timer);
          void worker.terminate();
          resolve(last + 1);
        }
      });
      worker.on('error', (error) => {
        // An error the worker could not catch (a crash of the host itself).
        clearTimeout(timer);
        outcomes.push({ index: current, source: sources[current], diagnostics: [], ms: 0, threw: `worker died: ${error}` });
        resolve(current + 1);
      });
      worker.on('exit', (code) => {
        clearTimeout(timer);
        if (code !== 0 && current < last) resolve(current + 1);
        else reject(new Error(`worker exited with ${code}`));
      });
    }).catch(() => last + 1);
  }
  return outcomes.sort((a, b) => a.index - b.index);
}

/** What is wrong with an outcome: a crash, a hang, a slow file, or an API call left silently. */
export function problemsOf(o: Outcome, budget: number): string[] {
  const problems: string[] = [];
  if (o.threw && !o.typescriptThrows) problems.push(`an exception escaped: ${o.threw.split('\n').slice(0, 4).join(' | ')}`);
  if (o.hung) problems.push(`no result within ${budget} ms`);
  else if (o.ms > budget) problems.push(`took ${Math.round(o.ms)} ms (budget ${budget} ms)`);
  if (!o.threw && !o.hung && o.js === undefined && o.diagnostics.length === 0) problems.push('neither emitted code nor diagnostics');
  if (o.leftApi && !o.typeErrors) problems.push('an API call was left in the output without any diagnostic');
  return problems;
}

/** Internal errors (TS91099): reported properly, but each is a bug to fix. */
export const internalErrors = (o: Outcome) => o.diagnostics.filter((d) => d.code === 91099);

// ---------------------------------------------------------------------------------------------
// Inputs

const HEADER = `import { grad, valueAndGrad, stopGradient } from 'tapeless';\n`;

/** Hand-picked inputs that tapeless does not support (or that are not valid TypeScript at all). */
export const NASTY: readonly string[] = [
  `function* gen(x: number) { yield x; }\nexport const g = grad(gen as any);`,
  `async function f(x: number) { return x; }\nexport const g = grad(f as any);`,
  `export const g = grad(async (x: number) => x as any);`,
  `export const g = grad(function* (x: number) { yield x; } as any);`,
  `class C { get v() { return 2; } }\nexport const g = grad((x: number, c: C) => x * c.v, { wrt: 0 });`,
  `class C { set v(y: number) {} m(x: number) { return x; } }\nexport const g = grad((x: number, c: C) => { c.v = x; return x; }, { wrt: 0 });`,
  `export const g = grad((x: number) => eval('x * x'));`,
  `export const g = grad((x: number) => { const o = { x }; with (o) { return x; } });`,
  `export const g = grad((x: number) => { outer: for (let i = 0; i < 3; i++) { inner: { break outer; } } return x; });`,
  `export const g = grad((x: number) => { a: b: c: for (;;) break a; return x; });`,
  `export const g = grad(function (x: number) { return arguments[0] * x; });`,
  `export const g = grad((x: number) => arguments.length * x);`,
  `export const g = grad((x: number, o?: { v: number }) => x * (o?.v ?? 1), { wrt: 0 });`,
  `export const g = grad((x: number, o: { f?: () => number }) => x * (o.f?.() ?? 1), { wrt: 0 });`,
  'export const g = grad((x: number) => Number(`${x}`) * x);',
  'export const g = grad((x: number) => String.raw`a${x}`.length * x);',
  `export const g = grad((x: number) => Number(10n ** 2n) * x);`,
  `export const g = grad((x: bigint) => x * x as any);`,
  `export const g = grad((x: number) => Math.max(...(x as any)));`,
  `export const g = grad((x: number) => Math.max(...'abc' as any));`,
  `export const g = grad((x: number, s: string) => Math.min(...s as any) * x, { wrt: 0 });`,
  `function f(x: number): number { return f(x) * 2; }\nexport const g = grad(f);`,
  `function f(x: number): number { return g2(x); }\nfunction g2(x: number): number { return f(x); }\nexport const g = grad(f);`,
  `function f(x: number): number { return f(x + 1); }\nexport const g = valueAndGrad(f);`,
  `export const g = grad((x: number) => { while (true) {} });`,
  `export const g = grad((x: number) => { for (;;) { x = x * 2; } });`,
  `export const g = grad((x: number) => { do { x++; } while (x < Infinity); return x; });`,
  `export const g = grad((x: number) => { try { return x; } finally { x = 2; } });`,
  `export const g = grad((x: number) => { throw x; });`,
  `export const g = grad((x: number) => { switch (x) { case 1: return x; } });`,
  `export const g = grad((x: number) => { label: { return x; } });`,
  `export const g = grad((x: number) => new (class { v = x; })().v);`,
  `export const g = grad((x: number) => { class K { static s = x; } return K.s; });`,
  `export const g = grad((x: number) => { function inner(y: number) { return y; } return inner(x); });`,
  `export const g = grad((x: number) => (() => x)());`,
  `export const g = grad((x: number) => ((y: number) => y * x)(x));`,
  `export const g = grad((x: number) => { const f = (y: number) => y; return f(x); });`,
  `export const g = grad((x: number) => [x].map(Math.sin)[0]);`,
  `export const g = grad((x: number) => [x, x].filter((v) => v > 0).length);`,
  `export const g = grad((x: number) => { const a = [x]; a.length = 0; return x; });`,
  `export const g = grad((x: number) => { delete (globalThis as any).foo; return x; });`,
  `export const g = grad((x: number) => typeof x === 'number' ? x : 0);`,
  `export const g = grad((x: number) => void x as any);`,
  `export const g = grad((x: number) => { globalThis.leak = x; return x; });`,
  `declare global { var leak: number }\nexport const g = grad((x: number) => { leak = x; return x; });`,
  `export const g = grad((x: number) => { let { a, ...rest } = { a: x, b: 2 }; return a; });`,
  `export const g = grad(([x, y]: [number, number]) => x * y);`,
  `export const g = grad(({ x, y }: { x: number; y: number }) => x * y);`,
  `export const g = grad((x: number = 2) => x * x);`,
  `export const g = grad((...xs: number[]) => xs[0]);`,
  `export const g = grad((x: number) => x as unknown as string as unknown as number);`,
  `export const g = grad((x: any) => x * x);`,
  `export const g = grad((x: unknown) => (x as number) * 2);`,
  `export const g = grad((x: never) => x);`,
  `export const g = grad((x: number | string) => (x as number) * 2);`,
  `export const g = grad((x: number) => { const s = Symbol(); return x; });`,
  `export const g = grad((x: number) => new Date(x).getTime());`,
  `export const g = grad((x: number) => JSON.parse(String(x)));`,
  `export const g = grad((x: number) => parseFloat('1') * x);`,
  `export const g = grad((x: number) => new Function('x', 'return x')(x));`,
  `export const g = grad((x: number) => { import('node:fs'); return x; });`,
  `export const g = grad((x: number) => { debugger; return x; });`,
  `export const g = grad((x: number) => this * x);`,
  `export const g = grad((x: number) => super.x);`,
  `export const g = grad((x: number) => new.target ? x : 0);`,
  `export const g = grad((x: number) => <number>x);`,
  `export const g = grad((x: number) => x satisfies number);`,
  `export const g = grad((x: number) => { using r = { [Symbol.dispose]() {} }; return x; });`,
  `export const g = grad((x: number) => { for (var i = 0; i < 2; i++) x *= 2; return x; });`,
  `export const g = grad((x: number) => { for (const k in { a: 1 }) x += 1; return x; });`,
  `export const g = grad((x: number) => { for (const [a, b] of [[x, x]]) x += a; return x; });`,
  `export const g = grad((x: number) => x ** x ** x);`,
  `export const g = grad((x: number) => (x, x, x));`,
  `export const g = grad((x: number) => x++ + ++x);`,
  `export const g = grad((x: number) => x >>> 1);`,
  `export const g = grad((x: number) => ~x);`,
  `export const g = grad((x: number) => x & 1 | 2 ^ 3);`,
  `export const g = grad((x: number) => x in {} ? 1 : x);`,
  `export const g = grad((x: number) => x instanceof Object ? 1 : x);`,
  `export const g = grad((x: number) => x);\nexport const h = grad(g);`,
  `export const g = grad(grad((x: number) => x * x));`,
  `export const g = grad(Math.sin);`,
  `export const g = grad(Math.max);`,
  `export const g = grad(console.log as any);`,
  `export const g = grad((x: number) => x, { wrt: 'x', extra: 1 } as any);`,
  `export const g = grad((x: number) => x, { wrt: -1 });`,
  `export const g = grad((x: number) => x, { wrt: 0.5 as 0 });`,
  `export const g = grad((x: number) => x, { wrt: ['x', 'x'] });`,
  `export const g = grad((x: number) => x, { wrt: [] as any });`,
  `export const g = grad((x: number) => x, { ...{ wrt: 0 } } as any);`,
  `export const g = grad((x: number) => x, { ['wrt']: 0 } as any);`,
  `export const g = grad((x: number) => x, { get wrt() { return 0; } } as any);`,
  `export const g = (grad as any)();`,
  `export const g = grad(...([(x: number) => x] as const));`,
  `export const g = grad((x: number) => x, undefined, 3 as any);`,
  `export const g = grad(undefined as any);`,
  `export const g = grad(null as any);`,
  `export const g = grad(42 as any);`,
  `export const g = stopGradient();`,
  `export const g = stopGradient(1, 2 as any);`,
  `const { grad: renamed } = await import('tapeless');\nexport const g = renamed((x: number) => x);`,
  `import * as t from 'tapeless';\nexport const g = t.grad((x: number) => x * x);`,
  `import * as t from 'tapeless';\nexport const g = t['grad']((x: number) => x * x);`,
  `export const g = grad((x: number) => x * x`,
  `export const g = grad((x: number) => {`,
  `export const g = grad(((((((((`,
  `export const g = grad((x: number) => x * * x);`,
  `export const g = grad((x: number) => { return; });`,
  `export const g = grad((x: number): number => { if (x) return x; });`,
  `export const g = grad((x: number) => 'a');`,
  `export const g = grad((x: number) => x ? 'a' : 1 as any);`,
  `export const g = grad((x: number) => [x] as any);`,
  `export const g = grad((x: number) => ({ v: x }) as any);`,
  `export const g = grad((x: number[]) => { x.push(1); return x[0]; });`,
  `export const g = grad((x: Float64Array) => { x.set([1]); return x[0]; });`,
  `export const g = grad((x: number[]) => x[x.length]);`,
  `export const g = grad((x: number[][]) => x[0][0] * x[1][1]);`,
  `export const g = grad((x: Map<string, number>) => x.get('a')!);`,
  `export const g = grad((x: Set<number>) => x.size);`,
  `export const g = grad((x: { [k: string]: number }) => x.a);`,
  `export const g = grad((x: Record<string, number>) => x['a' + 'b']);`,
  `enum E { A = 1, B = 'b' }\nexport const g = grad((x: number, e: E) => e === E.B ? x : 0, { wrt: 0 });`,
  `const enum E { A = 1 }\nexport const g = grad((x: number) => E.A * x);`,
  `namespace N { export const k = 2; }\nexport const g = grad((x: number) => N.k * x);`,
  `export default grad((x: number) => x);`,
  `export const g = grad((x: number) => x);\nexport const g = grad((x: number) => x);`,
  `let f = (x: number) => x;\nf = (x: number) => 2 * x;\nexport const g = grad(f);`,
  `var f = (x: number) => x;\nexport const g = grad(f);`,
  `function f(x: number): number;\nfunction f(x: any): any { return x; }\nexport const g = grad(f);`,
  `export const g = grad(<T extends number>(x: T) => x * x);`,
  `export const g = grad((x: number) => { const y: number = x; { const y = 2 * x; } return y; });`,
  `export const g = grad((x: number) => { let y = 0; if (x > 0) { y = x; } else if (x < 0) { } return y; });`,
  `export const g = grad((x: number) => Math.random() > 0.5 ? x : 2 * x);`,
  `export const g = grad((x: number) => Math['sin'](x));`,
  `export const g = grad((x: number) => (Math as any).sin(x));`,
  `const M = Math;\nexport const g = grad((x: number) => M.sin(x));`,
  `export const g = grad((x: number) => Math.sin(x, x as any));`,
  `export const g = grad((x: number) => Math.atan2(x));`,
  `export const g = grad((x: number) => Math.hypot());`,
  `export const g = grad((x: number) => Math.max());`,
  `export const g = grad((x: number) => stopGradient());`,
  `export const g = grad((x: number) => 1e999 * x - -Infinity);`,
  `export const g = grad((x: number) => 0x10 * 0b1 * 0o7 * 1_000 * x);`,
  `export const g = grad((x: number) => x /* \u2028 */ * 2);`,
  `export const g = grad((\u0078: number) => \\u0078 * 2);`,
  `export const g = grad((x: number) => { ; ; ; return x; ; });`,
  `export const g = grad((x: number) => { if (x) ; else ; return x; });`,
  `export const g = grad((x: number) => { for (let i = 0, j = 1; i < 2; i++, j--) x += j; return x; });`,
  `export const g = grad((x: number) => { let i = 0; for (; ; i++) { if (i > 3) break; } return x * i; });`,
  `export const g = grad((x: number) => { let i = 0; while (i < 1e9) i++; return x; });`,
  `export const g = grad((x: number) => { const n = 1e7; let s = 0; for (let i = 0; i < n; i++) s += x; return s; });`,
  `export const g = grad((x: number, n: number) => { let s = 0; for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) s += x * i; return s; });`,
  `export const g = grad((x: number) => ${'Math.sin('.repeat(300)}x${')'.repeat(300)});`,
  `export const g = grad((x: number) => ${Array.from({ length: 400 }, (_, i) => `x * ${i}`).join(' + ')});`,
  `export const g = grad((x: number) => { ${Array.from({ length: 60 }, () => 'if (x > 0) {').join(' ')} x = x * 2; ${'}'.repeat(60)} return x; });`,
  `export const g = grad((x: number) => { let y = x; ${Array.from({ length: 200 }, () => 'y = Math.sin(y) * y;').join(' ')} return y; });`,
  `export const g = grad((x: number) => { ${Array.from({ length: 12 }, (_, i) => `for (let i${i} = 0; i${i} < 2; i${i}++)`).join(' ')} x = Math.sin(x); return x; });`,
  `\u0000\u0001 grad(`,
  // TypeScript's own emit fails on this one ('Debug Failure' in visitEachChildOfWithStatement), with or without tapeless.
  `throw throw with import arguments ] continue else */`,
  `@decorator class A {}\nexport const g = grad((x: number) => x);`,
  `export const g = grad(class { constructor(x: number) {} } as any);`,
  `export const g = grad({ f(x: number) { return x; } }.f);`,
  `export const g = grad(((x: number) => x).bind(null));`,
  `export const g = grad((x: number) => x)!;`,
  `export const g = grad?.((x: number) => x);`,
  `export const g = new (grad as any)((x: number) => x);`,
  `export const g = grad\`x\`;`,
  `export { grad as default };`,
];

/** Full files: each nasty input after the import line. */
export const nastyFiles = () => NASTY.map((code) => `${HEADER}${code}\n`);

/** Tokens to insert: constructs tapeless does not support and plain syntax noise. */
const NOISE = [
  'yield',
  'await',
  'async',
  'function*',
  'this',
  'arguments',
  'eval(',
  'with',
  '?.',
  '`',
  '${',
  '1n',
  '...',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ';',
  ',',
  '=>',
  'new',
  'class',
  'delete',
  'typeof',
  'void',
  'as any',
  '!',
  '??',
  '?',
  ':',
  'let',
  'const',
  'var',
  'return',
  'break',
  'continue',
  'label:',
  'if',
  'else',
  'for',
  'while',
  'do',
  'switch',
  'case',
  'default:',
  'try',
  'catch',
  'finally',
  'throw',
  'x',
  'y',
  'a',
  '0',
  '-1',
  'NaN',
  'Infinity',
  '"s"',
  "'t'",
  '+',
  '-',
  '*',
  '/',
  '%',
  '**',
  '=',
  '+=',
  '++',
  '--',
  '<',
  '>',
  '===',
  '&&',
  '||',
  'Math',
  '.',
  'sin',
  'grad',
  'valueAndGrad',
  'stopGradient',
  'import',
  'export',
  'enum',
  'namespace',
  'declare',
  'get',
  'set',
  'static',
  'super',
  'instanceof',
  'in',
  'of',
  'Float64Array',
  'number',
  'string',
  '<T>',
  '#priv',
  '@dec',
  '//',
  '/*',
  '*/',
  '\n',
];

/** The tokens of a source, with their positions. */
function tokens(source: string): { start: number; end: number }[] {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, source);
  const found: { start: number; end: number }[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.WhitespaceTrivia || kind === ts.SyntaxKind.NewLineTrivia) continue;
    found.push({ start: scanner.getTokenStart(), end: scanner.getTokenEnd() });
  }
  return found;
}

type Mutation = { kind: 'delete' | 'duplicate' | 'insert' | 'swap'; at: number; length: number; token: number };

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'duplicate', 'insert', 'swap'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 6 }),
  token: fc.nat(NOISE.length - 1),
});

/** A source after a few token-level mutations. */
function mutate(source: string, mutations: readonly Mutation[]): string {
  let text = source;
  for (const m of mutations) {
    const list = tokens(text);
    if (list.length === 0) break;
    const i = m.at % list.length;
    const j = Math.min(list.length - 1, i + m.length - 1);
    const span = text.slice(list[i].start, list[j].end);
    if (m.kind === 'delete') text = text.slice(0, list[i].start) + text.slice(list[j].end);
    else if (m.kind === 'duplicate') text = text.slice(0, list[j].end) + ' ' + span + text.slice(list[j].end);
    else if (m.kind === 'insert') text = `${text.slice(0, list[i].start)} ${NOISE[m.token]} ${text.slice(list[i].start)}`;
    else {
      const k = (i + m.length) % list.length;
      const [a, b] = i < k ? [list[i], list[k]] : [list[k], list[i]];
      if (a === b) continue;
      text = text.slice(0, a.start) + text.slice(b.start, b.end) + text.slice(a.end, b.start) + text.slice(a.start, a.end) + text.slice(b.end);
    }
  }
  return text;
}

/** A valid random program (the gradient fuzzer's) as a file of its own. */
function validFile(p: Program): string {
  return `${HEADER}${p.source('ts')}${gradientExport(p)}\n`;
}

/** Mutated valid programs and nasty inputs, and token soup inside and outside a grad call. */
export function badInputArbitrary(): fc.Arbitrary<string> {
  const base = fc.oneof(
    drawArbitrary(150).map((draw) => validFile(programOf(draw, 'f'))),
    fc.constantFrom(...nastyFiles()),
  );
  const mutated = fc.tuple(base, fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 })).map(([source, mutations]) => mutate(source, mutations));
  const soup = fc.array(fc.constantFrom(...NOISE), { minLength: 1, maxLength: 40 }).map((list) => list.join(' '));
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 2, arbitrary: soup.map((s) => `${HEADER}export const g = grad((x: number) => { ${s} });\n`) },
    { weight: 1, arbitrary: soup.map((s) => `${HEADER}${s}\n`) },
  );
}
