import type * as ts from 'typescript';
import { createTransformer } from '../transform';

/** What ts-patch passes to a program-aware transformer (its `TransformerExtras`). */
interface TsPatchExtras {
  readonly ts: typeof ts;
  readonly addDiagnostic: (diagnostic: ts.Diagnostic) => unknown;
}

/**
 * The ts-patch entry point, for tspc: in tsconfig,
 * `"plugins": [{ "transform": "tapeless/transformer" }]`.
 * Uses the TypeScript that ts-patch runs, and reports through its diagnostics, so tspc
 * prints them like type errors and exits non-zero.
 */
export default function tapelessTransformer(program: ts.Program, _config: unknown, extras: TsPatchExtras): ts.TransformerFactory<ts.SourceFile> {
  return createTransformer(extras.ts, program, { report: (diagnostic) => extras.addDiagnostic(diagnostic) });
}
