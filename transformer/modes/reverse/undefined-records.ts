// Reverse mode keeps the values a loop's passes start with, and the values of the load
// stream, in Float64Arrays, where undefined becomes NaN. Where the code tests such a value
// against undefined (`prev !== undefined`, `prev ?? x`, `ema === undefined ? x : …` of a
// `let prev: number | undefined` carried by a loop), a NaN restored in its place would take
// the other side of the test in the recomputation, and the gradient would be wrong. Those
// values, and only those (so that records of numbers stay as they are), are recorded with a
// second number saying whether they were undefined, and restored as undefined where they were.
import { type Block, type Expr, type Operand, UNDEFINED, sameOperand } from '../../ir/ir';
import { statementsWithin } from '../../ir/traverse';
import { isUndefinedTest } from '../../ops/registry';

/**
 * The names in a block whose value reaches a test against undefined (`===` or `!==` with
 * `undefined`), directly or through copies, choices (`?:`, a branch's phis) and loops (a
 * carried variable's first and next values), and those `known` to be. With `truth`, a test of its truth too (`if (v)`,
 * `v || 1`), which tells undefined from a number as well, but a record need not: NaN is false too.
 */
export function testedForUndefined(block: Block, truth = false, known: Iterable<string> = []): ReadonlySet<string> {
  const tested = new Set<string>(known);
  const test = (operand: Operand | undefined) => {
    if (truth && operand?.kind === 'var') tested.add(operand.name);
  };
  // Where each name's value comes from, where it is the value of another name unchanged.
  const sources = new Map<string, Operand[]>();
  const objects = new Map<string, Expr>();
  const from = (name: string, ...operands: Operand[]) => sources.set(name, [...(sources.get(name) ?? []), ...operands]);
  for (const stmt of statementsWithin(block, 'enter')) {
    if (stmt.kind === 'let') {
      const { op, args } = stmt.expr;
      if (isUndefinedTest(op) && args.some((arg) => sameOperand(arg, UNDEFINED))) for (const arg of args) if (arg.kind === 'var') tested.add(arg.name);
      if (op === 'copy' || op === 'stopGradient' || op === 'replayExit') from(stmt.name, args[0]);
      if (op === 'select') from(stmt.name, args[1], args[2]);
      // A field of an object literal (`const o = { a: xs[i + 1] }; o.a ?? 0`) is the value it was made with.
      if (op === 'objectOf') objects.set(stmt.name, stmt.expr);
      const object = op === 'field' && args[0].kind === 'var' ? objects.get(args[0].name) : undefined;
      const k = object?.fields?.indexOf(stmt.expr.field!) ?? -1;
      if (object && k >= 0) from(stmt.name, object.args[k]);
      if (op === 'select' || op === 'not') test(args[0]);
    } else if (stmt.kind === 'if') {
      test(stmt.cond);
      for (const phi of stmt.phis) from(phi.name, phi.then, phi.else);
    } else if (stmt.kind === 'loop') {
      for (const c of stmt.carried) {
        from(c.name, c.init, c.next);
        from(c.exit, c.next);
      }
    }
  }
  const pending = [...tested];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    for (const source of sources.get(name) ?? []) {
      if (source.kind !== 'var' || tested.has(source.name)) continue;
      tested.add(source.name);
      pending.push(source.name);
    }
  }
  return tested;
}
