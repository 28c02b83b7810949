// Lowering of the methods of arrays: `fill`, `slice`, `concat`, `filter`,
// `indexOf`/`includes`/`findIndex`, `at`, `sort` and `reverse` (of a copy or of a local array);
// the static builders (`Array.from`, `Float64Array.of`, `new Float64Array(…)`) are in array-builders.ts.
// Each becomes loops of reads and writes of local arrays, which every mode differentiates; a
// sort is a permutation computed once (`sortOrder`) and reads of the array at its indices, so
// derivatives follow it. The loops with a callback (map, reduce, …) are in arrays.ts.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Operand, nameOf, num, variable } from '../../ir/ir';
import { NUMBER, type Shape } from '../../ir/shapes';
import { type Binding, type LocalFunction, type Lowering, FALSE } from './lowering';
import {
  type Container,
  type ArrayPart,
  arrayMethod,
  arrayOperand,
  callbackArgument,
  concatenation,
  containerOf,
  growable,
  inline,
  isArrayType,
  lengthOf,
  load,
  newArray,
  push,
} from './arrays';
import { isContainer, staticCall } from './array-builders';
import { branch } from './control';
import { expression } from './expressions';
import { countedLoop, overArray } from './loops';
import { buildsMatrix, matrixFrom, rowsOf } from './matrices';
import { sortKeys } from './sort-keys';
import { skipTypeSyntax } from '../type-syntax';
import { sourceText } from '../quoting';

/** Methods that move or compare entries as numbers: not of arrays of arrays. */
const ENTRY_METHODS: readonly string[] = ['fill', 'concat', 'filter', 'indexOf', 'lastIndexOf', 'includes', 'sort', 'toSorted', 'reverse', 'toReversed'];

/**
 * `ds.sort((a, b) => a.d - b.d)` on objects or rows: an argsort, whose indices are numbers,
 * sorts them (README: sorting by a key) and reads them in that order.
 */
function unsortedEntries(node: ts.CallExpression, array: string, what: string): never {
  return fail(
    node,
    Code.Unsupported,
    `'${array}' holds ${what}, and differentiated code sorts numbers: sort the indices of its entries by their key instead ('const order = ${array}.map((_, i) => i).sort((i, j) => …)', the comparator reading ${array}[i] and ${array}[j] as yours reads its two entries), and read the entries in that order, ${array}[order[k]].`,
  );
}

/** A call of a method of an array (or of Array, Float64Array…): lowered, or undefined where it is not one. */
export function arrayCall(lx: Lowering, node: ts.CallExpression, callee: ts.PropertyAccessExpression): Operand | undefined {
  const { ts } = lx;
  const method = callee.name.text;
  const owner = callee.expression;
  if (ts.isIdentifier(owner) && isContainer(owner.text) && lx.isGlobal(owner, owner.text)) return staticCall(lx, node, owner.text, method);
  if (!lx.env.checker || !isArrayType(lx, owner)) return undefined;
  const entries = lx.shapeAt(owner, true)?.kind ?? 'number';
  if (ENTRY_METHODS.includes(method) && entries !== 'number') {
    const what = entries === 'object' ? 'objects' : 'arrays';
    if ((method === 'sort' || method === 'toSorted') && ts.isIdentifier(owner)) unsortedEntries(node, owner.text, what);
    fail(node, Code.Unsupported, `.${method}() on an array of ${what} is not supported: loop over its entries, or map them.`);
  }
  switch (method) {
    case 'push':
      return push(lx, node, callee);
    case 'map':
      return buildsMatrix(lx, node) ? matrixFrom(lx, node, owner, node.arguments[0], 'map') : arrayMethod(lx, node, method, owner);
    case 'reduce':
    case 'reduceRight':
    case 'forEach':
    case 'every':
    case 'some':
      return arrayMethod(lx, node, method, owner);
    case 'fill':
      return fill(lx, node, owner);
    case 'slice':
      return slice(lx, node, owner);
    case 'concat':
      return concat(lx, node, owner);
    case 'filter':
      return filter(lx, node, owner);
    case 'indexOf':
    case 'lastIndexOf':
    case 'includes':
      return search(lx, node, owner, method);
    case 'findIndex':
      return findIndex(lx, node, owner);
    case 'at':
      return at(lx, node, owner);
    case 'flat':
      return flat(lx, node, owner);
    case 'flatMap':
      return flatMap(lx, node, owner);
    case 'sort':
    case 'toSorted':
      return sort(lx, node, owner, method === 'sort');
    case 'reverse':
    case 'toReversed':
      return reverse(lx, node, owner, method === 'reverse');
    default:
      return fail(
        node,
        Code.Unsupported,
        `.${method}() on an array is not supported${advice(method, owner, node)}; differentiated code supports map, filter, reduce, reduceRight, forEach, every, some, indexOf, lastIndexOf, includes, findIndex, at, slice, concat, flat, flatMap, fill, sort, reverse and push on arrays created empty, or a loop.`,
      );
  }
}

/** What to write instead of the methods tapeless does not lower, for the array written `array` (and the call's first argument). */
const ADVICE: Partial<Record<string, (array: string, argument: string) => string>> = {
  subarray: (array) => ` (its entries are shared with '${array}'): copy them with '${array}.slice(…)'`,
  find: (array, predicate) => ` (it may return undefined): use findIndex and read the entry, 'const k = ${array}.findIndex(${predicate}); … ${array}[k]'`,
  findLast: () => ' (it may return undefined): use a loop',
  join: () => ' (it makes a string, which is not differentiated)',
  toString: () => ' (it makes a string, which is not differentiated)',
  pop: (array) => ` (it changes the array's length): read '${array}[${array}.length - 1]' and slice`,
  shift: (array) => ` (it changes the array's length): read '${array}[0]' and '${array}.slice(1)'`,
  unshift: (array) => ` (it changes the array's length): build a new array, '[…, ...${array}]'`,
  splice: () => ' (it moves entries in place): build a new array with slice and concat',
};

function advice(method: string, owner: ts.Expression, node: ts.CallExpression): string {
  const array = sourceText(owner);
  const argument = node.arguments.length > 0 ? sourceText(node.arguments[0]) : '…';
  return ADVICE[method]?.(array, argument) ?? '';
}

/**
 * `a.fill(v)`, `a.fill(v, start, end)` on a local array: writes in a loop. On a new array
 * (`new Array<number>(n).fill(0)`, `new Float64Array(k).fill(Infinity)`) a constant is the
 * array's initial value instead.
 */
function fill(lx: Lowering, node: ts.CallExpression, owner: ts.Expression): Operand {
  const { ts } = lx;
  takes(lx, node, 'fill', 1, 3, 'a value, a start and an end');
  const [valueNode, startNode, endNode] = node.arguments;
  lx.requireNumber(valueNode, 'local arrays hold numbers');
  const created = skipTypeSyntax(ts, owner);
  const fresh =
    (ts.isNewExpression(created) || (ts.isCallExpression(created) && ts.isIdentifier(created.expression) && created.expression.text === 'Array')) &&
    ts.isIdentifier(created.expression) &&
    isContainer(created.expression.text) &&
    created.arguments?.length === 1 &&
    !isArrayType(lx, created.arguments[0]);
  if (fresh && !startNode) {
    const container = (created.expression as ts.Identifier).text as Container;
    const length = expression(lx, created.arguments![0]);
    const value = expression(lx, valueNode);
    if (value.kind === 'num')
      return newArray(
        lx,
        node,
        { op: 'newArray', args: container === 'Array' || value.value !== 0 || Object.is(value.value, -0) ? [length, value] : [length] },
        container,
      );
    // A value that may depend on the inputs is stored entry by entry, so that the gradient
    // of every entry flows back to it (the fill itself has derivative zero).
    const array = newArray(lx, node, { op: 'newArray', args: container === 'Array' ? [length, num(0)] : [length] }, container);
    overArray(lx, node, [], array, node, [], (index) => lx.store([array, index, value], node));
    return array;
  }
  const array = ownArray(lx, owner, 'fill');
  const value = expression(lx, valueNode);
  const length = lengthOf(lx, array, node);
  const start = startNode ? relativeIndex(lx, startNode, length) : num(0);
  const end = endNode ? relativeIndex(lx, endNode, length) : length;
  const count = startNode ? span(lx, node, start, end) : length;
  countedLoop(
    lx,
    node,
    'i',
    () => count,
    (index) => lx.store([array, startNode ? lx.op('+', [start, index], node) : index, value], node),
    {},
  );
  return array;
}

/** A diagnostic where a call has fewer than `min` or more than `max` arguments. */
export function takes(lx: Lowering, node: ts.CallExpression | ts.NewExpression, name: string, min: number, max: number, expected: string): void {
  const count = node.arguments?.length ?? 0;
  if (count < min || count > max) fail(node, Code.Unsupported, `${name} takes ${expected} here.`);
}

/** The local array a method writes in place; a diagnostic for an array the function did not create. */
function ownArray(lx: Lowering, owner: ts.Expression, method: string): Operand {
  const array = expression(lx, owner);
  const row = array.kind === 'var' ? lx.rows.get(array.name) : undefined;
  if (row && !row.matrix.borrowed) return array;
  if (array.kind !== 'var' || !lx.localArrays.has(array.name)) {
    fail(
      owner,
      Code.Unsupported,
      `${method} writes into '${owner.getText()}', which the differentiated function did not create (it never changes its caller's data): ${method} a copy, '[...${owner.getText()}].${method}(…)'.`,
    );
  }
  return array;
}

/**
 * An index argument of slice, fill or at, as JavaScript reads it relative to `length`:
 * truncated, counted from the end where negative, then clamped to [0, length] (NaN is 0).
 */
function relativeIndex(lx: Lowering, node: ts.Expression, length: Operand, clamp = true): Operand {
  const { ts } = lx;
  lx.requireNumber(node, 'an index must be a number');
  const literal = ts.isNumericLiteral(node)
    ? Number(node.text)
    : ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(node.operand)
      ? -Number(node.operand.text)
      : undefined;
  const fromEnd = (k: Operand) => (clamp ? lx.op('max', [lx.op('+', [length, k], node), num(0)], node) : lx.op('+', [length, k], node));
  const upTo = (k: Operand) => (clamp ? lx.op('min', [k, length], node) : k);
  if (literal !== undefined && Number.isInteger(literal)) return literal < 0 ? fromEnd(num(literal)) : literal === 0 ? num(0) : upTo(num(literal));
  const k = lx.op('trunc', [expression(lx, node)], node);
  const negative = lx.op('<', [k, num(0)], node);
  const otherwise = lx.op('select', [lx.op('>=', [k, num(0)], node), upTo(k), num(0)], node);
  return lx.op('select', [negative, fromEnd(k), otherwise], node);
}

/** `end - start` where positive, else 0. */
function span(lx: Lowering, node: ts.Node, start: Operand, end: Operand): Operand {
  if (start.kind === 'num' && start.value === 0) return end;
  return lx.op('select', [lx.op('>', [end, start], node), lx.op('-', [end, start], node), num(0)], node);
}

/** `xs.slice(start, end)`: a new array of the same kind with the entries from start to end. */
function slice(lx: Lowering, node: ts.CallExpression, owner: ts.Expression): Operand {
  takes(lx, node, 'slice', 0, 2, 'a start and an end');
  const [startNode, endNode] = node.arguments;
  const source = expression(lx, owner);
  const shape = lx.shapeAt(owner, true);
  const length = lengthOf(lx, source, node);
  const start = startNode ? relativeIndex(lx, startNode, length) : num(0);
  const end = endNode ? relativeIndex(lx, endNode, length) : length;
  if ((shape?.kind ?? 'number') !== 'number') return rowsOf(lx, node, source, start, rangeCount(lx, node, start, end, length));
  return copyOfRange(lx, node, source, shape, containerOf(lx, owner), start, end, length);
}

/** How many entries from start to end, known to be at most the `length` of the array they are in (see Lowering.notLonger). */
function rangeCount(lx: Lowering, node: ts.Node, start: Operand, end: Operand, length: Operand): Operand {
  const count = span(lx, node, start, end);
  if (count.kind === 'var') lx.atMost.set(count.name, length);
  return count;
}

/** A new array of numbers (a `container`) holding the entries of `source` from start to end, at most its `length`. */
export function copyOfRange(
  lx: Lowering,
  node: ts.Expression,
  source: Operand,
  shape: Shape | undefined,
  container: Container,
  start: Operand,
  end: Operand,
  length: Operand,
): Operand {
  const count = rangeCount(lx, node, start, end, length);
  const array = newArray(lx, node, { op: 'newArray', args: container === 'Array' ? [count, num(0)] : [count] }, container);
  overArray(lx, node, [], array, node, [], (index) => {
    const from = start.kind === 'num' && start.value === 0 ? index : lx.op('+', [start, index], node);
    lx.store([array, index, load(lx, source, from, shape, node)], node);
  });
  return array;
}

/**
 * `const [a, b, ...rest] = xs`, `[a, ...rest] = xs`: rest is a new array of xs's entries from
 * the third (`xs.slice(2)`), an Array whatever kind of array xs is.
 */
export function restOf(lx: Lowering, element: ts.Node, rest: ts.Node, value: Operand, k: number): Operand {
  const { ts } = lx;
  if (ts.isObjectBindingPattern(element.parent) || !ts.isIdentifier(rest))
    return fail(element, Code.Unsupported, 'a rest element is supported in destructuring an array into a name only: name the fields or entries you need.');
  const shape = lx.shapeAt(rest, true);
  if ((shape?.kind ?? 'number') !== 'number')
    return fail(
      element,
      Code.Unsupported,
      `a rest element is supported in destructuring an array of numbers: read the rest of the rows or objects with slice ('${rest.text} = ….slice(${k})').`,
    );
  const length = lengthOf(lx, value, rest);
  return copyOfRange(lx, rest, value, shape, 'Array', num(k), length, length);
}

/** `xs.concat(ys, v, zs)`: a new array of the parts, arrays spread and numbers as they are. */
function concat(lx: Lowering, node: ts.CallExpression, owner: ts.Expression): Operand {
  const parts: ArrayPart[] = [{ spread: expression(lx, owner), node: owner }];
  for (const arg of node.arguments) {
    if (isArrayType(lx, arg)) parts.push({ spread: arrayOperand(lx, arg, 'concat'), node: arg });
    else {
      lx.requireNumber(arg, 'concat joins arrays of numbers and numbers');
      parts.push({ value: expression(lx, arg) });
    }
  }
  return concatenation(lx, parts, node);
}

/**
 * `xs.filter((v, i) => keep)`: the entries kept, in a local array grown like one made empty
 * and pushed onto (a typed array's filter copies them into a typed array of its kind).
 */
function filter(lx: Lowering, node: ts.CallExpression, owner: ts.Expression): Operand {
  const callback = callbackOf(lx, node, 'filter');
  const source = arrayOperand(lx, owner, '.filter()');
  const shape = lx.shapeAt(owner, true);
  const kept = growable(lx, node);
  const length = lx.lengths.get(nameOf(kept))!;
  overArray(lx, node, [], source, owner, [length], (index) => {
    const value = load(lx, source, index, shape, node);
    const keep = inline(lx, callback, [value, index, source], true);
    branch(lx, keep, node, () => append(lx, node, kept, length, value));
  });
  // No longer than the source (known without reading it, where the function made it: a loop's state that filter shortens).
  const sourceLength = source.kind === 'var' ? (lx.lengths.get(source.name)?.value ?? createdLength(lx, source.name)) : undefined;
  if (length.value!.kind === 'var' && sourceLength) lx.atMost.set(length.value!.name, sourceLength);
  const container = containerOf(lx, owner);
  if (container === 'Array') return kept;
  const typed = newArray(lx, node, { op: 'newArray', args: [length.value!] }, container);
  overArray(lx, node, [], typed, node, [], (index) => lx.store([typed, index, load(lx, kept, index, NUMBER, node)], node));
  return typed;
}

function createdLength(lx: Lowering, name: string): Operand | undefined {
  const made = lx.created.get(name);
  return made?.kind === 'array' ? made.size : undefined;
}

/** The callback of a method, its only argument. */
function callbackOf(lx: Lowering, node: ts.CallExpression, method: string): LocalFunction {
  takes(lx, node, method, 1, 1, "its callback only (no 'this' argument)");
  return callbackArgument(lx, node, node.arguments[0], method);
}

/**
 * `xs.indexOf(v)` (the first index where `xs[i] === v`, else -1), `lastIndexOf`, and
 * `includes` (equality that also finds NaN): a loop that stops at the first match.
 */
function search(lx: Lowering, node: ts.CallExpression, owner: ts.Expression, method: 'indexOf' | 'lastIndexOf' | 'includes'): Operand {
  takes(lx, node, method, 1, 1, 'the value to look for (from a start index: loop over the indices from it)');
  const [valueNode] = node.arguments;
  lx.requireNumber(valueNode, `${method} looks for a number here`);
  const source = arrayOperand(lx, owner, `.${method}()`);
  const shape = lx.shapeAt(owner, true);
  const value = expression(lx, valueNode);
  const found = lx.hidden('found', method === 'includes' ? FALSE : num(-1));
  const first = method !== 'lastIndexOf';
  const more = () => (method === 'includes' ? lx.op('not', [found.value!], node) : lx.op('<', [found.value!, num(0)], node));
  overArray(
    lx,
    node,
    [],
    source,
    owner,
    [found],
    (index) => {
      const entry = load(lx, source, index, shape, node);
      const equal = lx.op('===', [entry, value], node);
      if (method === 'includes') {
        // SameValueZero: NaN is found too.
        const bothNaN = lx.op('and', [lx.op('!==', [entry, entry], node), lx.op('!==', [value, value], node)], node);
        found.value = lx.op('or', [equal, bothNaN], node);
        return;
      }
      found.value = lx.op('select', [equal, index, first ? num(-1) : found.value!], node);
    },
    first ? more : undefined,
  );
  return found.value!;
}

/** `xs.findIndex((v, i) => p)`: the first index where p holds, else -1. */
function findIndex(lx: Lowering, node: ts.CallExpression, owner: ts.Expression): Operand {
  const callback = callbackOf(lx, node, 'findIndex');
  const source = arrayOperand(lx, owner, '.findIndex()');
  const shape = lx.shapeAt(owner, true);
  const found = lx.hidden('found', num(-1));
  overArray(
    lx,
    node,
    [],
    source,
    owner,
    [found],
    (index) => {
      const holds = inline(lx, callback, [load(lx, source, index, shape, node), index, source], true);
      found.value = lx.op('select', [holds, index, num(-1)], node);
    },
    () => lx.op('<', [found.value!, num(0)], node),
  );
  return found.value!;
}

/** `rows.flat()`: the entries of the rows of an array of arrays, one row after the other, in a new local array. */
function flat(lx: Lowering, node: ts.CallExpression, owner: ts.Expression): Operand {
  takes(lx, node, 'flat', 0, 0, 'no depth (it flattens one level)');
  const rowShape = lx.shapeAt(owner, true);
  if (rowShape?.kind === 'array' && rowShape.element.kind !== 'number') oneLevel(node, 'flat');
  const rows = expression(lx, owner);
  const out = growable(lx, node);
  const length = lx.lengths.get(nameOf(out))!;
  overArray(lx, node, [], rows, owner, [length], (index) => {
    if (rowShape?.kind !== 'array') return append(lx, node, out, length, load(lx, rows, index, rowShape, node));
    const row = load(lx, rows, index, rowShape, node);
    overArray(lx, node, [], row, node, [length], (k) => append(lx, node, out, length, load(lx, row, k, NUMBER, node)));
  });
  return out;
}

/** `xs.flatMap((v, i) => …)`: what the callback returns for each entry (an array's entries, or a number), one after the other. */
function flatMap(lx: Lowering, node: ts.CallExpression, owner: ts.Expression): Operand {
  const callback = callbackOf(lx, node, 'flatMap');
  if ((lx.shapeAt(node, true)?.kind ?? 'number') !== 'number') oneLevel(node, 'flatMap');
  const source = arrayOperand(lx, owner, '.flatMap()');
  const shape = lx.shapeAt(owner, true);
  const checker = lx.env.checker!;
  const returned = checker.getSignaturesOfType(checker.getTypeAtLocation(node.arguments[0]), lx.ts.SignatureKind.Call)[0]?.getReturnType();
  const returnsArrays = returned !== undefined && (checker.isArrayType(returned) || checker.isTupleType(returned));
  const out = growable(lx, node);
  const length = lx.lengths.get(nameOf(out))!;
  overArray(lx, node, [], source, owner, [length], (index) => {
    const value = inline(lx, callback, [load(lx, source, index, shape, node), index, source], true);
    if (!returnsArrays) return append(lx, node, out, length, value);
    overArray(lx, node, [], value, node, [length], (k) => append(lx, node, out, length, load(lx, value, k, NUMBER, node)));
  });
  return out;
}

function oneLevel(node: ts.Node, method: string): never {
  return fail(node, Code.Unsupported, `${method} builds an array of numbers here: it flattens one level, of arrays of numbers.`);
}

/** Appends a number to an array grown like one made empty (`length` is its length). */
function append(lx: Lowering, node: ts.Expression, array: Operand, length: Binding, value: Operand): void {
  lx.store([array, length.value!, value], node);
  length.value = lx.op('+', [length.value!, num(1)], node);
}

/** `xs.at(i)`: the entry at i, counted from the end where i is negative. */
function at(lx: Lowering, node: ts.CallExpression, owner: ts.Expression): Operand {
  takes(lx, node, 'at', 1, 1, 'one index');
  const [indexNode] = node.arguments;
  const source = expression(lx, owner);
  const index = relativeIndex(lx, indexNode, lengthOf(lx, source, node), false);
  return load(lx, source, index, lx.shapeAt(node, false), node);
}

/**
 * `xs.sort(compare)` on a local array, `[...xs].sort(compare)` and `xs.toSorted(compare)`:
 * the permutation that sorts the keys the comparator compares (`sortOrder`, computed once),
 * then the entries read at its indices. A sort in place writes them back, unless the array
 * is new (nothing else refers to it), whose sorted copy is the result.
 */
function sort(lx: Lowering, node: ts.CallExpression, owner: ts.Expression, inPlace: boolean): Operand {
  const container = containerOf(lx, owner);
  const how = sortKeys(lx, node, container);
  const source = inPlace && !isNew(lx, owner) ? ownArray(lx, owner, 'sort') : expression(lx, owner);
  // The permutation sorts a whole array: a row of a matrix, or keys, are copied into one first.
  const view = source.kind === 'var' && lx.rows.has(source.name);
  const keys = how.key || view ? keyArray(lx, node, source, owner, how.key ?? ((value) => value)) : source;
  const order = lx.env.names.fresh('t');
  lx.body.push({ kind: 'let', name: order, expr: { op: 'sortOrder', args: [keys], field: how.order }, role: 'temp', origin: node, shape: INDICES });
  lx.localArrays.add(order);
  const sorted = permuted(lx, node, source, owner, container, (index) => load(lx, variable(order), index, NUMBER, node));
  return inPlace && !isNew(lx, owner) ? writeBack(lx, node, source, sorted) : sorted;
}

const INDICES: Shape = { kind: 'array', element: NUMBER, container: 'Array' };

/** The keys a comparator `(a, b) => key(a) - key(b)` compares, one per entry of `source`. */
function keyArray(lx: Lowering, node: ts.Expression, source: Operand, owner: ts.Expression, key: (element: Operand) => Operand): Operand {
  const shape = lx.shapeAt(owner, true);
  const keys = newArray(lx, node, { op: 'newArray', args: [lengthOf(lx, source, node)] }, 'Float64Array');
  overArray(lx, node, [], keys, node, [], (index) => lx.store([keys, index, key(load(lx, source, index, shape, node))], node));
  return keys;
}

/** `xs.reverse()` on a local array, `[...xs].reverse()`, `xs.toReversed()`. */
function reverse(lx: Lowering, node: ts.CallExpression, owner: ts.Expression, inPlace: boolean): Operand {
  takes(lx, node, 'reverse', 0, 0, 'no arguments');
  const container = containerOf(lx, owner);
  const source = inPlace && !isNew(lx, owner) ? ownArray(lx, owner, 'reverse') : expression(lx, owner);
  const last = lx.op('-', [lengthOf(lx, source, node), num(1)], node);
  const reversed = permuted(lx, node, source, owner, container, (index) => lx.op('-', [last, index], node));
  return inPlace && !isNew(lx, owner) ? writeBack(lx, node, source, reversed) : reversed;
}

/** A new array whose entry k is `source[at(k)]`. */
function permuted(lx: Lowering, node: ts.Expression, source: Operand, owner: ts.Expression, container: Container, at: (index: Operand) => Operand): Operand {
  const shape = lx.shapeAt(owner, true);
  const length = lengthOf(lx, source, node);
  const array = newArray(lx, node, { op: 'newArray', args: container === 'Array' ? [length, num(0)] : [length] }, container);
  overArray(lx, node, [], array, node, [], (index) => lx.store([array, index, load(lx, source, at(index), shape, node)], node));
  return array;
}

/** Copies `values` into `array`, entry by entry; returns `array`. */
function writeBack(lx: Lowering, node: ts.Expression, array: Operand, values: Operand): Operand {
  overArray(lx, node, [], array, node, [], (index) => lx.store([array, index, load(lx, values, index, NUMBER, node)], node));
  return array;
}

/** An array made by the expression itself (a literal, `new`, a call): nothing else refers to it. */
function isNew(lx: Lowering, owner: ts.Expression): boolean {
  const { ts } = lx;
  const node = skipTypeSyntax(ts, owner);
  return ts.isArrayLiteralExpression(node) || ts.isNewExpression(node) || ts.isCallExpression(node);
}
