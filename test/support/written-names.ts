// Diagnostics must speak of what the user wrote: the code a message quotes ('c ? a[i] : b[i]',
// 'const k = pts.findIndex(…)') may declare names of its own, and read names of JavaScript and
// of tapeless, but every other name it reads must be one of the user's, never a placeholder of
// the transformer ('xs', 'result', 't_3').
import ts from 'typescript';

/** Names a suggestion may read that the user need not have written. */
const KNOWN = new Set([
  ...['Math', 'Array', 'Float64Array', 'Float32Array', 'Number', 'Object', 'Error', 'Date', 'JSON', 'console', 'undefined', 'NaN', 'Infinity'],
  ...['isNaN', 'isFinite', 'eval', 'super', 'let', 'wrt'],
  ...['grad', 'valueAndGrad', 'derivative', 'jvp', 'vjp', 'hvp', 'jacobian', 'hessian', 'stopGradient', 'withDerivative'],
  ...['number', 'string', 'boolean', 'any', 'never', 'unknown', 'object', 'symbol', 'bigint', 'void'],
]);

/** The code a message quotes: spans in single quotes that parse as TypeScript. */
function quotedCode(message: string): string[] {
  return [...message.matchAll(/(?<![\w$])'([^']+)'(?![\w$])/g)].map((match) => match[1]);
}

/** Names `code` reads without declaring them itself (property names and object keys are not reads). */
function readNames(code: string): string[] | undefined {
  // '…' stands for code left out: a name the user's code supplies.
  const file = ts.createSourceFile('quoted.ts', code.replace(/…/g, ' __ '), ts.ScriptTarget.ES2022, true);
  if ((file as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length > 0) return undefined;
  const declared = new Set<string>(['__']);
  const read: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const isDeclaration =
        ((ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isBindingElement(parent) || ts.isFunctionDeclaration(parent)) &&
          parent.name === node) ||
        (ts.isBindingElement(parent) && parent.propertyName === node);
      const isKey =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node) ||
        ts.isLabeledStatement(parent);
      if (isDeclaration) declared.add(node.text);
      else if (!isKey) read.push(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return read.filter((name) => !declared.has(name));
}

/**
 * The names `message` quotes that appear nowhere in `sources` (placeholders of the
 * transformer), and the generated names (`t_3`, `x_bar`) it contains anywhere.
 */
export function unwrittenNames(message: string, sources: readonly string[]): string[] {
  const text = sources.join('\n');
  const written = (name: string) => new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(text);
  const generated = [...message.matchAll(/\b[A-Za-z]\w*_(?:\d+|bar|dot)\b/g)].map((match) => match[0]).filter((name) => !written(name));
  const quoted = quotedCode(message).flatMap((code) => readNames(code) ?? []);
  return [...new Set([...generated, ...quoted.filter((name) => !KNOWN.has(name) && !written(name))])];
}
