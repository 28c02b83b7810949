import type * as ts from 'typescript';

/** Diagnostic codes of tapeless, in a range TypeScript does not use. */
export const enum Code {
  Unsupported = 91001,
  BadOptions = 91002,
  BadTarget = 91003,
  BadType = 91004,
  OuterWrite = 91005,
  BadRule = 91006,
  Setup = 91007,
  Internal = 91099,
}

/** A located compile error: thrown while a request is processed, reported by the host. */
export class TapelessError extends Error {
  constructor(
    readonly node: ts.Node,
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}

export function fail(node: ts.Node, code: Code, message: string): never {
  throw new TapelessError(node, code, message);
}

export function toDiagnostic(tsApi: typeof ts, node: ts.Node, code: Code, message: string): ts.Diagnostic {
  const file = node.getSourceFile();
  const start = node.getStart(file);
  return {
    file,
    start,
    length: Math.max(node.getEnd() - start, 0),
    messageText: `tapeless: ${message}`,
    category: tsApi.DiagnosticCategory.Error,
    code,
    source: 'tapeless',
  };
}

/** `file.ts(line,col): error TS91001: message`, the way tsc prints diagnostics. */
export function formatDiagnostics(tsApi: typeof ts, diagnostics: readonly ts.Diagnostic[], cwd: string): string {
  return tsApi.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => cwd,
    getNewLine: () => '\n',
  });
}

/** Where a diagnostic points, 1-based line and 0-based column, as Rollup and Vite report it. */
export function diagnosticLocation(diagnostic: ts.Diagnostic): { file: string; line: number; column: number } | undefined {
  if (!diagnostic.file || diagnostic.start === undefined) return undefined;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return { file: diagnostic.file.fileName, line: line + 1, column: character };
}
