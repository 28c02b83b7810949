import { type Expr, type Operand, UNDEFINED, isNum, num, sameOperand } from '../ir/ir';
import { isUndefinedTest, opInfo } from '../ops/registry';

/** Looks up the operation that defined a variable, where one did. */
export type Definitions = (name: string) => Expr | undefined;

/**
 * Folds one operation: constants are evaluated, and identities that hold exactly in IEEE
 * arithmetic are applied (x * 1, x / 1, x ** 1, x - 0, x + (-y), --x, t + t = 2 * t), and
 * the zeros of an array just made are made from its length.
 * Nothing is folded that could change a value: 0 * x stays, since x may be NaN or ±∞.
 * Returns an operand when the operation reduces to one, else the (possibly rewritten) operation.
 */
export function fold(expr: Expr, definitionOf: Definitions): Operand | Expr {
  const info = opInfo(expr.op);
  const { args } = expr;
  // `undefined` equals only itself (its value here, NaN, equals nothing).
  if (isUndefinedTest(expr.op) && args.every((arg) => isNum(arg)) && args.some((arg) => sameOperand(arg, UNDEFINED))) {
    const same = args.every((arg) => sameOperand(arg, UNDEFINED));
    return num(same === (expr.op === '===' || expr.op === '==') ? 1 : 0);
  }
  if (info.evaluate && args.length > 0 && args.every((arg) => isNum(arg))) {
    const value = info.evaluate(...args.map((arg) => (arg as { value: number }).value));
    // A named constant (Math.PI) passed through unchanged keeps its readable name.
    const named = args.find((arg) => isNum(arg) && arg.text !== undefined && Object.is((arg as { value: number }).value, value));
    return named && (expr.op === 'copy' || expr.op === 'select') ? named : num(value);
  }
  const negated = (operand: Operand): Operand | undefined => {
    const definition = operand.kind === 'var' ? definitionOf(operand.name) : undefined;
    return definition?.op === 'negate' ? definition.args[0] : undefined;
  };
  const [a, b] = args;
  switch (expr.op) {
    case 'copy':
      return a;
    case 'select':
      return isNum(a) ? (a.value ? args[1] : args[2]) : sameOperand(args[1], args[2]) ? args[1] : expr;
    case 'negate': {
      const inner = negated(a);
      return inner ?? expr;
    }
    case 'not': {
      // !(c ? truthy : falsy) is !c.
      const definition = a.kind === 'var' ? definitionOf(a.name) : undefined;
      if (definition?.op !== 'select') return expr;
      const [c, whenTrue, whenFalse] = definition.args;
      return whenTrue.kind === 'num' && whenFalse.kind === 'num' && whenTrue.value && !whenFalse.value ? { op: 'not', args: [c] } : expr;
    }
    case '+': {
      if (isNum(b, 0) || isNum(b, -0)) return a;
      if (isNum(a, 0) || isNum(a, -0)) return b;
      if (sameOperand(a, b)) return { op: '*', args: [num(2), a] };
      const negB = negated(b);
      if (negB) return { op: '-', args: [a, negB] };
      const negA = negated(a);
      if (negA) return { op: '-', args: [b, negA] };
      return expr;
    }
    case '-': {
      if (isNum(b, 0)) return a;
      if (isNum(a, 0) || isNum(a, -0)) return { op: 'negate', args: [b] };
      const negB = negated(b);
      return negB ? { op: '+', args: [a, negB] } : expr;
    }
    case '*': {
      if (isNum(b, 1)) return a;
      if (isNum(a, 1)) return b;
      if (isNum(b, -1)) return { op: 'negate', args: [a] };
      if (isNum(a, -1)) return { op: 'negate', args: [b] };
      return expr;
    }
    case '/':
      return isNum(b, 1) ? a : expr;
    case 'or':
      return isNum(a) ? (a.value ? a : b) : expr;
    case 'and':
      return isNum(a) ? (a.value ? b : a) : expr;
    case '**':
      return isNum(b, 1) ? a : expr;
    case 'zeros': {
      // The zero gradient of an array of numbers just made (`new Float64Array(n)`) is made
      // from n, not from the array's length: a sweep that recomputes the array only for its
      // gradient's size then drops it.
      const made = a.kind === 'var' ? definitionOf(a.name) : undefined;
      const shape = expr.shape;
      if (made?.op !== 'newArray' || shape?.kind !== 'array' || shape.element.kind !== 'number') return expr;
      return { op: 'newArray', args: [made.args[0], num(0)], shape };
    }
    default:
      return expr;
  }
}
