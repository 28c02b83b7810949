// TypeScript AST -> IR, the entry point: a function's parameters (and a method's `this`),
// its body, and what it returns. The rest of lowering is by concern in this folder (see its
// README).
import type * as ts from 'typescript';
import { Code, TapelessError, fail } from '../../driver/diagnostics';
import { type Func, type Operand, type Param, type Result, UNDEFINED, isUnset, mapResult, variable } from '../../ir/ir';
import { renameValues } from '../../ir/definitions';
import { FALSE, type FunctionNode, type LowerEnv, Lowering } from './lowering';
import { expression } from './expressions';
import { branch } from './control';
import { objectWrites, returnedObject } from './objects';
import { destructure, statements } from './statements';
import { requireResolved, returnedValue } from './matrices';
import { skipParentheses } from '../type-syntax';
import { requireListsResolved } from './lists';
import { LengthChanges } from './loop-states';
import { WrittenPastEnd } from './arrays';

/**
 * Lowers a function of numbers to the IR, or throws a located TapelessError. Whether a loop's
 * array changes length from pass to pass is known only once its body is lowered: where one
 * does, the function is lowered again, knowing it (loop-states.ts), with the same names; so
 * where a write may lengthen an array made with a length (arrays.ts `WrittenPastEnd`).
 */
export function lowerFunction(fn: FunctionNode, env: LowerEnv, name: string): Func {
  const resizing = new Map<ts.Node, Set<string>>();
  const growing = new Map<ts.Node, WrittenPastEnd>();
  for (;;) {
    const restoreNames = env.names.checkpoint();
    try {
      return lowerOnce(fn, env, name, { resizing, growing: new Set(growing.keys()) });
    } catch (error) {
      if (error instanceof WrittenPastEnd && !growing.has(error.made)) growing.set(error.made, error);
      else if (error instanceof LengthChanges && !resizing.get(error.loop)?.has(error.name))
        resizing.set(error.loop, new Set([...(resizing.get(error.loop) ?? []), error.name]));
      else if (error instanceof TapelessError && growing.size > 0) {
        restoreNames();
        throw lengtheningError(fn, env, name, resizing, [...growing.values()][0], error);
      } else throw error;
      restoreNames();
    }
  }
}

/**
 * What to say where a function lowered with an array's length a variable cannot be (`error`):
 * a loop that reassigns an array carries its numbers, one variable each, and a branch chooses
 * between arrays of lengths it knows. If the function can be lowered where the write is taken
 * to be below the length, the write is what to change, and the message says how.
 */
function lengtheningError(
  fn: FunctionNode,
  env: LowerEnv,
  name: string,
  resizing: ReadonlyMap<ts.Node, ReadonlySet<string>>,
  first: WrittenPastEnd,
  error: TapelessError,
): TapelessError {
  const restoreNames = env.names.checkpoint();
  try {
    lowerOnce(fn, env, name, { resizing, growing: new Set(), writesAssumedWithin: true });
  } catch {
    return error;
  } finally {
    restoreNames();
  }
  const { write, length } = first;
  const [array, index] = [write.expression.getText(), write.argumentExpression.getText()];
  const named = env.ts.isIdentifier(write.argumentExpression);
  const test = named
    ? `test the index ('if (${index} < ${array}.length) …'), bound the loop with it ('${index} < ${array}.length')`
    : `name the index and test it ('const j = ${index}; if (j < ${array}.length) ${array}[j] = …')`;
  return new TapelessError(
    write,
    Code.Unsupported,
    `'${write.getText()}' may be past the end of '${array}' (${length} entries where it is made): '${index}' is not known to be below ${length}, and a write past the end lengthens an array, which tapeless cannot follow here: a loop that reassigns it, or a branch that chooses it, keeps it as so many numbers. Write only below its length: ${test}, or make '${array}' as long as the writes need.`,
  );
}

/** The lengths a lowering knows change: see lowerFunction. */
interface Lengths {
  readonly resizing: ReadonlyMap<ts.Node, ReadonlySet<string>>;
  readonly growing: ReadonlySet<ts.Node>;
  readonly writesAssumedWithin?: boolean;
}

function lowerOnce(fn: FunctionNode, env: LowerEnv, name: string, lengths: Lengths): Func {
  const lx = new Lowering(env);
  lx.resizing = lengths.resizing;
  lx.growing = lengths.growing;
  lx.writesAssumedWithin = lengths.writesAssumedWithin ?? false;
  const { ts } = lx;
  requireBody(lx, fn);
  if (env.checker) {
    const writes = objectWrites(ts, env.checker, fn, env.isLibrary ?? ((file) => file.hasNoDefaultLib));
    lx.mutableObjects = writes.constructs || writes.fields.size > 0;
    lx.writtenFields = writes.fields;
    lx.sharedWrite = writes.sharedWrite;
    lx.writesSharedEntries = writes.sharedWrite !== undefined;
  }
  // Before the parameters: a default in a destructured parameter (`{ lr = 0.1 }: Options`) is a branch.
  lx.returned = lx.hidden('returned', FALSE, true);
  lx.result = lx.hidden('result', undefined);
  const params = [...(takesThis(ts, fn) ? [receiver(lx, fn as ts.MethodDeclaration)] : []), ...fn.parameters.map((param) => lowerParam(lx, param, fn))];
  let result: Result;
  if (ts.isBlock(fn.body)) {
    statements(lx, fn.body.statements);
    if (!lx.result.value || isUnset(lx.result.value)) fail(fn, Code.BadTarget, "the function must end with 'return <number>' on every path.");
    result = lx.result.value;
  } else {
    result = returnValue(lx, fn.body);
  }
  // Its caller sees the fields of an instance it constructs as the constructor set them.
  result = mapResult(result, (operand) => returnedObject(lx, operand, fn));
  requireResolved(lx, lx.body, result, fn);
  requireListsResolved(lx, lx.body, result, fn);
  if (lx.userNames.size === 0) return { name, params, body: lx.body, result, origin: fn };
  const renamed = (operand: Operand) => (operand.kind === 'var' && lx.userNames.has(operand.name) ? variable(lx.userNames.get(operand.name)!) : operand);
  return { name, params, body: renameValues(lx.body, lx.userNames), result: mapResult(result, renamed), origin: fn };
}

/** Whether a function takes `this` as its first argument: a method, not a static one. */
export function takesThis(tsApi: typeof ts, fn: ts.Node): fn is ts.MethodDeclaration {
  return tsApi.isMethodDeclaration(fn) && !(tsApi.getCombinedModifierFlags(fn) & tsApi.ModifierFlags.Static);
}

export function requireBody(lx: Lowering, fn: FunctionNode): asserts fn is FunctionNode & { body: ts.ConciseBody } {
  if (!fn.body) fail(fn, Code.BadTarget, 'the function has no body to differentiate.');
  if (fn.asteriskToken)
    fail(
      fn,
      Code.Unsupported,
      'generator functions cannot be differentiated: gather what the generator yields into an array outside, and differentiate a function of the array.',
    );
  if (lx.ts.getCombinedModifierFlags(fn) & lx.ts.ModifierFlags.Async)
    fail(fn, Code.Unsupported, 'async functions cannot be differentiated: await the data outside, and differentiate a function of it that returns a number.');
}

export function lowerParam(lx: Lowering, param: ts.ParameterDeclaration, fn: FunctionNode): Param {
  const { ts } = lx;
  const name = ts.isIdentifier(param.name) ? lx.env.names.own(param.name.text) : lx.env.names.fresh('param');
  const shape = lx.shapeAt(param, false);
  const aggregate = shape && shape.kind !== 'number' ? shape : undefined;
  if (aggregate) {
    lx.aggregates.add(name);
    lx.inputShapes.set(name, aggregate);
    if (lx.env.differentiated?.has(param)) lx.differentiatedInputs.set(name, param);
    const tupleLength = lx.tupleLengthAt(param);
    if (tupleLength !== undefined) lx.tupleLengths.set(name, tupleLength);
  }
  // A default that reads the parameters before it (`scale = 2 * x`) is part of the function:
  // where the argument is left out, the body computes it, and its dependence on them is
  // differentiated (the left-out parameter's own entry is then 0: nothing was given for it).
  if (param.initializer && readsParameters(lx, param.initializer, fn)) {
    const initializer = param.initializer;
    if (aggregate)
      fail(
        initializer,
        Code.Unsupported,
        `the default value of '${param.name.getText()}' reads other parameters, and is an array or object: a default that reads parameters must be a number. Give each number it holds a parameter of its own, with that number as its default, and build the array or object in the function.`,
      );
    const given = variable(name);
    const value = branch(
      lx,
      lx.op('===', [given, UNDEFINED], param),
      param,
      () => expression(lx, initializer),
      () => given,
    )!;
    destructure(lx, param.name, value, true);
    return { name, origin: param, ...(aggregate ? { shape: aggregate } : {}), optional: true };
  }
  // Any other default value is computed where the generated function is called (it keeps the
  // parameter optional): inside, the parameter is the value.
  let fallback: Param['fallback'];
  if (param.initializer) {
    const initializer = param.initializer;
    let value: Operand | undefined;
    // Where it throws (`y = fail('y is required')`), the calls that leave the parameter out end there, not the function's body.
    const threw = lx.threw;
    const body = lx.inBlock(() => (value = expression(lx, initializer)));
    lx.threw = threw;
    fallback = { body, value: value! };
  }
  destructure(lx, param.name, variable(name), true);
  return {
    name,
    origin: param,
    ...(aggregate ? { shape: aggregate } : {}),
    ...(param.dotDotDotToken ? { rest: true } : {}),
    ...(fallback ? { fallback } : {}),
  };
}

/** Whether a default value reads a parameter of `fn` (or, in a method, `this`). */
function readsParameters(lx: Lowering, initializer: ts.Expression, fn: FunctionNode): boolean {
  const { ts } = lx;
  const checker = lx.env.checker;
  const declaredIn = (node: ts.Node): boolean => node === fn || (node.parent !== undefined && !ts.isFunctionLike(node) && declaredIn(node.parent));
  const isParameterOfFn = (node: ts.Node): boolean => {
    if (node.kind === ts.SyntaxKind.ThisKeyword) return takesThis(ts, fn);
    if (!ts.isIdentifier(node)) return false;
    const declaration = checker?.getSymbolAtLocation(node)?.valueDeclaration;
    if (declaration) return (ts.isParameter(declaration) || ts.isBindingElement(declaration)) && declaredIn(declaration.parent);
    return fn.parameters.some((param) => ts.isIdentifier(param.name) && param.name.text === node.text);
  };
  const visit = (node: ts.Node): boolean => isParameterOfFn(node) || (ts.forEachChild(node, visit) ?? false);
  return visit(initializer);
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
  const inner = skipParentheses(ts, node);
  if (lx.env.rule && ts.isArrayLiteralExpression(inner)) return inner.elements.map((element) => expression(lx, element));
  lx.requireResult(node);
  return returnedValue(lx, expression(lx, node), node);
}

export { type FunctionNode, type LowerEnv, isNumberType } from './lowering';
