// Lowering of arrays and objects: reads of parameters' and local arrays, writes into local
// arrays (`new Float64Array(n)`, literals, `push`, spreads), object literals, and the array
// methods lowered to loops with their callback inlined.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { walk } from '../walk';
import { type Expr, type Operand, UNSET, num, variable } from '../../ir/ir';
import { NUMBER, type Shape } from '../../ir/shapes';
import { type Lowering, FALSE, TRUE, isNumberType } from './lowering';
import { expression, read } from './expressions';
import { overArray } from './loops';
import { statements } from './statements';

/** An array that a loop or an array method walks over. */
export function arrayOperand(lx: Lowering, node: ts.Expression, what: string): Operand {
  const checker = lx.env.checker;
  const type = checker?.getTypeAtLocation(node);
  const isArray = type && checker && (checker.isArrayType(type) || checker.isTupleType(type) || ['Float64Array', 'Float32Array'].includes(type.getSymbol()?.getName() ?? ''));
  if (!isArray) fail(node, Code.Unsupported, `${what} is supported over arrays only.`);
  return expression(lx, node);
}

/**
 * `xs.map(f)`, `xs.reduce(f, init)`, `xs.forEach(f)`, `xs.every(p)`, `xs.some(p)` with
 * the callback written in place: loops over xs whose pass is the callback's body.
 */
export function arrayMethod(lx: Lowering, node: ts.CallExpression, method: string, arrayNode: ts.Expression): Operand {
  const { ts } = lx;
  const [callback, initial] = node.arguments;
  if (!callback || !(ts.isArrowFunction(callback) || ts.isFunctionExpression(callback))) fail(callback ?? node, Code.Unsupported, `the callback of ${method} must be an arrow or function expression written in place.`);
  const array = arrayOperand(lx, arrayNode, `.${method}()`);
  const elementShape = lx.shapeAt(arrayNode, true);
  const element = (index: Operand) => load(lx, array, index, elementShape, node);
  switch (method) {
    case 'reduce': {
      if (!initial || node.arguments.length !== 2) fail(node, Code.Unsupported, 'reduce needs an initial value here (its second argument).');
      const accumulator = lx.hidden('acc', expression(lx, initial));
      overArray(lx, node, [], array, arrayNode, [accumulator], (index) => {
        accumulator.value = inline(lx, callback, [accumulator.value!, element(index), index], true);
      });
      return accumulator.value!;
    }
    case 'forEach':
      overArray(lx, node, [], array, arrayNode, [], (index) => void inline(lx, callback, [element(index), index], false));
      return UNSET;
    case 'every':
    case 'some': {
      const every = method === 'every';
      const result = lx.hidden(every ? 'all' : 'any', every ? TRUE : FALSE);
      const more = () => (every ? result.value! : lx.op('not', [result.value!], node));
      overArray(lx, node, [], array, arrayNode, [result], (index) => {
        result.value = inline(lx, callback, [element(index), index], true);
      }, more);
      return result.value!;
    }
    case 'map': {
      // A new local array of the same kind (a typed array maps to its own type), filled in a loop.
      const checker = lx.env.checker!;
      const container = checker.getTypeAtLocation(arrayNode).getSymbol()?.getName();
      const kind = container === 'Float64Array' || container === 'Float32Array' ? container : 'Array';
      const length = lengthOf(lx, array, node);
      if (!isNumberType(ts, checker.getTypeAtLocation(node).getNumberIndexType() ?? checker.getTypeAtLocation(node))) {
        fail(callback, Code.Unsupported, 'map must build an array of numbers here.');
      }
      const mapped = newArray(lx, node, { op: 'newArray', args: kind === 'Array' ? [length, num(0)] : [length] }, kind);
      overArray(lx, node, [], array, arrayNode, [], (index) => {
        const value = inline(lx, callback, [element(index), index], true);
        lx.store([mapped, index, value], node);
      });
      return mapped;
    }
    default:
      return fail(node, Code.Unsupported, `.${method}() is not supported: use map, reduce, forEach, every, some or a loop.`);
  }
}

/** The body of a callback written in place, its parameters bound to `args`; its result where it has one. */
export function inline(lx: Lowering, fn: ts.ArrowFunction | ts.FunctionExpression, args: readonly Operand[], needsValue: true): Operand;

export function inline(lx: Lowering, fn: ts.ArrowFunction | ts.FunctionExpression, args: readonly Operand[], needsValue: false): Operand | undefined;

export function inline(lx: Lowering, fn: ts.ArrowFunction | ts.FunctionExpression, args: readonly Operand[], needsValue: boolean): Operand | undefined {
  const { ts } = lx;
  if (fn.parameters.length > args.length) fail(fn.parameters[args.length], Code.Unsupported, `this callback takes at most ${args.length} parameters here.`);
  let value: Operand | undefined;
  lx.scoped(() => {
    fn.parameters.forEach((param, k) => {
      if (!ts.isIdentifier(param.name) || param.initializer || param.dotDotDotToken) fail(param, Code.Unsupported, 'callback parameters must be plain names.');
      lx.declare(param.name.text, args[k], false);
    });
    if (!ts.isBlock(fn.body)) {
      value = expression(lx, fn.body);
      return;
    }
    const body = fn.body.statements;
    const last = body[body.length - 1];
    const returns = (node: ts.Node): boolean => walk(ts, node, (inner) => (ts.isReturnStatement(inner) ? 'stop' : ts.isFunctionLike(inner) ? 'skip' : undefined));
    const early = body.slice(0, -1).find(returns) ?? (last && !ts.isReturnStatement(last) && returns(last) ? last : undefined);
    if (early) fail(early, Code.Unsupported, "a callback may only 'return' at its end.");
    statements(lx, last && ts.isReturnStatement(last) ? body.slice(0, -1) : body);
    if (last && ts.isReturnStatement(last) && last.expression) value = expression(lx, last.expression);
  });
  if (needsValue && !value) fail(fn, Code.Unsupported, 'this callback must return a value.');
  return value;
}

/** `container[index]`: a number, or an array or object of the container (then tracked). */
export function load(lx: Lowering, container: Operand, index: Operand, shape: Shape | undefined, origin: ts.Node, userName?: string): Operand {
  const pristine = container.kind === 'var' ? lx.pristine.get(container.name) : undefined;
  if (pristine && pristine.loops === lx.loops && index.kind === 'num' && Number.isInteger(index.value) && index.value >= 0 && index.value < pristine.entries.length) {
    return pristine.entries[index.value];
  }
  const local = container.kind === 'var' && lx.localArrays.has(container.name);
  return lx.part({ op: local ? 'localElement' : 'element', args: [container, index] }, shape, origin, userName);
}

/** `a[i] = v` or `a[i] op= v` into a local array: the stored value is the expression's. */
export function storeElement(lx: Lowering, target: ts.ElementAccessExpression, value: (old: () => Operand) => Operand, origin: ts.Node): Operand {
  const container = expression(lx, target.expression);
  if (container.kind !== 'var' || !lx.localArrays.has(container.name)) {
    const helper = lx.inlining[lx.inlining.length - 1];
    const through = helper ? ` The helper '${helper.name}' is called with an array the differentiated function did not create.` : '';
    fail(target, Code.Unsupported, `writing to '${target.getText()}' is not supported: differentiated code may write only into arrays it creates itself (never into its caller's data).${through}`);
  }
  lx.requireNumber(target.argumentExpression, 'an index must be a number');
  const index = expression(lx, target.argumentExpression);
  const stored = value(() => load(lx, container, index, NUMBER, target));
  lx.store([container, index, stored], origin);
  return stored;
}

/** `xs.push(a, b)` on an array created empty: a write at its length, which grows. */
export function push(lx: Lowering, node: ts.CallExpression, callee: ts.PropertyAccessExpression): Operand {
  const array = expression(lx, callee.expression);
  const length = array.kind === 'var' ? lx.lengths.get(array.name) : undefined;
  if (!length) fail(node, Code.Unsupported, "push is supported on arrays the function creates empty ('const xs: number[] = []'); for others use new Array<number>(n).fill(0).");
  for (const arg of node.arguments) {
    if (lx.ts.isSpreadElement(arg)) fail(arg, Code.Unsupported, 'push takes plain values here, not spreads.');
    lx.requireNumber(arg, 'local arrays hold numbers');
    const value = expression(lx, arg);
    const index = length.value!;
    lx.store([array, index, value], node);
    length.value = lx.op('+', [index, num(1)], node);
  }
  return length.value!;
}

/** An array's length: its own variable for an array grown by push. */
export function lengthOf(lx: Lowering, array: Operand, origin: ts.Node): Operand {
  const length = array.kind === 'var' ? lx.lengths.get(array.name) : undefined;
  return length ? length.value! : lx.op('length', [array], origin);
}

/** `[a, ...xs, b]`: a local array as long as all parts, filled part by part (a loop per spread). */
export function spreadLiteral(lx: Lowering, node: ts.ArrayLiteralExpression): Operand {
  const { ts } = lx;
  const parts = node.elements.map((element) =>
    ts.isSpreadElement(element) ? { spread: arrayOperand(lx, element.expression, 'spreading'), node: element.expression } : { value: expression(lx, element) },
  );
  const length = parts.reduce<Operand>((total, part) => lx.op('+', [total, 'spread' in part ? lengthOf(lx, part.spread!, node) : num(1)], node), num(0));
  const array = newArray(lx, node, { op: 'newArray', args: [length, num(0)] }, 'Array');
  const store = (index: Operand, value: Operand) => lx.store([array, index, value], node);
  let position: Operand = num(0);
  for (const part of parts) {
    if (!('spread' in part)) {
      store(position, part.value!);
      position = lx.op('+', [position, num(1)], node);
      continue;
    }
    const start = position;
    const source = part.spread!;
    const shape = lx.shapeAt(part.node!, true);
    overArray(lx, node, [], source, part.node!, [], (index) => store(lx.op('+', [start, index], node), load(lx, source, index, shape, node)));
    position = lx.op('+', [start, lengthOf(lx, source, node)], node);
  }
  return array;
}

/** `{ w, b: 2 * x }`: an object the function creates and only reads. */
export function objectLiteral(lx: Lowering, node: ts.ObjectLiteralExpression): Operand {
  const { ts } = lx;
  const shape = lx.shapeAt(node, false);
  if (!shape || shape.kind !== 'object') fail(node, Code.Unsupported, 'an object literal must have fields of numbers, arrays or objects of numbers.');
  const fields: string[] = [];
  const args: Operand[] = [];
  for (const property of node.properties) {
    if (ts.isShorthandPropertyAssignment(property)) {
      fields.push(property.name.text);
      args.push(read(lx, property.name));
    } else if (ts.isPropertyAssignment(property) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) {
      fields.push(property.name.text);
      args.push(expression(lx, property.initializer));
    } else {
      fail(property, Code.Unsupported, 'object literals may only have plain fields (no spreads, methods, accessors or computed names).');
    }
  }
  return objectOf(lx, fields, args, shape, node);
}

/** An object literal of `values`, one per field: read-only, its fields' arrays held as they are. */
export function objectOf(lx: Lowering, fields: readonly string[], values: readonly Operand[], shape: Shape, origin: ts.Node): Operand {
  const name = lx.env.names.fresh('t');
  lx.body.push({ kind: 'let', name, expr: { op: 'objectOf', args: values, fields, shape }, role: 'temp', origin, shape });
  lx.aggregates.add(name);
  lx.created.set(name, { kind: 'object', fields, values, shape });
  const held = fields.flatMap((field, k): [string, Operand][] => (lx.holdsLocal(values[k]) ? [[field, values[k]]] : []));
  if (held.length > 0) lx.heldLocals.set(name, new Map(held));
  return variable(name);
}

/** `new Float64Array(n)`, `new Float32Array(n)`, `new Array(n).fill(c)`, `[a, b, c]`: a local array. */
export function newArray(lx: Lowering, node: ts.Expression, expr: Expr, container: 'Array' | 'Float64Array' | 'Float32Array'): Operand {
  const shape: Shape = { kind: 'array', element: NUMBER, container };
  const name = lx.env.names.fresh('t');
  lx.body.push({ kind: 'let', name, expr: { ...expr, shape }, role: 'temp', origin: node, shape });
  lx.aggregates.add(name);
  lx.localArrays.add(name);
  const length = expr.op === 'arrayOf' ? expr.args.length : expr.args[0]?.kind === 'num' ? expr.args[0].value : undefined;
  lx.created.set(name, { kind: 'array', container, length });
  if (expr.op === 'arrayOf') lx.pristine.set(name, { entries: expr.args, loops: lx.loops });
  return variable(name);
}

/** `container.field`, likewise. */
export function fieldLoad(lx: Lowering, container: Operand, field: string, shape: Shape | undefined, origin: ts.Node, userName?: string): Operand {
  // A local array held by an object literal is read (and written) as itself, so its reads are recorded.
  const held = container.kind === 'var' ? lx.heldLocals.get(container.name)?.get(field) : undefined;
  if (held) return held;
  const grown = container.kind === 'var' ? lx.lengths.get(container.name) : undefined;
  if (field === 'length' && grown) return grown.value!;
  if (field === 'length') return lx.part({ op: 'length', args: [container] }, undefined, origin, userName);
  return lx.part({ op: 'field', args: [container], field }, shape, origin, userName);
}

/** Array methods lowered to loops (with their callback written in place). */
export const ARRAY_METHODS = ['reduce', 'forEach', 'every', 'some', 'map', 'filter', 'find', 'findIndex', 'reduceRight', 'flatMap'];
