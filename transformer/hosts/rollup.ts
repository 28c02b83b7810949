import * as path from 'path';
import type * as ts from 'typescript';
import { filesUsingTapeless } from '../driver/check';
import { derivedFromOthers } from '../driver/derived-from';
import { diagnosticLocation, formatDiagnostics } from '../driver/diagnostics';
import { createTransformer } from '../transform';
import { followDerivation } from './builder-versions';
import { checkSameTypeScript, checkTypeScript, loadProjectTypeScript } from './load-typescript';

export interface TapelessTransformersOptions {
  /** The TypeScript that @rollup/plugin-typescript uses, when it is given its own `typescript`. */
  readonly typescript?: typeof ts;
}

/**
 * A transformer factory of the kind @rollup/plugin-typescript calls with the program, and
 * (since 12.2) a getter of the latest program: in watch mode it makes the factories once
 * and keeps them across rebuilds.
 */
interface ProgramTransformer {
  readonly type: 'program';
  readonly factory: (program: ts.Program, latestProgram?: () => ts.Program) => ts.TransformerFactory<ts.SourceFile>;
}

/**
 * An error of the build, with the location Rollup prints (its column 1-based, as in the
 * message tsc formats) and no stack: the located message says where, a trace through
 * TypeScript's emit would not. `watchFiles` are the program's sources, which `rollup -w`
 * watches after a build that failed before Rollup loaded a module (the first emit runs in
 * the plugin's buildStart): without them no edit, not even the fix, would rebuild.
 */
class TapelessBuildError extends Error {
  readonly id: string;
  readonly loc: { file: string; line: number; column: number };
  readonly watchFiles: string[];

  constructor(message: string, program: ts.Program, loc: { file: string; line: number; column: number }) {
    super(message.trimEnd());
    this.name = 'TapelessBuildError';
    // Rollup prints the stack after the message, less a first line that repeats it.
    this.stack = `${this.name}: ${this.message}\n`;
    this.id = loc.file;
    this.loc = { ...loc, column: loc.column + 1 };
    this.watchFiles = program
      .getSourceFiles()
      .filter((file) => !file.isDeclarationFile)
      .map((file) => file.fileName);
  }
}

/** What to do where tapeless is given TypeScript 7: @rollup/plugin-typescript cannot run on it either. */
const ON_TYPESCRIPT_7 =
  "make the project's 'typescript', which @rollup/plugin-typescript compiles with, TypeScript 6, and keep TypeScript 7 beside it for type checking: npm install --save-dev typescript@6 typescript-7@npm:typescript@7.";
const SAME_TYPESCRIPT =
  'Give @rollup/plugin-typescript and tapeless the same one: typescript({ typescript: ts, transformers: tapelessTransformers({ typescript: ts }) }).';

/**
 * For @rollup/plugin-typescript:
 * `typescript({ transformers: tapelessTransformers(), recreateTransformersOnRebuild: true })`.
 * The plugin only warns about TypeScript diagnostics unless `noEmitOnError` is set, so a
 * file with tapeless diagnostics fails the build with an error that carries all of them.
 *
 * In watch mode the plugin keeps a TypeScript watch program, which re-emits what its
 * builder thinks changed: followDerivation makes it re-emit a file when one its gradients
 * are derived from changes, and `recreateTransformersOnRebuild` hands tapeless each new
 * program (without it tapeless would read `f` from the first one, and stops the build
 * saying so).
 */
export function tapelessTransformers(options: TapelessTransformersOptions = {}): { before: ProgramTransformer[] } {
  const tsApi = options.typescript
    ? checkTypeScript(options.typescript, 'given to tapelessTransformers', ON_TYPESCRIPT_7)
    : loadProjectTypeScript(process.cwd(), ON_TYPESCRIPT_7);
  let started = false;
  const factory = (first: ts.Program, latestProgram?: () => ts.Program): ts.TransformerFactory<ts.SourceFile> => {
    checkSameTypeScript(tsApi, first, SAME_TYPESCRIPT);
    if (!started) refuseCachedGradients(tsApi, first);
    started = true;
    const transformers = new WeakMap<ts.Program, ts.TransformerFactory<ts.SourceFile>>();
    transformers.set(first, transformerOf(tsApi, first));
    return (context) => {
      const program = latestProgram?.() ?? first;
      let transformer = transformers.get(program);
      if (!transformer) transformers.set(program, (transformer = transformerOf(tsApi, program)));
      return transformer(context);
    };
  };
  return { before: [{ type: 'program', factory }] };
}

/**
 * With `incremental` or `composite`, the plugin starts from the previous run's .tsbuildinfo
 * and serves what its builder does not re-emit from its cache (.rollup.cache): gradients
 * generated from another file's old code among them. Its builder decides before tapeless
 * sees the program, so such a build stops here.
 */
function refuseCachedGradients(tsApi: typeof ts, program: ts.Program): void {
  const options = program.getCompilerOptions();
  if (!options.incremental && !options.composite) return;
  const relative = (file: ts.SourceFile) => path.relative(program.getCurrentDirectory(), file.fileName);
  for (const file of filesUsingTapeless(program)) {
    const others = derivedFromOthers(tsApi, program, file);
    if (others.length === 0) continue;
    const message =
      `tapeless: the gradients in ${relative(file)} are generated from ${others.map(relative).join(', ')}; with ${options.composite ? 'composite' : 'incremental'}, ` +
      '@rollup/plugin-typescript starts from the previous run and serves the files it does not re-emit from its cache, where they would be stale. ' +
      'Give the plugin `compilerOptions: { incremental: false, composite: false }`.';
    throw new TapelessBuildError(message, program, { file: file.fileName, line: 1, column: 0 });
  }
}

/** The tapeless transformer of one program, with the checks and error reporting of this host. */
function transformerOf(tsApi: typeof ts, program: ts.Program): ts.TransformerFactory<ts.SourceFile> {
  const diagnostics: ts.Diagnostic[] = [];
  let sources: readonly ts.SourceFile[] = [];
  const transformer = createTransformer(tsApi, program, {
    report: (diagnostic) => diagnostics.push(diagnostic),
    onDerivedFrom: (file, derivedFrom) => {
      sources = derivedFrom;
      followDerivation(tsApi, file, derivedFrom);
    },
  });
  const rebuildDiagnostics = reportThroughEmit(program);
  const relative = (file: ts.SourceFile) => path.relative(program.getCurrentDirectory(), file.fileName);
  return (context) => {
    const transform = transformer(context);
    return (file) => {
      diagnostics.length = 0;
      sources = [];
      const result = transform(file);
      const changed = sources.find((source) => source !== file && tsApi.sys.readFile(source.fileName) !== source.text);
      if (changed) {
        const message =
          `tapeless: ${relative(file)} was compiled against an old copy of ${relative(changed)}, which its generated code is derived from: ` +
          'in watch mode, give @rollup/plugin-typescript (12.3 or later) the option `recreateTransformersOnRebuild: true`, so that it hands tapeless the current program.';
        throw new TapelessBuildError(message, program, { file: file.fileName, line: 1, column: 0 });
      }
      const location = diagnostics.length > 0 ? diagnosticLocation(diagnostics[0]) : undefined;
      if (location && inWatchRebuild()) rebuildDiagnostics.push(...diagnostics);
      else if (location) throw new TapelessBuildError(formatDiagnostics(tsApi, diagnostics, program.getCurrentDirectory()), program, location);
      return result;
    };
  };
}

/**
 * Whether TypeScript runs this emit from a timer: the plugin's watch program rebuilds there,
 * outside any Rollup hook, where an exception would end the watch process (`Uncaught
 * TapelessBuildError`) instead of failing one build.
 */
function inWatchRebuild(): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Infinity;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return /\blistOnTimeout\b/.test(stack);
}

/**
 * Diagnostics pushed into the returned list join the result of the program's emit, which
 * the plugin prints, as it prints TypeScript's own errors in watch mode: `(!) [plugin
 * typescript] src/cross.ts (3:34): … TS91002: tapeless: …`. The failed call throws when it runs.
 */
function reportThroughEmit(program: ts.Program): ts.Diagnostic[] {
  const pending: ts.Diagnostic[] = [];
  const emit = program.emit;
  program.emit = (...args) => {
    const result = emit.apply(program, args);
    return pending.length === 0 ? result : { ...result, diagnostics: [...result.diagnostics, ...pending.splice(0)] };
  };
  return pending;
}
