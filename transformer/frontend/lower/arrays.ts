// Lowering of arrays and objects: reads of parameters' and local arrays, writes into local
// arrays (`new Float64Array(n)`, literals, `push`, spreads), object literals, and the array
// methods lowered to loops with their callback inlined.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Callee, type Expr, type Operand, UNDEFINED, UNSET, isUnset, nameOf, num, sameOperand, str, variable } from '../../ir/ir';
import { NUMBER, type Shape, isDataField, isDataType, isNumberOrMissing, placeholderOf } from '../../ir/shapes';
import { type LocalFunction, type Lowering, FALSE, TRUE } from './lowering';
import { expression, read } from './expressions';
import { callTarget } from './calls';
import { callLocal, functionValue, parameterCount } from './functions';
import { addRecordField, makeRecord, recordField } from './objects';
import { overArray } from './loops';
import { branch } from './control';
import { throwTypeError } from './verbatim';
import { entryOf, grownRows, grownRowsOfRows, knownWithinRow, numberFields, objectRowField, objectRows, rowLength, rowOf } from './matrices';
import { listEntry, listEntryMissing, listOf, mappedList } from './lists';
import { entryField, tableEntry, tableLength } from './tables';
import { firstEntryRead, locationOf, sourceText } from '../quoting';
import { requireIndex } from './keys';
import { skipParentheses, skipTypeSyntax } from '../type-syntax';

/** An array that a loop or an array method walks over. */
export function arrayOperand(lx: Lowering, node: ts.Expression, what: string): Operand {
  if (!isArrayType(lx, node))
    fail(
      node,
      Code.Unsupported,
      `${what} is supported over arrays only: for the indices of an array, write a counted loop or Array.from({ length: n }, (_, i) => i); a Map, a Set or an iterator is not differentiated.`,
    );
  return expression(lx, node);
}

/**
 * What to write instead of `xs[i] = …` into the caller's `xs`: a copy, written with the user's
 * names ('const out = [...xs]; out[i] = …'), named `out` unless its file uses that name.
 */
function copyToWrite(lx: Lowering, target: ts.ElementAccessExpression): string {
  const array = sourceText(target.expression);
  const used = new Set(target.getSourceFile().text.match(/[\w$]+/g));
  let name = 'out';
  for (let k = 2; used.has(name); k++) name = `out${k}`;
  const copy = containerOf(lx, target.expression) === 'Array' ? `[...${array}]` : `${array}.slice()`;
  return `Copy it first and write into the copy: 'const ${name} = ${copy}; ${name}[${sourceText(target.argumentExpression)}] = …'.`;
}

/**
 * A helper writes into an array its caller did not create: where it is called (also from
 * another file) and, where it writes into its own parameter, the copy to pass there.
 */
function copyToPass(lx: Lowering, target: ts.ElementAccessExpression, helper: Callee): string {
  const { ts } = lx;
  const call = helper.site && ts.isCallExpression(helper.site) ? helper.site : undefined;
  const called = `The helper '${helper.name}' is called with an array the differentiated function did not create`;
  if (!call) return `${called}.`;
  const at = locationOf(call);
  const written = skipParentheses(ts, target.expression);
  const fn = helper.target?.node;
  const index = fn && ts.isIdentifier(written) ? fn.parameters.findIndex((param) => ts.isIdentifier(param.name) && param.name.text === written.text) : -1;
  const argument = index >= 0 ? call.arguments[index] : undefined;
  if (!argument || ts.isSpreadElement(argument)) return `${called}, at ${at}.`;
  const array = sourceText(argument);
  const used = new Set(call.getSourceFile().text.match(/[\w$]+/g));
  let name = 'copy';
  for (let k = 2; used.has(name); k++) name = `copy${k}`;
  const copy = containerOf(lx, argument) === 'Array' ? `[...${array}]` : `${array}.slice()`;
  const args = call.arguments.map((arg, k) => (k === index ? name : sourceText(arg)));
  return `${called}, at ${at}: copy '${array}' there and pass the copy, which then holds what '${helper.name}' writes: 'const ${name} = ${copy}; ${sourceText(call.expression)}(${args.join(', ')})'.`;
}

/** Whether an expression is an array, a tuple or a typed array (by its type). */
export function isArrayType(lx: Lowering, node: ts.Expression): boolean {
  const checker = lx.env.checker;
  const type = checker && constrained(lx, checker.getTypeAtLocation(node));
  return (
    !!type &&
    !!checker &&
    (checker.isArrayType(type) || checker.isTupleType(type) || ['Float64Array', 'Float32Array'].includes(type.getSymbol()?.getName() ?? ''))
  );
}

/** Whether an array's entries are arrays themselves (`[poly[i], poly[j]]` for rows `poly[i]`). */
function holdsArrays(lx: Lowering, node: ts.Expression): boolean {
  const { ts } = lx;
  const literal = skipTypeSyntax(ts, node);
  if (ts.isArrayLiteralExpression(literal)) return literal.elements.some((element) => !ts.isSpreadElement(element) && isArrayType(lx, element));
  const entry = lx.typeAt(node).getNumberIndexType();
  const checker = lx.env.checker!;
  return !!entry && (checker.isArrayType(entry) || checker.isTupleType(entry));
}

/** A generic's type parameter as what its call gives it, or (`T extends number[]`) what it is constrained to; another type as it is. */
function constrained(lx: Lowering, type: ts.Type): ts.Type {
  const resolved = lx.resolveType(type);
  return (resolved.flags & lx.ts.TypeFlags.TypeParameter && resolved.getConstraint()) || resolved;
}

/** The kind of array an expression is: a typed array keeps its type through map, slice, sort… */
export function containerOf(lx: Lowering, node: ts.Expression): Container {
  const name = constrained(lx, lx.typeAt(node)).getSymbol()?.getName();
  return name === 'Float64Array' || name === 'Float32Array' ? name : 'Array';
}

export type Container = 'Array' | 'Float64Array' | 'Float32Array';

/**
 * `xs.map(f)`, `xs.reduce(f, init)`, `xs.forEach(f)`, `xs.every(p)`, `xs.some(p)` with
 * the callback written in place: loops over xs whose pass is the callback's body.
 */
export function arrayMethod(
  lx: Lowering,
  node: ts.CallExpression,
  method: 'reduce' | 'reduceRight' | 'forEach' | 'every' | 'some' | 'map',
  arrayNode: ts.Expression,
): Operand {
  const [callbackNode, initial] = node.arguments;
  const callback = callbackArgument(lx, node, callbackNode, method);
  const array = arrayOperand(lx, arrayNode, `.${method}()`);
  const elementShape = lx.shapeAt(arrayNode, true);
  const element = (index: Operand) => load(lx, array, index, elementShape, node);
  switch (method) {
    case 'reduce':
    case 'reduceRight': {
      // Without an initial value, the first entry is the initial value and the passes start at
      // the second; an empty array throws JavaScript's error (a local array of objects is never empty).
      // reduceRight's pass k reads the k-th entry from the end, and gives the callback that entry's index.
      // A local array of objects or a table of functions has its length at compile time (its loops are unrolled).
      const entries = listOf(lx, array)?.length ?? tableLength(lx, array);
      if (!initial && !listOf(lx, array)) {
        const empty = lx.op('===', [lengthOf(lx, array, arrayNode), num(0)], node);
        branch(lx, empty, node, () => throwTypeError(lx, 'Reduce of empty array with no initial value', node));
      }
      const last = method === 'reduceRight' && entries === undefined ? lx.op('-', [lengthOf(lx, array, arrayNode), num(1)], node) : undefined;
      const at = (pass: Operand): Operand => {
        if (method === 'reduce') return pass;
        return entries !== undefined && pass.kind === 'num' ? num(entries - 1 - pass.value) : lx.op('-', [last!, pass], node);
      };
      const accumulator = lx.hidden('acc', initial ? expression(lx, initial) : element(at(num(0))));
      const pass = (k: Operand) => {
        const index = at(k);
        accumulator.value = inline(lx, callback, [accumulator.value!, element(index), index, array], true);
      };
      overArray(lx, node, [], array, arrayNode, [accumulator], pass, undefined, initial ? 0 : 1);
      return accumulator.value!;
    }
    case 'forEach':
      overArray(lx, node, [], array, arrayNode, [], (index) => void inline(lx, callback, [element(index), index, array], false));
      return UNSET;
    case 'every':
    case 'some': {
      const every = method === 'every';
      const result = lx.hidden(every ? 'all' : 'any', every ? TRUE : FALSE);
      const more = () => (every ? result.value! : lx.op('not', [result.value!], node));
      overArray(
        lx,
        node,
        [],
        array,
        arrayNode,
        [result],
        (index) => {
          result.value = inline(lx, callback, [element(index), index, array], true);
        },
        more,
      );
      return result.value!;
    }
    case 'map': {
      // A new local array of the same kind (a typed array maps to its own type), filled in a loop.
      const kind = containerOf(lx, arrayNode);
      const list = listOf(lx, array);
      const result = lx.typeAt(node);
      const toNumbers = lx.isNumber(result.getNumberIndexType() ?? result);
      if (list && !toNumbers) return mappedList(lx, node, list, (value, index) => inline(lx, callback, [value, index, array], true));
      const length = lengthOf(lx, array, node);
      const fields = numberFields(lx.shapeAt(node, true));
      if (fields)
        return objectRows(lx, node, fields, length, (each) =>
          overArray(lx, node, [], array, arrayNode, [], (index) => each(index, inline(lx, callback, [element(index), index, array], true))),
        );
      if (!toNumbers) fail(callbackNode, Code.Unsupported, 'map must build an array of numbers or of objects of numbers here.');
      const mapped = newArray(lx, node, { op: 'newArray', args: kind === 'Array' ? [length, num(0)] : [length] }, kind);
      overArray(lx, node, [], array, arrayNode, [], (index) => {
        const value = inline(lx, callback, [element(index), index, array], true);
        lx.store([mapped, index, value], node);
      });
      return mapped;
    }
  }
}

/** The callback given to an array method: a function written in place, declared in the function, or declared in the program. */
export function callbackArgument(lx: Lowering, node: ts.CallExpression, callbackNode: ts.Expression | undefined, method: string): LocalFunction {
  const callback = callbackNode && functionValue(lx, callbackNode);
  if (!callback)
    return fail(
      callbackNode ?? node,
      Code.Unsupported,
      `the callback of ${method} must be a function written in place ('(v) => …'), declared in the function, or declared in the program.`,
    );
  return callback;
}

/** A callback's call with `args`; its result where it has one. */
export function inline(lx: Lowering, fn: LocalFunction, args: readonly Operand[], needsValue: true): Operand;

export function inline(lx: Lowering, fn: LocalFunction, args: readonly Operand[], needsValue: false): Operand | undefined;

export function inline(lx: Lowering, fn: LocalFunction, args: readonly Operand[], needsValue: boolean): Operand | undefined {
  if (parameterCount(fn) > args.length) fail(fn.node!.parameters[args.length], Code.Unsupported, `this callback takes at most ${args.length} parameters here.`);
  const site = fn.reference ?? fn.node!;
  const value = callLocal(lx, site, fn, args, (callee) => callTarget(lx, site, callee, args));
  if (needsValue && isUnset(value)) fail(site, Code.Unsupported, 'this callback must return a value.');
  return isUnset(value) ? undefined : value;
}

/** `container[index]`: a number, or an array or object of the container (then tracked), or a row of a local matrix. */
export function load(lx: Lowering, container: Operand, index: Operand, shape: Shape | undefined, origin: ts.Node, userName?: string): Operand {
  const read = loadWithin(lx, container, index, shape, origin, userName);
  if (container.kind !== 'var' || !lx.shortened.has(container.name)) return read;
  return lx.op('select', [lx.op('<', [index, lengthOf(lx, container, origin)], origin), read, NOT_A_NUMBER], origin);
}

/** What an entry past the end of an array is in arithmetic (undefined acts as NaN there). */
const NOT_A_NUMBER = num(NaN, 'NaN');

/** `container[index]` where the index is known to be below the length (a copy lowering makes). */
export function loadWithin(lx: Lowering, container: Operand, index: Operand, shape: Shape | undefined, origin: ts.Node, userName?: string): Operand {
  const list = listOf(lx, container);
  if (list) return listEntry(lx, list, index, origin);
  const matrix = container.kind === 'var' ? lx.matrices.get(container.name) : undefined;
  if (matrix) return rowOf(lx, matrix, index, origin);
  const row = container.kind === 'var' ? lx.rows.get(container.name) : undefined;
  if (row) return load(lx, row.matrix.data, entryOf(lx, row, index, origin), shape, origin, userName);
  const entry = tableEntry(lx, container, index, origin, userName);
  if (entry) return entry;
  const pristine = container.kind === 'var' ? lx.pristine.get(container.name) : undefined;
  if (
    pristine &&
    pristine.loops === lx.loops &&
    index.kind === 'num' &&
    Number.isInteger(index.value) &&
    index.value >= 0 &&
    index.value < pristine.entries.length
  ) {
    return pristine.entries[index.value];
  }
  const local = container.kind === 'var' && lx.localArrays.has(container.name);
  return lx.part({ op: local ? 'localElement' : 'element', args: [container, index] }, shape, origin, userName);
}

/**
 * Whether `container` has no entry at `index`: the condition of a default (`u[i - 1] ?? 0`,
 * `[a, b = 2]`). A row of an array of arrays is a view of one flat array, whose entries go on
 * past the row's end: there, the index is tested against the row's length.
 */
export function entryMissing(lx: Lowering, container: Operand, index: Operand, origin: ts.Node): Operand {
  const list = listOf(lx, container);
  if (list) return listEntryMissing(lx, list, index, origin);
  if (container.kind === 'var' && lx.shortened.has(container.name)) pastShortenedEnd(origin);
  if (container.kind === 'var' && (lx.matrices.has(container.name) || lx.rows.has(container.name))) {
    const from = lx.op('and', [lx.op('isInteger', [index], origin), lx.op('>=', [index, num(0)], origin)], origin);
    return lx.op('not', [lx.op('and', [from, lx.op('<', [index, lengthOf(lx, container, origin)], origin)], origin)], origin);
  }
  const local = container.kind === 'var' && lx.localArrays.has(container.name);
  return lx.op(local ? 'localMissing' : 'missing', [container, index], origin);
}

/**
 * A read of an entry `read` where one past the end matters (`xs[i] === undefined`, `xs?.[i] ?? 0`):
 * a diagnostic for an array a loop shortens, whose buffer still holds numbers past its length.
 */
export function requireUnshortened(lx: Lowering, read: Operand, node: ts.Node): void {
  const made = read.kind === 'var' ? lx.body.find((stmt) => stmt.kind === 'let' && stmt.name === read.name) : undefined;
  // `load` reads it as NaN past the length (select(i < length, entry, NaN)): where undefined would be tested, that is not it.
  if (made?.kind === 'let' && made.expr.op === 'select') return requireUnshortened(lx, made.expr.args[1], node);
  const array = made?.kind === 'let' && made.expr.op === 'localElement' ? made.expr.args[0] : undefined;
  if (array?.kind === 'var' && lx.shortened.has(array.name)) pastShortenedEnd(node);
}

/** An array a loop shortens keeps numbers past its length in its buffer: where an entry past the end would be undefined, a diagnostic. */
function pastShortenedEnd(node: ts.Node): never {
  const entry = firstEntryRead(node);
  const [array, index] = entry ? [entry.expression.getText(), entry.argumentExpression.getText()] : ['…', '…'];
  return fail(
    node,
    Code.Unsupported,
    `this reads an entry of an array whose length a loop changes (slice, filter, a spread or concat that adds entries), where an entry past its end would be undefined: compare the index with its length instead ('${index} < ${array}.length ? ${array}[${index}] : 0').`,
  );
}

/** `a[i] = v` or `a[i] op= v` into a local array: the stored value is the expression's. */
export function storeElement(lx: Lowering, target: ts.ElementAccessExpression, value: (old: () => Operand) => Operand, origin: ts.Node): Operand {
  requireIndex(lx, target);
  const container = expression(lx, target.expression);
  const matrix = container.kind === 'var' ? (lx.matrices.get(container.name) ?? lx.rows.get(container.name)?.matrix) : undefined;
  if (container.kind === 'var' && lx.matrices.has(container.name)) {
    const row = target.getText();
    fail(
      target,
      Code.Unsupported,
      `writing a whole row, '${row} = …', is not supported: write its entries, 'for (let j = 0; j < ${row}.length; j++) ${row}[j] = …'.`,
    );
  }
  if (matrix?.state) {
    fail(
      target,
      Code.Unsupported,
      `writing to '${target.getText()}' is not supported: '${matrix.state}' is an array of arrays a loop reassigns, whose rows may be those of the array it was made from (slice shares them): make new rows instead: ${matrix.state} = ${matrix.state}.map((row) => […]).`,
    );
  }
  if (matrix?.borrowed) {
    fail(
      target,
      Code.Unsupported,
      `writing to '${target.getText()}' is not supported: the rows of this array of arrays are arrays the differentiated function did not create (never its caller's data): build it of copies, [...row].`,
    );
  }
  if (listOf(lx, container))
    fail(
      target,
      Code.Unsupported,
      `writing '${target.getText()}', an entry of a local array of objects or arrays, is not supported (its entries are kept apart, not in an array): write the entry's fields ('${target.getText()}.x = …'), or build a new array.`,
    );
  if (!matrix && (container.kind !== 'var' || !lx.localArrays.has(container.name))) {
    const helper = lx.inlining[lx.inlining.length - 1];
    // In a helper the copy belongs to its caller, which passes it; here it is one line to write.
    const instead = helper ? ` ${copyToPass(lx, target, helper)}` : ` ${copyToWrite(lx, target)}`;
    fail(
      target,
      Code.Unsupported,
      `writing to '${target.getText()}' is not supported: differentiated code may write only into arrays it creates itself (never into its caller's data).${instead}`,
    );
  }
  const index = expression(lx, target.argumentExpression);
  const row = container.kind === 'var' ? lx.rows.get(container.name) : undefined;
  if (row && knownWithinRow(row, index) === false)
    fail(
      target,
      Code.Unsupported,
      `'${target.getText()}' is past the end of its row: the rows of an array of arrays the function builds keep their length; build the row as long as it needs to be.`,
    );
  if (!matrix) {
    requireWithinLength(lx, target, container, index);
    requireKnownWithin(lx, target, container, index);
  }
  const stored = value(() => load(lx, container, index, NUMBER, target));
  lx.store([container, index, stored], origin);
  const grown = container.kind === 'var' && !matrix ? lx.lengths.get(container.name) : undefined;
  if (grown) grown.value = lengthAfterWrite(lx, grown.value!, index, origin);
  return stored;
}

/**
 * The length of an array created empty (or grown by push) after a write at `index`: as
 * JavaScript makes it, `index + 1` where the write is at or past its end at an index (an
 * integer: `a[0.5]` and `a[NaN]` are properties, and `a[-1]` is before its start), so that
 * `const out: number[] = []; for (…) out[i] = …` is as long as the writes make it.
 */
function lengthAfterWrite(lx: Lowering, length: Operand, index: Operand, origin: ts.Node): Operand {
  if (length.kind === 'num' && index.kind === 'num') return Number.isInteger(index.value) && index.value >= length.value ? num(index.value + 1) : length;
  if (index.kind === 'num' && !Number.isInteger(index.value)) return length;
  const past = lx.op('>=', [index, length], origin);
  const lengthens = index.kind === 'num' ? past : lx.op('and', [past, lx.op('===', [lx.op('%', [index, num(1)], origin), num(0)], origin)], origin);
  // A length is an integer, constant between the indices that change it: no derivative (an
  // index computed from a parameter must not give it one), which Math.floor of the (whole) index has.
  const next = index.kind === 'num' ? num(index.value + 1) : lx.op('+', [lx.op('floor', [index], origin), num(1)], origin);
  return lx.op('select', [lengthens, next, length], origin);
}

/**
 * A write into a number[] at an index known to be at or past its length, also known: JavaScript
 * lengthens the array there. At its end (`out[0] = x; out[1] = y` of `[]`), as push does: the
 * array's length is a variable (see WrittenPastEnd) that the write updates. Past it, with holes
 * between, which reduce, map and forEach skip and differentiated code reads as undefined: a
 * diagnostic. A typed array ignores such a write, as every derivative does; at a key that is not
 * an index (-1, 0.5) a number[] takes a property, which reads of the same key give back.
 */
function requireWithinLength(lx: Lowering, target: ts.ElementAccessExpression, container: Operand, index: Operand): void {
  if (container.kind !== 'var' || index.kind !== 'num' || !Number.isInteger(index.value) || index.value < 0) return;
  const made = lx.created.get(container.name);
  if (made?.kind !== 'array' || made.container !== 'Array') return;
  const tracked = lx.lengths.get(container.name)?.value;
  const length = tracked ?? made.size;
  if (length?.kind !== 'num' || index.value < length.value) return;
  if (index.value === length.value) {
    if (tracked || lx.writesAssumedWithin) return;
    throw new WrittenPastEnd(made.origin, target, length.value);
  }
  fail(
    target,
    Code.Unsupported,
    `'${target.getText()}' is past the end of '${target.expression.getText()}', whose length is ${length.value} here: JavaScript lengthens a number[] written past its end with holes between (which reduce, map and forEach skip), which differentiated code does not follow. Write its entries in order ('${target.expression.getText()}[${length.value}] = …' first, or push), or make it as long as it needs to be ('new Array<number>(${index.value + 1}).fill(0)').`,
  );
}

/** `xs.push(a, b)` on an array created empty: a write at its length, which grows. */
export function push(lx: Lowering, node: ts.CallExpression, callee: ts.PropertyAccessExpression): Operand {
  const rows = node.arguments.find((arg) => isArrayType(lx, arg));
  const grown = lx.ts.isIdentifier(callee.expression) ? callee.expression.text : undefined;
  if (rows && holdsArrays(lx, rows)) grownRowsOfRows(rows, grown);
  if (rows) grownRows(rows, grown);
  const object = node.arguments.find((arg) => lx.shapeAt(arg, false)?.kind === 'object');
  if (object)
    fail(
      object,
      Code.Unsupported,
      `an array of objects grown by push is not supported: build '${callee.expression.getText()}' with map, its callback returning an object literal, or push each field onto an array of its own.`,
    );
  const array = expression(lx, callee.expression);
  const length = array.kind === 'var' && !lx.shortened.has(array.name) ? lx.lengths.get(array.name) : undefined;
  if (!length)
    fail(
      node,
      Code.Unsupported,
      `push is supported on arrays the function creates empty ('const out: number[] = []'), which '${callee.expression.getText()}' is not: push onto such an array, or write the entries of one made with its length (new Array<number>(n).fill(0)).`,
    );
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

/** An array's length: its own variable for an array grown by push; a local matrix's rows. */
export function lengthOf(lx: Lowering, array: Operand, origin: ts.Node): Operand {
  if (array.kind !== 'var') return lx.op('length', [array], origin);
  const list = lx.lists.get(array.name);
  if (list) return num(list.length);
  const matrix = lx.matrices.get(array.name);
  if (matrix) return matrix.rows;
  const row = lx.rows.get(array.name);
  if (row) return rowLength(lx, row, origin);
  const grown = lx.lengths.get(array.name);
  if (grown) return grown.value!;
  // The length an array was made with stays known through what is made from it: a map of a
  // tuple state is a tuple state again, a map of a buffer is as long as the buffer (loops.ts).
  const made = lx.created.get(array.name);
  return made?.kind === 'array' ? made.size : lx.op('length', [array], origin);
}

/** `[a, ...xs, b]`: a local array as long as all parts, filled part by part (a loop per spread). */
export function spreadLiteral(lx: Lowering, node: ts.ArrayLiteralExpression): Operand {
  const { ts } = lx;
  const parts = node.elements.map((element): ArrayPart =>
    ts.isSpreadElement(element) ? { spread: arrayOperand(lx, element.expression, 'spreading'), node: element.expression } : { value: expression(lx, element) },
  );
  return concatenation(lx, parts, node);
}

function tupleLengthOf(lx: Lowering, part: { readonly spread: Operand; readonly node: ts.Expression }): Operand | undefined {
  const length = part.spread.kind === 'var' ? lx.tupleLengths.get(part.spread.name) : undefined;
  return length === undefined ? undefined : num(length);
}

/** A part of an array being built: one value, or the entries of an array spread into it. */
export type ArrayPart = { readonly value: Operand } | { readonly spread: Operand; readonly node: ts.Expression };

/** A new local array of `parts` in order, as long as all of them (a loop per spread). */
export function concatenation(lx: Lowering, parts: readonly ArrayPart[], node: ts.Expression): Operand {
  // Summed from the first part's length (not from 0), so that a copy [...xs] is known to be as long as xs.
  // A spread tuple (`[...s0]` with `s0: [number, number]`) has its type's length, so the copy is a small state too.
  const lengths = parts.map((part) => ('spread' in part ? (tupleLengthOf(lx, part) ?? lengthOf(lx, part.spread, node)) : num(1)));
  const length = lengths.length === 0 ? num(0) : lengths.reduce((total, next) => lx.op('+', [total, next], node));
  const array = newArray(lx, node, { op: 'newArray', args: [length, num(0)] }, 'Array');
  const store = (index: Operand, value: Operand) => lx.store([array, index, value], node);
  let position: Operand = num(0);
  for (const part of parts) {
    if (!('spread' in part)) {
      store(position, part.value);
      position = lx.op('+', [position, num(1)], node);
      continue;
    }
    const start = position;
    const source = part.spread;
    const shape = lx.shapeAt(part.node, true);
    overArray(lx, node, [], source, part.node, [], (index) => store(lx.op('+', [start, index], node), load(lx, source, index, shape, node)));
    position = lx.op('+', [start, lengthOf(lx, source, node)], node);
  }
  return array;
}

/** `[]`: a local array grown by push, whose length is a variable (in scope, so branches and loops carry it). */
export function growable(lx: Lowering, node: ts.Expression): Operand {
  const array = newArray(lx, node, { op: 'arrayOf', args: [] }, 'Array');
  trackLength(lx, nameOf(array), num(0));
  return array;
}

/** Which field of an object literal holds what it cannot (null, a Map, …), to be kept in a variable of its own. */
function fieldWithoutShape(lx: Lowering, node: ts.ObjectLiteralExpression): string {
  const { ts } = lx;
  const checker = lx.env.checker!;
  for (const property of node.properties) {
    const value = ts.isPropertyAssignment(property) ? property.initializer : ts.isShorthandPropertyAssignment(property) ? property.name : undefined;
    if (!value || lx.shapeAt(value, false)) continue;
    const type = lx.typeAt(value);
    // Strings and booleans are data the object may hold, a number that may be missing a field
    // undefined where it is (see Shape.data, shapeOf), a function code left out of its numbers.
    if (isDataType(ts, type) || isNumberOrMissing(ts, checker, type, lx.resolveType)) continue;
    if (checker.getSignaturesOfType(type, ts.SignatureKind.Call).length > 0) continue;
    const name = property.name!.getText();
    if (type.flags & ts.TypeFlags.Undefined)
      return `: '${name}' is undefined; leave it out, as a field the type makes optional may be missing, or make it with a value ('${name}: ${placeholderOf(ts, checker, checker.getContextualType(value))}')`;
    return `: '${name}' has type '${checker.typeToString(checker.getBaseTypeOfLiteralType(type))}'; keep other data out of it, in a variable of its own`;
  }
  return '';
}

/**
 * `{ w, b: 2 * x }`, `{ ...base, x }`, `{}`: an object the function creates (see objects.ts for
 * writing its fields). It has the fields it is given: an optional field it is not given is
 * missing, and reads as undefined (`opts.lr ?? 0.2`). Its fields of strings and booleans
 * (`{ clamp: true }`, `{ kind: 'call' }`) are data: kept, read and copied, never differentiated.
 */
export function objectLiteral(lx: Lowering, node: ts.ObjectLiteralExpression): Operand {
  const { ts } = lx;
  const typeShape = node.properties.length === 0 ? EMPTY_OBJECT : lx.shapeAt(node, false, MADE_OBJECT);
  if (!typeShape || typeShape.kind !== 'object')
    fail(node, Code.Unsupported, `an object literal must have fields of numbers, strings, booleans, arrays or objects of these${fieldWithoutShape(lx, node)}.`);
  // In JavaScript's order: a later field replaces an earlier one of the same name, in its place.
  const values = new Map<string, Operand>();
  for (const property of node.properties) {
    if (ts.isShorthandPropertyAssignment(property)) {
      values.set(property.name.text, read(lx, property.name));
    } else if (ts.isPropertyAssignment(property) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) {
      values.set(property.name.text, expression(lx, property.initializer));
    } else if (ts.isSpreadAssignment(property)) {
      // `...base`: each field of base's type, read as it is now.
      const spread = lx.shapeAt(property.expression, false, MADE_OBJECT);
      if (spread?.kind !== 'object')
        fail(property, Code.Unsupported, 'only objects of numbers, strings, booleans, arrays or objects of these can be spread into an object literal.');
      const base = expression(lx, property.expression);
      const type = lx.env.checker && lx.typeAt(property.expression);
      // In the order of base's fields, as JavaScript copies them, data among them.
      const order = type?.getProperties().map((property) => property.name) ?? [];
      const fields = [...spread.fields, ...(spread.data ?? []).map((name) => ({ name, shape: undefined }))];
      fields.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
      for (const field of fields) {
        const optional = ((type?.getProperty(field.name)?.flags ?? 0) & ts.SymbolFlags.Optional) !== 0;
        const value = spreadField(lx, base, field, optional, values.get(field.name), property);
        if (value) values.set(field.name, value);
      }
    } else {
      fail(property, Code.Unsupported, 'object literals may only have plain fields and spreads (no methods, accessors or computed names).');
    }
  }
  const fields = [...values.keys()];
  // The fields it has, which an optional field left out is not one of.
  const typeFields = [...typeShape.fields.map((field) => field.name), ...(typeShape.data ?? [])];
  const sameFields = fields.length === typeFields.length && typeFields.every((field) => values.has(field));
  const differentiated = fields.filter((name) => !isDataField(typeShape, name));
  const data = fields.filter((name) => isDataField(typeShape, name));
  const shape: Shape = sameFields
    ? typeShape
    : {
        kind: 'object',
        fields: differentiated.map((name) => typeShape.fields.find((field) => field.name === name)!),
        ...(data.length > 0 ? { data } : {}),
      };
  const object = objectOf(lx, fields, [...values.values()], shape, node);
  addLeftOutFields(lx, node, object, values);
  return object;
}

/**
 * `let st: { last?: number; sum: number } = { sum: 0 }` where the function writes `st.last`:
 * the record of the literal has the optional numbers of the type it is given that it leaves
 * out, undefined until written (the literal itself, as made, does not have them).
 */
function addLeftOutFields(lx: Lowering, node: ts.ObjectLiteralExpression, object: Operand, values: ReadonlyMap<string, Operand>): void {
  const record = object.kind === 'var' ? lx.records.get(object.name) : undefined;
  const given = lx.env.checker!.getContextualType(node);
  const givenShape = given && lx.shapeOfType(given, MADE_OBJECT);
  if (!record || givenShape?.kind !== 'object') return;
  const leftOut = givenShape.fields.filter((field) => field.shape.kind === 'number' && !values.has(field.name) && lx.writtenFields.has(field.name));
  for (const field of leftOut) addRecordField(lx, object, field.name, UNDEFINED);
}

const EMPTY_OBJECT: Shape = { kind: 'object', fields: [] };
const MADE_OBJECT = { optional: true, data: true };

/**
 * The value of a field after `...base` in an object literal: base's, or for a field base may
 * not have (optional), the value before where base does not have it: known where the function
 * made base, else chosen at run time. Undefined where the literal does not have the field.
 * A field of data has no shape.
 */
function spreadField(
  lx: Lowering,
  base: Operand,
  field: { readonly name: string; readonly shape: Shape | undefined },
  optional: boolean,
  before: Operand | undefined,
  origin: ts.Node,
): Operand | undefined {
  const made = base.kind === 'var' ? lx.created.get(base.name) : undefined;
  if (optional && made?.kind === 'object' && !made.fields.includes(field.name)) {
    // A field the literal left out and the function wrote (addLeftOutFields): there where it was written.
    const written = recordField(lx, base, field.name, origin);
    if (written && !sameOperand(written, UNDEFINED))
      fail(
        origin,
        Code.Unsupported,
        `'${field.name}' is a field that the object spread here was made without and that the function writes later, where a spread takes it only if it was written: give the field in the object literal ('${field.name}: undefined'), or write the spread's field after it.`,
      );
    return before;
  }
  const value = fieldLoad(lx, base, field.name, field.shape, origin);
  if (!optional || made || !before) return value;
  return lx.op('select', [lx.op('hasField', [base, str(field.name)], origin), value, before], origin);
}

/** An object literal of `values`, one per field: read-only, its fields' arrays held as they are. */
export function objectOf(lx: Lowering, fields: readonly string[], values: readonly Operand[], shape: Shape, origin: ts.Node): Operand {
  if (values.some((value) => value.kind === 'var' && (lx.matrices.has(value.name) || lx.rows.has(value.name)))) {
    fail(
      origin,
      Code.Unsupported,
      'an object literal holding an array of arrays the function builds (or a row of one) is not supported: keep it in a variable of its own.',
    );
  }
  const name = lx.env.names.fresh('t');
  lx.body.push({ kind: 'let', name, expr: { op: 'objectOf', args: values, fields, shape }, role: 'temp', origin, shape });
  lx.aggregates.add(name);
  lx.created.set(name, { kind: 'object', fields, values, shape });
  const held = fields.flatMap((field, k): [string, Operand][] => (lx.holdsLocal(values[k]) ? [[field, values[k]]] : []));
  if (held.length > 0) lx.heldLocals.set(name, new Map(held));
  if (lx.mutableObjects) makeRecord(lx, name, fields, values, shape);
  return variable(name);
}

/** `new Float64Array(n)`, `new Float32Array(n)`, `new Array(n).fill(c)`, `[a, b, c]`: a local array. */
export function newArray(lx: Lowering, node: ts.Expression, expr: Expr, container: Container): Operand {
  const shape: Shape = { kind: 'array', element: NUMBER, container };
  const name = lx.env.names.fresh('t');
  lx.body.push({ kind: 'let', name, expr: { ...expr, shape }, role: 'temp', origin: node, shape });
  lx.aggregates.add(name);
  lx.localArrays.add(name);
  lx.madeAt.set(name, lx.arraysMade++);
  const size = expr.op === 'arrayOf' ? num(expr.args.length) : expr.args[0];
  lx.created.set(name, { kind: 'array', container, length: knownLength(lx, size), size, origin: node });
  if (expr.op === 'arrayOf') lx.pristine.set(name, { entries: expr.args, loops: lx.loops });
  if (container === 'Array' && lx.growing.has(node)) trackLength(lx, name, size);
  return variable(name);
}

/** The length of an array as a variable of its own (in scope, so branches and loops carry it), which writes and push change. */
function trackLength(lx: Lowering, name: string, size: Operand): void {
  const length = lx.hidden('length', size);
  lx.scopes[lx.scopes.length - 1].set(`#length ${name}`, length);
  lx.lengths.set(name, length);
}

/**
 * Thrown where code writes a `number[]` made with a length at an index not known to be below
 * it, which JavaScript lengthens it at: lowerFunction lowers the function again, with the
 * array's length a variable (`Lowering.growing`), as that of an array created empty.
 */
export class WrittenPastEnd extends Error {
  constructor(
    readonly made: ts.Node,
    /** The write, `out[i] = …`. */
    readonly write: ts.ElementAccessExpression,
    /** The length the array was made with. */
    readonly length: number,
  ) {
    super('an array may be written past its end');
  }
}

/** A write into a `number[]` made with a length, at an index not known to be below it: see WrittenPastEnd. */
function requireKnownWithin(lx: Lowering, target: ts.ElementAccessExpression, container: Operand, index: Operand): void {
  const made = container.kind === 'var' && !lx.lengths.has(container.name) ? lx.created.get(container.name) : undefined;
  // Only an array made with a length known when compiling (`[x, y]`, `new Array<number>(2)`),
  // which a loop writing it may outrun. At an index known when compiling (past the end,
  // requireWithinLength says so); into an array whose length is known only at run time
  // (`new Array<number>(n)`, `p.map(…)`, `[...xs]`), which the code is taken to have made long
  // enough for its writes: where it has not, JavaScript reads the missing entry as undefined
  // (NaN), and a write alone lengthens it (see docs/api.md).
  if (made?.kind !== 'array' || made.container !== 'Array' || made.size.kind !== 'num' || index.kind === 'num' || lx.isBelow(index, made.size)) return;
  if (!lx.writesAssumedWithin) throw new WrittenPastEnd(made.origin, target, made.size.value);
}

/**
 * The value of a length known at compile time: a number, or a read of the length of an array
 * made with one (`new Float64Array(s.length)` in a step of a state `[x, v]`, so that a loop
 * carries its result as it carries the state).
 */
function knownLength(lx: Lowering, size: Operand): number | undefined {
  if (size.kind === 'num') return size.value;
  const of = size.kind === 'var' ? lx.lengthsRead.get(size.name) : undefined;
  if (of?.kind !== 'var' || lx.lengths.has(of.name)) return undefined;
  const made = lx.created.get(of.name);
  return made?.kind === 'array' ? made.length : undefined;
}

/** `container.field`, likewise. */
export function fieldLoad(lx: Lowering, container: Operand, field: string, shape: Shape | undefined, origin: ts.Node, userName?: string): Operand {
  const row = container.kind === 'var' ? lx.rows.get(container.name) : undefined;
  if (row?.matrix.fields) return objectRowField(lx, row, field, origin);
  const written = entryField(lx, container, field);
  if (written) return written;
  const recorded = recordField(lx, container, field, origin);
  if (recorded) return recorded;
  // A local array held by an object literal is read (and written) as itself, so its reads are recorded.
  const held = container.kind === 'var' ? lx.heldLocals.get(container.name)?.get(field) : undefined;
  if (held) return held;
  // A field of data of an object the function made is the value it was made with, known here (`o.kind === 'call'` folds).
  const made = container.kind === 'var' ? lx.created.get(container.name) : undefined;
  if (made?.kind === 'object' && isDataField(made.shape, field)) return made.values[made.fields.indexOf(field)];
  if (field === 'length' && container.kind === 'var' && (lx.matrices.has(container.name) || lx.rows.has(container.name) || lx.lists.has(container.name)))
    return lengthOf(lx, container, origin);
  const grown = container.kind === 'var' ? lx.lengths.get(container.name) : undefined;
  if (field === 'length' && grown) return grown.value!;
  if (field === 'length') return lx.part({ op: 'length', args: [container] }, undefined, origin, userName);
  if (shape) requireDeclaredField(lx, container, field, origin);
  return lx.part({ op: 'field', args: [container], field }, shape ?? knownFieldShape(lx, container, field), origin, userName);
}

/**
 * A field read from an object of a parameter differentiated with respect to must be one its
 * declared type has: `(sh as Circle).r` of `shapes: Shape[]` reads a number that the
 * gradient, shaped like `Shape`, has no place for (reverse mode added into a field it did not
 * have: NaN; forward mode and the Hessian counted the numbers the objects hold instead).
 */
function requireDeclaredField(lx: Lowering, container: Operand, field: string, origin: ts.Node): void {
  const param = container.kind === 'var' ? lx.differentiatedInputs.get(container.name) : undefined;
  const declared = container.kind === 'var' ? lx.inputShapes.get(container.name) : undefined;
  if (!param || declared?.kind !== 'object' || declared.fields.some((f) => f.name === field) || isDataField(declared, field)) return;
  const name = param.name.getText();
  const type = param.type ? ` ('${param.type.getText()}')` : '';
  fail(
    origin,
    Code.BadType,
    `'${field}' is read here as a field that the declared type of '${name}'${type} does not have, and the gradient of '${name}' has the fields of that type only: declare '${name}' with a type that has '${field}', or select other parameters with 'wrt' and pass '${field}' as a number of its own.`,
  );
}

/**
 * The shape of an array or object held in a field of an object whose shape is known (one the
 * function made, or read from one), where the field's type gives none: `o.scale` of
 * `{ scale?: { a: number; b?: number } }` made as `{ scale: { a: x } }` is typed by an object
 * with an optional number, which read alone has no shape; read as data, its gradient was lost.
 */
function knownFieldShape(lx: Lowering, container: Operand, field: string): Shape | undefined {
  if (container.kind !== 'var') return undefined;
  const made = lx.created.get(container.name);
  const known = made?.kind === 'object' ? made.shape : lx.inputShapes.get(container.name);
  const shape = known?.kind === 'object' ? known.fields.find((f) => f.name === field)?.shape : undefined;
  return shape?.kind === 'number' ? undefined : shape;
}
