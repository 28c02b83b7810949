// How Jacobians and Hessians use vector forward mode (forward.ts with `lanes`): how many
// lanes a pass has, how they are seeded, and when the generated code lays out the matrix
// itself. See FORWARD.md, "Several tangents per value".
import type { VectorColumns } from '../backend/drivers';
import { type Func, type Operand, type Result, num } from '../ir/ir';
import { shapeOfValue } from '../ir/definitions';
import { letsWithin, statementsWithin } from '../ir/traverse';

/**
 * How many columns of a Jacobian or Hessian one vector forward pass computes where the
 * inputs are numbers: wider ones take several passes. Each lane repeats the tangent code, so
 * the width bounds code size.
 */
const LANES = 16;

/**
 * The width where an input is an array or object, whose length is known only at run time:
 * each lane then reads and writes tangent arrays of its own and carries its own loop state,
 * so a lane costs about as much as a pass of its own, and wider passes spill their loops'
 * state out of registers (the bench's hessian10, 10 columns, ÷ its primal: 60× with 1 lane,
 * 44× with 2, 48× with 4, 81× with 8).
 */
const ARRAY_LANES = 2;

/**
 * Where every selected parameter is a number and there are LANES of them or fewer, one pass
 * with a lane per number computes every column, seeded in the generated code; otherwise the
 * driver seeds the lanes of each pass.
 */
export function vectorColumns(func: Func, wrt: readonly number[]): VectorColumns {
  const numbers = wrt.every((index) => !func.params[index].shape);
  const seeded = numbers && wrt.length > 0 && wrt.length <= LANES;
  return { lanes: seeded ? wrt.length : numbers ? LANES : ARRAY_LANES, seeded };
}

/** The seeds of `vectorColumns`' seeded lanes: lane j has tangent 1 in the j-th selected number, 0 in the others. */
export function unitSeeds(wrt: readonly number[]): Map<number, Operand>[] {
  return wrt.map((_, lane) => new Map(wrt.map((index, j) => [index, num(lane === j ? 1 : 0)])));
}

/**
 * A seeded vector pushforward whose every lane is a column of numbers known at compile time
 * (an array literal `[x_dot_0, y_dot_0]`, a tuple of gradients, one number) returning the
 * matrix's rows itself, `[[x_dot_0, x_dot_1, …], [y_dot_0, …]]`: no driver, nothing allocated
 * but the matrix. Undefined where a column's length is known only at run time.
 */
export function returningRows(func: Func, columns: VectorColumns): Func | undefined {
  const lanes = columns.lanes === 1 ? [func.result] : (func.result as readonly Result[]);
  const numbers = lanes.map((lane) => columnOf(func, lane));
  if (numbers.some((column) => !column || column.length !== numbers[0]!.length)) return undefined;
  return { ...func, result: numbers[0]!.map((_, i) => numbers.map((column) => column![i])) };
}

/** The numbers of a lane's column, where they are known at compile time. */
function columnOf(func: Func, lane: Result): readonly Operand[] | undefined {
  if (Array.isArray(lane)) return lane.every((item) => !Array.isArray(item) && isNumber(func, item as Operand)) ? (lane as readonly Operand[]) : undefined;
  const operand = lane as Operand;
  if (isNumber(func, operand)) return [operand];
  if (operand.kind !== 'var') return undefined;
  const made = func.body.find((stmt) => stmt.kind === 'let' && stmt.name === operand.name);
  if (made?.kind !== 'let' || made.expr.op !== 'arrayOf' || !made.expr.args.every((arg) => isNumber(func, arg))) return undefined;
  // An array literal written after it is made holds other numbers than its arguments.
  const written = [...statementsWithin(func.body, 'enter')].some(
    (stmt) => stmt.kind === 'effect' && stmt.expr.args.some((arg) => arg.kind === 'var' && arg.name === operand.name),
  );
  return written ? undefined : made.expr.args;
}

function isNumber(func: Func, operand: Operand): boolean {
  if (operand.kind !== 'var') return operand.kind === 'num';
  // The zero tangent of a result that does not vary (`[c, L[0]]`) has the result's shape.
  const made = letsWithin(func.body, 'skip').find((stmt) => stmt.name === operand.name);
  const shape = shapeOfValue(func, operand.name) ?? (made?.expr.op === 'zeros' ? made.expr.shape : undefined);
  return !shape || shape.kind === 'number';
}
