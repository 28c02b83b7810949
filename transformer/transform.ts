import type * as ts from 'typescript';
import { loadDrivers } from './backend/drivers';
import { Code, toDiagnostic } from './driver/diagnostics';
import { FileTransform } from './driver/file-transform';
import { type RuleSet, loadRules } from './ops/rules';

export interface TransformOptions {
  /** Receives every diagnostic: hosts turn them into build errors. */
  readonly report: (diagnostic: ts.Diagnostic) => void;
  /**
   * How `grad` and `valueAndGrad` are computed: by reverse mode (the default), or by forward
   * mode, one pushforward per input number — the test suite's oracle for reverse mode.
   */
  readonly gradients?: 'reverse' | 'forward';
  /** Sees each generated function (the CLI prints them). */
  readonly onGenerated?: (generated: { readonly target: string; readonly api: string; readonly node: ts.Node; readonly file: ts.SourceFile }) => void;
  /**
   * Sees each API call rewritten, with the functions generated for it (also where an earlier
   * call generated them): the language service shows them on hover.
   */
  readonly onRewritten?: (rewritten: { readonly call: ts.CallExpression; readonly generated: readonly ts.Node[] }) => void;
  /**
   * Receives, for each file with API calls, the source files its generated code is derived
   * from (see derived-from.ts): hosts rebuild the file when one of them changes.
   */
  readonly onDerivedFrom?: (file: ts.SourceFile, sources: readonly ts.SourceFile[]) => void;
}

/**
 * The tapeless transform of one program, as a TypeScript `before` transformer: every
 * `grad(f)` / `valueAndGrad(f)` call becomes generated gradient code. Host-independent:
 * the hosts in ./hosts only adapt it.
 */
export function createTransformer(tsApi: typeof ts, program: ts.Program, options: TransformOptions): ts.TransformerFactory<ts.SourceFile> {
  let rules: RuleSet | undefined;
  const getRules = () => (rules ??= loadRules(tsApi));
  let drivers: ts.SourceFile | undefined;
  const getDrivers = () => (drivers ??= loadDrivers(tsApi));
  return (context) => (file) => {
    try {
      return new FileTransform(tsApi, program, context, file, getRules, getDrivers, options).run();
    } catch (error) {
      options.report(toDiagnostic(tsApi, file, Code.Internal, `internal error while transforming this file: ${(error as Error).message}. Please report it.`));
      return file;
    }
  };
}
