/**
 * The elementary operations of the IR: how each one prints, whether it is pure, how it
 * folds on constants, and which derivative rule of `runtime/rules.ts` it uses.
 */

export const MATH_FUNCTIONS = [
  'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh',
  'atanh', 'exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'sqrt', 'cbrt', 'pow', 'abs', 'max',
  'min', 'sign', 'floor', 'ceil', 'round', 'trunc', 'fround',
] as const;
export type MathFunction = (typeof MATH_FUNCTIONS)[number];

/** Math functions of any number of arguments, differentiated one argument at a time. */
export const VARIADIC_MATH_FUNCTIONS = ['hypot'] as const;
export type VariadicMathFunction = (typeof VARIADIC_MATH_FUNCTIONS)[number];

export const MATH_CONSTANTS = ['E', 'LN10', 'LN2', 'LOG10E', 'LOG2E', 'PI', 'SQRT1_2', 'SQRT2'] as const;

export const ARITHMETIC_OPERATORS = ['+', '-', '*', '/', '%', '**'] as const;
export type ArithmeticOperator = (typeof ARITHMETIC_OPERATORS)[number];

export const COMPARISON_OPERATORS = ['<', '<=', '>', '>=', '===', '!=='] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export type OpName =
  | ArithmeticOperator
  | ComparisonOperator
  | MathFunction
  | VariadicMathFunction
  | 'negate'
  | 'not'
  | 'or'
  | 'and'
  | 'select'
  | 'copy'
  | 'random'
  | 'stopGradient'
  | 'call'
  | 'callInto'
  | 'element'
  | 'field'
  | 'length'
  | 'zeros'
  | 'newArray'
  | 'arrayOf'
  | 'objectOf'
  | 'localElement'
  | 'directElement'
  | 'store'
  | 'rewrite'
  | 'recordLoad'
  | 'replay'
  | 'replayExit'
  | 'position'
  | 'setCursor';

export type OpShape = 'infix' | 'prefix' | 'call' | 'select' | 'copy' | 'element' | 'field' | 'length' | 'zeros' | 'newArray' | 'arrayOf' | 'objectOf' | 'store' | 'recordLoad' | 'replay' | 'position' | 'setCursor';

/** How an operation is differentiated. */
export type Derivative =
  | { readonly kind: 'rule'; readonly table: 'operatorRules' | 'mathRules'; readonly name: string }
  | { readonly kind: 'variadic'; readonly name: string }
  /** Piecewise constant or not a number (comparisons, random, stopGradient). */
  | { readonly kind: 'zero' }
  /** A call of a function of the program: its generated pullback. */
  | { readonly kind: 'pullback' }
  /** A read from an array or object: the adjoint goes into the gradient of the container. */
  | { readonly kind: 'load' }
  /** A write into a local array, or a literal array: adjoints come out of the array's gradient. */
  | { readonly kind: 'store' }
  | { readonly kind: 'arrayOf' }
  | { readonly kind: 'identity' };

export interface OpInfo {
  readonly shape: OpShape;
  /** Operator token (infix, prefix) or callee path (call). */
  readonly print: string;
  readonly pure: boolean;
  readonly derivative: Derivative;
  /** The operation on constants, for folding; absent for operations that must not fold. */
  readonly evaluate?: (...args: number[]) => number;
}

const infix = (print: string, evaluate: (a: number, b: number) => number, derivative: Derivative): OpInfo => ({
  shape: 'infix', print, pure: true, derivative, evaluate,
});
const operatorRule = (name: string): Derivative => ({ kind: 'rule', table: 'operatorRules', name });
const zero: Derivative = { kind: 'zero' };

const operators: Record<ArithmeticOperator | ComparisonOperator | 'negate' | 'not' | 'or' | 'and' | 'select' | 'copy' | 'random' | 'stopGradient' | 'call' | 'callInto' | 'element' | 'field' | 'length' | 'zeros' | 'newArray' | 'arrayOf' | 'objectOf' | 'localElement' | 'directElement' | 'store' | 'rewrite' | 'recordLoad' | 'replay' | 'replayExit' | 'position' | 'setCursor', OpInfo> = {
  '+': infix('+', (a, b) => a + b, operatorRule('+')),
  '-': infix('-', (a, b) => a - b, operatorRule('-')),
  '*': infix('*', (a, b) => a * b, operatorRule('*')),
  '/': infix('/', (a, b) => a / b, operatorRule('/')),
  '%': infix('%', (a, b) => a % b, operatorRule('%')),
  '**': infix('**', (a, b) => a ** b, { kind: 'rule', table: 'mathRules', name: 'pow' }),
  '<': infix('<', (a, b) => Number(a < b), zero),
  '<=': infix('<=', (a, b) => Number(a <= b), zero),
  '>': infix('>', (a, b) => Number(a > b), zero),
  '>=': infix('>=', (a, b) => Number(a >= b), zero),
  '===': infix('===', (a, b) => Number(a === b), zero),
  '!==': infix('!==', (a, b) => Number(a !== b), zero),
  negate: { shape: 'prefix', print: '-', pure: true, derivative: operatorRule('negate'), evaluate: (a) => -a },
  // Truth values: conditions and the flags that lowering makes for break, continue and return.
  not: { shape: 'prefix', print: '!', pure: true, derivative: zero, evaluate: (a) => Number(!a) },
  or: infix('||', (a, b) => Number(a || b), zero),
  and: infix('&&', (a, b) => Number(a && b), zero),
  select: { shape: 'select', print: '?:', pure: true, derivative: operatorRule('?:'), evaluate: (c, a, b) => (c ? a : b) },
  copy: { shape: 'copy', print: '', pure: true, derivative: { kind: 'identity' }, evaluate: (a) => a },
  random: { shape: 'call', print: 'Math.random', pure: false, derivative: zero },
  stopGradient: { shape: 'copy', print: '', pure: true, derivative: zero },
  // Functions called from differentiated code are assumed pure (their source is checked
  // when they are differentiated).
  call: { shape: 'call', print: '', pure: true, derivative: { kind: 'pullback' } },
  // A pullback that adds into gradients passed to it: kept even where its result is not read.
  callInto: { shape: 'call', print: '', pure: false, derivative: zero },
  // Reads of arrays and objects (which differentiated code never writes), and the zero
  // gradients reverse mode allocates for array and object parameters.
  element: { shape: 'element', print: '', pure: true, derivative: { kind: 'load' } },
  field: { shape: 'field', print: '', pure: true, derivative: { kind: 'load' } },
  length: { shape: 'length', print: '', pure: true, derivative: zero },
  zeros: { shape: 'zeros', print: '', pure: false, derivative: zero },
  // Local arrays, which differentiated code may write. Their reads are impure (a write may
  // change what they return), and reverse mode replays them from the load stream when it
  // recomputes (see transformer/REVERSE.md).
  newArray: { shape: 'newArray', print: '', pure: false, derivative: zero },
  arrayOf: { shape: 'arrayOf', print: '', pure: false, derivative: { kind: 'arrayOf' } },
  // An object literal: read-only (its fields are never written), so its gradient is built
  // from its fields' gradients.
  objectOf: { shape: 'objectOf', print: '', pure: false, derivative: { kind: 'arrayOf' } },
  localElement: { shape: 'element', print: '', pure: false, derivative: { kind: 'load' } },
  // A read of a local array that a recomputation reads again from the array itself, not
  // from the load stream (transformer/rereads.ts): no record.
  directElement: { shape: 'element', print: '', pure: false, derivative: { kind: 'load' } },
  store: { shape: 'store', print: '', pure: false, derivative: { kind: 'store' } },
  // A write a recomputation repeats around a loop whose pass rewrites the array
  // (transformer/rereads.ts): needed only where the same sweep reads the array again.
  rewrite: { shape: 'store', print: '', pure: false, derivative: { kind: 'store' } },
  recordLoad: { shape: 'recordLoad', print: '', pure: false, derivative: zero },
  // A read of a local array when the reverse sweep recomputes: the value comes from the
  // load stream; the arguments (array, index) stay for the adjoint.
  replay: { shape: 'replay', print: '', pure: false, derivative: { kind: 'load' } },
  // The exit value of a nested loop (its argument) when the reverse sweep recomputes: it
  // was recorded in the load stream after the loop, so the loop need not run again.
  replayExit: { shape: 'replay', print: '', pure: false, derivative: { kind: 'identity' } },
  position: { shape: 'position', print: '', pure: false, derivative: zero },
  setCursor: { shape: 'setCursor', print: '', pure: false, derivative: zero },
};

function mathOp(name: MathFunction | VariadicMathFunction, derivative: Derivative): OpInfo {
  const fn = Math[name] as (...args: number[]) => number;
  return { shape: 'call', print: `Math.${name}`, pure: true, derivative, evaluate: (...args) => fn(...args) };
}

const OPS: Record<OpName, OpInfo> = {
  ...operators,
  ...(Object.fromEntries(MATH_FUNCTIONS.map((name) => [name, mathOp(name, { kind: 'rule', table: 'mathRules', name })])) as Record<MathFunction, OpInfo>),
  ...(Object.fromEntries(VARIADIC_MATH_FUNCTIONS.map((name) => [name, mathOp(name, { kind: 'variadic', name })])) as Record<VariadicMathFunction, OpInfo>),
};

export function opInfo(op: OpName): OpInfo {
  return OPS[op];
}

export function isComparison(op: OpName): op is ComparisonOperator {
  return (COMPARISON_OPERATORS as readonly string[]).includes(op);
}

/** Operations that are statements (they have no value). */
export function isStatementOp(op: OpName): boolean {
  return op === 'store' || op === 'rewrite' || op === 'recordLoad' || op === 'setCursor';
}
