// Syntax that changes a type and never a value: readers of the user's code look through it.
import type * as ts from 'typescript';

/** The expression inside parentheses: `((x))` is `x`. */
export function skipParentheses(tsApi: typeof ts, node: ts.Expression): ts.Expression {
  while (tsApi.isParenthesizedExpression(node)) node = node.expression;
  return node;
}

/** The expression inside parentheses, `as`, `!` and `satisfies`: `(xs as number[])!` is `xs`. */
export function skipTypeSyntax(tsApi: typeof ts, node: ts.Expression): ts.Expression {
  while (tsApi.isParenthesizedExpression(node) || tsApi.isAsExpression(node) || tsApi.isNonNullExpression(node) || tsApi.isSatisfiesExpression(node))
    node = node.expression;
  return node;
}

/** The outermost expression around `node` made of parentheses, `as`, `!` and `satisfies`: `(xs as number[])!` for `xs` (skipTypeSyntax upwards). */
export function withTypeSyntax(tsApi: typeof ts, node: ts.Expression): ts.Expression {
  const wraps = (parent: ts.Node) =>
    tsApi.isParenthesizedExpression(parent) || tsApi.isAsExpression(parent) || tsApi.isNonNullExpression(parent) || tsApi.isSatisfiesExpression(parent);
  while (wraps(node.parent)) node = node.parent as ts.Expression;
  return node;
}
