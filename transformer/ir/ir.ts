import type * as ts from 'typescript';
import type { OpName } from '../ops/registry';
import type { Shape } from './shapes';
import { ownOperands, statementsWithin } from './traverse';

/**
 * The IR: a function in static single-assignment form. Every statement defines a new name
 * from one operation on operands; source positions ride along for source maps and
 * diagnostics. Every pass (reverse, simplify, emit) reads and writes this form.
 */

export type Operand = Var | Num | Ref | Str;

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
  /** Set on UNSET alone: the marker of a path that leaves a variable unassigned, not a value. */
  readonly unset?: true;
}

/** A value from outside the function (a module constant, a captured variable): constant. */
export interface Ref {
  readonly kind: 'ref';
  /** The expression that reads it: `['k']`, or `['model', 'k']` for a namespace import. */
  readonly path: readonly string[];
  /** The identifier it was read through, so module transforms can rewrite imported names. */
  readonly origin?: ts.Identifier;
}

/** A string constant: data that conditions compare (`loss.kind === 'huber'`), never differentiated. */
export interface Str {
  readonly kind: 'str';
  readonly value: string;
}

export interface Expr {
  readonly op: OpName;
  readonly args: readonly Operand[];
  /** For `call`: the function called. */
  readonly callee?: Callee;
  /**
   * For `field`: the property read; for `position`, which cursor; for a `recordLoad` of
   * whether the value recorded before it was undefined, 'undefined' (modes/reverse/stream.ts).
   */
  readonly field?: string;
  /** For `objectOf`: the property names, one per argument. */
  readonly fields?: readonly string[];
  /** For `zeros`: the shape of the zero gradient to allocate (like its argument). */
  readonly shape?: Shape;
  /**
   * For `sideEffect` and `throw`: the user's expression, run as written, but for the
   * identifiers in `holes`, which read the arguments (one each, in order).
   */
  readonly source?: { readonly node: ts.Expression; readonly holes: readonly ts.Expression[] };
}

/** A function of the program called from differentiated code, or a generated pullback. */
export interface Callee {
  /** Identifies the function (equal keys: the same function). */
  readonly key: string;
  readonly name: string;
  /** How the generated code calls it. */
  readonly ref: Ref;
  /** For a method: its name; the call's first argument is the receiver (`this`). */
  readonly method?: string;
  /** The function to differentiate (its pullback is generated from it); absent for pullbacks. */
  readonly target?: { readonly node: ts.SignatureDeclaration; readonly name: string };
  /** For generated code (`grad(g)`): g, whose default values complete a call that leaves arguments out. */
  readonly generatedFrom?: { readonly node: ts.SignatureDeclaration; readonly name: string };
  /**
   * For generated code returning several numbers (`grad(f, { wrt: ['a', 'b'] })`,
   * `valueAndGrad(f)`): a callee per element, each returning one number. Lowering makes a
   * call of it a local array of their calls, and calls only the elements the code reads.
   */
  readonly elements?: { readonly length: number; readonly at: (index: number) => Callee };
  /** For a class whose code is inlined (initialisers, constructor, getters): where names from outside its code resolve. */
  readonly home?: { readonly node: ts.Node; readonly name: string };
  /**
   * For a pullback that adds into gradients: the positions of the gradient arguments; for its
   * pushforward, those and the positions of their tangents, which it adds into as well.
   */
  readonly into?: readonly number[];
  /**
   * A derivative rule given with `withDerivative`: a function of the arguments and the result
   * returning the partials (it beats the function's source). Lowered when first needed, as
   * rules may call each other.
   */
  readonly rule?: () => Func;
  /** Where the call is, for diagnostics about the callee. */
  readonly site?: ts.Node;
  /** It may write into the arrays or objects it is given: lowering inlines its calls. */
  readonly writes?: boolean;
  /** It may call Math.random(): lowering inlines its calls, so that reverse mode records each draw (a pullback would draw again). */
  readonly draws?: boolean;
  /** It may throw or log: its calls run where the function makes them, even where nothing reads their value (a guard, `check(x)`). */
  readonly observable?: boolean;
  /**
   * Declared inside another function, whose variables it may read: its calls are inlined,
   * as its code is in scope only where the derivative is generated in place of the call.
   */
  readonly nested?: boolean;
  /**
   * Declared in another module, which does not export it (nor does any module the generated
   * code could import it from): its code is at hand, so its calls are inlined.
   */
  readonly unexported?: boolean;
}

/** Why a statement exists: it decides naming and whether emit may inline it. */
export type Role = 'user' | 'temp' | 'adjoint';

/**
 * A statement. Names are unique in the whole function (SSA): every name is defined once,
 * by a `let`, an `if` phi, a loop's carried variable or exit, or an accumulator.
 */
export type Stmt = Let | Effect | If | Loop | Accumulate | ReverseLoop;

/** `const name = op(args)`. */
export interface Let {
  readonly kind: 'let';
  readonly name: string;
  readonly expr: Expr;
  readonly role: Role;
  /** The user's code this statement comes from. */
  readonly origin?: ts.Node;
  /** Set where the value is an array or object (read from a parameter): its shape. */
  readonly shape?: Shape;
}

/**
 * An operation without a value, run for its effect (its op is a `statement` of the
 * registry): a write into a local array (`store`, `rewrite`), or an operation on the load
 * stream (`recordLoad`, `setCursor`).
 */
export interface Effect {
  readonly kind: 'effect';
  readonly expr: Expr;
  /** The user's code this statement comes from. */
  readonly origin?: ts.Node;
}

/**
 * The end of a `switch` over statement kinds that handles every kind: a new kind of
 * statement does not compile until the switch handles it.
 */
export function unhandled(stmt: never): never {
  throw new Error(`tapeless: a statement of an unknown kind (${JSON.stringify(stmt)})`);
}

/** A statement made of one operation: a `let`, or an effect. */
export function isOperation(stmt: Stmt): stmt is Let | Effect {
  return stmt.kind === 'let' || stmt.kind === 'effect';
}

/** A value chosen by the branch taken: `name` is `then` after the then-block, else `else`. */
export interface Phi {
  readonly name: string;
  readonly then: Operand;
  readonly else: Operand;
  readonly role: Role;
}

/** `if (cond) { then } else { else }`, merging values in phis. */
export interface If {
  readonly kind: 'if';
  readonly cond: Operand;
  readonly then: Block;
  readonly else: Block;
  readonly phis: readonly Phi[];
  readonly origin?: ts.Node;
}

/** A variable carried around a loop: `name` starts as `init`, becomes `next` after each pass. */
export interface Carried {
  readonly name: string;
  readonly init: Operand;
  readonly next: Operand;
  /** The name of its value after the loop (the last `next`). */
  readonly exit: string;
  readonly role: Role;
  /** It holds a string or a boolean (data: see `RecordedPair.data`). */
  readonly data?: boolean;
}

/**
 * A loop: the body runs, the carried variables take their `next` values, and the loop
 * goes on while `cond` (computed by the body) holds. `while (c) B` is a body computing c,
 * then `if (c) B`; each pass of a loop is one iteration of this form.
 */
export interface Loop {
  readonly kind: 'loop';
  readonly carried: readonly Carried[];
  readonly body: Block;
  readonly cond: Operand;
  readonly origin?: ts.Node;
  /** An upper bound of the number of passes, known before the loop (a counted `for`). */
  readonly passes?: Operand;
  /** Set by reverse mode: where the loop records the carried values of each pass. */
  readonly record?: LoopRecord;
  /**
   * Set by reverse mode: local arrays each pass writes before reading them, which a
   * recomputation of a pass writes again (transformer/modes/reverse/rereads.ts).
   */
  readonly scratch?: readonly string[];
}

/**
 * Where a loop records the values its carried variables enter each pass with: one
 * Float64Array per loop, allocated once per call and doubled when full, one number per
 * pass for each carried variable that the reverse sweep reads (emit lays them out). Not a
 * tape: the reverse sweep restores these and recomputes the pass, and nothing else is stored.
 */
export interface LoopRecord {
  /** Counts the passes. */
  readonly count: string;
  readonly array: string;
  /**
   * Each carried variable of the loop, and the name its recorded value is restored under
   * in the reverse sweep. Only those the sweep reads are recorded (and kept forward).
   */
  readonly pairs: readonly RecordedPair[];
  /** Where some pair is data: the plain array that keeps those, `pairs` data slots a pass. */
  readonly data?: string;
  /**
   * Values a pass computes with a costly operation (`Math.sin(w * i)`), which the sweep
   * computes again as `restored`. Where the forward loop computes them anyway, simplify
   * keeps them here and removes the statement computing `restored`: the value is recorded
   * at the end of the pass and restored instead; elsewhere it drops them from the record.
   */
  readonly values?: readonly { readonly value: Operand; readonly restored: string }[];
  /**
   * Where the loop reads local arrays: the position in the load stream each pass starts
   * at is recorded too (the last slot of a pass), from the recording or the replay cursor.
   */
  readonly cursor?: 'record' | 'replay';
  /**
   * A loop in `while` form (`loopGuard`): only the passes that run its body are recorded and
   * counted, and the reverse sweep walks those (the last pass only tests, changing nothing).
   */
  readonly guarded?: boolean;
}

/** A carried variable of a recorded loop, and the name its value is restored under in the sweep. */
export interface RecordedPair {
  readonly carried: string;
  readonly restored: string;
  /**
   * The code tests it against undefined (`prev !== undefined`), which a record of numbers
   * cannot hold (it becomes NaN): a second slot records whether it was undefined, and the
   * sweep restores undefined there (transformer/modes/reverse/undefined-records.ts).
   */
  readonly undefinable?: boolean;
  /**
   * It holds a string or a boolean (a field of data of an object the function made), which a
   * record of numbers cannot hold (a string becomes NaN, `true` 1): it is kept in the record's
   * array of data (`LoopRecord.data`) instead.
   */
  readonly data?: boolean;
}

/** The load stream of a function that reads local arrays (see transformer/modes/reverse/README.md). */
export interface LoadStream {
  readonly array: string;
  /** How many values were recorded. */
  readonly count: string;
  /** The next value to replay. */
  readonly cursor: string;
}

/**
 * The reverse sweep of a recorded loop: for each pass from the last to the first, restore
 * the carried values the pass started with (the record's `restored` names), then run
 * `body` (the pass recomputed, then its adjoints).
 */
export interface ReverseLoop {
  readonly kind: 'reverseLoop';
  readonly record: LoopRecord;
  readonly index: string;
  readonly body: Block;
  /** The passes' adjoints are independent of one another: walk them first to last. */
  readonly ascending?: boolean;
  /**
   * For an ascending sweep whose index is the loop's counter: the loop's own test of it
   * (`i < n`), which bounds the sweep instead of the count of passes.
   */
  readonly test?: Expr;
  readonly origin?: ts.Node;
}

/**
 * A mutable adjoint: `let name = init` where it is declared, then `name = value` (or
 * `name += value`) at each `Accumulate` of the same name. Only reverse mode makes them, for
 * adjoints that flow out of nested blocks and around loops.
 */
export interface Accumulate {
  readonly kind: 'accumulate';
  readonly name: string;
  readonly value: Operand;
  /** `declare`: `let name = value`; `add`: `name += value`; `set`: `name = value`. */
  readonly mode: 'declare' | 'add' | 'set';
  /** `name[at] += value` (an index) or `name.at += value` (a field): into a gradient array or object. */
  readonly at?: Operand | string;
  readonly origin?: ts.Node;
}

export type Block = readonly Stmt[];

export interface Param {
  readonly name: string;
  readonly origin?: ts.Node;
  /** Set for an array or object parameter: its shape. */
  readonly shape?: Shape;
  /**
   * The differentiated function's own calling convention, which the generated function that
   * users call keeps (functions generated for generated code take every argument, plainly):
   * a rest parameter (`...xs`, an array inside), or a default value, computed by `body`.
   */
  readonly rest?: boolean;
  readonly fallback?: { readonly body: Block; readonly value: Operand };
  /** A parameter whose default the body computes where it is undefined (a default that reads other parameters). */
  readonly optional?: boolean;
}

/** What the function returns: one operand, or an array of results. */
export type Result = Operand | readonly Result[];

export interface Func {
  readonly name: string;
  readonly params: readonly Param[];
  readonly body: Block;
  readonly result: Result;
  readonly origin?: ts.Node;
  /** The loop records the function allocates on entry (reverse mode). */
  readonly records?: readonly LoopRecord[];
  /** The load stream it allocates on entry (reverse mode, local arrays). */
  readonly stream?: LoadStream;
  /** Gradient arrays that grow (of arrays grown by push): their holes read as 0. */
  readonly growable?: readonly string[];
}

export const variable = (name: string): Var => ({ kind: 'var', name });
export const str = (value: string): Str => ({ kind: 'str', value });
export const num = (value: number, text?: string): Num => (text === undefined ? { kind: 'num', value } : { kind: 'num', value, text });

/**
 * The marker of a path where a variable is not assigned (a phi's side, a loop's initial value):
 * generated code assigns nothing there, and the variable holds what its declaration left it
 * (`undefined` for `let v;`). Its key is its own, so no pass takes it for UNDEFINED, which
 * generated code does assign; it prints as `undefined` where a value must be written.
 */
export const UNSET: Num = { kind: 'num', value: NaN, text: 'undefined', unset: true };

/** The value `undefined` the code reads or assigns (an optional parameter left out, `x === undefined`, `v = undefined`). */
export const UNDEFINED: Num = num(NaN, 'undefined');

/** Whether an operand is the marker UNSET (by its key: any copy of it is). */
export function isUnset(operand: Operand): boolean {
  return operand.kind === 'num' && operand.unset === true;
}

export function isNum(operand: Operand, value?: number): operand is Num {
  return operand.kind === 'num' && (value === undefined || Object.is(operand.value, value));
}

/**
 * The identity of an operand, as a string: the one key every pass uses to compare operands
 * or to index by them (a `ref` holds TypeScript nodes, so it is never serialised whole).
 * Numbers compare as values (`-0` apart from `0`; `Math.PI` is its value), except that
 * `undefined` is not the number NaN, and a variable's "not assigned" marker is neither.
 */
export function operandKey(operand: Operand): string {
  switch (operand.kind) {
    case 'var':
      return `v:${operand.name}`;
    case 'num':
      if (operand.unset) return 'n:unset';
      return operand.text === 'undefined' ? 'n:undefined' : `n:${Object.is(operand.value, -0) ? '-0' : String(operand.value)}`;
    case 'ref':
      return `r:${operand.path.join('.')}`;
    case 'str':
      return `s:${JSON.stringify(operand.value)}`;
  }
}

export function sameOperand(a: Operand, b: Operand): boolean {
  return operandKey(a) === operandKey(b);
}

/** Whether a result is an array of results (else it is one operand). */
export function isResultList(result: Result): result is readonly Result[] {
  return Array.isArray(result);
}

/** The operands of a result, flattened in order. */
export function resultOperands(result: Result): Operand[] {
  return isResultList(result) ? result.flatMap(resultOperands) : [result];
}

export function mapResult(result: Result, map: (operand: Operand) => Operand): Result {
  return isResultList(result) ? result.map((item) => mapResult(item, map)) : map(result);
}

/** A part of an operation that its op requires (the `field` of a field read, the `shape` of `zeros`…): an internal error where it is missing. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`tapeless: an operation without its ${what}`);
  return value;
}

/** The name of an operand that is a variable by construction (an internal error where it is not). */
export function nameOf(operand: Operand): string {
  if (operand.kind !== 'var') throw new Error(`tapeless: a variable was expected, not ${operandKey(operand)}`);
  return operand.name;
}

/** Whether a block (its nested blocks included) or a result reads a variable whose name passes `test`. */
export function readsVariable(body: Block, result: Result, test: (name: string) => boolean): boolean {
  return [...body.flatMap(operandsRead), ...resultOperands(result)].some((operand) => operand.kind === 'var' && test(operand.name));
}

/** Every operand a statement reads, its nested blocks included (its reverse sweeps too). */
export function operandsRead(stmt: Stmt): Operand[] {
  // Most statements hold no block: their own operands, without a walk (this runs per statement of long bodies).
  if (isOperation(stmt) || stmt.kind === 'accumulate') return ownOperands(stmt);
  return [...statementsWithin([stmt], 'enter')].flatMap(ownOperands);
}
