import * as path from 'path';
import type * as ts from 'typescript';
import { checkFile, filesUsingTapeless } from '../driver/check';
import { Code } from '../driver/diagnostics';
import { createTransformer } from '../transform';
import { versionByDerivation } from './builder-versions';

/** What ts-patch passes to a source transformer (its `TransformerExtras`). */
interface TsPatchExtras {
  readonly ts: typeof ts;
  readonly addDiagnostic: (diagnostic: ts.Diagnostic) => unknown;
}

/** What ts-patch passes to a program transformer (`"transformProgram": true`). */
interface TsPatchProgramExtras {
  readonly ts: typeof ts;
}

/** Programs whose emit runs tapeless through the program transformer. */
const transformedPrograms = new WeakSet<ts.Program>();

/**
 * The ts-patch entry point, for tspc: in tsconfig,
 * `"plugins": [{ "transform": "tapeless/transformer", "transformProgram": true }]`.
 * Uses the TypeScript that ts-patch runs, and reports like type errors, so tspc prints
 * them and exits non-zero.
 *
 * As a program transformer (ts-patch calls it on every program tsc creates, before tsc's
 * builder compares the files with the previous build) it makes watch mode, --incremental
 * and -b re-emit a file whose generated code is derived from a file that changed, runs
 * the transform in the program's emit, and reports tapeless's errors as semantic errors
 * under --noEmit. The older entry without `transformProgram` is a plain source
 * transformer: right in one-shot builds, an error where tsc reuses a previous build.
 */
function tapelessTransformer(program: ts.Program, config: unknown, extras: TsPatchExtras): ts.TransformerFactory<ts.SourceFile>;
function tapelessTransformer(program: ts.Program, host: ts.CompilerHost, config: unknown, extras: TsPatchProgramExtras): ts.Program;
function tapelessTransformer(
  program: ts.Program,
  second: unknown,
  third: unknown,
  fourth?: TsPatchProgramExtras,
): ts.TransformerFactory<ts.SourceFile> | ts.Program {
  if (typeof (third as Partial<TsPatchExtras> | undefined)?.addDiagnostic === 'function') return sourceTransformer(program, third as TsPatchExtras);
  return transformProgram(fourth!.ts, program);
}

export default tapelessTransformer;

function transformProgram(tsApi: typeof ts, program: ts.Program): ts.Program {
  versionByDerivation(tsApi, program);
  transformedPrograms.add(program);
  // One transformer per program (it loads the rules once); each emit collects its own diagnostics.
  let diagnostics: ts.Diagnostic[] = [];
  const transformer = createTransformer(tsApi, program, { report: (diagnostic) => diagnostics.push(diagnostic) });
  const emit = program.emit;
  program.emit = (targetSourceFile, writeFile, cancellationToken, emitOnlyDtsFiles, customTransformers, ...internal: unknown[]) => {
    if (emitOnlyDtsFiles)
      return (emit as (...args: unknown[]) => ts.EmitResult).call(
        program,
        targetSourceFile,
        writeFile,
        cancellationToken,
        emitOnlyDtsFiles,
        customTransformers,
        ...internal,
      );
    diagnostics = [];
    const transformers = { ...customTransformers, before: [transformer, ...(customTransformers?.before ?? [])] };
    const result = (emit as (...args: unknown[]) => ts.EmitResult).call(
      program,
      targetSourceFile,
      writeFile,
      cancellationToken,
      emitOnlyDtsFiles,
      transformers,
      ...internal,
    );
    return diagnostics.length === 0 ? result : { ...result, diagnostics: [...result.diagnostics, ...diagnostics] };
  };
  if (program.getCompilerOptions().noEmit) reportWithoutEmit(tsApi, program);
  return program;
}

/**
 * Under --noEmit nothing is transformed, so tapeless's diagnostics join the semantic ones:
 * `getSemanticDiagnostics` is what tsc asks, `getBindAndCheckDiagnostics` (internal) what
 * its builder (watch mode, --incremental) asks per file.
 */
function reportWithoutEmit(tsApi: typeof ts, program: ts.Program): void {
  const using = new Set(filesUsingTapeless(program));
  const checked = new Map<ts.SourceFile, readonly ts.Diagnostic[]>();
  const tapelessDiagnostics = (file: ts.SourceFile | undefined): readonly ts.Diagnostic[] =>
    (file ? [file] : [...using]).flatMap((each) => {
      if (!using.has(each)) return [];
      let found = checked.get(each);
      if (!found) checked.set(each, (found = checkFile(tsApi, program, each)));
      return found;
    });
  const withTapeless = program as unknown as Record<string, (file?: ts.SourceFile, token?: ts.CancellationToken) => readonly ts.Diagnostic[]>;
  for (const method of ['getSemanticDiagnostics', 'getBindAndCheckDiagnostics']) {
    const original = withTapeless[method];
    if (typeof original === 'function') withTapeless[method] = (file, token) => [...original.call(program, file, token), ...tapelessDiagnostics(file)];
  }
}

function sourceTransformer(program: ts.Program, extras: TsPatchExtras): ts.TransformerFactory<ts.SourceFile> {
  const tsApi = extras.ts;
  // Both entries configured: the program transformer does the work.
  if (transformedPrograms.has(program)) return () => (file) => file;
  if (program.getCompilerOptions().noEmit) for (const file of filesUsingTapeless(program)) checkFile(tsApi, program, file).forEach(extras.addDiagnostic);
  if (!reusesPreviousBuild(tsApi, program)) return createTransformer(tsApi, program, { report: extras.addDiagnostic });
  let warned = false;
  const onDerivedFrom = (file: ts.SourceFile, sources: readonly ts.SourceFile[]) => {
    const others = sources.filter((source) => source !== file);
    if (warned || others.length === 0) return;
    warned = true;
    const relative = (source: ts.SourceFile) => path.relative(program.getCurrentDirectory(), source.fileName);
    extras.addDiagnostic({
      file: undefined,
      start: undefined,
      length: undefined,
      category: tsApi.DiagnosticCategory.Error,
      code: Code.Setup,
      source: 'tapeless',
      messageText:
        `tapeless: the gradients in ${relative(file)} are generated from ${others.map(relative).join(', ')}, and this build reuses a previous one (watch mode, or an incremental or composite project), ` +
        `which re-emits ${relative(file)} only when its own text changes: its gradients would go stale. ` +
        'Add "transformProgram": true to tapeless\'s entry in tsconfig: "plugins": [{ "transform": "tapeless/transformer", "transformProgram": true }].',
    });
  };
  return createTransformer(tsApi, program, { report: extras.addDiagnostic, onDerivedFrom });
}

/**
 * tsc -w, or an incremental or composite project (also under -b, which rebuilds other
 * projects whole): a file is re-emitted only when tsc's builder thinks it changed.
 */
function reusesPreviousBuild(tsApi: typeof ts, program: ts.Program): boolean {
  const options = program.getCompilerOptions();
  return Boolean(options.incremental || options.composite) || tsApi.sys.args.some((arg) => arg === '-w' || arg === '--watch');
}
