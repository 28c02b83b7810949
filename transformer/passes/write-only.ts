import { type Effect, type Func, type Operand, type Stmt, resultOperands } from '../ir/ir';
import { opInfo } from '../ops/registry';
import { statementsWithin } from '../ir/traverse';

/** The operations that make a new array, which nothing else can refer to but through its name. */
const ALLOCATIONS = new Set(['newArray', 'zeros', 'arrayOf']);

/**
 * Arrays the function makes and only writes: nothing reads, returns, passes on or holds
 * them (their name appears only as the array of `store`s). A pushforward of a function
 * returning an array it fills (`out[k] = …`) returns `out_dot`, and `out` is left so.
 * Their writes change nothing the function returns, so they can go, and the allocation with them.
 */
export function writeOnlyArrays(func: Func): Set<string> {
  const allocated = new Set<string>();
  const used = new Set<string>();
  const use = (operand: Operand) => {
    if (operand.kind === 'var') used.add(operand.name);
  };
  resultOperands(func.result).forEach(use);
  func.growable?.forEach((name) => used.add(name));
  for (const stmt of statementsWithin(func.body, 'enter')) {
    if (stmt.kind === 'let' && ALLOCATIONS.has(stmt.expr.op)) allocated.add(stmt.name);
    ownOperands(stmt).forEach(use);
  }
  return new Set([...allocated].filter((name) => !used.has(name)));
}

/** Whether an effect writes into an array of `arrays`. */
export function writesInto(stmt: Effect, arrays: ReadonlySet<string>): boolean {
  const array = stmt.expr.args[0];
  return opInfo(stmt.expr.op).shape === 'store' && array?.kind === 'var' && arrays.has(array.name);
}

/** The operands a statement reads itself (not those of the blocks inside it), but the array a store writes into. */
function ownOperands(stmt: Stmt): Operand[] {
  switch (stmt.kind) {
    case 'let':
      return [...stmt.expr.args];
    case 'effect':
      return opInfo(stmt.expr.op).shape === 'store' ? stmt.expr.args.slice(1) : [...stmt.expr.args];
    case 'accumulate':
      return [{ kind: 'var', name: stmt.name }, stmt.value, ...(typeof stmt.at === 'object' ? [stmt.at] : [])];
    case 'if':
      return [stmt.cond, ...stmt.phis.flatMap((phi) => [phi.then, phi.else])];
    case 'loop':
      return [stmt.cond, ...stmt.carried.flatMap((c) => [c.init, c.next]), ...(stmt.passes ? [stmt.passes] : [])];
    case 'reverseLoop':
      return [...(stmt.test?.args ?? [])];
  }
}
