import { type Func, resultOperands } from './ir';
import { opInfo } from './ops';

/**
 * Activity analysis: a variable is active when it depends on a selected input (it varies)
 * and the result depends on it (it is useful). Only active variables get adjoints, so
 * data parameters, constants and dead code cost nothing in the derivative.
 */
export function activeVariables(func: Func, selected: ReadonlySet<string>): Set<string> {
  const varies = new Set(selected);
  for (const stmt of func.body) {
    if (opInfo(stmt.expr.op).derivative.kind === 'zero') continue;
    if (stmt.expr.args.some((arg) => arg.kind === 'var' && varies.has(arg.name))) varies.add(stmt.name);
  }
  const useful = new Set(resultOperands(func.result).flatMap((operand) => (operand.kind === 'var' ? [operand.name] : [])));
  for (let i = func.body.length - 1; i >= 0; i--) {
    const stmt = func.body[i];
    if (!useful.has(stmt.name)) continue;
    for (const arg of stmt.expr.args) if (arg.kind === 'var') useful.add(arg.name);
  }
  return new Set([...varies].filter((name) => useful.has(name)));
}
