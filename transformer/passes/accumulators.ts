import { type Accumulate, type Block, type Func, type Let, type Operand, type ReverseLoop, type Stmt, isNum, num, sameOperand, variable } from '../ir/ir';
import { namesDefinedWithin } from '../ir/definitions';
import type { NameAllocator } from '../ir/names';
import { ownOperands, rewriteWithin, someWithin, statementsWithin } from '../ir/traverse';

/**
 * Additions into gradient arrays made as cheap as by hand, once the sweeps are built:
 *
 * - `t = a_bar[j]; a_bar[j] = 0; … a_bar[j] += t`, the adjoint of `a[j] += v` (the write
 *   clears the entry, the read of the old value adds it back), leaves the entry as it was:
 *   both writes go.
 * - A sweep that adds into one entry at an index it does not change (`centered_bar[i] += …`
 *   in every pass of a loop over j) adds into a local number, and the local into the entry
 *   once, after the sweep: no load and store of memory per pass.
 *
 * Only for gradients allocated as typed arrays (`zeros`), which no other name can reach.
 */
export function localAccumulators(func: Func, names: NameAllocator): Func {
  const arrays = plainGradients(func);
  if (arrays.size === 0) return func;
  const rewrite = (block: Block): Stmt[] =>
    withoutRestores(block, arrays).flatMap((stmt): Stmt[] => {
      if (stmt.kind === 'if') return [{ ...stmt, then: rewrite(stmt.then), else: rewrite(stmt.else) }];
      if (stmt.kind === 'loop') return [{ ...stmt, body: rewrite(stmt.body) }];
      if (stmt.kind === 'reverseLoop') return sumsInLocals({ ...stmt, body: rewrite(stmt.body) }, arrays, names);
      return [stmt];
    });
  return { ...func, body: rewrite(func.body) };
}

/** Typed-array gradients (`zeros`) whose name is only added into and read by entry: no views, no copies. */
function plainGradients(func: Func): Set<string> {
  const zeros = new Set<string>();
  const otherUse = new Set<string>();
  for (const stmt of statementsWithin(func.body, 'enter')) {
    if (stmt.kind === 'let') {
      const shape = stmt.expr.shape;
      if (stmt.expr.op === 'zeros' && shape?.kind === 'array' && shape.container !== 'Array' && shape.element.kind === 'number') zeros.add(stmt.name);
      stmt.expr.args.forEach((arg, index) => {
        if (arg.kind === 'var' && !(index === 0 && readsEntry(stmt) && !stmt.shape && !stmt.expr.shape)) otherUse.add(arg.name);
      });
    } else {
      for (const operand of ownOperands(stmt)) if (operand.kind === 'var') otherUse.add(operand.name);
    }
  }
  return new Set([...zeros].filter((name) => !otherUse.has(name) && !func.growable?.includes(name)));
}

/** `a_bar[j]`, also as `a_bar[j] ?? 0` (the adjoint of a write, where a typed array may have no entry j). */
function readsEntry(stmt: Let): boolean {
  return stmt.expr.op === 'element' || stmt.expr.op === 'entryOrZero';
}

/** Whether a statement reads or writes a gradient array (anywhere inside it). */
function touches(stmt: Stmt, array: string): boolean {
  return someWithin([stmt], 'enter', (inner) =>
    inner.kind === 'accumulate'
      ? inner.name === array
      : (inner.kind === 'let' || inner.kind === 'effect') && inner.expr.args.some((arg) => arg.kind === 'var' && arg.name === array),
  );
}

/** The block without the clear-then-restore pairs of one entry (`a_bar[j] = 0; … a_bar[j] += t`, t its old value). */
function withoutRestores(block: Block, arrays: ReadonlySet<string>): Stmt[] {
  const removed = new Set<Stmt>();
  block.forEach((stmt, k) => {
    const at = stmt.kind === 'accumulate' && typeof stmt.at === 'object' ? stmt.at : undefined;
    if (stmt.kind !== 'accumulate' || stmt.mode !== 'set' || !arrays.has(stmt.name) || !at || !isNum(stmt.value, 0)) return;
    const untouched = (from: number, to: number) => block.slice(from, to).every((s) => !touches(s, stmt.name));
    const read = block.findIndex(
      (s, r) =>
        r < k &&
        s.kind === 'let' &&
        readsEntry(s) &&
        sameOperand(s.expr.args[0], variable(stmt.name)) &&
        sameOperand(s.expr.args[1], at) &&
        untouched(r + 1, k),
    );
    const reading = block[read];
    if (reading?.kind !== 'let') return;
    const old = variable(reading.name);
    const restore = block.findIndex(
      (s, r) =>
        r > k &&
        s.kind === 'accumulate' &&
        s.name === stmt.name &&
        s.mode === 'add' &&
        typeof s.at === 'object' &&
        sameOperand(s.at, at) &&
        sameOperand(s.value, old),
    );
    if (restore < 0 || !untouched(k + 1, restore)) return;
    removed.add(stmt).add(block[restore]);
  });
  return block.filter((stmt) => !removed.has(stmt));
}

/** A sweep adding into an entry at an index fixed for the whole sweep: into a local number instead. */
function sumsInLocals(sweep: ReverseLoop, arrays: ReadonlySet<string>, names: NameAllocator): Stmt[] {
  const inside = new Set(namesDefinedWithin([sweep]));
  // Per array: the one index it is added into at (fixed), or null where anything else happens to it.
  const entries = new Map<string, Operand | null>();
  for (const stmt of statementsWithin(sweep.body, 'enter')) {
    if (stmt.kind === 'accumulate' && arrays.has(stmt.name)) {
      const at = stmt.at;
      const fixed = stmt.mode === 'add' && typeof at === 'object' && (at.kind === 'num' || (at.kind === 'var' && !inside.has(at.name)));
      const earlier = entries.get(stmt.name);
      entries.set(stmt.name, fixed && (earlier === undefined || (earlier !== null && sameOperand(earlier, at))) ? at : null);
    } else if (stmt.kind === 'let' || stmt.kind === 'effect') {
      for (const arg of stmt.expr.args) if (arg.kind === 'var' && arrays.has(arg.name)) entries.set(arg.name, null);
    }
  }
  const locals = new Map<string, string>();
  for (const [array, at] of entries) if (at) locals.set(array, names.fresh(`${array}_entry`));
  if (locals.size === 0) return [sweep];
  const redirect = (block: Block): Stmt[] =>
    rewriteWithin(block, 'enter', (stmt) => {
      const local = stmt.kind === 'accumulate' ? locals.get(stmt.name) : undefined;
      return local && stmt.kind === 'accumulate'
        ? { kind: 'accumulate', name: local, value: stmt.value, mode: 'add', ...(stmt.origin ? { origin: stmt.origin } : {}) }
        : stmt;
    });
  const declared: Accumulate[] = [...locals.values()].map((name) => ({ kind: 'accumulate', name, value: num(0), mode: 'declare' }));
  // Added only where the sweep added something: an entry the sweep skipped (one past the end,
  // tested against undefined) is not written, which would lengthen a gradient made as an Array.
  const added: Stmt[] = [...locals].flatMap(([array, name]): Stmt[] => {
    const added = names.fresh(`${name}_added`);
    const add: Accumulate = { kind: 'accumulate', name: array, at: entries.get(array)!, value: variable(name), mode: 'add' };
    return [
      { kind: 'let', name: added, expr: { op: '!==', args: [variable(name), num(0)] }, role: 'temp' },
      { kind: 'if', cond: variable(added), then: [add], else: [], phis: [] },
    ];
  });
  return [...declared, { ...sweep, body: redirect(sweep.body) }, ...added];
}
