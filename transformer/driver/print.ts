import type * as ts from 'typescript';
import { createTransformer } from '../transform';

export interface Printed {
  /** The generated functions, each after a `// api(target)` line; empty where none were generated. */
  readonly text: string;
  readonly diagnostics: readonly ts.Diagnostic[];
}

/**
 * The code tapeless generates for `file` (`tapeless print`): every generated function, or
 * only those differentiating `only`, as the transform emits them.
 */
export function printGenerated(tsApi: typeof ts, program: ts.Program, file: ts.SourceFile, only?: string): Printed {
  const diagnostics: ts.Diagnostic[] = [];
  const printer = tsApi.createPrinter({ newLine: tsApi.NewLineKind.LineFeed });
  const printed: string[] = [];
  const transformer = createTransformer(tsApi, program, {
    report: (diagnostic) => diagnostics.push(diagnostic),
    onGenerated: ({ target, api, node, file: into }) => {
      if (!only || only === target) printed.push(`// ${api}(${target})\n${printer.printNode(tsApi.EmitHint.Unspecified, node, into)}\n`);
    },
  });
  tsApi.transform(file, [transformer], program.getCompilerOptions()).dispose();
  return { text: printed.join('\n'), diagnostics };
}
