// Lowering of the builders of local arrays: `Array.from`, `Float64Array.from`/`of`,
// `new Float64Array(n)`, `new Float64Array([a, b])`, `new Float64Array(xs)` (a copy),
// `new Array<number>(n)`. Each is a new local array filled by a loop of writes.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Operand, UNDEFINED, UNSET, num } from '../../ir/ir';
import type { Lowering } from './lowering';
import { type Container, arrayOperand, callbackArgument, inline, isArrayType, lengthOf, load, newArray } from './arrays';
import { opInfo } from '../../ops/registry';
import { takes } from './array-methods';
import { expression } from './expressions';
import { countedLoop, overArray } from './loops';
import { buildsMatrix, matrixFrom, numberFields, objectRows } from './matrices';

const CONTAINERS: readonly Container[] = ['Array', 'Float64Array', 'Float32Array'];

/** Whether `name` is the name of a kind of array differentiated code builds. */
export function isContainer(name: string): name is Container {
  return CONTAINERS.some((container) => container === name);
}

/** `Array.from(…)`, `Float64Array.of(…)`: new local arrays. */
export function staticCall(lx: Lowering, node: ts.CallExpression, container: Container, method: string): Operand {
  if (method === 'of') return arrayOf(lx, node, node.arguments, container);
  if (method !== 'from')
    return fail(
      node,
      Code.Unsupported,
      `${container}.${method}() is not supported: differentiated code builds arrays with ${container}.from, ${container}.of, new ${container}(n) or a literal.`,
    );
  return from(lx, node, container);
}

/**
 * `Array.from(xs)`, `Array.from(xs, (v, i) => …)`, `Array.from({ length: n }, (_, i) => …)`
 * and the same of typed arrays: a new local array filled in a loop (a matrix where the
 * callback returns arrays).
 */
function from(lx: Lowering, node: ts.CallExpression, container: Container): Operand {
  const name = `${container}.from`;
  takes(lx, node, name, 1, 2, "an array (or '{ length: n }') and a callback");
  const [source, mapper] = node.arguments;
  const counted = lengthObject(lx, source);
  if (buildsMatrix(lx, node)) return matrixFrom(lx, node, counted ?? source, mapper, name);
  const callback = mapper && callbackArgument(lx, node, mapper, name);
  // Objects of numbers (`Array.from({ length: n }, (_, i) => ({ x: …, y: … }))`), as map builds them.
  const fields = container === 'Array' && callback ? numberFields(lx.shapeAt(node, true)) : undefined;
  if (fields && callback) {
    const rows = counted ? countOf(lx, expression(lx, counted), counted) : undefined;
    const values = counted ? undefined : arrayOperand(lx, source, name);
    const shape = counted ? undefined : lx.shapeAt(source, true);
    return objectRows(lx, node, fields, rows ?? lengthOf(lx, values!, node), (each) =>
      values
        ? overArray(lx, node, [], values, source, [], (index) => each(index, inline(lx, callback, [load(lx, values, index, shape, node), index], true)))
        : countedLoop(
            lx,
            node,
            'i',
            () => rows!,
            (index) => each(index, inline(lx, callback, [UNSET, index], true)),
            {},
          ),
    );
  }
  const entries = lx.typeAt(node);
  if (callback && !lx.isNumber(entries.getNumberIndexType() ?? entries))
    fail(
      mapper,
      Code.Unsupported,
      `${name} must build an array of numbers or of objects of numbers here: return a number or an object literal of numbers from its callback.`,
    );
  if (counted) {
    if (!callback)
      fail(
        node,
        Code.Unsupported,
        `${container}.from({ length: n }) without a callback holds undefined: give it one, '(_, i) => …', or use new ${container === 'Array' ? 'Array<number>(n).fill(0)' : `${container}(n)`}.`,
      );
    const length = countOf(lx, expression(lx, counted), counted);
    const array = newArray(lx, node, { op: 'newArray', args: container === 'Array' ? [length, num(0)] : [length] }, container);
    overArray(lx, node, [], array, node, [], (index) => lx.store([array, index, inline(lx, callback, [UNSET, index], true)], node));
    return array;
  }
  const values = arrayOperand(lx, source, `${container}.from`);
  const shape = lx.shapeAt(source, true);
  const length = lengthOf(lx, values, node);
  const array = newArray(lx, node, { op: 'newArray', args: container === 'Array' ? [length, num(0)] : [length] }, container);
  overArray(lx, node, [], array, node, [], (index) => {
    const value = load(lx, values, index, shape, node);
    lx.store([array, index, callback ? inline(lx, callback, [value, index], true) : value], node);
  });
  return array;
}

/** `{ length: n }`: the expression of n, where the node is such an object literal. */
export function lengthObject(lx: Lowering, node: ts.Expression): ts.Expression | undefined {
  const { ts } = lx;
  if (!ts.isObjectLiteralExpression(node) || node.properties.length !== 1) return undefined;
  const [property] = node.properties;
  return ts.isPropertyAssignment(property) && ts.isIdentifier(property.name) && property.name.text === 'length' ? property.initializer : undefined;
}

/** `Float64Array.of(a, b)`, `new Float64Array([a, b])`: a local array of the values. */
export function arrayOf(lx: Lowering, node: ts.Expression, elements: readonly ts.Expression[], container: Container): Operand {
  for (const element of elements) lx.requireNumber(element, 'local arrays hold numbers');
  const values = elements.map((element) => expression(lx, element));
  if (container === 'Array') return newArray(lx, node, { op: 'arrayOf', args: values }, 'Array');
  const array = newArray(lx, node, { op: 'newArray', args: [num(values.length)] }, container);
  values.forEach((value, k) => lx.store([array, num(k), value], node));
  return array;
}

/**
 * `new Float64Array(n)`, `new Float64Array([a, b])`, `new Float64Array(xs)` (a copy),
 * `new Array<number>(n)`: a local array; undefined for other `new` expressions.
 */
export function newExpression(lx: Lowering, node: ts.NewExpression): Operand | undefined {
  const { ts } = lx;
  const constructor = node.expression;
  if (!ts.isIdentifier(constructor) || !isContainer(constructor.text) || !lx.isGlobal(constructor, constructor.text)) return undefined;
  const container = constructor.text;
  takes(lx, node, `new ${container}(…)`, 1, 1, container === 'Array' ? 'one argument, a length' : 'one argument, a length or an array');
  const [arg] = node.arguments!;
  if (container === 'Array') {
    lx.requireNumber(arg, 'the length of an array must be a number');
    // Its entries are undefined until written, as in JavaScript (holes read as undefined).
    return newArray(lx, node, { op: 'newArray', args: [expression(lx, arg), UNDEFINED] }, 'Array');
  }
  if (ts.isArrayLiteralExpression(arg) && !arg.elements.some(ts.isSpreadElement)) return arrayOf(lx, node, arg.elements, container);
  if (isArrayType(lx, arg)) return copyOf(lx, node, arg, container);
  lx.requireNumber(arg, `the argument of new ${container} must be a length or an array of numbers`);
  return newArray(lx, node, { op: 'newArray', args: [typedLengthOf(lx, expression(lx, arg), arg)] }, container);
}

/** Whether `n` is known to be a whole number here: a constant, a length, or the result of an integer operation (`k >> 1`, Math.floor). */
function knownWhole(lx: Lowering, n: Operand): boolean {
  if (n.kind === 'num') return Number.isInteger(n.value);
  if (n.kind !== 'var') return false;
  const made = lx.body.find((stmt) => stmt.kind === 'let' && stmt.name === n.name);
  return lx.lengthsRead.has(n.name) || (made?.kind === 'let' && opInfo(made.expr.op).integral);
}

/**
 * The length of `new Float64Array(n)` as JavaScript takes it: Math.trunc(n), 0 for NaN (a
 * negative length throws there, as in JavaScript). Loops over the array and reads of its
 * length use it, so it is the array's own (`xs.length / 2` of an odd length is not a length).
 */
function typedLengthOf(lx: Lowering, n: Operand, origin: ts.Node): Operand {
  if (knownWhole(lx, n)) return n;
  return madeWhole(lx, n, lx.op('select', [lx.op('isNaN', [n], origin), num(0), lx.op('trunc', [n], origin)], origin));
}

/** `length`, made whole from `n`: arrays made with the same n have the same length (a loop state `new Float64Array(n)` and each pass's). */
function madeWhole(lx: Lowering, n: Operand, length: Operand): Operand {
  if (length.kind === 'var') lx.wholeLengths.set(length.name, n);
  return length;
}

/** The number of entries of `Array.from({ length: n }, …)` as JavaScript counts them: Math.trunc(n), 0 where n is not positive (NaN too). */
function countOf(lx: Lowering, n: Operand, origin: ts.Node): Operand {
  if (n.kind === 'num') return num(n.value > 0 ? Math.trunc(n.value) : 0);
  if (n.kind === 'var' && lx.lengthsRead.has(n.name)) return n;
  return madeWhole(lx, n, lx.op('select', [lx.op('>', [n, num(0)], origin), lx.op('trunc', [n], origin), num(0)], origin));
}

/** A new local array with the entries of the array `source`. */
function copyOf(lx: Lowering, node: ts.Expression, source: ts.Expression, container: Container): Operand {
  const values = arrayOperand(lx, source, 'copying');
  const shape = lx.shapeAt(source, true);
  const array = newArray(
    lx,
    node,
    { op: 'newArray', args: container === 'Array' ? [lengthOf(lx, values, node), num(0)] : [lengthOf(lx, values, node)] },
    container,
  );
  overArray(lx, node, [], array, node, [], (index) => lx.store([array, index, load(lx, values, index, shape, node)], node));
  return array;
}
