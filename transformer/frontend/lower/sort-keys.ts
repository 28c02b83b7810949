// What a sort's comparator compares: `(a, b) => a - b` sorts the entries ascending, `b - a`
// descending, and `(a, b) => key(a) - key(b)` (the same expression of each parameter) by a key
// (`(i, j) => xs[i] - xs[j]` sorts indices by xs: an argsort). The keys are computed once per
// entry and a permutation sorts them with the same comparator results as the user's sort, so
// the sorted values, and their derivatives, are exactly the user's.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import type { Operand } from '../../ir/ir';
import type { Lowering } from './lowering';
import type { Container } from './arrays';
import { expression } from './expressions';
import { takes } from './array-methods';
import { skipParentheses } from '../type-syntax';

export interface SortKeys {
  /** `numeric`: a typed array's own order (sort() without a comparator): -0 before +0, NaN last. */
  readonly order: 'ascending' | 'descending' | 'numeric';
  /** The key of an entry, where the comparator compares keys rather than the entries themselves. */
  readonly key?: (element: Operand) => Operand;
}

export function sortKeys(lx: Lowering, node: ts.CallExpression, container: Container): SortKeys {
  const { ts } = lx;
  takes(lx, node, 'sort', 0, 1, 'a comparator');
  const [comparator] = node.arguments;
  if (!comparator) {
    if (container !== 'Array') return { order: 'numeric' };
    return fail(node, Code.Unsupported, 'sort() without a comparator sorts numbers as strings ([10, 9, 1].sort() is [1, 10, 9]): write sort((a, b) => a - b).');
  }
  if (!(ts.isArrowFunction(comparator) || ts.isFunctionExpression(comparator)))
    return fail(
      comparator,
      Code.Unsupported,
      `the comparator of sort must be written in place: tapeless differentiates sorts with comparators of the form '(a, b) => a - b' (ascending), '(a, b) => b - a' (descending), or the same expression of each ('(a, b) => Math.abs(a) - Math.abs(b)', or an argsort's '(i, j) => …[i] - …[j]').`,
    );
  const [first, second] = comparator.parameters;
  const body = returned(lx, comparator);
  const difference = body && skipParentheses(ts, body);
  if (
    !first ||
    !second ||
    comparator.parameters.length > 2 ||
    !ts.isIdentifier(first.name) ||
    !ts.isIdentifier(second.name) ||
    !difference ||
    !ts.isBinaryExpression(difference) ||
    difference.operatorToken.kind !== ts.SyntaxKind.MinusToken
  ) {
    return fail(
      comparator,
      Code.Unsupported,
      `tapeless differentiates sorts with comparators of the form '(a, b) => a - b' (ascending), '(a, b) => b - a' (descending), or the same expression of each ('(a, b) => Math.abs(a) - Math.abs(b)', or an argsort's '(i, j) => …[i] - …[j]'): compute the keys this comparator compares into an array, and sort by it.`,
    );
  }
  const checker = lx.env.checker!;
  const a = checker.getSymbolAtLocation(first.name)!;
  const b = checker.getSymbolAtLocation(second.name)!;
  const left = skipParentheses(ts, difference.left);
  const right = skipParentheses(ts, difference.right);
  const ascending = mirrors(lx, left, right, a, b);
  if (!ascending && !mirrors(lx, right, left, a, b)) {
    return fail(
      comparator,
      Code.Unsupported,
      `tapeless differentiates sorts with comparators of the form '(a, b) => a - b' (ascending), '(a, b) => b - a' (descending), or the same expression of each ('(a, b) => Math.abs(a) - Math.abs(b)', or an argsort's '(i, j) => …[i] - …[j]'): compute the keys this comparator compares into an array, and sort by it.`,
    );
  }
  // The key is the side written in terms of the first parameter.
  const keyNode = ascending ? left : right;
  const name = (first.name as ts.Identifier).text;
  if (ts.isIdentifier(keyNode) && keyNode.text === name) return { order: ascending ? 'ascending' : 'descending' };
  lx.requireNumber(keyNode, 'a sort compares numbers');
  const key = (element: Operand): Operand => {
    let value: Operand | undefined;
    lx.scoped(() => {
      lx.declare(name, element, false);
      value = expression(lx, keyNode);
    });
    return value!;
  };
  return { order: ascending ? 'ascending' : 'descending', key };
}

/** The expression a comparator returns: its body, or the single `return` of a block. */
function returned(lx: Lowering, fn: ts.ArrowFunction | ts.FunctionExpression): ts.Expression | undefined {
  const { ts } = lx;
  if (!ts.isBlock(fn.body)) return fn.body;
  const [only] = fn.body.statements;
  return fn.body.statements.length === 1 && ts.isReturnStatement(only) ? only.expression : undefined;
}

/**
 * Whether `x` is `y` with the parameter `b` in place of `a`: the same tree, with each
 * reference to `a` in x where y refers to `b`, and neither referring to the other parameter.
 * `x` must refer to `a` (a key that does not depend on the entry would compare nothing).
 */
function mirrors(lx: Lowering, x: ts.Node, y: ts.Node, a: ts.Symbol, b: ts.Symbol): boolean {
  const { ts } = lx;
  const checker = lx.env.checker!;
  let uses = 0;
  const same = (p: ts.Node, q: ts.Node): boolean => {
    if (p.kind !== q.kind) return false;
    if (ts.isIdentifier(p)) {
      const [sp, sq] = [checker.getSymbolAtLocation(p), checker.getSymbolAtLocation(q)];
      if (sp === a) {
        uses++;
        return sq === b;
      }
      return sp !== b && sq !== a && sq !== b && p.text === (q as ts.Identifier).text;
    }
    const [ps, qs] = [p.getChildren(), q.getChildren()];
    if (ps.length === 0) return qs.length === 0 && p.getText() === q.getText();
    return ps.length === qs.length && ps.every((child, k) => same(child, qs[k]));
  };
  return same(x, y) && uses > 0;
}
