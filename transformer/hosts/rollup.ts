import type * as ts from 'typescript';
import { diagnosticLocation, formatDiagnostics } from '../driver/diagnostics';
import { createTransformer } from '../transform';
import { checkSameTypeScript, checkTypeScript, loadProjectTypeScript } from './load-typescript';

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

/** What to do where tapeless is given TypeScript 7: @rollup/plugin-typescript cannot run on it either. */
const ON_TYPESCRIPT_7 =
  "make the project's 'typescript', which @rollup/plugin-typescript compiles with, TypeScript 6, and keep TypeScript 7 beside it for type checking: npm install --save-dev typescript@6 typescript-7@npm:typescript@7.";
const SAME_TYPESCRIPT = 'Give @rollup/plugin-typescript and tapeless the same one: typescript({ typescript: ts, transformers: tapelessTransformers({ typescript: ts }) }).';

/**
 * For @rollup/plugin-typescript: `typescript({ transformers: tapelessTransformers() })`.
 * The plugin only warns about TypeScript diagnostics unless `noEmitOnError` is set, so a
 * file with tapeless diagnostics fails the build with an error that carries all of them.
 */
export function tapelessTransformers(options: TapelessTransformersOptions = {}): { before: ProgramTransformer[] } {
  const tsApi = options.typescript ? checkTypeScript(options.typescript, 'given to tapelessTransformers', ON_TYPESCRIPT_7) : loadProjectTypeScript(process.cwd(), ON_TYPESCRIPT_7);
  const factory = (program: ts.Program): ts.TransformerFactory<ts.SourceFile> => {
    checkSameTypeScript(tsApi, program, SAME_TYPESCRIPT);
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
