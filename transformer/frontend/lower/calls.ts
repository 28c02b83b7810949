// Lowering of calls: Math functions, functions of the program (a call, or its body inlined
// where a pullback cannot stand for it), and functions declared inside the function.
import { mayMiss, passesOnParameter } from './definedness';
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { sourceText } from '../quoting';
import { type Callee, type Operand, num, variable } from '../../ir/ir';
import { isMathFunction, mathArity } from '../../ops/registry';
import { type Binding, type Lowering } from './lowering';
import type { Shape } from '../../ir/shapes';
import { arrayOperand, load, newArray } from './arrays';
import { arrayCall } from './array-methods';
import { expression, namedValue } from './expressions';
import {
  type Argument,
  bindParameters,
  callArguments,
  callLocal,
  functionValue,
  inFrame,
  inlineBody,
  isFunction,
  isSpread,
  requireDefinedForDefaults,
} from './functions';
import { overArray } from './loops';
import { requireAsMade } from './objects';
import { entryFunction, functionInData, passesTable, tableEntryRead } from './tables';
import { withTypeArguments } from './type-arguments';
import { skipTypeSyntax, withTypeSyntax } from '../type-syntax';

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
  // `Number(x)` of a number is x: a conversion that changes nothing, derivative 1.
  if (ts.isIdentifier(callee) && lx.isGlobal(callee, 'Number')) {
    if (node.arguments.length !== 1 || ts.isSpreadElement(node.arguments[0])) fail(node, Code.Unsupported, `${callee.getText()} takes one number here.`);
    lx.requireNumber(
      node.arguments[0],
      'Number(…) converts numbers only in differentiated code (convert other data before calling the function, and pass the number)',
    );
    return expression(lx, node.arguments[0]);
  }
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && lx.isGlobal(callee.expression, 'console')) {
    fail(
      node,
      Code.Unsupported,
      `'${callee.getText()}(…)' runs in differentiated code as a statement of its own (its value is undefined), not inside an expression.`,
    );
  }
  // An arrow called where it is written (`(() => { … })()`) is inlined like one the function declares.
  const written = ts.isArrowFunction(skipTypeSyntax(ts, callee)) || ts.isFunctionExpression(skipTypeSyntax(ts, callee)) ? functionValue(lx, callee) : undefined;
  if (written) {
    const args = callArguments(lx, node.arguments);
    return callLocal(lx, node, written, args, (target) => callTarget(lx, node, target, args));
  }
  const local = ts.isIdentifier(callee) ? lx.lookup(callee.text) : undefined;
  if (local?.fn) {
    const args = callArguments(lx, node.arguments);
    return callLocal(lx, node, local.fn, args, (target) => callTarget(lx, node, target, args));
  }
  if (local) {
    fail(
      node,
      Code.Unsupported,
      `'${local.name}' holds a function known only when the code runs, and tapeless differentiates the calls it can see at compile time: call the function by its own name (a function of the program, or one declared in this function).`,
    );
  }
  // A spread fills a rest parameter of a function of the program (bindParameters checks which).
  const spread = node.arguments.find(ts.isSpreadElement);
  if (spread && !(ts.isIdentifier(callee) && lx.env.functionValue?.(callee, lx.within()))) {
    fail(
      spread,
      Code.Unsupported,
      "spread arguments are supported in Math.max, Math.min, Math.hypot and calls of functions with a rest parameter ('...xs: number[]').",
    );
  }
  // Methods of arrays (array-methods.ts checks the receiver is one: a class may have a method named push).
  if (ts.isPropertyAccessExpression(callee)) {
    const lowered = arrayCall(lx, node, callee);
    if (lowered) return lowered;
    const entry = tableEntryRead(lx, callee.expression);
    const fn = entry && entryFunction(lx, node, entry, callee.name.text);
    if (fn) {
      const args = callArguments(lx, node.arguments);
      return callLocal(lx, node, fn, args, (target) => callTarget(lx, node, target, args));
    }
  }
  const api = lx.env.apiName(callee);
  if (api === 'stopGradient') {
    if (node.arguments.length !== 1) fail(node, Code.Unsupported, 'stopGradient takes exactly one argument.');
    return lx.op('stopGradient', [expression(lx, node.arguments[0])], node);
  }
  if (api) fail(node, Code.Unsupported, `${api}() inside a differentiated function is not supported yet.`);
  const target = lx.env.callee?.(node, lx.within());
  if (target?.elements) return elementsCall(lx, node, target.elements, callArguments(lx, node.arguments));
  if (target) {
    const receiver = target.method ? [expression(lx, (callee as ts.PropertyAccessExpression).expression)] : [];
    return callTarget(lx, node, target, [...receiver, ...callArguments(lx, node.arguments)]);
  }
  if (ts.isPropertyAccessExpression(callee)) functionInData(lx, node, callee);
  const name = ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee) ? callee.getText() : 'this function';
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && lx.isGlobal(callee.expression, 'Object')) {
    // Two of the object's fields, written with the user's names: `(o.a, o.b)`.
    const [object] = node.arguments;
    const fields = object ? (lx.env.checker ? lx.typeAt(object).getProperties() : []).slice(0, 2).map((field) => `${sourceText(object)}.${field.name}`) : [];
    fail(
      node,
      Code.Unsupported,
      `'${name}' lists an object's fields in the order they were created, which is known only when the code runs: read the fields by name${fields.length > 0 ? ` (${fields.join(', ')})` : ''}, or keep the numbers in an array.`,
    );
  }
  return fail(
    node,
    Code.Unsupported,
    `cannot differentiate the call to '${name}': tapeless differentiates calls to Math functions and to functions of the program written in TypeScript. Call it outside the differentiated function and pass its result in as a parameter (left out of 'wrt').`,
  );
}

/**
 * A call of a function of the program, `args` its arguments (a method's receiver first):
 * through the callee's pullback where it takes and returns numbers (its missing arguments
 * given their default values), else inlined (see `inlineCall`).
 */
export function callTarget(lx: Lowering, node: ts.Node, target: Callee, args: readonly Argument[]): Operand {
  const { ts } = lx;
  const fn = target.target?.node;
  let values = args as Operand[];
  if (fn) {
    // A helper returning an array or object is inlined too: its result is then a local
    // array or object literal of this function, read and differentiated like one.
    const checker = lx.env.checker!;
    const type = ts.isCallExpression(node) ? lx.typeAt(node) : checker.getSignatureFromDeclaration(fn)?.getReturnType();
    const returnsNumber = type !== undefined && lx.isNumber(type);
    const rest = fn.parameters.some((param) => param.dotDotDotToken);
    // A parameter whose type a pullback cannot take a gradient of: an optional number (`k?:
    // number`), an object with an optional field, given an object or a number that may be
    // active; a type parameter (`id<T>(x: T)`), which only the call says is a number.
    const self = target.method ? 1 : 0;
    const shapeless = args.some((arg, k) => {
      const param = k >= self ? fn.parameters[k - self] : undefined;
      if (!param || isFunction(arg) || isSpread(arg) || lx.shapeAt(param, false)) return false;
      const type = lx.typeAt(param);
      return (
        lx.isAggregate(arg) ||
        (type.isUnion() && type.types.some((member) => member.flags & ts.TypeFlags.Undefined)) ||
        (type.flags & ts.TypeFlags.TypeParameter) !== 0
      );
    });
    if (
      passesTable(lx, fn, args.slice(self)) ||
      target.writes ||
      target.draws ||
      target.nested ||
      target.unexported ||
      rest ||
      shapeless ||
      !returnsNumber ||
      missesThrough(lx, node, fn, self) ||
      args.some((arg) => isFunction(arg) || isSpread(arg) || lx.holdsLocal(arg))
    )
      return inlineCall(lx, node, target, args);
    // Arguments beyond the parameters are ignored, as in JavaScript (map gives a callback the index too).
    const count = fn.parameters.length + self;
    requireDefinedForDefaults(lx, fn, target.name, node);
    values = values.length < count ? withDefaults(lx, node, target, values) : values.slice(0, count);
  } else {
    for (const value of values) requireAsMade(lx, value, node);
    // A generated function (`grad(g)`) takes g's parameters: those left out get g's default values.
    const from = target.generatedFrom;
    if (from) {
      requireDefinedForDefaults(lx, from.node, from.name, node, true);
      const count = from.node.parameters.length;
      values =
        values.length < count ? withDefaults(lx, node, { key: target.key, name: from.name, ref: target.ref, target: from }, values) : values.slice(0, count);
    }
  }
  const name = lx.env.names.fresh('t');
  lx.body.push({ kind: 'let', name, expr: { op: 'call', args: values, callee: target }, role: 'temp', origin: node });
  return variable(name);
}

/**
 * Whether a call of `fn` may return an entry past the end of an array (`xs[k]`), or gives
 * one (`h(xs[i + 1])`) to a parameter `fn` may pass on as it is (tests, returns, copies, or
 * gives a default): through a pullback, undefined would become NaN, or the gradient would be
 * added into past its end. Inlined, the read is tested and guarded where the code tests it.
 */
function missesThrough(lx: Lowering, node: ts.Node, fn: ts.SignatureDeclaration, self: number): boolean {
  const { ts } = lx;
  if (!ts.isCallExpression(node)) return false;
  const checker = lx.env.checker!;
  return (
    mayMiss(lx, node) ||
    node.arguments.some((arg, k) => k >= self && lx.isNumber(lx.typeAt(arg)) && mayMiss(lx, arg) && passesOnParameter(ts, checker, fn, k - self))
  );
}

/**
 * A call of generated code returning several numbers (a tuple of gradients, valueAndGrad's
 * `[value, gradient]`): a local array of a call per element, each returning one number. Where
 * the code reads elements at once (`const [, vega] = greeks(…)`, `greeks(…)[1]`), only those
 * are called (the others are never read), under the names it gives them.
 */
function elementsCall(lx: Lowering, node: ts.CallExpression, elements: NonNullable<Callee['elements']>, args: readonly Argument[]): Operand {
  const read = elementsRead(lx.ts, node);
  const entries = Array.from({ length: elements.length }, (_, index) => {
    if (read && !read.has(index)) return num(0);
    const value = () => callTarget(lx, node.expression, elements.at(index), args);
    const element = read?.get(index);
    return element && lx.ts.isIdentifier(element.name) ? namedValue(lx, element.name.text, element, value) : value();
  });
  return newArray(lx, node, { op: 'arrayOf', args: entries }, 'Array');
}

/**
 * The elements the code reads of what `call` returns where it reads them at once, by index:
 * `const [, b] = call` (each with its binding), `call[1]`.
 */
function elementsRead(tsApi: typeof ts, call: ts.CallExpression): Map<number, ts.BindingElement | undefined> | undefined {
  const parent = withTypeSyntax(tsApi, call).parent;
  if (tsApi.isVariableDeclaration(parent) && tsApi.isArrayBindingPattern(parent.name))
    return new Map(parent.name.elements.flatMap((element, index) => (tsApi.isBindingElement(element) ? [[index, element] as const] : [])));
  if (tsApi.isElementAccessExpression(parent) && tsApi.isNumericLiteral(parent.argumentExpression))
    return new Map([[Number(parent.argumentExpression.text), undefined]]);
  return undefined;
}

/** The arguments of a call that leaves some out, completed with the callee's default values (lowered as its own code). */
function withDefaults(lx: Lowering, node: ts.Node, target: Callee, args: readonly Operand[]): Operand[] {
  const fn = target.target!.node;
  const self = target.method ? args.slice(0, 1) : [];
  const given = args.slice(self.length);
  let values: Operand[] = [];
  withTypeArguments(lx, fn, target.name, node, () =>
    inFrame(lx, target, [], self[0], () => {
      values = bindParameters(lx, fn, target.name, given, node);
      return undefined;
    }),
  );
  return [...self, ...values];
}

/** How many calls of one helper may be inlined one inside another (through the functions it is given). */
const NESTED_INLINING = 4;

/**
 * `h(a, b)` where a pullback cannot stand for h: an argument is an array the function
 * creates (or an object holding one) or a function, h may write into what it is given,
 * returns an array or object, has a rest parameter, or is declared inside another function
 * (reading its variables). h's body is lowered in place, its parameters bound to the
 * arguments, so that its reads and writes of the array are the function's own — recorded,
 * replayed and differentiated like them — where a pullback would see the array as it is at
 * the end. h sees its own variables only, and its `return` ends the inlined body. A write
 * into an array the function did not create stays a diagnostic, at the write.
 */
export function inlineCall(lx: Lowering, node: ts.Node, callee: Callee, args: readonly Argument[]): Operand {
  const fn = callee.target!.node;
  // A helper may be inlined again inside its own inlined body where a function it was given
  // calls it (`integrate((x) => integrate((y) => f(x, y), 0, 1), 0, 1)`): each level is a
  // callback written once. A helper that calls itself nests without end, and is stopped here.
  if (lx.inlining.filter((outer) => outer.key === callee.key).length >= NESTED_INLINING) {
    if (callee.unexported) {
      fail(
        node,
        Code.Unsupported,
        `'${callee.name}' calls itself, and its module does not export it: the code generated in another file inlines its calls, which recursion does not allow. Export '${callee.name}' from its module.`,
      );
    }
    const why = callee.writes
      ? 'writes into the arrays it is given'
      : callee.nested
        ? 'is declared inside another function (its calls are inlined)'
        : callee.draws
          ? 'calls Math.random()'
          : 'receives an array or object the differentiated function makes or a function, has a rest parameter, or returns an array or object,';
    fail(
      node,
      Code.Unsupported,
      `'${callee.name}' ${why} and calls itself: its calls are inlined, which recursion does not allow. Write the recursion as a loop.`,
    );
  }
  const method = callee.method !== undefined;
  const self = method ? (args[0] as Operand) : undefined;
  return inlineBody(lx, fn, callee, [], method ? args.slice(1) : args, node, self);
}

export function mathCall(lx: Lowering, node: ts.CallExpression, fn: string): Operand {
  const { ts } = lx;
  if (node.arguments.some(ts.isSpreadElement)) {
    if (fn === 'max' || fn === 'min') return spreadExtremum(lx, node, fn);
    if (fn === 'hypot') return spreadHypot(lx, node);
    const spread = node.arguments.find(ts.isSpreadElement)!;
    const array = sourceText(spread.expression);
    fail(
      spread,
      Code.Unsupported,
      `spread arguments are supported in Math.max, Math.min and Math.hypot only: write the arguments one by one ('Math.${fn}(${array}[0], ${array}[1], …)').`,
    );
  }
  const args = node.arguments.map((arg) => {
    lx.requireNumber(arg, `Math.${fn} needs number arguments`);
    return expression(lx, arg);
  });
  // A draw inside a loop or branch is recorded by reverse mode, which recomputes them (modes/reverse/stream.ts).
  if (fn === 'random') return lx.op('random', [], node);
  if (!isMathFunction(fn)) return fail(node.expression, Code.Unsupported, `Math.${fn} is not a differentiable Math function.`);
  const arity = mathArity(fn);
  // Math.hypot() is 0.
  if (arity === 'any') return args.length === 0 ? num(0) : lx.op(fn, args, node);
  if (arity === 'pairs') {
    // Nested pairs give exactly Math.max's value, and the first of tied arguments wins.
    if (args.length === 0) return num(fn === 'max' ? -Infinity : Infinity);
    return args.reduce((left, right) => lx.op(fn, [left, right], node));
  }
  if (args.length !== arity) fail(node, Code.Unsupported, `Math.${fn} takes ${arity} argument${arity > 1 ? 's' : ''} here, not ${args.length}.`);
  return lx.op(fn, args, node);
}

/** The arguments of `Math.fn(a, ...xs, b)`, each lowered once: a number, or an array spread into the call. */
type MathArgument = { readonly number: Operand } | { readonly array: Operand; readonly shape: Shape | undefined; readonly spread: ts.SpreadElement };

function mathArguments(lx: Lowering, node: ts.CallExpression, fn: string): MathArgument[] {
  const { ts } = lx;
  return node.arguments.map((arg) => {
    if (ts.isSpreadElement(arg)) return { array: arrayOperand(lx, arg.expression, 'spreading'), shape: lx.shapeAt(arg.expression, true), spread: arg };
    lx.requireNumber(arg, `Math.${fn} needs number arguments`);
    return { number: expression(lx, arg) };
  });
}

/** Visits the numbers of `args` in order: a loop over each spread array, carrying `states`. */
function eachNumber(lx: Lowering, node: ts.CallExpression, args: readonly MathArgument[], states: readonly Binding[], visit: (value: Operand) => void): void {
  for (const arg of args) {
    if ('number' in arg) visit(arg.number);
    else overArray(lx, node, [], arg.array, arg.spread.expression, states, (index) => visit(load(lx, arg.array, index, arg.shape, arg.spread)));
  }
}

/** `Math.max(a, ...xs, b)`: pairs from left to right, with a loop over each spread array. */
export function spreadExtremum(lx: Lowering, node: ts.CallExpression, fn: 'max' | 'min'): Operand {
  const extremum = lx.hidden(fn, num(fn === 'max' ? -Infinity : Infinity));
  eachNumber(lx, node, mathArguments(lx, node, fn), [extremum], (value) => {
    extremum.value = lx.op(fn, [extremum.value!, value], node);
  });
  return extremum.value!;
}

/**
 * `Math.hypot(a, ...xs)` as Math.hypot computes it, without overflow: the largest magnitude m
 * times the root of the sum of the squares of the numbers divided by m. The result does not
 * depend on m (its partial is 0), so the derivatives of every order are those of the length,
 * x / hypot; at the origin m is 0, the numbers are divided by 1 and 1 is added under the root,
 * so that the result is 0 · 1 and its gradient 0, hypot's convention there (README).
 */
function spreadHypot(lx: Lowering, node: ts.CallExpression): Operand {
  const args = mathArguments(lx, node, 'hypot');
  const largest = lx.hidden('largest', num(0));
  eachNumber(lx, node, args, [largest], (value) => {
    largest.value = lx.op('max', [largest.value!, lx.op('abs', [value], node)], node);
  });
  const origin = lx.op('select', [lx.op('===', [largest.value!, num(0)], node), num(1), num(0)], node);
  const scale = lx.op('+', [largest.value!, origin], node);
  const squares = lx.hidden('squares', num(0));
  eachNumber(lx, node, args, [squares], (value) => {
    const scaled = lx.op('/', [value, scale], node);
    squares.value = lx.op('+', [squares.value!, lx.op('*', [scaled, scaled], node)], node);
  });
  const length = lx.op('*', [lx.op('sqrt', [lx.op('+', [squares.value!, origin], node)], node), largest.value!], node);
  // An infinite number makes the length infinite, as Math.hypot's (the quotients are NaN).
  return lx.op('select', [lx.op('===', [largest.value!, num(Infinity)], node), num(Infinity), length], node);
}

/** `Number.isFinite(x)`, `Number.isNaN(x)`, `Number.isInteger(x)`, `isFinite(x)`, `isNaN(x)`: the operation, where the callee is one. */
function numberTest(lx: Lowering, callee: ts.Expression): 'isFinite' | 'isNaN' | 'isInteger' | undefined {
  const { ts } = lx;
  const tests = ['isFinite', 'isNaN', 'isInteger'] as const;
  const ofNumber = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && lx.isGlobal(callee.expression, 'Number');
  const name = ofNumber
    ? callee.name.text
    : ts.isIdentifier(callee) && callee.text !== 'isInteger' && lx.isGlobal(callee, callee.text)
      ? callee.text
      : undefined;
  return tests.find((test) => test === name);
}
