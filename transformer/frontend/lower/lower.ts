// TypeScript AST -> IR, the entry point: a function's parameters (and a method's `this`),
// its body, and what it returns. The rest of lowering is by concern in this folder (see its
// README).
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Func, type Param, type Result, UNSET, variable } from '../../ir/ir';
import { FALSE, type FunctionNode, type LowerEnv, Lowering } from './lowering';
import { expression } from './expressions';
import { destructure, statements } from './statements';

/** Lowers a function of numbers to the IR, or throws a located TapelessError. */
export function lowerFunction(fn: FunctionNode, env: LowerEnv, name: string): Func {
  const lx = new Lowering(env);
  const { ts } = lx;
  requireBody(lx, fn);
  const params = [...(ts.isMethodDeclaration(fn) ? [receiver(lx, fn)] : []), ...fn.parameters.map((param) => lowerParam(lx, param))];
  lx.returned = lx.hidden('returned', FALSE, true);
  lx.result = lx.hidden('result', undefined);
  let result: Result;
  if (ts.isBlock(fn.body)) {
    statements(lx, fn.body.statements);
    if (!lx.result.value || lx.result.value === UNSET) fail(fn, Code.BadTarget, "the function must end with 'return <number>' on every path.");
    result = lx.result.value;
  } else {
    result = returnValue(lx, fn.body);
  }
  return { name, params, body: lx.body, result, origin: fn };
}

export function requireBody(lx: Lowering, fn: FunctionNode): asserts fn is FunctionNode & { body: ts.ConciseBody } {
  if (!fn.body) fail(fn, Code.BadTarget, 'the function has no body to differentiate.');
  if (fn.asteriskToken) fail(fn, Code.Unsupported, 'generator functions cannot be differentiated.');
  if (lx.ts.getCombinedModifierFlags(fn) & lx.ts.ModifierFlags.Async) fail(fn, Code.Unsupported, 'async functions cannot be differentiated.');
}

export function requirePlainParam(lx: Lowering, param: ts.ParameterDeclaration): void {
  if (param.dotDotDotToken) fail(param, Code.Unsupported, 'rest parameters are not supported yet.');
  if (param.initializer) fail(param.initializer, Code.Unsupported, 'default parameter values are not supported yet.');
}

export function lowerParam(lx: Lowering, param: ts.ParameterDeclaration): Param {
  const { ts } = lx;
  requirePlainParam(lx, param);
  const name = ts.isIdentifier(param.name) ? lx.env.names.own(param.name.text) : lx.env.names.fresh('param');
  const shape = lx.shapeAt(param, false);
  const aggregate = shape && shape.kind !== 'number' ? shape : undefined;
  if (aggregate) lx.aggregates.add(name);
  destructure(lx, param.name, variable(name), true);
  return aggregate ? { name, origin: param, shape: aggregate } : { name, origin: param };
}

/** A method's `this`, its first parameter (`self`). */
export function receiver(lx: Lowering, fn: ts.MethodDeclaration): Param {
  const name = lx.env.names.fresh('self');
  const shape = lx.shapeAt(fn.parent, false);
  lx.scopes[lx.scopes.length - 1].set('#this', { value: variable(name), mutable: false, name: 'self' });
  if (shape && shape.kind !== 'number') {
    lx.aggregates.add(name);
    return { name, origin: fn, shape };
  }
  return { name, origin: fn };
}

export function returnValue(lx: Lowering, node: ts.Expression): Result {
  const { ts } = lx;
  let inner = node;
  while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
  if (lx.env.rule && ts.isArrayLiteralExpression(inner)) return inner.elements.map((element) => expression(lx, element));
  lx.requireResult(node);
  return expression(lx, node);
}

export { type FunctionNode, type LowerEnv, isNumberType } from './lowering';
