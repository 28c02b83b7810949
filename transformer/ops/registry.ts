/**
 * The elementary operations of the IR, one entry each with every fact about it that a pass
 * needs: how it prints, whether it is pure, its effects, its cost, whether its value is an
 * integer, whether it uses the load stream, how it folds on constants, and which derivative
 * rule of `runtime/rules.ts` differentiates it (test/rules.test.ts checks that every rule an
 * entry names exists and that every rule is named by an entry). Adding a Math function is one
 * entry in MATH below, plus its rule in runtime/rules.ts.
 */
import type { Expr } from '../ir/ir';

export const ARITHMETIC_OPERATORS = ['+', '-', '*', '/', '%', '**'] as const;
export type ArithmeticOperator = (typeof ARITHMETIC_OPERATORS)[number];

/**
 * Operators whose value is an integer of their operands' bits (`s.length >> 1`, `i | 0`,
 * `h >>> 0`, `i & 1`): piecewise constant, derivative zero, as Math.floor's.
 */
export const INTEGER_OPERATORS = ['<<', '>>', '>>>', '&', '|', '^'] as const;
export type IntegerOperator = (typeof INTEGER_OPERATORS)[number];

export const COMPARISON_OPERATORS = ['<', '<=', '>', '>=', '===', '!=='] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** The constants of Math and Number, read as their values and printed by name (`Math.PI`, `Number.EPSILON`). */
const GLOBAL_CONSTANTS: Readonly<Record<string, readonly string[]>> = {
  Math: ['E', 'LN10', 'LN2', 'LOG10E', 'LOG2E', 'PI', 'SQRT1_2', 'SQRT2'],
  Number: ['EPSILON', 'MAX_SAFE_INTEGER', 'MAX_VALUE', 'MIN_SAFE_INTEGER', 'MIN_VALUE', 'NaN', 'NEGATIVE_INFINITY', 'POSITIVE_INFINITY'],
};

/** How an operation is differentiated. */
export type Derivative =
  | { readonly kind: 'rule'; readonly table: 'operatorRules' | 'mathRules'; readonly name: string }
  /** Any number of arguments, each differentiated by the one-argument rule of `variadicMathRules`. */
  | { readonly kind: 'variadic'; readonly name: string }
  /** Piecewise constant or not a number (comparisons, random, stopGradient). */
  | { readonly kind: 'zero' }
  /** A call of a function of the program: its generated pullback. */
  | { readonly kind: 'pullback' }
  /** A read from an array or object: the adjoint goes into the gradient of the container. */
  | { readonly kind: 'load' }
  /** A write into a local array: adjoints come out of the array's gradient. */
  | { readonly kind: 'store' }
  /** An array or object literal: each element's adjoint is its entry of the literal's gradient. */
  | { readonly kind: 'arrayOf' }
  | { readonly kind: 'identity' };

/** How an operation prints (emit). */
export type OpShape =
  | 'infix'
  | 'prefix'
  | 'call'
  | 'select'
  | 'copy'
  | 'element'
  | 'field'
  | 'length'
  | 'zeros'
  | 'newArray'
  | 'arrayOf'
  | 'objectOf'
  | 'sortOrder'
  | 'missing'
  | 'store'
  | 'recordLoad'
  | 'replay'
  | 'position'
  | 'setCursor'
  | 'source';

export interface OpInfo {
  readonly shape: OpShape;
  /** Operator token (infix, prefix) or callee path (call). */
  readonly print: string;
  /** No effect, and the same value from the same operands: CSE may merge it, DCE drop it, emit inline it. */
  readonly pure: boolean;
  /**
   * An effect that outlives it (a write, a record or replay of the load stream, a pullback
   * adding into gradients, a random draw): a loop or branch holding it must run.
   */
  readonly effect: boolean;
  /** Not pure, but may go where nothing reads its value (an allocation of zeros, a read that records nothing). */
  readonly droppable: boolean;
  /** A statement without a value (a write, or an operation on the load stream). */
  readonly statement: boolean;
  /** Costs more than reading a number back from memory: a loop's sweep may restore its value instead. */
  readonly costly: boolean;
  /** Its value is an integer (or ±∞, NaN), whatever its operands. */
  readonly integral: boolean;
  /** Records into the load stream or replays from it (see modes/reverse/README.md). */
  readonly stream: boolean;
  /** Where a partial derivative may be infinite at finite operands (see Singularity); false: nowhere. */
  readonly singular: Singularity | false;
  /**
   * It chooses one of its two operands (max and min): the first where `a choice b` holds (ties
   * go to the first, as its rule says), else the second. Its partials are 1 for the operand
   * chosen and 0 for the other, whose tangent or adjoint may be infinite there
   * (`Math.max(Math.cbrt(x), 1)` at 0, `Math.min(1 / (x * x), 10)` at 0): a 0 that must not
   * multiply it into NaN. Forward mode chooses by it, reverse mode by the rule's partials
   * (runtime/rules.ts): rules.test.ts checks them against each other at ties.
   */
  readonly choice?: '>=' | '<=';
  readonly derivative: Derivative;
  /** The operation on constants, for folding; absent for operations that must not fold. */
  readonly evaluate?: (...args: number[]) => number;
}

/**
 * Where an operation's partial derivatives may be infinite at finite operands, and what a 0
 * multiplying them there must give (0, not the NaN of 0 × ∞):
 * - 'finite': also where its value is finite (`Math.sqrt(0)`, `Math.asin(1)`, `x ** 0.5` at 0).
 *   Quadratic drag from rest, `c * Math.sqrt(v * v) * v`, has the adjoint `c * v` of its square
 *   root, 0 there: every adjoint and tangent of 0 contributes nothing.
 * - 'infinite': only where its value itself is infinite or NaN (`1 / 0`, `Math.log(0)`), which a
 *   finite f leaves behind by a branch (`if (r < eps) return 0`): reverse mode guards the
 *   adjoints that branches add into or that are read from a gradient's entries, forward mode
 *   every tangent.
 */
export type Singularity = 'finite' | 'infinite';

/** The facts an entry does not state: a pure operation of numbers, cheap, with no effect. */
const PURE = { pure: true, effect: false, droppable: true, statement: false, costly: false, integral: false, stream: false, singular: false } as const;
/** An operation that must not be merged, moved or dropped unless said otherwise. */
const IMPURE = { ...PURE, pure: false, droppable: false } as const;

const zero: Derivative = { kind: 'zero' };
const operatorRule = (name: string): Derivative => ({ kind: 'rule', table: 'operatorRules', name });

const infix = (print: string, evaluate: (a: number, b: number) => number, derivative: Derivative): OpInfo => ({
  ...PURE,
  shape: 'infix',
  print,
  derivative,
  evaluate,
});

const integer = (print: IntegerOperator, evaluate: (a: number, b: number) => number): OpInfo => ({ ...infix(print, evaluate, zero), integral: true });

/**
 * The Math functions differentiated code may call, with how many arguments a call takes in
 * the source (`pairs`: any number, folded into nested pairs as `max(max(a, b), c)`;
 * `any`: any number, one operation) and whether the function is costly or integral.
 */
const MATH = {
  sin: { arity: 1, costly: true },
  cos: { arity: 1, costly: true },
  tan: { arity: 1, costly: true },
  asin: { arity: 1, costly: true, singular: 'finite' },
  acos: { arity: 1, costly: true, singular: 'finite' },
  atan: { arity: 1, costly: true },
  atan2: { arity: 2, costly: true },
  sinh: { arity: 1, costly: true },
  cosh: { arity: 1, costly: true },
  tanh: { arity: 1, costly: true },
  asinh: { arity: 1, costly: true },
  acosh: { arity: 1, costly: true, singular: 'finite' },
  atanh: { arity: 1, costly: true, singular: 'infinite' },
  exp: { arity: 1, costly: true },
  expm1: { arity: 1, costly: true },
  log: { arity: 1, costly: true, singular: 'infinite' },
  log1p: { arity: 1, costly: true, singular: 'infinite' },
  log2: { arity: 1, costly: true, singular: 'infinite' },
  log10: { arity: 1, costly: true, singular: 'infinite' },
  sqrt: { arity: 1, singular: 'finite' },
  cbrt: { arity: 1, costly: true, singular: 'finite' },
  pow: { arity: 2, costly: true, singular: 'finite' },
  abs: { arity: 1 },
  max: { arity: 'pairs', choice: '>=' },
  min: { arity: 'pairs', choice: '<=' },
  sign: { arity: 1 },
  floor: { arity: 1, integral: true },
  ceil: { arity: 1, integral: true },
  round: { arity: 1, integral: true },
  trunc: { arity: 1, integral: true },
  fround: { arity: 1 },
  hypot: { arity: 'any', costly: true },
} as const satisfies Record<
  string,
  {
    readonly arity: number | 'pairs' | 'any';
    readonly costly?: boolean;
    readonly integral?: boolean;
    readonly singular?: Singularity;
    readonly choice?: '>=' | '<=';
  }
>;

export type MathFunction = keyof typeof MATH;

/**
 * Where an operation's partial derivatives may be infinite at finite operands (see
 * Singularity): a power by a constant of at least 1 (`x ** 2`) nowhere, by a negative constant
 * only where its value is infinite (`x ** -1` at 0).
 */
export function singularityOf(expr: Expr): Singularity | false {
  const [, exponent] = expr.args;
  if ((expr.op === '**' || expr.op === 'pow') && exponent?.kind === 'num') return exponent.value >= 1 ? false : exponent.value < 0 ? 'infinite' : 'finite';
  return opInfo(expr.op).singular;
}

/** Whether `name` is a Math function tapeless differentiates. */
export function isMathFunction(name: string): name is MathFunction {
  return Object.hasOwn(MATH, name);
}

/** How many arguments a call of Math.`name` takes. */
export function mathArity(name: MathFunction): number | 'pairs' | 'any' {
  return MATH[name].arity;
}

export function isArithmeticOperator(text: string): text is ArithmeticOperator {
  return ARITHMETIC_OPERATORS.some((operator) => operator === text);
}

/** The operators that test a value against undefined (`==` also against null). */
export function isUndefinedTest(op: string): boolean {
  return op === '===' || op === '!==' || op === '==';
}

export function isComparisonOperator(text: string): text is ComparisonOperator {
  return COMPARISON_OPERATORS.some((operator) => operator === text);
}

export function isIntegerOperator(text: string): text is IntegerOperator {
  return INTEGER_OPERATORS.some((operator) => operator === text);
}

/** The value of `Math.PI` or `Number.EPSILON` (namespace, name); undefined for any other name. */
export function globalConstant(namespace: string, name: string): number | undefined {
  if (!Object.hasOwn(GLOBAL_CONSTANTS, namespace) || !GLOBAL_CONSTANTS[namespace].includes(name)) return undefined;
  return (globalThis as unknown as Record<string, Record<string, number>>)[namespace][name];
}

function mathOp(name: MathFunction): OpInfo {
  const facts: {
    readonly arity: number | 'pairs' | 'any';
    readonly costly?: boolean;
    readonly integral?: boolean;
    readonly singular?: Singularity;
    readonly choice?: '>=' | '<=';
  } = MATH[name];
  const fn = Math[name] as (...args: number[]) => number;
  const derivative: Derivative = facts.arity === 'any' ? { kind: 'variadic', name } : { kind: 'rule', table: 'mathRules', name };
  return {
    ...PURE,
    shape: 'call',
    print: `Math.${name}`,
    costly: facts.costly ?? false,
    integral: facts.integral ?? false,
    singular: facts.singular ?? false,
    ...(facts.choice ? { choice: facts.choice } : {}),
    derivative,
    evaluate: (...args) => fn(...args),
  };
}

const OPERATORS = {
  '+': infix('+', (a, b) => a + b, operatorRule('+')),
  '-': infix('-', (a, b) => a - b, operatorRule('-')),
  '*': infix('*', (a, b) => a * b, operatorRule('*')),
  '/': { ...infix('/', (a, b) => a / b, operatorRule('/')), singular: 'infinite' },
  '%': infix('%', (a, b) => a % b, operatorRule('%')),
  '**': { ...infix('**', (a, b) => a ** b, { kind: 'rule', table: 'mathRules', name: 'pow' }), costly: true, singular: 'finite' },
  '<<': integer('<<', (a, b) => a << b),
  '>>': integer('>>', (a, b) => a >> b),
  '>>>': integer('>>>', (a, b) => a >>> b),
  '&': integer('&', (a, b) => a & b),
  '|': integer('|', (a, b) => a | b),
  '^': integer('^', (a, b) => a ^ b),
  '<': infix('<', (a, b) => Number(a < b), zero),
  '<=': infix('<=', (a, b) => Number(a <= b), zero),
  '>': infix('>', (a, b) => Number(a > b), zero),
  '>=': infix('>=', (a, b) => Number(a >= b), zero),
  '===': infix('===', (a, b) => Number(a === b), zero),
  '!==': infix('!==', (a, b) => Number(a !== b), zero),
  // Only against undefined, where a value of the caller's may be null (null or undefined: nullAsUndefined).
  // eslint-disable-next-line eqeqeq -- null or undefined.
  '==': infix('==', (a, b) => Number(a == b), zero),
  negate: { ...PURE, shape: 'prefix', print: '-', derivative: operatorRule('negate'), evaluate: (a) => -a },
  // Truth values: conditions and the flags that lowering makes for break, continue and return.
  not: { ...PURE, shape: 'prefix', print: '!', derivative: zero, evaluate: (a) => Number(!a) },
  // `~i`, `~~x`: an integer operator like '|'.
  bitNot: { ...PURE, shape: 'prefix', print: '~', integral: true, derivative: zero, evaluate: (a) => ~a },
  or: infix('||', (a, b) => Number(a || b), zero),
  and: infix('&&', (a, b) => Number(a && b), zero),
  select: { ...PURE, shape: 'select', print: '?:', derivative: operatorRule('?:'), evaluate: (c, a, b) => (c ? a : b) },
  copy: { ...PURE, shape: 'copy', print: '', derivative: { kind: 'identity' }, evaluate: (a) => a },
  random: { ...IMPURE, shape: 'call', print: 'Math.random', effect: true, derivative: zero },
  stopGradient: { ...PURE, shape: 'copy', print: '', derivative: zero },
  // Functions called from differentiated code are assumed pure (their source is checked
  // when they are differentiated).
  call: { ...PURE, shape: 'call', print: '', derivative: { kind: 'pullback' } },
  // A pullback that adds into gradients passed to it: kept even where its result is not read.
  callInto: { ...IMPURE, shape: 'call', print: '', effect: true, derivative: zero },
  // Reads of arrays and objects (which differentiated code never writes), and the zero
  // gradients reverse mode allocates for array and object parameters.
  element: { ...PURE, shape: 'element', print: '', derivative: { kind: 'load' } },
  field: { ...PURE, shape: 'field', print: '', derivative: { kind: 'load' } },
  // An entry of a local array's gradient, 0 where the array has none: the adjoint of a write
  // at an index a typed array does not have (past its end, negative, fractional: JavaScript
  // ignores the write, and the gradient has no entry there either).
  entryOrZero: { ...PURE, shape: 'element', print: '??', derivative: { kind: 'load' } },
  length: { ...PURE, shape: 'length', print: '', integral: true, derivative: zero },
  zeros: { ...IMPURE, shape: 'zeros', print: '', droppable: true, derivative: zero },
  // Local arrays, which differentiated code may write. Their reads are impure (a write may
  // change what they return), and reverse mode replays them from the load stream when it
  // recomputes (see modes/reverse/README.md). Each makes a new array (never merged with
  // another), which may go where nothing reads it.
  newArray: { ...IMPURE, shape: 'newArray', print: '', droppable: true, derivative: zero },
  arrayOf: { ...IMPURE, shape: 'arrayOf', print: '', droppable: true, derivative: { kind: 'arrayOf' } },
  // An object literal: its fields are never written (an object whose fields the code writes
  // is lowered as variables, one per field: frontend/lower/objects.ts), so its gradient is
  // built from its fields' gradients, and one nothing reads may go.
  objectOf: { ...IMPURE, shape: 'objectOf', print: '', droppable: true, derivative: { kind: 'arrayOf' } },
  localElement: { ...IMPURE, shape: 'element', print: '', stream: true, derivative: { kind: 'load' } },
  // Whether an array has no entry at an index (`array[index] === undefined`): the condition of
  // a default, `u[i - 1] ?? 0` or `[a, b = 2]` past the end. A truth of its own, so that reverse
  // mode records the truth, never the entry: undefined does not survive a record of numbers.
  missing: { ...PURE, shape: 'missing', print: '', derivative: zero },
  localMissing: { ...IMPURE, shape: 'missing', print: '', droppable: true, stream: true, derivative: zero },
  // The permutation that sorts an array (`field`: 'ascending', 'descending', or 'numeric', a
  // typed array's own order): a new local array of indices, never written. A sorted array's
  // entries are reads of the array at these indices, so its derivatives follow the permutation.
  sortOrder: { ...IMPURE, shape: 'sortOrder', print: '', droppable: true, derivative: zero },
  // A read of a local array that a recomputation reads again from the array itself, not
  // from the load stream (modes/reverse/rereads.ts): no record.
  directElement: { ...IMPURE, shape: 'element', print: '', droppable: true, derivative: { kind: 'load' } },
  store: { ...IMPURE, shape: 'store', print: '', effect: true, statement: true, derivative: { kind: 'store' } },
  // A write a recomputation repeats around a loop whose pass rewrites the array
  // (modes/reverse/rereads.ts): needed only where the same sweep reads the array again.
  rewrite: { ...IMPURE, shape: 'store', print: '', droppable: true, statement: true, derivative: { kind: 'store' } },
  recordLoad: { ...IMPURE, shape: 'recordLoad', print: '', effect: true, statement: true, stream: true, derivative: zero },
  // A read of a local array when the reverse sweep recomputes: the value comes from the
  // load stream; the arguments (array, index) stay for the adjoint.
  replay: { ...IMPURE, shape: 'replay', print: '', effect: true, stream: true, derivative: { kind: 'load' } },
  // The exit value of a nested loop (its argument) when the reverse sweep recomputes: it
  // was recorded in the load stream after the loop, so the loop need not run again.
  replayExit: { ...IMPURE, shape: 'replay', print: '', effect: true, stream: true, derivative: { kind: 'identity' } },
  // A value without a derivative when the reverse sweep recomputes, from the load stream: a
  // draw of Math.random() (a recomputation never draws again), whether a local array had an entry.
  replayValue: { ...IMPURE, shape: 'replay', print: '', effect: true, stream: true, derivative: zero },
  position: { ...IMPURE, shape: 'position', print: '', derivative: zero },
  setCursor: { ...IMPURE, shape: 'setCursor', print: '', effect: true, statement: true, derivative: zero },
  // The user's code run as written, for its effect, in the forward pass only (a recomputation
  // does not run it again): `console.log(…)` and the like, and `throw …`, which ends the path.
  sideEffect: { ...IMPURE, shape: 'source', print: '', effect: true, statement: true, derivative: zero },
  throw: { ...IMPURE, shape: 'source', print: 'throw', effect: true, statement: true, derivative: zero },
  // Whether an object has a field of its own (`{ ...defaults, ...o }` takes those of o's optional fields that o has).
  hasField: { ...PURE, shape: 'call', print: 'Object.prototype.hasOwnProperty.call', derivative: zero },
  // Tests of numbers: piecewise constant.
  isFinite: { ...PURE, shape: 'call', print: 'Number.isFinite', derivative: zero, evaluate: (a) => Number(Number.isFinite(a)) },
  isNaN: { ...PURE, shape: 'call', print: 'Number.isNaN', derivative: zero, evaluate: (a) => Number(Number.isNaN(a)) },
  isInteger: { ...PURE, shape: 'call', print: 'Number.isInteger', derivative: zero, evaluate: (a) => Number(Number.isInteger(a)) },
} as const satisfies Record<string, OpInfo>;

export type OpName = keyof typeof OPERATORS | MathFunction;

const OPS: Record<OpName, OpInfo> = {
  ...OPERATORS,
  ...(Object.fromEntries(Object.keys(MATH).map((name) => [name, mathOp(name as MathFunction)])) as Record<MathFunction, OpInfo>),
};

export function opInfo(op: OpName): OpInfo {
  return OPS[op];
}

/** Every operation, for tests that check the registry against the rules. */
export function allOps(): readonly OpName[] {
  return Object.keys(OPS) as OpName[];
}
