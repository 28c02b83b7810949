import type * as ts from 'typescript';
import { API_NAMES } from '../frontend/requests';
import { createTransformer } from '../transform';

// A file that calls tapeless names it (its import does) or one of its functions.
const MENTIONS_API = new RegExp(`\\b(tapeless|${API_NAMES.join('|')})\\b`);

/** The user's files that may call tapeless: a cheap test on the text, before the checker. */
export function filesUsingTapeless(program: ts.Program): ts.SourceFile[] {
  return program
    .getSourceFiles()
    .filter(
      (file) =>
        !file.isDeclarationFile && !program.isSourceFileFromExternalLibrary(file) && !program.isSourceFileDefaultLibrary(file) && MENTIONS_API.test(file.text),
    );
}

/**
 * Every tapeless diagnostic of `file`: the transform run for its diagnostics alone, for
 * builds that emit nothing (`tspc --noEmit`, `tapeless check`).
 */
export function checkFile(tsApi: typeof ts, program: ts.Program, file: ts.SourceFile): ts.Diagnostic[] {
  const diagnostics: ts.Diagnostic[] = [];
  const transformer = createTransformer(tsApi, program, { report: (diagnostic) => diagnostics.push(diagnostic) });
  tsApi.transform(file, [transformer], program.getCompilerOptions()).dispose();
  return diagnostics;
}
