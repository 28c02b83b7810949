import type * as ts from 'typescript';
import { findApiCalls } from '../frontend/requests';
import { walk } from '../frontend/walk';

/**
 * The source files that the code generated for `roots` (a file's API calls) is derived
 * from: the files declaring whatever the calls name, followed from declaration to
 * declaration — the differentiated functions, the functions they call, the methods, rules,
 * constants and types those read, the imports and re-exports on the way. TypeScript's own
 * libraries and packages are left out. Hosts with watch modes and incremental builds
 * re-transform a file when one of these changes: a gradient generated from an old `f` is
 * a wrong gradient. This is a superset of what the transform reads (a whole class where
 * one method is called), so it costs a rebuild too many, never a stale one.
 */
export function derivedFrom(tsApi: typeof ts, program: ts.Program, roots: readonly ts.Node[]): ts.SourceFile[] {
  const checker = program.getTypeChecker();
  const files = new Set<ts.SourceFile>();
  // Declarations walked (or waiting to be): one under a walked node is walked with it.
  const walked = new Set<ts.Node>();
  const pending: ts.Node[] = [];
  const within = (node: ts.Node) => {
    for (let ancestor: ts.Node | undefined = node; ancestor; ancestor = ancestor.parent) if (walked.has(ancestor)) return true;
    return false;
  };
  const reach = (node: ts.Node) => {
    const file = node.getSourceFile();
    if (program.isSourceFileDefaultLibrary(file) || program.isSourceFileFromExternalLibrary(file)) return;
    files.add(file);
    if (within(node)) return;
    walked.add(node);
    pending.push(node);
  };
  const follow = (symbol: ts.Symbol | undefined) => {
    // An import or re-export: its own declaration, then the next one along the chain.
    for (let next = symbol; next; next = next.flags & tsApi.SymbolFlags.Alias ? checker.getImmediateAliasedSymbol(next) : undefined) {
      next.declarations?.forEach(reach);
    }
  };
  roots.forEach(reach);
  while (pending.length > 0) {
    const node = pending.pop()!;
    walk(tsApi, node, (child) => {
      if (child !== node && walked.has(child)) return 'skip';
      if (tsApi.isIdentifier(child)) {
        follow(checker.getSymbolAtLocation(child));
        // `{ x }` names the property, and reads the variable x.
        if (tsApi.isShorthandPropertyAssignment(child.parent)) follow(checker.getShorthandAssignmentValueSymbol(child.parent));
      }
      return undefined;
    });
  }
  return [...files];
}

/** The files other than `file` that the code generated for its API calls is derived from. */
export function derivedFromOthers(tsApi: typeof ts, program: ts.Program, file: ts.SourceFile): ts.SourceFile[] {
  const calls = findApiCalls(tsApi, program.getTypeChecker(), file).map(({ call }) => call);
  return derivedFrom(tsApi, program, calls).filter((source) => source !== file);
}
