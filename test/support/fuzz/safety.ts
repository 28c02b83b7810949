// Safety of emitted code: no eval, no Function constructor, no `with`, no writes to
// undeclared variables, no new globals when run.
import * as vm from 'node:vm';
import ts from 'typescript';

/** Globals that emitted code (and the user code around it) may read. */
const KNOWN_GLOBALS = new Set([
  'Math',
  'Float64Array',
  'Float32Array',
  'Array',
  'Number',
  'NaN',
  'Infinity',
  'undefined',
  'Object',
  'Error',
  'RangeError',
  'TypeError',
  'isFinite',
  'isNaN',
  'console',
  'Symbol',
]);

const isAssignment = (kind: ts.SyntaxKind) => kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;

const K = ts.SyntaxKind;
/** Declarations whose `name` introduces a name. */
const DECLARING = new Set([
  K.VariableDeclaration,
  K.FunctionDeclaration,
  K.FunctionExpression,
  K.Parameter,
  K.ClassDeclaration,
  K.ClassExpression,
  K.BindingElement,
  K.ImportSpecifier,
  K.ImportClause,
  K.NamespaceImport,
  K.EnumDeclaration,
  K.ModuleDeclaration,
]);
/** Members and properties whose `name` is a key, not a variable. */
const KEYED = new Set([K.PropertyAssignment, K.MethodDeclaration, K.PropertyDeclaration, K.GetAccessor, K.SetAccessor, K.EnumMember]);

/** Whether `node` is the name a declaration introduces (or a statement's label). */
function isDeclarationName(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (parent.kind === K.LabeledStatement) return (parent as ts.LabeledStatement).label === node;
  return DECLARING.has(parent.kind) && (parent as { name?: ts.Node }).name === node;
}

/** Identifiers that are not variable references: property names, keys, labels, exports. */
function isReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  switch (parent.kind) {
    case K.PropertyAccessExpression:
      return (parent as ts.PropertyAccessExpression).name !== node;
    case K.BindingElement:
      if ((parent as ts.BindingElement).propertyName === node) return false;
      break;
    case K.BreakStatement:
    case K.ContinueStatement:
      return (parent as ts.BreakOrContinueStatement).label !== node;
    case K.ExportSpecifier:
    case K.ImportSpecifier:
      return false;
    default:
      if (KEYED.has(parent.kind) && (parent as { name?: ts.Node }).name === node) return false;
  }
  return !isDeclarationName(node);
}

/**
 * The unsafe constructs in emitted JavaScript: `eval`, `Function`, `with`, and reads or writes
 * of variables that are declared nowhere in the file and are not well-known globals.
 * Scopes are not modelled: a name declared anywhere in the file counts as declared.
 */
export function unsafeConstructs(js: string): string[] {
  const file = ts.createSourceFile('out.js', js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const declared = new Set<string>();
  const references: ts.Identifier[] = [];
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isWithStatement(node)) found.push(`'with' statement: ${node.getText().slice(0, 60)}`);
    if (ts.isIdentifier(node)) {
      if (isDeclarationName(node)) declared.add(node.text);
      else if (isReference(node)) references.push(node);
    }
    if (ts.isShorthandPropertyAssignment(node)) references.push(node.name);
    ts.forEachChild(node, visit);
  };
  visit(file);
  // Where a finding is: only computed for findings (most references are fine, and getText is not cheap).
  const where = (ref: ts.Identifier) => {
    let top: ts.Node = ref;
    while (top.parent && top.parent !== file) top = top.parent;
    const inside = ts.isFunctionDeclaration(top) && top.name ? ` (in function ${top.name.text})` : '';
    return `'${ref.parent.getText().slice(0, 60)}'${inside}`;
  };
  for (const ref of references) {
    if (ref.text === 'eval' || ref.text === 'Function') found.push(`${ref.text} in ${where(ref)}`);
    else if (!declared.has(ref.text) && !KNOWN_GLOBALS.has(ref.text)) {
      const parent = ref.parent;
      const written =
        (ts.isBinaryExpression(parent) && parent.left === ref && isAssignment(parent.operatorToken.kind)) ||
        ((ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) &&
          (parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken));
      found.push(`${written ? 'write to' : 'read of'} the undeclared '${ref.text}' in ${where(ref)}`);
    }
  }
  return found;
}

/**
 * Runs an emitted ES module (no imports) in a fresh vm context, calls `call(exports)`, and
 * returns the names of the global properties that appeared or changed.
 */
export function globalsCreated(js: string, call: (exports: Record<string, any>) => void): string[] {
  if (/^\s*import\s/m.test(js)) throw new Error('the emitted module still imports something');
  const context = vm.createContext({});
  const snapshot = () => new Map(Object.getOwnPropertyNames(context).map((name) => [name, (context as Record<string, unknown>)[name]]));
  const body = js
    .replace(/^export \{\};?$/gm, '')
    .replace(/^export (?=function|const|let|class)/gm, '')
    .replace(/\/\/# sourceMappingURL=.*$/m, '');
  const names = [...body.matchAll(/^(?:function|const|let|class) ([A-Za-z_$][\w$]*)/gm)].map((match) => match[1]);
  const before = snapshot();
  const exports = vm.runInContext(`(() => {\n"use strict";\n${body}\nreturn { ${names.join(', ')} };\n})()`, context) as Record<string, any>;
  call(exports);
  const after = snapshot();
  return [...after].filter(([name, value]) => !before.has(name) || before.get(name) !== value).map(([name]) => name);
}
