import * as path from 'path';
import type * as ts from 'typescript';
import { diagnosticLocation, formatDiagnostics } from '../diagnostics';
import { createTransformer } from '../transform';
import { followDerivation } from './builder-versions';
import { loadTypeScript } from './load-typescript';

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

/** An error of the build, with the location rollup prints. */
class TapelessBuildError extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly loc: { file: string; line: number; column: number },
  ) {
    super(message);
    this.name = 'TapelessBuildError';
  }
}

/**
 * For @rollup/plugin-typescript:
 * `typescript({ transformers: tapelessTransformers(), recreateTransformersOnRebuild: true })`.
 * The plugin only warns about TypeScript diagnostics unless `noEmitOnError` is set, so a
 * file with tapeless diagnostics fails the build with an error that carries all of them.
 * In watch mode the plugin's TypeScript watch program re-emits only what its builder
 * thinks changed: followDerivation makes it re-emit a file when one its gradients were
 * derived from changes, and `recreateTransformersOnRebuild` hands tapeless the new program
 * (without it, tapeless would read `f` from the first program, and says so).
 */
export function tapelessTransformers(options: TapelessTransformersOptions = {}): { before: ProgramTransformer[] } {
  const tsApi = options.typescript ?? loadTypeScript();
  const factory = (first: ts.Program, latestProgram?: () => ts.Program): ts.TransformerFactory<ts.SourceFile> => {
    const diagnostics: ts.Diagnostic[] = [];
    let sources: readonly ts.SourceFile[] = [];
    const transformers = new WeakMap<ts.Program, ts.TransformerFactory<ts.SourceFile>>();
    const transformerOf = (program: ts.Program) => {
      let transformer = transformers.get(program);
      if (!transformer) {
        transformer = createTransformer(tsApi, program, {
          report: (diagnostic) => diagnostics.push(diagnostic),
          onDerivedFrom: (file, derivedFrom) => {
            sources = derivedFrom;
            followDerivation(tsApi, file, derivedFrom);
          },
        });
        transformers.set(program, transformer);
      }
      return transformer;
    };
    return (context) => {
      const program = latestProgram?.() ?? first;
      const transform = transformerOf(program)(context);
      return (file) => {
        diagnostics.length = 0;
        sources = [];
        const result = transform(file);
        const location = diagnostics.length > 0 ? diagnosticLocation(diagnostics[0]) : undefined;
        if (location) throw new TapelessBuildError(formatDiagnostics(tsApi, diagnostics, program.getCurrentDirectory()), location.file, location);
        const changed = sources.find((source) => source !== file && tsApi.sys.readFile(source.fileName) !== source.text);
        if (changed) {
          const message =
            `tapeless: ${path.relative(program.getCurrentDirectory(), file.fileName)} was compiled against an old copy of ${path.relative(program.getCurrentDirectory(), changed.fileName)}, ` +
            'which its generated code is derived from: in watch mode, give @rollup/plugin-typescript (12.3 or later) the option `recreateTransformersOnRebuild: true`, so that it hands tapeless the current program.';
          throw new TapelessBuildError(message, file.fileName, { file: file.fileName, line: 1, column: 0 });
        }
        return result;
      };
    };
  };
  return { before: [{ type: 'program', factory }] };
}
