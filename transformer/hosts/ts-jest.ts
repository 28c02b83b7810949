import * as fs from 'fs';
import type * as ts from 'typescript';
import { TapelessCompileError, throwingTransformer } from './throwing';

/** The parts of ts-jest's TsCompiler (29) that this adapter uses. */
interface TsJestCompiler {
  readonly configSet: { readonly compilerModule: typeof ts };
  /** Absent where ts-jest compiles each file alone (`isolatedModules`, `transpilation`). */
  readonly _languageService?: ts.LanguageService;
  /** The texts its language service compiles with, by file name. */
  readonly _fileContentCache?: Map<string, string>;
  /** Called with a file's text before ts-jest compiles it. */
  _updateMemoryCache?(contents: string, fileName: string, ...rest: unknown[]): void;
}

/**
 * The ts-jest AST transformer: in jest.config, `transform: { '^.+\\.tsx?$': ['ts-jest', {
 * astTransformers: { before: ['tapeless/ts-jest'] } }] }`. ts-jest asks for it at each emit,
 * when its language service holds the current program. A file with tapeless errors fails its
 * test suite with them, located. ts-jest's cache key covers the files a file imports,
 * directly or not, so that watch mode compiles it again when `f` or a function `f` calls
 * changes; keepFresh makes it compile with their current text.
 */
export const name = 'tapeless';
// In ts-jest's cache key: a new tapeless compiles the files again.
export const version: string = require('../../../package.json').version;

export function factory(compiler: TsJestCompiler): ts.TransformerFactory<ts.SourceFile> {
  const tsApi = compiler.configSet.compilerModule;
  const program = compiler._languageService?.getProgram();
  if (!program) {
    throw new TapelessCompileError(
      "tapeless needs the type checker, and ts-jest compiles each file alone with 'isolatedModules' (or 'transpilation'): tapeless could not see the functions a file imports. Remove that option from ts-jest's options.",
    );
  }
  keepFresh(compiler);
  return throwingTransformer(tsApi, program, (message) => new TapelessCompileError(message));
}

const fresh = new WeakSet<TsJestCompiler>();

/**
 * ts-jest's language service reads each file once, and takes a new text only where Jest
 * compiles that file again: in watch mode (where the compiler lives on between runs) a test
 * importing cross.ts, whose `grad(f)` is compiled before model.ts (where `f` changed) is
 * required, would get a gradient of the old `f`. Before each file is compiled, the files the
 * service holds are brought up to date with the disk (those whose modification time changed).
 */
function keepFresh(compiler: TsJestCompiler): void {
  if (fresh.has(compiler)) return;
  const update = compiler._updateMemoryCache;
  const texts = compiler._fileContentCache;
  if (typeof update !== 'function' || !(texts instanceof Map)) {
    throw new TapelessCompileError(
      'tapeless/ts-jest is made for ts-jest 29, whose language service it keeps up to date with the files on disk: this ts-jest has another design, where gradients could go stale in watch mode.',
    );
  }
  fresh.add(compiler);
  const seen = new Map<string, number>();
  compiler._updateMemoryCache = function (contents, fileName, ...rest) {
    for (const [name, text] of texts) {
      if (name === fileName) continue;
      let modified: number;
      try {
        modified = fs.statSync(name).mtimeMs;
      } catch {
        continue;
      }
      if (seen.get(name) === modified) continue;
      seen.set(name, modified);
      const current = fs.readFileSync(name, 'utf8');
      if (current !== text) update.call(this, current, name);
    }
    update.call(this, contents, fileName, ...rest);
  };
}
