// How Jacobians and Hessians use vector forward mode (forward.ts with `lanes`): how many
// lanes a pass has, how they are seeded, and when the generated code lays out the matrix
// itself. See FORWARD.md, "Several tangents per value".
import type { VectorColumns } from '../backend/drivers';
import { Builder } from '../ir/builder';
import { type Func, type Operand, type Param, type Result, type Stmt, num, variable } from '../ir/ir';
import { shapeOfValue } from '../ir/definitions';
import type { NameAllocator } from '../ir/names';
import { ownOperands, rewriteWithin, statementsWithin } from '../ir/traverse';
import type { Shape } from '../ir/shapes';

/**
 * How many columns of a Jacobian or Hessian one vector forward pass computes where the
 * inputs are numbers: wider ones take several passes. Each lane repeats the tangent code, so
 * the width bounds code size.
 */
const LANES = 16;

/**
 * The width where an input is an array, whose length is known only at run time: each lane
 * carries its own loop state, and lanes past the last column are wasted. With lanes seeded
 * in the generated code, 4, 8 and 16 measured alike on the bench's hessian10 (10 columns,
 * 24–29× its primal in quick runs; 2 lanes 25–30×): 4 keeps a pass's code small.
 */
const ARRAY_LANES = 4;

/**
 * Where every selected parameter is a number and there are LANES of them or fewer, one pass
 * with a lane per number computes every column, seeded with constants in the generated code.
 * Otherwise the passes go column by column: where every selected parameter is a number or
 * an array of numbers read only by its elements, the generated code seeds its lanes from
 * the index of the pass's first column (`startSeeds`); otherwise the driver gives the seeds
 * as tangent parameters.
 */
export function vectorColumns(func: Func, wrt: readonly number[]): VectorColumns {
  const numbers = wrt.every((index) => !func.params[index].shape);
  if (numbers && wrt.length > 0 && wrt.length <= LANES) return { lanes: wrt.length, seeding: 'constants' };
  const lanes = numbers ? LANES : ARRAY_LANES;
  return { lanes, seeding: wrt.every((index) => seedableByStart(func, func.params[index])) ? 'start' : 'driver' };
}

/** A number, or an array of numbers that the function reads only by its elements, its length and its shape. */
function seedableByStart(func: Func, param: Param): boolean {
  if (!param.shape) return true;
  if (param.shape.kind !== 'array' || param.shape.element.kind !== 'number') return false;
  const reads = (operand: Operand) => operand.kind === 'var' && operand.name === param.name;
  const elementOnly = (stmt: Stmt): boolean => {
    if (stmt.kind === 'loop' && stmt.record?.values?.some(({ value }) => reads(value))) return false;
    if (!ownOperands(stmt).some(reads)) return true;
    if (stmt.kind !== 'let') return false;
    const { op, args } = stmt.expr;
    if (args.slice(1).some(reads)) return false;
    return op === 'element' || op === 'missing' || op === 'length' || op === 'zeros';
  };
  const returned = (result: Result): boolean => (Array.isArray(result) ? (result as readonly Result[]).some(returned) : reads(result as Operand));
  return !returned(func.result) && [...statementsWithin(func.body, 'enter')].every(elementOnly);
}

/**
 * The seeds of a pass of `lanes` columns from column `start` on (a new last parameter):
 * lane l's column is start + l, in the order the drivers flatten the selected parameters
 * (each number, then each array's elements by index). A number's tangent is 1 in the lane
 * of its column; an array's is a unit array (`ForwardRequest.units`), whose 1 is at
 * start + l less the column of its first element. `prelude` computes them.
 */
export function startSeeds(
  func: Func,
  wrt: readonly number[],
  lanes: number,
  names: NameAllocator,
): { start: Param; prelude: readonly Stmt[]; seeds: Map<number, Operand>[]; units: Map<number, Operand>[] } {
  const out = new Builder(names);
  const start = names.fresh('start');
  const temp = { role: 'temp' } as const;
  // The column of each selected parameter's first number: the numbers before it.
  let next: Operand = num(0);
  const firsts = wrt.map((index, k) => {
    const first = next;
    const param = func.params[index];
    if (k < wrt.length - 1) next = out.op('+', [first, param.shape ? out.op('length', [variable(param.name)], temp) : num(1)], temp);
    return first;
  });
  const seeds = Array.from({ length: lanes }, () => new Map<number, Operand>());
  const units = Array.from({ length: lanes }, () => new Map<number, Operand>());
  for (let lane = 0; lane < lanes; lane++) {
    const column = out.op('+', [variable(start), num(lane)], temp);
    wrt.forEach((index, k) => {
      if (func.params[index].shape) units[lane].set(index, out.op('-', [column, firsts[k]], temp));
      else seeds[lane].set(index, out.op('select', [out.op('===', [column, firsts[k]], temp), num(1), num(0)], temp));
    });
  }
  return { start: { name: start }, prelude: out.stmts, seeds, units };
}

/** The seeds of `vectorColumns`' lanes seeded with constants: lane j has tangent 1 in the j-th selected number, 0 in the others. */
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
  const shape = shapeOfValue(func, operand.name);
  return !shape || shape.kind === 'number';
}

/**
 * The pushforward with its zero gradients (`zeros`, where reverse mode starts the gradient
 * of an array) made as plain arrays instead of Float64Arrays: only a driver reads the
 * columns, and a Float64Array of more than 8 numbers keeps its memory outside V8's heap,
 * which costs more to allocate and collect than a short pass computes (the bench's
 * hessian10 spent a fifth of its time collecting the columns' arrays). Float32Arrays stay:
 * their sums round to single precision.
 */
export function plainZeros(func: Func): Func {
  const plain = (shape: Shape): Shape => {
    if (shape.kind === 'array') return { ...shape, element: plain(shape.element), container: shape.container === 'Float64Array' ? 'Array' : shape.container };
    if (shape.kind === 'object') return { ...shape, fields: shape.fields.map((field) => ({ ...field, shape: plain(field.shape) })) };
    return shape;
  };
  const body = rewriteWithin(func.body, 'enter', (stmt) => {
    if (stmt.kind !== 'let' || stmt.expr.op !== 'zeros' || !stmt.expr.shape) return stmt;
    const shape = plain(stmt.expr.shape);
    return { ...stmt, expr: { ...stmt.expr, shape }, ...(stmt.shape ? { shape: plain(stmt.shape) } : {}) };
  });
  return { ...func, body };
}
