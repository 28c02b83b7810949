// How diagnostics quote the user's code: what they suggest is written with the user's own
// names (the text of the nodes at hand), never with placeholders of the transformer.
import type * as ts from 'typescript';

/** The text of `node` as written, without comments, on one line; a long one is cut short with '…'. */
export function sourceText(node: ts.Node, max = 60): string {
  const text = node
    .getText()
    .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The first `a[i]` in `node`, as written (element accesses are the nodes with an argument expression). */
export function firstEntryRead(node: ts.Node): ts.ElementAccessExpression | undefined {
  if ('argumentExpression' in node && 'expression' in node) return node as ts.ElementAccessExpression;
  let found: ts.ElementAccessExpression | undefined;
  node.forEachChild((child) => {
    found ??= firstEntryRead(child);
  });
  return found;
}

/** Where `node` is, as editors show it: `main.ts:6:13` (the file's name, 1-based line and column). */
export function locationOf(node: ts.Node): string {
  const file = node.getSourceFile();
  const { line, character } = file.getLineAndCharacterOfPosition(node.getStart());
  return `${file.fileName.slice(file.fileName.lastIndexOf('/') + 1)}:${line + 1}:${character + 1}`;
}

/**
 * The fields the code under `root` names on the variable `name` (`o.a`, `o['b']`), in the
 * order it first names them, those a message can write as keys (`{ a: number; b: number }`).
 */
export function fieldsNamed(tsApi: typeof ts, root: ts.Node, name: string): string[] {
  const fields = new Set<string>();
  const collect = (node: ts.Node): void => {
    if (tsApi.isPropertyAccessExpression(node) && tsApi.isIdentifier(node.expression) && node.expression.text === name) fields.add(node.name.text);
    if (
      tsApi.isElementAccessExpression(node) &&
      tsApi.isIdentifier(node.expression) &&
      node.expression.text === name &&
      tsApi.isStringLiteralLike(node.argumentExpression)
    )
      fields.add(node.argumentExpression.text);
    tsApi.forEachChild(node, collect);
  };
  collect(root);
  return [...fields].filter((key) => /^[A-Za-z_$][\w$]*$/.test(key));
}
