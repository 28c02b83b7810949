import type * as ts from 'typescript';
import type { OpName } from './ops';

/**
 * The IR: a function in static single-assignment form. Every statement defines a new name
 * from one operation on operands; source positions ride along for source maps and
 * diagnostics. Every pass (reverse, simplify, emit) reads and writes this form.
 */

export type Operand = Var | Num | Ref;

/** A value defined by a statement or a parameter of the IR function. */
export interface Var {
  readonly kind: 'var';
  readonly name: string;
}

/** A numeric constant; `text` is how to print it where a name reads better (`Math.PI`). */
export interface Num {
  readonly kind: 'num';
  readonly value: number;
  readonly text?: string;
}

/** A value from outside the function (a module constant, a captured variable): constant. */
export interface Ref {
  readonly kind: 'ref';
  /** The expression that reads it: `['k']`, or `['model', 'k']` for a namespace import. */
  readonly path: readonly string[];
  /** The identifier it was read through, so module transforms can rewrite imported names. */
  readonly origin?: ts.Identifier;
}

export interface Expr {
  readonly op: OpName;
  readonly args: readonly Operand[];
}

/** Why a statement exists: it decides naming and whether emit may inline it. */
export type Role = 'user' | 'temp' | 'adjoint';

export interface Stmt {
  readonly name: string;
  readonly expr: Expr;
  readonly role: Role;
  /** The user's code this statement comes from. */
  readonly origin?: ts.Node;
}

export interface Param {
  readonly name: string;
  readonly origin?: ts.Node;
}

/** What the function returns: one operand, or an array of results. */
export type Result = Operand | readonly Result[];

export interface Func {
  readonly name: string;
  readonly params: readonly Param[];
  readonly body: readonly Stmt[];
  readonly result: Result;
  readonly origin?: ts.Node;
}

export const variable = (name: string): Var => ({ kind: 'var', name });
export const num = (value: number, text?: string): Num => (text === undefined ? { kind: 'num', value } : { kind: 'num', value, text });

export function isNum(operand: Operand, value?: number): operand is Num {
  return operand.kind === 'num' && (value === undefined || Object.is(operand.value, value));
}

export function sameOperand(a: Operand, b: Operand): boolean {
  if (a.kind === 'var' && b.kind === 'var') return a.name === b.name;
  if (a.kind === 'num' && b.kind === 'num') return Object.is(a.value, b.value);
  if (a.kind === 'ref' && b.kind === 'ref') return a.path.join('.') === b.path.join('.');
  return false;
}

/** The operands of a result, flattened in order. */
export function resultOperands(result: Result): Operand[] {
  return Array.isArray(result) ? (result as readonly Result[]).flatMap(resultOperands) : [result as Operand];
}

export function mapResult(result: Result, map: (operand: Operand) => Operand): Result {
  return Array.isArray(result) ? (result as readonly Result[]).map((item) => mapResult(item, map)) : map(result as Operand);
}
