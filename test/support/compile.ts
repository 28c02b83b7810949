// Compiles TypeScript sources through the tapeless transformer in-process (the same
// transform every host runs), for tests of generated code and diagnostics.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { expect } from 'vitest';
import { agreeing } from './modes.js';
import { unwrittenNames } from './written-names.js';

const require = createRequire(import.meta.url);
const { createTransformer } = require('../../dist/transformer/transform.js') as typeof import('../../dist/transformer/transform.js');

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const TMP = path.join(ROOT, '.tmp');

export interface Compiled {
  readonly dir: string;
  readonly diagnostics: readonly ts.Diagnostic[];
  /** Emitted JavaScript by source file name (relative to the project). */
  readonly js: Readonly<Record<string, string>>;
  /** Diagnostics as `file:line:col message`, 1-based like editors show them. */
  readonly messages: readonly string[];
  /** Imports an emitted module (from `main.ts` by default). */
  load<T = Record<string, any>>(file?: string): Promise<T>;
}

export const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  sourceMap: true,
  types: [],
};

// Reusing the previous program lets TypeScript keep the parsed lib files between compiles.
let previous: ts.Program | undefined;

/**
 * Writes `files` to a fresh directory inside the repository (so `tapeless` resolves to it)
 * and compiles them; throws if they do not type-check (unless `typeCheck` is false: faster).
 * Loading the result checks reverse mode against forward mode: see ./modes.ts
 * (`TAPELESS_FORWARD_CHECK=0` turns it off).
 */
export function compile(files: Record<string, string>, options: ts.CompilerOptions = {}, typeCheck = true): Compiled {
  const built = checked(build(files, options, 'reverse'), typeCheck);
  const gradients = Object.values(files).some((text) => /\b(grad|valueAndGrad)\(/.test(text));
  const check = gradients && built.diagnostics.length === 0 && process.env.TAPELESS_FORWARD_CHECK !== '0';
  let twin: Built | undefined;
  return {
    ...built,
    messages: format(built.diagnostics),
    load: async (file = 'main.ts') => {
      const module = await importFrom(built.dir, file);
      if (!check) return module;
      twin ??= checked(build(files, options, 'forward'), typeCheck);
      if (twin.diagnostics.length > 0) throw new Error(`forward mode cannot build what reverse mode builds:\n${format(twin.diagnostics).join('\n')}`);
      return agreeing(module, await importFrom(twin.dir, file));
    },
  };
}

/**
 * Compiles `files` with `grad` and `valueAndGrad` computed by forward mode (one pushforward
 * per input number): the build `compile` checks reverse mode against, for tests that check
 * both builds against an oracle of their own.
 */
export function compileForward(files: Record<string, string>): Compiled {
  return loaded(checked(build(files, {}, 'forward'), true));
}

/** `files` compiled (reverse mode, checked against forward mode at every call, see `compile`), expected without messages, and `main.ts` loaded. */
export async function loadedMain(files: Record<string, string>): Promise<Record<string, any>> {
  const compiled = compile(files);
  expect(compiled.messages).toEqual([]);
  return compiled.load();
}

/**
 * `main.ts` of `source` built twice, each expected to compile without messages and loaded: by
 * reverse mode (checked against forward mode at every call, see `compile`) and by forward mode,
 * with each build's JavaScript.
 */
export async function bothBuilds(source: string): Promise<{ m: Record<string, any>; js: string }[]> {
  const builds = [compile({ 'main.ts': source }), compileForward({ 'main.ts': source })];
  for (const built of builds) expect(built.messages).toEqual([]);
  return Promise.all(builds.map(async (built) => ({ m: await built.load(), js: built.js['main.ts'] })));
}

/** Compiles `files` with reverse mode only, without the forward twin: for tests that count what the code does (logs). */
export function compileAlone(files: Record<string, string>): Compiled {
  return loaded(checked(build(files, {}, 'reverse'), true));
}

function loaded(built: Built): Compiled {
  return { ...built, messages: format(built.diagnostics), load: (file = 'main.ts') => importFrom(built.dir, file) };
}

export interface Built {
  readonly dir: string;
  /** tapeless's diagnostics. */
  readonly diagnostics: ts.Diagnostic[];
  readonly js: Record<string, string>;
  readonly program: ts.Program;
}

/** Writes `files` to a fresh directory inside the repository and emits them through tapeless, without type-checking. */
export function build(files: Record<string, string>, options: ts.CompilerOptions = {}, gradients: 'reverse' | 'forward' = 'reverse'): Built {
  mkdirSync(TMP, { recursive: true });
  const dir = mkdtempSync(path.join(TMP, gradients === 'reverse' ? 'compile-' : 'forward-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  const rootNames = Object.keys(files)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => path.join(dir, name));
  const program = ts.createProgram({ rootNames, options: { ...compilerOptions, ...options, outDir: dir, rootDir: dir }, oldProgram: previous });
  previous = program;
  const diagnostics: ts.Diagnostic[] = [];
  const js: Record<string, string> = {};
  program.emit(
    undefined,
    (fileName, text) => {
      writeFileSync(fileName, text);
      if (fileName.endsWith('.js')) js[path.relative(dir, fileName).replace(/\.js$/, '.ts')] = text;
    },
    undefined,
    false,
    { before: [createTransformer(ts, program, { report: (diagnostic) => diagnostics.push(diagnostic), gradients })] },
  );
  expectWrittenNames(diagnostics, Object.values(files));
  return { dir, diagnostics, js, program };
}

/** Every diagnostic of every compile in the suite names what the user wrote, never a placeholder of the transformer: see ./written-names.ts. */
function expectWrittenNames(diagnostics: readonly ts.Diagnostic[], sources: readonly string[]): void {
  for (const diagnostic of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    expect(unwrittenNames(message, sources), message).toEqual([]);
  }
}

/** TypeScript's own errors in a build. */
export function typeErrors(built: Built): ts.Diagnostic[] {
  return ts.getPreEmitDiagnostics(built.program).filter((d) => d.category === ts.DiagnosticCategory.Error);
}

function checked(built: Built, typeCheck: boolean): Built {
  const semantic = typeCheck ? typeErrors(built) : [];
  if (semantic.length > 0) throw new Error(`fixture does not type-check:\n${format(semantic).join('\n')}`);
  return built;
}

export function importFrom(dir: string, file: string): Promise<any> {
  return import(pathToFileURL(path.join(dir, file.replace(/\.ts$/, '.js'))).href);
}

/**
 * Diagnostics as `file:line:col message`. A tapeless diagnostic's message only: the line after
 * it that names the API call reaching it, where it lies outside the call, is tested by itself
 * (diagnostics.test.ts, hosts.tspc.test.ts).
 */
export function format(diagnostics: readonly ts.Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const tapeless = d.source === 'tapeless' && typeof d.messageText !== 'string';
    const text = ts.flattenDiagnosticMessageText(tapeless ? (d.messageText as ts.DiagnosticMessageChain).messageText : d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.basename(d.file.fileName)}:${line + 1}:${character + 1} ${text}`;
  });
}

/** Expects `actual` within `tolerance` of `expected`, relative to max(1, |expected|). */
export function close(actual: number, expected: number, tolerance = 1e-7): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
}

/** Central finite difference with Richardson extrapolation (error O(h^4)). */
export function finiteDifference(f: (x: number) => number, x: number, h = 1e-3 * Math.max(1, Math.abs(x))): number {
  const central = (step: number) => (f(x + step) - f(x - step)) / (2 * step);
  return (4 * central(h / 2) - central(h)) / 3;
}

/** The finite-difference derivative of `f` with respect to its argument `i` at `point`. */
export function partialDifference(f: (...args: number[]) => number, point: readonly number[], i: number, h?: number): number {
  return finiteDifference((t) => f(...point.map((p, j) => (j === i ? t : p))), point[i], h);
}

/** Expects a Hessian at `point` to match the finite differences of the gradient (a tuple of one entry per parameter). */
export function expectHessianOfGradient(hessian: number[][], gradient: (...args: number[]) => number[], point: readonly number[], tolerance = 1e-5): void {
  point.forEach((_, i) =>
    point.forEach((__, j) =>
      close(
        hessian[i][j],
        partialDifference((...q: number[]) => gradient(...q)[i], point, j),
        tolerance,
      ),
    ),
  );
}

/** The finite difference of `f` in entry `i` of its array argument, changed in a copy (`xs` is left as it is). */
export function arrayEntryDifference(f: (xs: number[]) => number, xs: readonly number[], i: number): number {
  return finiteDifference((t) => f(xs.map((x, j) => (j === i ? t : x))), xs[i]);
}

/** Expects the Hessian of a function of an array to be the differences of its `gradient`, entry by entry. */
export function expectArrayHessian(hessian: number[][], gradient: (xs: number[]) => number[], xs: readonly number[], tolerance = 1e-5): void {
  xs.forEach((_, i) =>
    xs.forEach((__, j) =>
      close(
        hessian[i][j],
        arrayEntryDifference((point) => gradient(point)[i], xs, j),
        tolerance,
      ),
    ),
  );
}

/** The finite-difference derivative of `f()` with respect to entry `key` of a mutable array or object. */
export function entryDifference(f: () => number, container: Record<string | number, any>, key: string | number): number {
  const original = container[key];
  const value = finiteDifference(
    (t) => {
      container[key] = t;
      return f();
    },
    original,
    1e-4,
  );
  container[key] = original;
  return value;
}
