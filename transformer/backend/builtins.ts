import type * as ts from 'typescript';
import type { Shape } from '../ir/shapes';
import type { Syntax } from './syntax';

// Expressions emit spells out in full where the IR has one operation: a zero gradient of a
// shape, and the order of a sort.

/** A zero gradient of `shape`, sized like `value`. */
export function zeros(syntax: Syntax, shape: Shape, value: ts.Expression): ts.Expression {
  const { factory } = syntax;
  switch (shape.kind) {
    case 'number':
      return syntax.number(0);
    case 'array': {
      const length = factory.createPropertyAccessExpression(value, 'length');
      if (shape.container !== 'Array') return factory.createNewExpression(factory.createIdentifier(shape.container), undefined, [length]);
      if (shape.element.kind === 'number') {
        const array = factory.createNewExpression(factory.createIdentifier('Array'), undefined, [length]);
        return factory.createCallExpression(factory.createPropertyAccessExpression(array, 'fill'), undefined, [syntax.number(0)]);
      }
      const element = factory.createUniqueName('element');
      const parameter = factory.createParameterDeclaration(undefined, undefined, element);
      const each = factory.createArrowFunction(undefined, undefined, [parameter], undefined, undefined, zeros(syntax, shape.element, element));
      return factory.createCallExpression(factory.createPropertyAccessExpression(value, 'map'), undefined, [each]);
    }
    case 'object':
      return factory.createObjectLiteralExpression(
        shape.fields.map((field) =>
          factory.createPropertyAssignment(field.name, zeros(syntax, field.shape, factory.createPropertyAccessExpression(value, field.name))),
        ),
        shape.fields.length > 2,
      );
  }
}

/**
 * `Array.from(values, (_, k) => k).sort((i, j) => values[i] - values[j])`: the indices of
 * `values` in sorted order. The comparator gives the results the user's comparator gives on
 * the values (`a - b`, `b - a`, or a typed array's own numeric order: -0 before +0, NaN
 * last), so the stable sort moves the values exactly as the user's sort does.
 */
export function sortOrder(syntax: Syntax, values: ts.Expression, order: 'ascending' | 'descending' | 'numeric'): ts.Expression {
  const { factory, ts } = syntax;
  const parameter = (name: ts.Identifier) => factory.createParameterDeclaration(undefined, undefined, name);
  const [blank, k, i, j, x, y] = ['_', 'k', 'i', 'j', 'x', 'y'].map((name) => factory.createUniqueName(name));
  const indices = factory.createCallExpression(factory.createPropertyAccessExpression(factory.createIdentifier('Array'), 'from'), undefined, [
    values,
    factory.createArrowFunction(undefined, undefined, [parameter(blank), parameter(k)], undefined, undefined, k),
  ]);
  const at = (index: ts.Identifier) => factory.createElementAccessExpression(values, index);
  let body: ts.ConciseBody;
  if (order === 'numeric') {
    const number = (value: number) => syntax.number(value);
    const is = (a: ts.Expression, b: ts.Expression) =>
      factory.createCallExpression(factory.createPropertyAccessExpression(factory.createIdentifier('Object'), 'is'), undefined, [a, b]);
    const compare = (a: ts.Expression, token: ts.BinaryOperator, b: ts.Expression) => factory.createBinaryExpression(a, token, b);
    const choose = (condition: ts.Expression, whenTrue: ts.Expression, whenFalse: ts.Expression) =>
      factory.createConditionalExpression(condition, undefined, whenTrue, undefined, whenFalse);
    const k_ = ts.SyntaxKind;
    // x < y, x > y; equal: -0 before +0; then NaN after every number.
    const result = choose(
      compare(x, k_.LessThanToken, y),
      number(-1),
      choose(
        compare(x, k_.GreaterThanToken, y),
        number(1),
        choose(
          compare(x, k_.EqualsEqualsEqualsToken, y),
          choose(is(x, y), number(0), choose(is(x, number(-0)), number(-1), number(1))),
          choose(compare(x, k_.EqualsEqualsEqualsToken, x), number(-1), choose(compare(y, k_.EqualsEqualsEqualsToken, y), number(1), number(0))),
        ),
      ),
    );
    body = factory.createBlock([syntax.declare(x, at(i), true), syntax.declare(y, at(j), true), factory.createReturnStatement(result)], false);
  } else {
    body =
      order === 'ascending'
        ? factory.createBinaryExpression(at(i), ts.SyntaxKind.MinusToken, at(j))
        : factory.createBinaryExpression(at(j), ts.SyntaxKind.MinusToken, at(i));
  }
  const comparator = factory.createArrowFunction(undefined, undefined, [parameter(i), parameter(j)], undefined, undefined, body);
  return factory.createCallExpression(factory.createPropertyAccessExpression(indices, 'sort'), undefined, [comparator]);
}
