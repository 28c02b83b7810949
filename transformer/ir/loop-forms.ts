import { type Block, type If, type Loop, type Operand, type Stmt, sameOperand } from './ir';
import { someWithin } from './traverse';

// The forms of a loop that later stages rely on: a loop in `while` form, and a loop each
// pass of which appends the same number of values to the load stream.

/**
 * A loop in `while` form: its body is `pre` (`let`s and effects only, computing the test), then
 * `if (cond) { then }` on the loop's own condition, and each carried variable either keeps
 * its value or takes the value of a phi of that `if` which keeps it when the test fails.
 * So every pass but the last runs `then`, and the last only tests, changing nothing:
 * `while (true) { pre; if (!cond) break; then; updates }` runs it.
 */
export interface LoopGuard {
  readonly pre: Block;
  readonly guard: If;
  /** Each carried variable's value after a pass that runs `then` (an operand of `then`, or itself). */
  readonly nexts: readonly Operand[];
}

export function loopGuard(loop: Loop): LoopGuard | undefined {
  const guard = loop.body[loop.body.length - 1];
  if (!guard || guard.kind !== 'if' || guard.else.length > 0 || !sameOperand(guard.cond, loop.cond)) return undefined;
  const pre = loop.body.slice(0, -1);
  if (!pre.every((stmt) => stmt.kind === 'let' || stmt.kind === 'effect')) return undefined;
  const phis = new Map(guard.phis.map((phi) => [phi.name, phi]));
  const nexts: Operand[] = [];
  for (const c of loop.carried) {
    if (c.next.kind === 'var' && c.next.name === c.name) {
      nexts.push(c.next);
      continue;
    }
    const phi = c.next.kind === 'var' ? phis.get(c.next.name) : undefined;
    if (!phi || phi.else.kind !== 'var' || phi.else.name !== c.name) return undefined;
    phis.delete(phi.name);
    nexts.push(phi.then);
  }
  return { pre, guard, nexts };
}

/**
 * How many values each pass of a loop that runs its body appends to the load stream, where
 * that is all it appends (none from its branches or nested loops); otherwise 0.
 */
export function appendedEveryPass(loop: Loop): number {
  const form = loopGuard(loop);
  const pass = form ? [...form.pre, ...form.guard.then] : loop.body;
  const appends = (stmt: Stmt): boolean => someWithin([stmt], 'enter', (inner) => inner.kind === 'effect' && inner.expr.op === 'recordLoad');
  if (pass.some((stmt) => stmt.kind !== 'effect' && appends(stmt))) return 0;
  return pass.filter(appends).length;
}
