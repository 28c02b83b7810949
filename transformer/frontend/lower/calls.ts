// Lowering of calls: Math functions, functions of the program (a call, or its body inlined
// where it writes into arrays, receives a local array, or returns an array or object).
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Callee, type Operand, UNSET, num, variable } from '../../ir/ir';
import { type MathFunction, mathArity } from '../../ops/registry';
import { type Lowering, type FunctionNode, FALSE, isNumberType } from './lowering';
import { arrayMethod, arrayOperand, load, newArray, push } from './arrays';
import { expression } from './expressions';
import { overArray } from './loops';
import { requireBody, requirePlainParam } from './lower';
import { destructure, statements } from './statements';
import { ARRAY_METHODS } from './arrays';

export function call(lx: Lowering, node: ts.CallExpression): Operand {
  const { ts } = lx;
  const callee = node.expression;
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && lx.isGlobal(callee.expression, 'Math')) {
    return mathCall(lx, node, callee.name.text);
  }
  const test = numberTest(lx, callee);
  if (test) {
    if (node.arguments.length !== 1) fail(node, Code.Unsupported, `${callee.getText()} takes one number here.`);
    lx.requireNumber(node.arguments[0], `${callee.getText()} tests numbers only`);
    return lx.op(test, [expression(lx, node.arguments[0])], node);
  }
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && lx.isGlobal(callee.expression, 'console')) {
    fail(node, Code.Unsupported, `'${callee.getText()}(…)' runs in differentiated code as a statement of its own (its value is undefined), not inside an expression.`);
  }
  for (const arg of node.arguments) if (ts.isSpreadElement(arg)) fail(arg, Code.Unsupported, 'spread arguments are supported in Math.max and Math.min only.');
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'push') return push(lx, node, callee);
  // new Array(n).fill(c)
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'fill' && ts.isNewExpression(callee.expression) && ts.isIdentifier(callee.expression.expression) && callee.expression.expression.text === 'Array' && callee.expression.arguments?.length === 1 && node.arguments.length === 1) {
    const length = expression(lx, callee.expression.arguments[0]);
    lx.requireNumber(node.arguments[0], 'local arrays hold numbers');
    const value = expression(lx, node.arguments[0]);
    if (value.kind === 'num') return newArray(lx, node, { op: 'newArray', args: [length, value] }, 'Array');
    // A value that may depend on the inputs is stored entry by entry, so that the gradient
    // of every entry flows back to it (the fill itself has derivative zero).
    const array = newArray(lx, node, { op: 'newArray', args: [length, num(0)] }, 'Array');
    overArray(lx, node, [], array, node, [], (index) => lx.store([array, index, value], node));
    return array;
  }
  if (ts.isPropertyAccessExpression(callee) && lx.env.checker && ARRAY_METHODS.includes(callee.name.text)) {
    const type = lx.env.checker.getTypeAtLocation(callee.expression);
    if (lx.env.checker.isArrayType(type) || lx.env.checker.isTupleType(type) || ['Float64Array', 'Float32Array'].includes(type.getSymbol()?.getName() ?? '')) {
      return arrayMethod(lx, node, callee.name.text, callee.expression);
    }
  }
  const api = lx.env.apiName(callee);
  if (api === 'stopGradient') {
    if (node.arguments.length !== 1) fail(node, Code.Unsupported, 'stopGradient takes exactly one argument.');
    return lx.op('stopGradient', [expression(lx, node.arguments[0])], node);
  }
  if (api) fail(node, Code.Unsupported, `${api}() inside a differentiated function is not supported yet.`);
  const target = lx.env.callee?.(node, lx.inlining[lx.inlining.length - 1]);
  if (target) {
    const receiver = target.method ? [expression(lx, (callee as ts.PropertyAccessExpression).expression)] : [];
    const args = [...receiver, ...node.arguments.map((arg) => expression(lx, arg))];
    // A helper returning an array or object is inlined too: its result is then a local
    // array or object literal of this function, read and differentiated like one.
    const returnsNumber = isNumberType(ts, lx.env.checker!.getTypeAtLocation(node));
    if (target.writes || !returnsNumber || args.some((arg) => lx.holdsLocal(arg))) return inlineCall(lx, node, target, args);
    const name = lx.env.names.fresh('t');
    lx.body.push({ kind: 'let', name, expr: { op: 'call', args, callee: target }, role: 'temp', origin: node });
    return variable(name);
  }
  const name = ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee) ? callee.getText() : 'this function';
  return fail(node, Code.Unsupported, `cannot differentiate the call to '${name}': tapeless differentiates calls to Math functions and to functions of the program written in TypeScript. Wrap a value that should be treated as a constant in stopGradient(...).`);
}

/**
 * `h(a, b)` where an argument is an array the function creates (or an object holding
 * one), or where h may write into what it is given: h's body is lowered in place, its
 * parameters bound to the arguments, so that its reads and writes of the array are the
 * function's own — recorded, replayed and differentiated like them — where a pullback
 * would see the array as it is at the end. h sees its own variables only, and its
 * `return` ends the inlined body. A write into an array the function did not create
 * stays a diagnostic, at the write.
 */
export function inlineCall(lx: Lowering, node: ts.CallExpression, callee: Callee, args: readonly Operand[]): Operand {
  const { ts } = lx;
  const fn = callee.target!.node as FunctionNode;
  if (lx.inlining.some((outer) => outer.key === callee.key)) {
    const why = callee.writes ? 'writes into the arrays it is given' : 'receives an array the differentiated function creates, or returns an array or object,';
    fail(node, Code.Unsupported, `'${callee.name}' ${why} and calls itself: its calls are inlined, which recursion does not allow. Write the recursion as a loop.`);
  }
  requireBody(lx, fn);
  const outer = { scopes: lx.scopes.splice(0), targets: lx.targets.splice(0), returned: lx.returned, result: lx.result };
  // The lengths of arrays grown by push stay in scope (under keys no identifier has): the helper may push.
  const own = new Map(outer.scopes.flatMap((scope) => [...scope].filter(([key]) => key.startsWith('#length '))));
  if (ts.isMethodDeclaration(fn)) own.set('#this', { value: args[0], mutable: false, name: 'self' });
  lx.scopes.push(own);
  lx.returned = lx.hidden('returned', FALSE, true);
  lx.result = lx.hidden('result', undefined);
  lx.inlining.push(callee);
  const self = ts.isMethodDeclaration(fn) ? 1 : 0;
  fn.parameters.forEach((param, k) => {
    requirePlainParam(lx, param);
    destructure(lx, param.name, args[self + k], true);
  });
  let value: Operand | undefined;
  if (ts.isBlock(fn.body)) {
    statements(lx, fn.body.statements);
    value = lx.result.value;
  } else {
    value = expression(lx, fn.body);
  }
  lx.inlining.pop();
  lx.scopes.splice(0, lx.scopes.length, ...outer.scopes);
  lx.targets.push(...outer.targets);
  lx.returned = outer.returned;
  lx.result = outer.result;
  return value ?? UNSET;
}

export function mathCall(lx: Lowering, node: ts.CallExpression, fn: string): Operand {
  const { ts } = lx;
  if ((fn === 'max' || fn === 'min') && node.arguments.some(ts.isSpreadElement)) return spreadExtremum(lx, node, fn);
  for (const arg of node.arguments) if (ts.isSpreadElement(arg)) fail(arg, Code.Unsupported, 'spread arguments are supported in Math.max and Math.min only.');
  const args = node.arguments.map((arg) => {
    lx.requireNumber(arg, `Math.${fn} needs number arguments`);
    return expression(lx, arg);
  });
  if (fn === 'random') {
    if (lx.depth > 0) fail(node, Code.Unsupported, 'Math.random() inside a branch or loop is not supported yet: draw the random numbers before it.');
    return lx.op('random', [], node);
  }
  const arity = mathArity(fn);
  if (arity === undefined) return fail(node.expression, Code.Unsupported, `Math.${fn} is not a differentiable Math function.`);
  // Math.hypot() is 0.
  if (arity === 'any') return args.length === 0 ? num(0) : lx.op(fn as MathFunction, args, node);
  if (arity === 'pairs') {
    // Nested pairs give exactly Math.max's value, and the first of tied arguments wins.
    if (args.length === 0) return num(fn === 'max' ? -Infinity : Infinity);
    return args.reduce((left, right) => lx.op(fn as MathFunction, [left, right], node));
  }
  if (args.length !== arity) fail(node, Code.Unsupported, `Math.${fn} takes ${arity} argument${arity > 1 ? 's' : ''} here, not ${args.length}.`);
  return lx.op(fn as MathFunction, args, node);
}

/** `Math.max(a, ...xs, b)`: pairs from left to right, with a loop over each spread array. */
export function spreadExtremum(lx: Lowering, node: ts.CallExpression, fn: 'max' | 'min'): Operand {
  const { ts } = lx;
  const extremum = lx.hidden(fn, num(fn === 'max' ? -Infinity : Infinity));
  for (const arg of node.arguments) {
    if (!ts.isSpreadElement(arg)) {
      lx.requireNumber(arg, `Math.${fn} needs number arguments`);
      extremum.value = lx.op(fn, [extremum.value!, expression(lx, arg)], node);
      continue;
    }
    const array = arrayOperand(lx, arg.expression, 'spreading');
    const shape = lx.shapeAt(arg.expression, true);
    overArray(lx, node, [], array, arg.expression, [extremum], (index) => {
      extremum.value = lx.op(fn, [extremum.value!, load(lx, array, index, shape, arg)], node);
    });
  }
  return extremum.value!;
}

/** `Number.isFinite(x)`, `Number.isNaN(x)`, `Number.isInteger(x)`, `isFinite(x)`, `isNaN(x)`: the operation, where the callee is one. */
function numberTest(lx: Lowering, callee: ts.Expression): 'isFinite' | 'isNaN' | 'isInteger' | undefined {
  const { ts } = lx;
  const tests = ['isFinite', 'isNaN', 'isInteger'] as const;
  const ofNumber = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && lx.isGlobal(callee.expression, 'Number');
  const name = ofNumber ? callee.name.text : ts.isIdentifier(callee) && callee.text !== 'isInteger' && lx.isGlobal(callee, callee.text) ? callee.text : undefined;
  return tests.find((test) => test === name);
}
