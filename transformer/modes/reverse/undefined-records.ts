// Reverse mode keeps the values a loop's passes start with, and the reads of local arrays it
// replays, in Float64Arrays, where undefined becomes NaN: a test of such a value against
// undefined (`prev !== undefined` of `let prev: number | undefined` carried by a loop) would
// take the other side where the sweep recomputes it, and give a wrong gradient. Until records
// keep undefined, such a test is a located diagnostic in reverse mode (forward mode is right).
import { Code, fail } from '../../driver/diagnostics';
import { type Func, UNDEFINED, sameOperand } from '../../ir/ir';
import { placedWithin } from '../../ir/traverse';
import { opInfo } from '../../ops/registry';

export function requireRecordable(func: Func): void {
  const recorded = new Set<string>();
  for (const { stmt, within } of placedWithin(func.body, 'enter')) {
    if (stmt.kind === 'loop') for (const c of stmt.carried) recorded.add(c.name);
    if (stmt.kind === 'let' && opInfo(stmt.expr.op).stream && within.length > 0) recorded.add(stmt.name);
  }
  for (const { stmt } of placedWithin(func.body, 'enter')) {
    if (stmt.kind !== 'let' || (stmt.expr.op !== '===' && stmt.expr.op !== '!==') || !stmt.origin) continue;
    const [a, b] = stmt.expr.args;
    const tested = sameOperand(a, UNDEFINED) ? b : sameOperand(b, UNDEFINED) ? a : undefined;
    if (tested?.kind !== 'var' || !recorded.has(tested.name)) continue;
    fail(
      stmt.origin,
      Code.Unsupported,
      'reverse mode cannot yet keep a value that may be undefined from one pass of a loop to the next: give the variable a number first and keep whether it is set in a flag of its own (let started = false), or compare the index with the length instead of reading past the end.',
    );
  }
}
