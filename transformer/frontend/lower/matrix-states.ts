// A variable holding an array of arrays that a loop reassigns (de Casteljau's `points =
// previous.slice(1).map((p, i) => lerp(previous[i], p, t))` over `Point[]`): the IR's loops
// carry numbers only, so the loop keeps it in one matrix of its own (see ./matrices.ts: the
// rows' entries one after the other in `data`, where each row starts in `offsets`), made as the
// loop starts, with a number of rows that the loop carries. Each pass leaves a matrix of at most
// as many rows (a map or slice of the old one), which is copied into it; its rows are never
// written (they may be another array's, as JavaScript's slice shares them).
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Operand, nameOf, num, sameOperand } from '../../ir/ir';
import { NUMBER, type Shape } from '../../ir/shapes';
import { lengthOf, load, newArray } from './arrays';
import type { Binding, Lowering } from './lowering';
import { besideState } from './loop-states';
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

/** Whether the array a variable holds as a loop starts is an array of arrays: a local matrix, or the caller's. */
export function holdsRows(lx: Lowering, value: Operand): boolean {
  if (value.kind !== 'var') return false;
  const shape = lx.matrices.has(value.name) ? undefined : lx.inputShapes.get(value.name);
  return lx.matrices.has(value.name) || (shape?.kind === 'array' && shape.element.kind === 'array');
}

/** The loop's matrix for a variable holding an array of arrays as the loop starts: a copy of it. */
export function matrixState(lx: Lowering, node: ts.Node, binding: Binding, init: Operand): MatrixState {
  const origin = node as ts.Expression;
  const local = lx.matrices.get(nameOf(init));
  // The caller's rows are copied into a matrix (which nothing else holds) by slicing them all.
  const rowShape = local ? undefined : (lx.inputShapes.get(nameOf(init)) as { element: Shape }).element;
  const made = local ? copyOfMatrix(lx, origin, local) : lx.matrices.get(nameOf(rowsOf(lx, origin, init, num(0), lengthOf(lx, init, node), rowShape)))!;
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

/** A new matrix holding the rows of `source`, with offsets. */
function copyOfMatrix(lx: Lowering, node: ts.Expression, source: Matrix): Matrix {
  const size = lx.op('-', [rowStart(lx, source, source.rows, node), rowStart(lx, source, num(0), node)], node);
  const data = newArray(lx, node, { op: 'newArray', args: [size, num(0)] }, 'Array');
  const offsets = newArray(lx, node, { op: 'newArray', args: [lx.op('+', [source.rows, num(1)], node), num(0)] }, 'Array');
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
 * At the end of a pass: the array of arrays the variable holds, which must be a matrix of at
 * most as many rows as the loop's has (a map or slice of it), is copied into the loop's, and the
 * variable holds the loop's again.
 */
export function copyBackRows(lx: Lowering, node: ts.Node, states: readonly MatrixState[]): void {
  for (const state of states) {
    const value = state.binding.value!;
    if (sameOperand(value, state.matrix)) continue;
    const left = value.kind === 'var' ? lx.matrices.get(value.name) : undefined;
    if (!left || !lx.notLonger(left.rows, state.rows.value!) || states.some((other) => other.data === left.data && other !== state)) {
      fail(
        node,
        Code.Unsupported,
        `a pass of this loop leaves '${state.binding.name}' holding an array of arrays that is not known to have at most as many rows as the one it started with, or that another variable of the loop holds: the loop keeps '${state.binding.name}' in one array of arrays, into which each pass copies the one it leaves. Make the new one from the old one (${state.binding.name}.map(…), ${state.binding.name}.slice(1)).`,
      );
    }
    copyRows(lx, node, state, left, left.rows);
    state.rows.value = left.rows;
    state.binding.value = state.matrix;
  }
}
