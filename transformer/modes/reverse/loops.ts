// The reverse of a loop: its record of the values each pass starts with, and its sweep,
// which restores them pass by pass, recomputes the pass and runs its adjoints. Then the facts
// that decide how the sweep runs: which carried variables are counters (recomputed from the
// pass's index instead of recorded), whether each pass writes entries of its own (the sweep
// may walk the passes in their own order), and the loop's own test as a bound of the sweep.
import type { Builder } from '../../ir/builder';
import { type Block, type Expr, type Let, type Loop, type LoopRecord, type Operand, type Stmt, isNum, nameOf, num, operandKey, variable } from '../../ir/ir';
import { namesDefinedWithin } from '../../ir/definitions';
import { type LoopGuard, loopGuard } from '../../ir/loop-forms';
import { opInfo } from '../../ops/registry';
import { placedWithin } from '../../ir/traverse';
import { type ReverseSweep, type Scope } from './sweep';
import { readsLocalArrays } from './stream';
import { testedForUndefined } from './undefined-records';

/** Whether an operand is known to hold an integer. */
export type Integral = (operand: Operand) => boolean;

/**
 * A loop: it records its carried values each pass; its reverse sweep walks the passes
 * backwards, restoring them, recomputing the pass and running the pass's adjoints. The
 * adjoints of the carried variables (`s_bar`) flow from pass to pass. A loop in `while`
 * form sweeps only the passes that ran its body; a counter (`i = i + 1` from an integer)
 * is not recorded but recomputed from the pass's index.
 */
export function reverseLoop(sweep: ReverseSweep, stmt: Loop, scope: Scope): Loop {
  const carried = stmt.carried.filter((c) => sweep.active.has(c.name) || sweep.active.has(c.exit));
  if (carried.length === 0 && !sweep.writesActive(stmt.body)) return stmt;
  const replays = sweep.stream && readsLocalArrays(stmt.body);
  // The last pass of a loop in `while` form only tests; its test must read no local
  // array, since the record of a pass's place in the load stream is taken after the test.
  const form = loopGuard(stmt);
  const guarded = form && !(sweep.stream && readsLocalArrays(form.pre)) ? form : undefined;
  const pass = guarded ? [...guarded.pre, ...guarded.guard.then] : stmt.body;
  const nexts = guarded ? guarded.nexts : stmt.carried.map((c) => c.next);
  const count = sweep.names.fresh('passes');
  const array = sweep.names.fresh('record');
  const bars = carried.map((c) => {
    const bar = sweep.names.fresh(`${c.name}_bar`);
    const exitBar = sweep.active.has(c.exit) ? sweep.adjoint(scope, c.exit, stmt.origin, 'temp') : num(0);
    scope.out.push({ kind: 'accumulate', name: bar, value: exitBar, mode: 'declare', origin: stmt.origin });
    return bar;
  });
  const steps = inductionSteps(stmt, pass, nexts, (operand) => isIntegral(operand, sweep.integral, scope.out));
  const { clone, child, read, restored } = sweep.recompute(
    pass,
    scope,
    stmt.carried.map((c) => c.name),
    stmt.scratch,
  );
  // A counter from 0 by 1 is the pass's index itself; another is computed from it.
  const counter = stmt.carried.findIndex((c, j) => steps[j] === 1 && isNum(c.init, 0));
  const index = counter >= 0 ? restored[counter] : sweep.names.fresh('pass');
  const counters = scope.out.nested();
  stmt.carried.forEach((c, j) => {
    const step = steps[j];
    if (step === undefined || j === counter) return;
    const value = counters.op('+', [c.init, counters.op('*', [variable(index), num(step)], { role: 'temp', origin: stmt.origin })], {
      role: 'user',
      name: restored[j],
      origin: stmt.origin,
    });
    if (value.kind !== 'var' || value.name !== restored[j])
      counters.push({ kind: 'let', name: restored[j], expr: { op: 'copy', args: [value] }, role: 'user', origin: stmt.origin });
  });
  stmt.carried.forEach((_, j) => steps[j] !== undefined && sweep.integral.add(restored[j]));
  // Costly values every swept pass computes may be recorded rather than computed again
  // (simplify decides: where the forward loop computes them anyway).
  const values = (guarded ? guarded.guard.then : stmt.body).flatMap((s): { value: Operand; restored: string }[] =>
    s.kind === 'let' && opInfo(s.expr.op).costly && s.expr.args.some((arg) => arg.kind === 'var')
      ? [{ value: variable(s.name), restored: nameOf(read(variable(s.name))) }]
      : [],
  );
  // A value the pass tests against undefined is recorded with whether it was (undefined-records.ts).
  const tested = testedForUndefined(stmt.body);
  const record: LoopRecord = {
    count,
    array,
    pairs: stmt.carried.flatMap((c, j) =>
      steps[j] === undefined
        ? [{ carried: c.name, restored: restored[j], ...(tested.has(c.name) ? { undefinable: true } : {}), ...(c.data ? { data: true } : {}) }]
        : [],
    ),
    ...(stmt.carried.some((c) => c.data) ? { data: sweep.names.fresh('recordedData') } : {}),
    ...(values.length > 0 ? { values } : {}),
    ...(replays ? { cursor: scope.replaying ? ('replay' as const) : ('record' as const) } : {}),
    ...(guarded ? { guarded: true } : {}),
  };
  sweep.records.push(record);
  carried.forEach((c) => {
    const next = read(nexts[stmt.carried.indexOf(c)]);
    if (next.kind === 'var' && sweep.active.has(next.name)) sweep.contribute(child, next.name, variable(bars[carried.indexOf(c)]));
  });
  // A carried value tested in the pass after is tested all the same (`v ?? x; v = xs[i + 1]`).
  stmt.carried.forEach((c, j) => {
    const next = read(nexts[j]);
    if (sweep.isTested(c.name) && next.kind === 'var') sweep.markTested(next.name);
  });
  const forward = sweep.block(clone, child);
  const passBars = carried.map((c) => sweep.adjoint(child, restored[stmt.carried.indexOf(c)], stmt.origin, 'temp'));
  sweep.flush(child);
  // The updates are one parallel assignment: where a variable takes another's value
  // (`z1 = z2`, a delay line), the other's adjoint is this one's from the pass after, and
  // must be read before the update of this one sets it.
  const sources = passBars.map((bar, j) => {
    const k = bar.kind === 'var' ? bars.indexOf(bar.name) : -1;
    if (k < 0 || k >= j) return bar;
    const copy = sweep.names.fresh(`${bars[k]}_pass`);
    child.out.push({ kind: 'accumulate', name: copy, value: bar, mode: 'declare', origin: stmt.origin });
    return variable(copy);
  });
  carried.forEach((_, j) => {
    // An adjoint that the pass passes on unchanged (a sum's) needs no update.
    if (sources[j].kind !== 'var' || sources[j].name !== bars[j])
      child.out.push({ kind: 'accumulate', name: bars[j], value: sources[j], mode: 'set', origin: stmt.origin });
  });
  // Where the passes' adjoints do not depend on one another, the sweep walks them in
  // their own order, which reads memory the way the forward loop did.
  const ascending = carried.every((_, j) => passBars[j].kind === 'var' && passBars[j].name === bars[j]) && writesDistinct(stmt, steps);
  // Swept from 0 by its counter, the loop's own test bounds the sweep: the count of passes
  // is not needed (nor, if it records nothing else, the loop recomputed before the sweep).
  const own =
    ascending && guarded && counter >= 0
      ? ownTest(
          stmt,
          guarded,
          stmt.carried[counter].name,
          clone.slice(0, guarded.pre.length),
          (operand) => isIntegral(operand, sweep.integral, scope.out),
          (base) => sweep.names.fresh(base),
        )
      : undefined;
  const hoisted = new Set<Stmt>(own?.hoisted ?? []);
  own?.hoisted.forEach((s) => scope.out.push(s));
  const body = [...counters.stmts, ...forward.filter((s) => !hoisted.has(s)), ...child.out.stmts];
  scope.out.push({ kind: 'reverseLoop', record, index, body, origin: stmt.origin, ...(ascending ? { ascending } : {}), ...(own ? { test: own.test } : {}) });
  carried.forEach((c, j) => {
    if (c.init.kind === 'var' && sweep.active.has(c.init.name)) sweep.contribute(scope, c.init.name, variable(bars[j]));
  });
  return { ...stmt, record };
}

/**
 * For each carried variable, the step `k` if it is a counter: it starts from an integer
 * and every pass swept adds the integer `k` (`i = i + k`, a statement that runs every such
 * pass), so its value at pass p is exactly init + p·k (integers below 2^53 add exactly).
 */
export function inductionSteps(stmt: Loop, pass: Block, nexts: readonly Operand[], integral: Integral): (number | undefined)[] {
  const defined = new Map(pass.flatMap((s) => (s.kind === 'let' ? [[s.name, s.expr] as const] : [])));
  return stmt.carried.map((c, j) => {
    const next = nexts[j];
    const expr = next.kind === 'var' ? defined.get(next.name) : undefined;
    if (!expr || !integral(c.init)) return undefined;
    const [a, b] = expr.args;
    const isCounter = (operand: Operand) => operand.kind === 'var' && operand.name === c.name;
    const step = (operand: Operand) => (operand.kind === 'num' && Number.isInteger(operand.value) && operand.text === undefined ? operand.value : undefined);
    if (expr.op === '+' && isCounter(a)) return step(b);
    if (expr.op === '+' && isCounter(b)) return step(a);
    if (expr.op === '-' && isCounter(a)) {
      const k = step(b);
      return k === undefined ? undefined : -k;
    }
    return undefined;
  });
}

/**
 * Whether each pass of a loop writes its own entries of local arrays: every write into a
 * local array is at one counter of the loop (`h[j] = …`, the same for all writes into that
 * array), outside nested loops, into an array the loop does not read. Then the adjoint of
 * no write depends on another pass's.
 */
export function writesDistinct(stmt: Loop, steps: readonly (number | undefined)[]): boolean {
  const counters = new Set(stmt.carried.flatMap((c, j) => (steps[j] ? [c.name] : [])));
  const written = new Map<string, string>();
  const read = new Set<string>();
  let distinct = true;
  for (const { stmt: s, within } of placedWithin(stmt.body, 'skip')) {
    if (s.kind === 'let' && (s.expr.op === 'localElement' || s.expr.op === 'replay' || s.expr.op === 'directElement')) read.add(operandKey(s.expr.args[0]));
    else if (s.kind === 'effect' && s.expr.op === 'store') {
      const [array, at] = s.expr.args;
      const counter = at.kind === 'var' && counters.has(at.name) ? at.name : undefined;
      const nested = within.some((outer) => outer.kind === 'loop');
      if (nested || !counter || (written.get(operandKey(array)) ?? counter) !== counter) distinct = false;
      written.set(operandKey(array), counter ?? '');
    }
  }
  return distinct && [...written.keys()].every((array) => !read.has(array));
}

/**
 * The test of a loop in `while` form as recomputed (`copies`: the copies of its
 * statements), where it compares the counter with values from outside the loop: true
 * exactly for the passes that ran the body. Statements computing those values (`w.length`)
 * are `hoisted`, to run once before the sweep. A counter with an integer added
 * (`i + 1 < x.length`) compares as the counter with the integer taken from the other side
 * (`i < x.length - 1`, exact for integers), where that side is an integer too.
 */
export function ownTest(
  stmt: Loop,
  form: LoopGuard,
  counter: string,
  copies: readonly Stmt[],
  integral: Integral,
  fresh: (base: string) => string,
): { test: Expr; hoisted: Let[] } | undefined {
  const inside = new Set([...stmt.carried.map((c) => c.name), ...namesDefinedWithin(stmt.body)]);
  const hoistable = new Set<string>();
  const hoisted: Let[] = [];
  /** Pre-statements `t = counter + c`, by name: the integer c. */
  const offsets = new Map<string, Operand>();
  const outside = (args: readonly Operand[]) => args.every((arg) => arg.kind !== 'var' || !inside.has(arg.name) || hoistable.has(arg.name));
  const isCounter = (arg: Operand) => arg.kind === 'var' && arg.name === counter;
  for (const [k, s] of form.pre.entries()) {
    const copy = copies[k];
    if (s.kind !== 'let' || copy?.kind !== 'let') return undefined;
    if (k === form.pre.length - 1) {
      const compares = stmt.cond.kind === 'var' && s.name === stmt.cond.name && ['<', '<=', '>', '>='].includes(s.expr.op);
      const [a, b] = s.expr.args;
      if (!compares) return undefined;
      if ((isCounter(a) && outside([b])) || (isCounter(b) && outside([a]))) return { test: copy.expr, hoisted };
      // `counter + c` on one side, an integer from outside on the other.
      const side = [a, b].findIndex((arg) => arg.kind === 'var' && offsets.has(arg.name));
      const other = side === 0 ? b : a;
      if (side < 0 || !outside([other]) || !integral(copy.expr.args[1 - side])) return undefined;
      const offsetName = nameOf(s.expr.args[side]);
      const offset = copies[form.pre.findIndex((pre) => pre.kind === 'let' && pre.name === offsetName)];
      const counterCopy = offset?.kind === 'let' ? offset.expr.args.find((arg) => arg.kind !== 'num') : undefined;
      const step = offsets.get(offsetName);
      if (!counterCopy || !step) return undefined;
      const bound: Let = { kind: 'let', name: fresh('bound'), expr: { op: '-', args: [copy.expr.args[1 - side], step] }, role: 'temp', origin: stmt.origin };
      const args = side === 0 ? [counterCopy, variable(bound.name)] : [variable(bound.name), counterCopy];
      return { test: { op: s.expr.op, args }, hoisted: [...hoisted, bound] };
    }
    if (s.expr.op === '+' && s.expr.args.some(isCounter)) {
      const c = s.expr.args.find((arg) => !isCounter(arg))!;
      if (c.kind === 'num' && Number.isInteger(c.value)) {
        offsets.set(s.name, c);
        continue;
      }
    }
    if (!opInfo(s.expr.op).pure || !outside(s.expr.args)) return undefined;
    hoistable.add(s.name);
    hoisted.push(copy);
  }
  return undefined;
}

/**
 * Whether an operand is an integer (or ±∞, NaN): integers, lengths, floor…, their sums and
 * products, and the loop counters restored from a pass's index (`counters`).
 */
export function isIntegral(operand: Operand, counters: ReadonlySet<string>, builder: Builder): boolean {
  if (operand.kind === 'num') return Number.isInteger(operand.value);
  if (operand.kind !== 'var') return false;
  if (counters.has(operand.name)) return true;
  const expr = builder.definition(operand.name);
  if (!expr) return false;
  if (opInfo(expr.op).integral) return true;
  return (
    (expr.op === '+' || expr.op === '-' || expr.op === '*' || expr.op === 'copy' || expr.op === 'negate') &&
    expr.args.every((arg) => isIntegral(arg, counters, builder))
  );
}
