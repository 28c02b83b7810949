// A variable holding an array of arrays that a loop reassigns (de Casteljau's `points =
// previous.slice(1).map((p, i) => lerp(previous[i], p, t))` over `Point[]`): the IR's loops
// carry numbers only, so the loop keeps it in one matrix of its own (see ./matrices.ts: the
// rows' entries one after the other in `data`, where each row starts in `offsets`), made as the
// loop starts, with a number of rows that the loop carries. Each pass leaves a matrix of any
// size (a map or slice of the old one, a product of matrices, a literal of its rows), which is
// copied into it: its data and offsets are arrays created empty, which grow, as do their
// gradients. Its rows are never written (they may be another array's, as JavaScript's slice
// shares them).
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Operand, nameOf, num, sameOperand } from '../../ir/ir';
import { NUMBER, type Shape } from '../../ir/shapes';
import { lengthOf, load, newArray } from './arrays';
import type { Binding, Lowering } from './lowering';
import { assignmentsTo, besideState } from './loop-states';
import { countedLoop } from './loops';
import { type Matrix, handle, rowStart, rowsOf } from './matrices';

/** A variable a loop reassigns holding an array of arrays, kept in one matrix. */
export interface MatrixState {
  readonly binding: Binding;
  /** The loop's matrix, which the variable holds throughout (its rows are those of `rows`). */
  readonly matrix: Operand;
  readonly data: Operand;
  readonly offsets: Operand;
  /** How many rows the matrix has now: a variable the loop carries. */
  readonly rows: Binding;
}

/** Whether the array a variable holds as a loop starts is an array of arrays: a local matrix, the caller's or a module's constant. */
export function holdsRows(lx: Lowering, value: Operand): boolean {
  return localMatrix(lx, value) !== undefined || rowShapeOf(lx, value) !== undefined;
}

function localMatrix(lx: Lowering, value: Operand): Matrix | undefined {
  return value.kind === 'var' ? lx.matrices.get(value.name) : undefined;
}

/** The shape of the rows of an array of arrays the caller passed, or of a module's constant one (`let R = IDENTITY`). */
function rowShapeOf(lx: Lowering, value: Operand): Shape | undefined {
  const shape = value.kind === 'var' ? lx.inputShapes.get(value.name) : value.kind === 'ref' && value.origin ? lx.shapeAt(value.origin, false) : undefined;
  return shape?.kind === 'array' && shape.element.kind === 'array' ? shape.element : undefined;
}

/** The loop's matrix for a variable holding an array of arrays as the loop starts: a copy of it. */
export function matrixState(lx: Lowering, node: ts.Node, binding: Binding, init: Operand): MatrixState {
  const origin = node as ts.Expression;
  const local = localMatrix(lx, init);
  const made = local ? copyOfMatrix(lx, origin, local) : rowsOfInput(lx, origin, init);
  const rows = besideState(lx, binding, `#rows ${nameOf(made.data)}`, `${binding.name}_rows`, made.rows);
  const current: Matrix = {
    data: made.data,
    offsets: made.offsets,
    get rows() {
      return rows.value!;
    },
    borrowed: true,
    rounds: made.rounds,
    state: binding.name,
  };
  const matrix = handle(lx, current);
  binding.value = matrix;
  return { binding, matrix, data: made.data, offsets: made.offsets!, rows };
}

/** A matrix of the rows of the caller's array of arrays or a module's constant: a copy made by slicing them all, in arrays that grow, which nothing else holds. */
function rowsOfInput(lx: Lowering, node: ts.Expression, input: Operand): Matrix {
  return lx.matrices.get(nameOf(rowsOf(lx, node, input, num(0), lengthOf(lx, input, node), rowShapeOf(lx, input))))!;
}

/** The last assignment of the variable `name` in a loop (where a pass leaves the value it holds), if it is written `name = …`. */
function lastAssignment(lx: Lowering, loop: ts.Node, name: string): ts.BinaryExpression | undefined {
  return assignmentsTo(lx, loop, name).at(-1);
}

/**
 * A new matrix holding the rows of `source`, with offsets, in arrays created empty: they (and
 * their gradients) grow where a pass leaves more rows, or longer ones, than they hold.
 */
function copyOfMatrix(lx: Lowering, node: ts.Expression, source: Matrix): Matrix {
  const data = newArray(lx, node, { op: 'arrayOf', args: [] }, 'Array');
  const offsets = newArray(lx, node, { op: 'arrayOf', args: [] }, 'Array');
  copyRows(lx, node, { data, offsets }, source, source.rows);
  return { data, offsets, rows: source.rows, borrowed: true, rounds: source.rounds };
}

/**
 * Copies `rows` rows of `source` into `target`'s data and offsets, from their starts. Where
 * `source` is a view of the target's own data (`points = points.slice(1)`), entries move towards
 * the start, each read before it is written over.
 */
function copyRows(lx: Lowering, node: ts.Node, target: { data: Operand; offsets: Operand }, source: Matrix, rows: Operand): void {
  const base = rowStart(lx, source, num(0), node);
  const end = rowStart(lx, source, rows, node);
  lx.whateverTheFlags(() => {
    countedLoop(
      lx,
      node,
      'k',
      () => lx.op('-', [end, base], node),
      (index) => lx.store([target.data, index, load(lx, source.data, lx.op('+', [base, index], node), NUMBER, node)], node),
      { syntaxAssigns: false },
    );
    countedLoop(
      lx,
      node,
      'k',
      () => lx.op('+', [rows, num(1)], node),
      (index) => lx.store([target.offsets, index, lx.op('-', [rowStart(lx, source, index, node), base], node)], node),
      { syntaxAssigns: false },
    );
  });
}

/**
 * At the end of a pass: the array of arrays each variable holds, a matrix the function made (of
 * any size: a map of the old one, a product of matrices, a literal of its rows) or the caller's,
 * is copied into the loop's, and the variables hold the loop's again. All reads come before any
 * write: a matrix that another variable kept as the pass started (two swapped) is copied first.
 */
export function copyBackRows(lx: Lowering, node: ts.Node, states: readonly MatrixState[]): void {
  const moved = states.filter((state) => !sameOperand(state.binding.value!, state.matrix));
  const sources = moved.map((state) => {
    const left = leftMatrix(lx, node, state);
    return states.some((other) => other.data === left.data && other !== state) ? copyOfMatrix(lx, node as ts.Expression, left) : left;
  });
  moved.forEach((state, k) => {
    copyRows(lx, node, state, sources[k], sources[k].rows);
    state.rows.value = sources[k].rows;
    state.binding.value = state.matrix;
  });
}

/** The matrix a variable holds at the end of a pass: one the function made, or the caller's rows (copied). */
function leftMatrix(lx: Lowering, node: ts.Node, state: MatrixState): Matrix {
  const value = state.binding.value!;
  const left = localMatrix(lx, value) ?? (rowShapeOf(lx, value) ? rowsOfInput(lx, node as ts.Expression, value) : undefined);
  if (left) return left;
  const name = state.binding.name;
  return fail(
    lastAssignment(lx, node, name) ?? node,
    Code.Unsupported,
    `a pass of this loop leaves '${name}' holding an array of arrays that is neither one the function made nor the caller's, which the loop cannot copy into the one it keeps '${name}' in (each pass copies the one it leaves into it): assign '${name}' a map of one, or a literal of its rows.`,
  );
}
