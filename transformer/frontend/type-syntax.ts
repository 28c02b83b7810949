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
