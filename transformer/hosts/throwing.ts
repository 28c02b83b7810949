import type * as ts from 'typescript';
import { formatDiagnostics } from '../driver/diagnostics';
import { createTransformer, type TransformOptions } from '../transform';

/**
 * The transformer of one program for hosts that compile file by file inside a loader and fail
 * a file by an exception (ts-jest, ts-node, ts-loader): tapeless's diagnostics of a file, as
 * tsc prints them, become one error thrown from its emit, made by `toError`.
 */
export function throwingTransformer(
  tsApi: typeof ts,
  program: ts.Program,
  toError: (message: string, diagnostics: readonly ts.Diagnostic[]) => Error,
  options: Omit<TransformOptions, 'report'> = {},
): ts.TransformerFactory<ts.SourceFile> {
  let diagnostics: ts.Diagnostic[] = [];
  const transformer = createTransformer(tsApi, program, { ...options, report: (diagnostic) => diagnostics.push(diagnostic) });
  return (context) => {
    const transform = transformer(context);
    return (file) => {
      diagnostics = [];
      const result = transform(file);
      if (diagnostics.length > 0) throw toError(formatDiagnostics(tsApi, diagnostics, process.cwd()), diagnostics);
      return result;
    };
  };
}

/** An error that prints as its message alone: the located diagnostics say where, a stack trace into tapeless would not. */
export class TapelessCompileError extends Error {
  constructor(message: string) {
    super(message.trimEnd());
    this.name = 'TapelessCompileError';
    this.stack = `${this.name}: ${this.message}`;
  }
}
