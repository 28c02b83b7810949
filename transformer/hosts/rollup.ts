import type * as ts from 'typescript';
import { diagnosticLocation, formatDiagnostics } from '../driver/diagnostics';
import { createTransformer } from '../transform';
import { loadTypeScript } from './load-typescript';

export interface TapelessTransformersOptions {
  /** The TypeScript that @rollup/plugin-typescript uses, when it is given its own `typescript`. */
  readonly typescript?: typeof ts;
}

/** A transformer factory of the kind @rollup/plugin-typescript calls with the program. */
interface ProgramTransformer {
  readonly type: 'program';
  readonly factory: (program: ts.Program) => ts.TransformerFactory<ts.SourceFile>;
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
 * For @rollup/plugin-typescript: `typescript({ transformers: tapelessTransformers() })`.
 * The plugin only warns about TypeScript diagnostics unless `noEmitOnError` is set, so a
 * file with tapeless diagnostics fails the build with an error that carries all of them.
 */
export function tapelessTransformers(options: TapelessTransformersOptions = {}): { before: ProgramTransformer[] } {
  const tsApi = options.typescript ?? loadTypeScript();
  const factory = (program: ts.Program): ts.TransformerFactory<ts.SourceFile> => {
    const diagnostics: ts.Diagnostic[] = [];
    const transformer = createTransformer(tsApi, program, { report: (diagnostic) => diagnostics.push(diagnostic) });
    return (context) => {
      const transform = transformer(context);
      return (file) => {
        diagnostics.length = 0;
        const result = transform(file);
        const location = diagnostics.length > 0 ? diagnosticLocation(diagnostics[0]) : undefined;
        if (location) throw new TapelessBuildError(formatDiagnostics(tsApi, diagnostics, program.getCurrentDirectory()), location.file, location);
        return result;
      };
    };
  };
  return { before: [{ type: 'program', factory }] };
}
