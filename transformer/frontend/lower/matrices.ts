// Local arrays of arrays (`number[][]` the function builds: `rows.map(() => new Array(d).fill(0))`,
// `Array.from({ length: n }, (_, i) => …)`, `[[a, b], [c, d]]`), flattened: the rows one after
// the other in one local array of numbers (`data`), with the index of each row's first entry
// (`offsets`, or `i * width` where every row has the same known width). `m[i]` is a view of
// its row, `m[i][j]` a read or write of `data` at `start + j`, so the IR, and every mode, sees
// only a local array of numbers: reverse mode records and replays its reads as any other's.
// A matrix or a row is a name no IR statement defines: lowering resolves it wherever an array
// is read, written or measured, and rejects the uses it cannot resolve (a branch choosing
// between matrices, a loop reassigning one, an object literal holding one).
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Block, type Operand, type Result, UNDEFINED, UNSET, nameOf, num, resultOperands, variable } from '../../ir/ir';
import { ownOperands, statementsWithin } from '../../ir/traverse';
import { NUMBER, type Shape } from '../../ir/shapes';
import { type Binding, type Lowering } from './lowering';
import { arrayOperand, callbackArgument, containerOf, entryMissing, fieldLoad, growable, inline, lengthOf, load, newArray } from './arrays';
import { branch } from './control';
import { skipTypeSyntax, withTypeSyntax } from '../type-syntax';
import { sourceText } from '../quoting';
import { expression } from './expressions';
import { countedLoop, countsUp } from './loops';

/** A local array of arrays, flattened. */
export interface Matrix {
  readonly data: Operand;
  /** How many rows. */
  readonly rows: Operand;
  /** Where each row starts in `data` (a local array of rows + 1 indices); absent where rows have a `width`. */
  readonly offsets?: Operand;
  readonly width?: Operand;
  /** Its rows are arrays the function did not create (a parameter's): writing them is a diagnostic. */
  readonly borrowed: boolean;
  /** The variable of a loop that keeps it (see matrix-states.ts), whose rows are not written either. */
  readonly state?: string;
  /** Its rows are Float32Arrays: what is written into them is rounded. */
  readonly rounds: boolean;
  /** Its rows are objects of these numbers (`xs.map((x, i) => ({ x, w: i + 1 }))`), one entry each, in this order. */
  readonly fields?: readonly string[];
}

/** A row of a matrix: `length` entries of `data` from `start`. */
export interface Row {
  readonly matrix: Matrix;
  readonly start: Operand;
  /** The row's index in its matrix. */
  readonly index: Operand;
}

/** A matrix or a row met where a value is needed (an operand, a condition), said of the objects where its rows are objects. */
export function notAValue(node: ts.Node, matrix?: Matrix): never {
  if (matrix?.fields)
    fail(
      node,
      Code.Unsupported,
      'an array of objects that map or Array.from builds (or an entry of one) can be indexed, measured, looped over, written and passed to helpers, not used as a value here (compared, chosen, or reassigned by a loop): compare or choose its numbers or indices, or update its entries in place.',
    );
  return fail(
    node,
    Code.Unsupported,
    'an array of arrays the function builds (or a row of one) can be indexed, measured, looped over, copied and passed to helpers, not used as a value here: compare or choose its numbers.',
  );
}

/**
 * An array of arrays grown row by row (`m.push(row)`, `m[i] = []`, `const m: number[][] = []`),
 * as a matrix product is often written: `array` is the array as written, where there is one.
 */
export function grownRows(node: ts.Node, array?: string): never {
  const it = array ? `'${array}'` : 'it';
  return fail(
    node,
    Code.Unsupported,
    `an array of arrays grown row by row is not supported: build ${it} with map or Array.from, each row by a callback ('Array.from({ length: … }, (_, i) => Array.from({ length: … }, (_, j) => …))'), or as a literal of its rows.`,
  );
}

/**
 * `pairs.push([poly[i], poly[j]])` for rows `poly[i]`: grown row by row, and a row of rows,
 * which the advice of grownRows (Array.from) would build three levels deep. Indices of the
 * rows, two levels deep, are what to build.
 */
export function grownRowsOfRows(row: ts.Node, array?: string): never {
  const it = array ?? 'rows';
  return fail(
    row,
    Code.Unsupported,
    `an array of arrays grown row by row is not supported, and each row here ('${row.getText()}') holds arrays itself, deeper than the arrays the function builds (an array of rows of numbers): build '${it}' of the indices of those arrays instead, with map or Array.from ('const ${it} = ….map((_, i) => [i, …])'), and read them by their indices.`,
  );
}

/**
 * The safety net of the names standing for matrices and rows: each use is resolved, or
 * rejected where it is lowered; should one reach a statement (a condition, say), the
 * function is rejected rather than its code reading a name it never defines.
 */
export function requireResolved(lx: Lowering, body: Block, result: Result, fn: ts.Node): void {
  if (lx.matrices.size === 0) return;
  // Where the code reads one (a loop that carries it, a comparison), else the function.
  for (const stmt of statementsWithin(body, 'enter')) {
    const matrix = ownOperands(stmt)
      .map((operand) => lx.matrixOf(operand))
      .find(Boolean);
    if (matrix) notAValue(stmt.origin ?? fn, matrix);
  }
  const returned = resultOperands(result)
    .map((operand) => lx.matrixOf(operand))
    .find(Boolean);
  if (returned) notAValue(fn, returned);
}

/**
 * Whether a call or literal builds an array of arrays of numbers: its type is `number[][]`, an
 * array of typed arrays, or `any[][]` (`rows.map(() => new Array(d).fill(0))`, where the
 * variable it initialises says `number[][]`). One that nests deeper is a diagnostic.
 */
export function buildsMatrix(lx: Lowering, node: ts.Expression): boolean {
  const checker = lx.env.checker;
  if (!checker) return false;
  const { ts } = lx;
  const isArray = (type: ts.Type) =>
    checker.isArrayType(type) || checker.isTupleType(type) || ['Float64Array', 'Float32Array'].includes(type.getSymbol()?.getName() ?? '');
  // The entries of an array type, or of every member of a union of them: the rows of a tuple
  // `[number[], number[]]` written `[[...init], init.map(…)]` have the type `number[] | number[]`.
  const entriesOf = (type: ts.Type): ts.Type | undefined => {
    const members = type.isUnion() ? type.types.map(lx.resolveType) : [type];
    if (!members.every(isArray)) return undefined;
    const entries = members.map((member) => member.getNumberIndexType());
    return entries.every((entry) => entry === entries[0]) ? entries[0] : undefined;
  };
  const row = entriesOf(lx.typeAt(node));
  const entry = row && entriesOf(lx.resolveType(row));
  if (entry && isArray(lx.resolveType(entry))) {
    fail(
      node,
      Code.Unsupported,
      'arrays the function builds nest two levels at most (an array of rows of numbers): keep a deeper one as rows (t[i * n + j][k]) or as one flat array (t[(i * n + j) * m + k]).',
    );
  }
  return !!entry && (lx.isNumber(entry) || (entry.flags & ts.TypeFlags.Any) !== 0);
}

/** A new matrix handle (a name no statement defines), known to lowering as an aggregate. */
export function handle(lx: Lowering, matrix: Matrix): Operand {
  const name = lx.env.names.fresh('matrix');
  lx.matrices.set(name, matrix);
  lx.aggregates.add(name);
  return variable(name);
}

/** `m[i]`: a view of row i (a name no statement defines). */
export function rowOf(lx: Lowering, matrix: Matrix, index: Operand, origin: ts.Node): Operand {
  const start = rowStart(lx, matrix, index, origin);
  const name = lx.env.names.fresh('row');
  lx.rows.set(name, { matrix, start, index });
  lx.aggregates.add(name);
  return variable(name);
}

/** The length of a row. */
export function rowLength(lx: Lowering, row: Row, origin: ts.Node): Operand {
  const { matrix } = row;
  if (!matrix.offsets) return matrix.width!;
  const end = load(lx, matrix.offsets, lx.op('+', [row.index, num(1)], origin), NUMBER, origin);
  return lx.op('-', [end, row.start], origin);
}

/** The entry of `data` that entry `index` of a row is. */
export function entryOf(lx: Lowering, row: Row, index: Operand, origin: ts.Node): Operand {
  return lx.op('+', [row.start, index], origin);
}

/**
 * `m[i][j]` written by the user: undefined past the end of the row, as in JavaScript, where
 * the flat data would go on with the next row's numbers. Known when compiling for a constant
 * index into rows of a known width; in range in a loop counting along the row
 * (`for (let j = 0; j < m[i].length; j++)`); else tested where the code runs, the entry read
 * only where it is there (its gradient too).
 */
export function rowEntry(lx: Lowering, row: Row, container: Operand, index: Operand, shape: Shape | undefined, node: ts.ElementAccessExpression): Operand {
  const within = knownWithinRow(row, index);
  if (within !== undefined) return within ? load(lx, container, index, shape, node) : UNDEFINED;
  const loop = counterLoop(lx, node);
  if (loop && countsAlongRow(lx, node, loop)) return load(lx, container, index, shape, node);
  // A counter from 0 up is a whole number, not negative: only the row's end is tested.
  const missing = loop ? lx.op('not', [lx.op('<', [index, lengthOf(lx, container, node)], node)], node) : entryMissing(lx, container, index, node);
  return branch(
    lx,
    missing,
    node,
    () => UNDEFINED,
    () => load(lx, container, index, shape, node),
  )!;
}

/** The names of the fields of an object of numbers only (the shape of the entries of an array of them). */
export function numberFields(shape: Shape | undefined): readonly string[] | undefined {
  // A row holds numbers only: an object with strings or booleans (Shape.data) is not kept in one.
  if (shape?.kind !== 'object' || shape.fields.length === 0 || shape.data || shape.fields.some((field) => field.shape.kind !== 'number')) return undefined;
  return shape.fields.map((field) => field.name);
}

/**
 * A local array of objects of numbers (`xs.map((x, i) => ({ x, w: i + 1 }))`) of `rows`
 * entries: a matrix whose row i holds the fields of object i, which `fill` gives to its
 * callback with each index. Its entries are read (`pts[i].x`), looped over, measured and
 * passed as a matrix's rows are; a field of one is its entry of the row.
 */
export function objectRows(
  lx: Lowering,
  node: ts.Expression,
  fields: readonly string[],
  rows: Operand,
  fill: (each: (index: Operand, object: Operand) => void) => void,
): Operand {
  const width = num(fields.length);
  const data = newArray(lx, node, { op: 'newArray', args: [lx.op('*', [rows, width], node), num(0)] }, 'Array');
  const madeBefore = new Set(lx.created.keys());
  fill((index, object) => {
    // An object the callback did not make: the array holds it as it is (see Lowering.copiedObjects).
    if (object.kind === 'var' && (madeBefore.has(object.name) || !lx.created.has(object.name))) {
      for (const copied of [data, lx.holderOf(object)]) if (copied.kind === 'var') lx.copiedObjects.add(copied.name);
    }
    const start = lx.op('*', [index, width], node);
    fields.forEach((field, k) => lx.store([data, lx.op('+', [start, num(k)], node), fieldLoad(lx, object, field, NUMBER, node)], node));
  });
  return handle(lx, { data, rows, width, borrowed: false, rounds: false, fields });
}

/** `pts[i].x`: the field's entry of the row of an array of objects (objectRows); undefined for a field the objects do not have. */
export function objectRowField(lx: Lowering, row: Row, field: string, origin: ts.Node): Operand {
  const k = row.matrix.fields!.indexOf(field);
  if (k < 0) return UNDEFINED;
  return load(lx, row.matrix.data, entryOf(lx, row, num(k), origin), NUMBER, origin);
}

/** Whether a constant index is within a row of a known width: undefined where either is known only as the code runs. */
export function knownWithinRow(row: Row, index: Operand): boolean | undefined {
  const width = row.matrix.width;
  if (index.kind !== 'num' || width?.kind !== 'num') return undefined;
  return Number.isInteger(index.value) && index.value >= 0 && index.value < width.value;
}

/**
 * Whether `row[j]` is read in the body of `for (let j = 0; j < row.length; j++)` (or `++j`,
 * `j += 1`), where neither j nor any name in `row` is assigned but by the loop's step: j is
 * then an index of the row.
 */
function countsAlongRow(lx: Lowering, read: ts.ElementAccessExpression, loop: ts.ForStatement): boolean {
  const { ts } = lx;
  const index = (skipTypeSyntax(ts, read.argumentExpression) as ts.Identifier).text;
  const row = skipTypeSyntax(ts, read.expression);
  return boundedByLength(ts, loop.condition, index, row.getText()) && !assignsAny(ts, loop.statement, new Set(identifiersIn(ts, row)));
}

/** The innermost `for (let j = 0; …; j++)` around `row[j]` whose j it is, where its body does not assign j. */
function counterLoop(lx: Lowering, read: ts.ElementAccessExpression): ts.ForStatement | undefined {
  const { ts } = lx;
  const index = skipTypeSyntax(ts, read.argumentExpression);
  if (!ts.isIdentifier(index)) return undefined;
  // The loop that declares the j read (not another j it shadows).
  const declaration = lx.env.checker!.getSymbolAtLocation(index)?.valueDeclaration;
  const loop = declaration && ts.isVariableDeclaration(declaration) ? declaration.parent.parent : undefined;
  if (!loop || !ts.isForStatement(loop) || countedIndex(ts, loop) !== index.text) return undefined;
  return assignsAny(ts, loop.statement, new Set([index.text])) ? undefined : loop;
}

/** The name of the index j of `for (let j = 0; …; j++)` (`++j`, `j += 1`). */
export function countedIndex(tsApi: typeof ts, loop: ts.ForStatement): string | undefined {
  const init = loop.initializer;
  const declaration = init && tsApi.isVariableDeclarationList(init) && init.declarations.length === 1 ? init.declarations[0] : undefined;
  if (!declaration || !tsApi.isIdentifier(declaration.name)) return undefined;
  if (!declaration.initializer || !tsApi.isNumericLiteral(declaration.initializer) || Number(declaration.initializer.text) !== 0) return undefined;
  const name = declaration.name.text;
  return countsUp(tsApi, loop.incrementor, name) ? name : undefined;
}

/** `j < row.length`, the row written as the read writes it. */
export function boundedByLength(tsApi: typeof ts, condition: ts.Expression | undefined, name: string, rowText: string): boolean {
  if (!condition || !tsApi.isBinaryExpression(condition) || condition.operatorToken.kind !== tsApi.SyntaxKind.LessThanToken) return false;
  const bound = skipTypeSyntax(tsApi, condition.right);
  return (
    tsApi.isIdentifier(condition.left) &&
    condition.left.text === name &&
    tsApi.isPropertyAccessExpression(bound) &&
    bound.name.text === 'length' &&
    skipTypeSyntax(tsApi, bound.expression).getText() === rowText
  );
}

function identifiersIn(tsApi: typeof ts, node: ts.Node): string[] {
  if (tsApi.isIdentifier(node)) return [node.text];
  const names: string[] = [];
  // A field's name (`o.rows`) is no variable; what it is read from is.
  if (tsApi.isPropertyAccessExpression(node)) return identifiersIn(tsApi, node.expression);
  tsApi.forEachChild(node, (child) => void names.push(...identifiersIn(tsApi, child)));
  return names;
}

/** Whether `body` assigns (`=`, a compound assignment, `++`, `--`) a variable of one of these names. */
export function assignsAny(tsApi: typeof ts, body: ts.Node, names: ReadonlySet<string>): boolean {
  const k = tsApi.SyntaxKind;
  const target = (node: ts.Expression) => {
    const inner = skipTypeSyntax(tsApi, node);
    return tsApi.isIdentifier(inner) && names.has(inner.text);
  };
  let assigns = false;
  const visit = (node: ts.Node): void => {
    if (assigns) return;
    if (tsApi.isBinaryExpression(node) && node.operatorToken.kind >= k.FirstAssignment && node.operatorToken.kind <= k.LastAssignment)
      assigns = target(node.left) || tsApi.isArrayLiteralExpression(node.left) || tsApi.isObjectLiteralExpression(node.left);
    else if (
      (tsApi.isPrefixUnaryExpression(node) || tsApi.isPostfixUnaryExpression(node)) &&
      (node.operator === k.PlusPlusToken || node.operator === k.MinusMinusToken)
    )
      assigns = target(node.operand);
    tsApi.forEachChild(node, visit);
  };
  visit(body);
  return assigns;
}

/**
 * A value the function returns: a row of a local matrix is copied into an array of its own
 * (of the row's kind, as long as its type says where that is a tuple), as the caller gets an
 * array, not a view of the function's flat data; in an inlined helper, a row of a tuple type
 * only (a merge of what the helper returns on several paths copies its numbers).
 */
export function returnedValue(lx: Lowering, value: Operand, node: ts.Expression, inlined = false): Operand {
  const row = value.kind === 'var' ? lx.rows.get(value.name) : undefined;
  // A tuple (`Point`) has its type's length: known where the function may return on other paths too (after a throw guard).
  const tuple = lx.tupleLengthAt(node);
  // An inlined helper's caller may read its row in place, but for a tuple, which it may then choose.
  if (!row || (inlined && tuple === undefined)) return value;
  if (row.matrix.fields)
    fail(
      node,
      Code.Unsupported,
      `an entry of an array of objects the function builds is returned here, which differentiated code keeps as numbers of the array: return a new object of its fields ('{ ...${sourceText(node)} }').`,
    );
  const container = containerOf(lx, node);
  const length = tuple !== undefined ? num(tuple) : rowLength(lx, row, node);
  const copy = newArray(lx, node, { op: 'newArray', args: container === 'Array' ? [length, num(0)] : [length] }, container);
  countedLoop(
    lx,
    node,
    'i',
    () => length,
    (index) => lx.store([copy, index, load(lx, value, index, NUMBER, node)], node),
    { syntaxAssigns: false },
  );
  return copy;
}

/**
 * `xs.map((v, i) => row)` and `Array.from(xs | { length: n }, (v, i) => row)` returning
 * arrays (`source` is the array, or the expression of n), and `Array.from(m)`: each row
 * appended to the data in a loop.
 */
export function matrixFrom(lx: Lowering, node: ts.CallExpression, source: ts.Expression, callbackNode: ts.Expression | undefined, method: string): Operand {
  const callback = callbackNode && callbackArgument(lx, node, callbackNode, method);
  // `source` is an array, or the n of `{ length: n }`.
  const counting = lx.shapeAt(source, false)?.kind === 'number';
  const values = counting ? undefined : arrayOperand(lx, source, 'building rows');
  const elementShape = counting ? undefined : lx.shapeAt(source, true);
  const rows = counting ? expression(lx, source) : lengthOf(lx, values!, node);
  const builder = new MatrixBuilder(lx, node, rows);
  countedLoop(
    lx,
    node,
    'i',
    () => rows,
    (index) => {
      const element = values ? load(lx, values, index, elementShape, node) : UNSET;
      const made = lx.arraysMade;
      const row = callback ? inline(lx, callback, [element, index], true) : element;
      builder.append(row, index, made, callbackNode ?? source);
    },
    { carried: [builder.length] },
  );
  return builder.finish();
}

/**
 * `count` rows of an array of arrays from row `start` (`m.slice(1)`), which share the rows of
 * the array sliced, as JavaScript's do: of a local matrix, a view of its data with offsets of
 * its own; of the caller's array, its rows copied (never written). Either is read-only.
 */
export function rowsOf(lx: Lowering, node: ts.Expression, source: Operand, start: Operand, count: Operand, rowShape = lx.shapeAt(node, true)): Operand {
  const matrix = source.kind === 'var' ? lx.matrices.get(source.name) : undefined;
  if (!matrix) {
    const builder = new MatrixBuilder(lx, node, count, false);
    countedLoop(
      lx,
      node,
      'i',
      () => count,
      (index) => builder.append(load(lx, source, lx.op('+', [start, index], node), rowShape, node), index, lx.arraysMade, node),
      { carried: [builder.length], syntaxAssigns: false },
    );
    return builder.finish();
  }
  const offsets = newArray(lx, node, { op: 'newArray', args: [lx.op('+', [count, num(1)], node), num(0)] }, 'Array');
  countedLoop(
    lx,
    node,
    'i',
    () => lx.op('+', [count, num(1)], node),
    (index) => lx.store([offsets, index, rowStart(lx, matrix, lx.op('+', [start, index], node), node)], node),
    { syntaxAssigns: false },
  );
  return handle(lx, { data: matrix.data, rows: count, offsets, borrowed: true, rounds: matrix.rounds, fields: matrix.fields });
}

/** Where row `index` of a matrix starts in its data (also for index = rows: where its data ends). */
export function rowStart(lx: Lowering, matrix: Matrix, index: Operand, origin: ts.Node): Operand {
  return matrix.offsets ? load(lx, matrix.offsets, index, NUMBER, origin) : lx.op('*', [index, matrix.width!], origin);
}

/** `[[a, b], [c, d]]`, `[rowA, rowB]`: rows given one by one. */
export function matrixLiteral(lx: Lowering, node: ts.ArrayLiteralExpression): Operand {
  const { ts } = lx;
  if (node.elements.length === 0)
    grownRows(node, ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name) ? node.parent.name.text : undefined);
  for (const element of node.elements) {
    if (ts.isOmittedExpression(element)) fail(element, Code.Unsupported, 'array literals with holes are not supported.');
    if (ts.isSpreadElement(element))
      fail(element, Code.Unsupported, 'spreads of rows are not supported in an array of arrays: list the rows, or build them with map or Array.from.');
  }
  const rounds = roundsRows(lx, node);
  const rows = node.elements.map((element) => (ts.isArrayLiteralExpression(element) && !element.elements.some(ts.isSpreadElement) ? element : undefined));
  const width = rows[0]?.elements.length;
  if (width !== undefined && rows.every((row) => row?.elements.length === width)) {
    // Rows of literals of the same width: one literal of every entry, row after row.
    const entries = rows.flatMap((row) =>
      row!.elements.map((entry) => {
        lx.requireNumber(entry, 'local arrays hold numbers');
        return expression(lx, entry);
      }),
    );
    const data = newArray(lx, node, { op: 'arrayOf', args: entries }, 'Array');
    return handle(lx, { data, rows: num(rows.length), width: num(width), borrowed: false, rounds });
  }
  const builder = new MatrixBuilder(lx, node, num(node.elements.length));
  const returned = isReturned(lx, node);
  node.elements.forEach((element, k) => {
    // Returned, the rows may be any arrays the function made (`return [newPos, newVel]`):
    // the variables holding them end with it, and nothing can tell its copies from them.
    const made = returned ? lx.arraysBeforeFrame : lx.arraysMade;
    builder.append(expression(lx, element), num(k), made, element);
  });
  return builder.finish();
}

/** Whether the function being lowered returns `node`, its value (`return [a, b]`, `(…) => [a, b]`). */
function isReturned(lx: Lowering, node: ts.Expression): boolean {
  const { ts } = lx;
  const value = withTypeSyntax(ts, node);
  return ts.isReturnStatement(value.parent) || (ts.isArrowFunction(value.parent) && value.parent.body === value);
}

/** The copy of a row to write in the literal instead (`[...newPos]`). */
function copyOf(lx: Lowering, row: ts.Node): string {
  return lx.ts.isIdentifier(row) ? `[...${row.text}]` : '[...row]';
}

/** Whether the rows of a matrix are Float32Arrays, which round what is written into them. */
function roundsRows(lx: Lowering, node: ts.Expression): boolean {
  const row = lx.shapeAt(node, true);
  return row?.kind === 'array' && row.container === 'Float32Array';
}

/** Appends rows to a flat local array, recording where each starts. */
class MatrixBuilder {
  readonly data: Operand;
  readonly length: Binding;
  private readonly offsets: Operand;
  private borrowed = false;
  /** The arrays listed as rows so far: one listed twice would be two rows shared (`[a, a]`), which copies are not. */
  private readonly listed = new Set<string>();

  constructor(
    private readonly lx: Lowering,
    private readonly node: ts.Expression,
    private readonly rows: Operand,
    /** false: the loops copying rows carry only what they assign, not what `node`'s code does (a copy lowering makes up). */
    private readonly syntaxAssigns = true,
  ) {
    this.data = growable(lx, node);
    this.length = lx.lengths.get(nameOf(this.data))!;
    this.offsets = newArray(lx, node, { op: 'newArray', args: [lx.op('+', [rows, num(1)], node), num(0)] }, 'Array');
  }

  /**
   * Appends the entries of `row` as row `index`. The row must be an array made since `made`
   * (nothing else refers to it), or one the function never writes (a parameter's: the matrix
   * is then read-only).
   */
  append(row: Operand, index: Operand, made: number, origin: ts.Node): void {
    const { lx, node } = this;
    const local = row.kind === 'var' && (lx.localArrays.has(row.name) || lx.rows.has(row.name) || lx.matrices.has(row.name));
    const fresh = row.kind === 'var' && lx.localArrays.has(row.name) && (lx.madeAt.get(row.name) ?? -1) >= made && !this.listed.has(row.name);
    if (row.kind === 'var') this.listed.add(row.name);
    if (local && !fresh) {
      fail(
        origin,
        Code.Unsupported,
        `each row of an array of arrays the function builds must be an array made where the rows are listed, not one a variable already holds (the array of arrays keeps its own copy of each row, which writes to one would not show in the other): write ${copyOf(lx, origin)}.`,
      );
    }
    if (!local) this.borrowed = true;
    lx.store([this.offsets, index, this.length.value!], node);
    const each = (k: Operand) => {
      lx.store([this.data, this.length.value!, load(lx, row, k, NUMBER, node)], node);
      this.length.value = lx.op('+', [this.length.value!, num(1)], node);
    };
    countedLoop(lx, node, 'i', () => lengthOf(lx, row, node), each, { carried: [this.length], syntaxAssigns: this.syntaxAssigns });
  }

  finish(): Operand {
    const { lx, node } = this;
    lx.store([this.offsets, this.rows, this.length.value!], node);
    return handle(lx, { data: this.data, rows: this.rows, offsets: this.offsets, borrowed: this.borrowed, rounds: roundsRows(lx, node) });
  }
}
