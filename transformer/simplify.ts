import { type Definitions, fold } from './fold';
import { type Expr, type Func, type Operand, type Stmt, mapResult, resultOperands, variable } from './ir';
import { opInfo } from './ops';

const COMMUTATIVE = new Set(['+', '*']);
const MAX_ROUNDS = 8;

/**
 * Cleans a generated function: folding and copy propagation, common subexpressions
 * computed once, and dead code removed. Only exact rewrites: the simplified function
 * returns bit-for-bit what the unsimplified one returns (up to the sign of a zero sum).
 */
export function simplify(func: Func): Func {
  let current = func;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = eliminateDeadCode(propagate(current));
    if (next.body.length === current.body.length && sameBodies(next.body, current.body)) return next;
    current = next;
  }
  return current;
}

/** One forward pass of folding, copy propagation and common-subexpression elimination. */
function propagate(func: Func): Func {
  const replaced = new Map<string, Operand>();
  const definitions = new Map<string, Expr>();
  const computed = new Map<string, string>();
  const body: Stmt[] = [];
  const substitute = (operand: Operand): Operand => (operand.kind === 'var' ? (replaced.get(operand.name) ?? operand) : operand);
  const definitionOf: Definitions = (name) => definitions.get(name);
  for (const stmt of func.body) {
    const pure = opInfo(stmt.expr.op).pure;
    const folded = fold({ op: stmt.expr.op, args: stmt.expr.args.map(substitute) }, definitionOf);
    if ('kind' in folded) {
      replaced.set(stmt.name, folded);
      continue;
    }
    if (pure) {
      const key = expressionKey(folded);
      const earlier = computed.get(key);
      if (earlier !== undefined) {
        replaced.set(stmt.name, variable(earlier));
        continue;
      }
      computed.set(key, stmt.name);
    }
    body.push(folded === stmt.expr ? stmt : { ...stmt, expr: folded });
    definitions.set(stmt.name, folded);
  }
  return { ...func, body, result: mapResult(func.result, substitute) };
}

function eliminateDeadCode(func: Func): Func {
  const live = new Set(resultOperands(func.result).flatMap((operand) => (operand.kind === 'var' ? [operand.name] : [])));
  const kept: Stmt[] = [];
  for (let i = func.body.length - 1; i >= 0; i--) {
    const stmt = func.body[i];
    if (!live.has(stmt.name) && opInfo(stmt.expr.op).pure) continue;
    kept.push(stmt);
    for (const arg of stmt.expr.args) if (arg.kind === 'var') live.add(arg.name);
  }
  return { ...func, body: kept.reverse() };
}

function operandKey(operand: Operand): string {
  switch (operand.kind) {
    case 'var':
      return `v:${operand.name}`;
    case 'num':
      return `n:${Object.is(operand.value, -0) ? '-0' : String(operand.value)}`;
    case 'ref':
      return `r:${operand.path.join('.')}`;
  }
}

function expressionKey(expr: Expr): string {
  const args = expr.args.map(operandKey);
  if (COMMUTATIVE.has(expr.op)) args.sort();
  return `${expr.op}(${args.join(',')})`;
}

function sameBodies(a: readonly Stmt[], b: readonly Stmt[]): boolean {
  return a.every((stmt, i) => stmt.name === b[i].name && expressionKey(stmt.expr) === expressionKey(b[i].expr));
}
