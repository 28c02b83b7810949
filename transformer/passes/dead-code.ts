import {
  type Accumulate,
  type Block,
  type Effect,
  type Func,
  type Let,
  type Loop,
  type LoopRecord,
  type Operand,
  type ReverseLoop,
  type Stmt,
  operandKey,
  resultOperands,
  unhandled,
} from '../ir/ir';
import { appendedEveryPass } from '../ir/loop-forms';
import { opInfo } from '../ops/registry';
import { letsWithin, someWithin, statementsWithin } from '../ir/traverse';
import { writeOnlyArrays, writesInto } from './write-only';

/**
 * Removes what nothing reads: pure `let`s, phis, loops without live results (unless
 * recorded for a reverse sweep), and blocks left empty. Liveness is found to a fixed
 * point over the whole function (loops feed themselves).
 */
export function eliminateDeadCode(func: Func): Func {
  // The names a statement computes (a recorded value's `restored` may have lost its statement).
  const computed = new Set<string>();
  for (const stmt of letsWithin(func.body, 'enter')) computed.add(stmt.name);
  const live = new Set(resultOperands(func.result).flatMap((operand) => (operand.kind === 'var' ? [operand.name] : [])));
  const zeros = zeroArrays(func.body);
  // Writes into arrays nothing reads are dead (a pushforward's primal output array).
  const writeOnly = writeOnlyArrays(func);
  const deadWrite = (stmt: Effect) => writesInto(stmt, writeOnly);
  // An addition into a gradient array nothing reads is dead with the array; into any other
  // array (a view of another), it stays.
  const deadAddition = (stmt: Accumulate) => !live.has(stmt.name) && (stmt.at === undefined || zeros.has(stmt.name));
  const mark = (operand: Operand) => {
    if (operand.kind === 'var') live.add(operand.name);
  };
  // Per region (a reverse sweep's pass, or the function), the local arrays its live
  // statements read: a `rewrite` there is needed only for those.
  const reread = new Map<Region, Set<string>>();
  const rereads = (region: Region) => reread.get(region) ?? reread.set(region, new Set()).get(region)!;
  const rewriteNeeded = (stmt: Effect, region: Region) => stmt.expr.op === 'rewrite' && rereads(region).has(operandKey(stmt.expr.args[0]));
  // The effects that must run: all but the droppable ones (a `rewrite` nothing rereads).
  const effects = new Set<Effect>();
  const visit = (block: Block, region: Region): void => {
    for (let i = block.length - 1; i >= 0; i--) {
      const stmt = block[i];
      switch (stmt.kind) {
        case 'let':
          if (live.has(stmt.name) && opInfo(stmt.expr.op).shape === 'element') rereads(region).add(operandKey(stmt.expr.args[0]));
          // A replay reads its value from the load stream, not from the array or the loop it
          // names: a sweep that only replays an array's values does not make the array.
          if ((live.has(stmt.name) || !removable(stmt)) && stmt.expr.op !== 'replayExit' && stmt.expr.op !== 'replay') stmt.expr.args.forEach(mark);
          break;
        case 'effect':
          if (deadWrite(stmt)) break;
          if (!removable(stmt) || rewriteNeeded(stmt, region)) {
            effects.add(stmt);
            stmt.expr.args.forEach(mark);
          }
          break;
        case 'if':
          for (const phi of stmt.phis) {
            if (!live.has(phi.name)) continue;
            mark(phi.then);
            mark(phi.else);
          }
          visit(stmt.then, region);
          visit(stmt.else, region);
          mark(stmt.cond);
          break;
        case 'loop': {
          // A loop is needed for its results, for the passes it records, or for its effects;
          // a carried variable, for its result or for the value the reverse sweep restores.
          if (!needed(stmt, region)) break;
          const restored = new Map(stmt.record?.pairs.map(({ carried, restored }) => [carried, restored]));
          for (const c of stmt.carried) {
            const restoredAs = restored.get(c.name);
            if (live.has(c.exit) || (restoredAs !== undefined && live.has(restoredAs))) live.add(c.name);
            if (!live.has(c.name)) continue;
            mark(c.init);
            mark(c.next);
          }
          // A value recorded for a sweep that no longer computes it must be recorded.
          for (const { value, restored } of stmt.record?.values ?? []) if (live.has(restored) && !computed.has(restored)) mark(value);
          visit(stmt.body, region);
          mark(stmt.cond);
          // The bound sizes the record, and the load stream where every pass appends to it.
          if (
            stmt.record &&
            stmt.passes &&
            (stmt.record.cursor || [...stmt.record.pairs, ...(stmt.record.values ?? [])].some(({ restored }) => live.has(restored)))
          )
            mark(stmt.passes);
          if (stmt.passes && appendedEveryPass(stmt) > 0) mark(stmt.passes);
          break;
        }
        case 'accumulate':
          // A number nothing reads is dead (forward over reverse leaves the adjoints it does
          // not return); an array entry may be read through another name, so it stays.
          if (deadAddition(stmt)) break;
          live.add(stmt.name);
          mark(stmt.value);
          if (typeof stmt.at === 'object') mark(stmt.at);
          break;
        case 'reverseLoop':
          visit(stmt.body, stmt);
          // A sweep bounded by its own test does not read the count of passes.
          if (stmt.test) stmt.test.args.forEach(mark);
          else live.add(stmt.record.count);
          break;
        default:
          unhandled(stmt);
      }
    }
  };
  // A loop is needed for its results, for its effects, or for what it records for a sweep.
  const needed = (stmt: Loop, region: Region): boolean =>
    stmt.carried.some((c) => live.has(c.exit)) ||
    hasEffects(stmt.body, deadWrite) ||
    someEffect(stmt.body, (s) => rewriteNeeded(s, region)) ||
    (stmt.record !== undefined &&
      (live.has(stmt.record.count) ||
        stmt.record.cursor !== undefined ||
        [...stmt.record.pairs, ...(stmt.record.values ?? [])].some(({ restored }) => live.has(restored))));
  const size = () => live.size + effects.size + [...reread.values()].reduce((total, arrays) => total + arrays.size, 0);
  let before: number;
  do {
    before = size();
    visit(func.body, func);
  } while (size() !== before);

  // A recorded value the forward loop computes anyway is restored by the sweep instead of
  // computed again; one it does not compute is computed by the sweep, and not recorded.
  const restoredInstead = new Set<string>();
  const records = new Map<LoopRecord, LoopRecord>();
  const decide = (record: LoopRecord): LoopRecord => {
    if (!record.values) return record;
    const decided = records.get(record);
    if (decided) return decided;
    const values = record.values.filter(
      ({ value, restored }) => !computed.has(restored) || (live.has(restored) && (value.kind !== 'var' || live.has(value.name))),
    );
    values.forEach(({ restored }) => restoredInstead.add(restored));
    const result = { ...record, values };
    records.set(record, result);
    return result;
  };
  for (const stmt of statementsWithin(func.body, 'enter')) if (stmt.kind === 'loop' && stmt.record) decide(stmt.record);
  const kept = new Set<LoopRecord>();
  const keep = (block: Block, region: Region): Stmt[] =>
    block.flatMap((stmt): Stmt[] => {
      switch (stmt.kind) {
        case 'let':
          if (restoredInstead.has(stmt.name)) return [];
          return live.has(stmt.name) || !removable(stmt) ? [stmt] : [];
        case 'effect':
          return effects.has(stmt) ? [stmt] : [];
        case 'if': {
          const then = keep(stmt.then, region);
          const otherwise = keep(stmt.else, region);
          const phis = stmt.phis.filter((phi) => live.has(phi.name));
          return then.length > 0 || otherwise.length > 0 || phis.length > 0 ? [{ ...stmt, then, else: otherwise, phis }] : [];
        }
        case 'loop': {
          if (!needed(stmt, region)) return [];
          const record = stmt.record && decide(stmt.record);
          if (record) kept.add(record);
          const carried = stmt.carried.filter((c) => live.has(c.name) || live.has(c.exit));
          return [{ ...stmt, carried, body: keep(stmt.body, region), ...(record ? { record } : {}) }];
        }
        case 'accumulate':
          return deadAddition(stmt) ? [] : [stmt];
        case 'reverseLoop': {
          const body = keep(stmt.body, stmt);
          return body.length > 0 ? [{ ...stmt, body, record: decide(stmt.record) }] : [];
        }
      }
    });
  const body = keep(func.body, func);
  // The records of loops removed are not allocated.
  return { ...func, body, ...(func.records ? { records: func.records.map(decide).filter((record) => kept.has(record)) } : {}) };
}

/** A statement that may go where nothing reads its value (see the registry's `droppable`). */
function removable(stmt: Let | Effect): boolean {
  return opInfo(stmt.expr.op).droppable && !observable(stmt);
}

/** A call of a function that may throw or log: it runs where the function runs it, read or not, so that the derivative throws (and logs) where the function does. */
function observable(stmt: Let | Effect): boolean {
  return stmt.expr.callee?.observable === true;
}

/** The zero gradients a block allocates (`zeros`), whose additions die with them. */
function zeroArrays(block: Block): Set<string> {
  return new Set(letsWithin(block, 'enter').flatMap((stmt) => (stmt.expr.op === 'zeros' ? [stmt.name] : [])));
}

/** Where liveness of a `rewrite` is decided: a reverse sweep's pass, or the whole function. */
type Region = ReverseLoop | Func;

/** Whether an effect in a block (not in its reverse sweeps) satisfies `test`. */
function someEffect(block: Block, test: (stmt: Effect) => boolean): boolean {
  return someWithin(block, 'skip', (stmt) => stmt.kind === 'effect' && test(stmt));
}

/** Whether a block has effects (but `dead` ones), so that it must run even where nothing reads its results. */
function hasEffects(block: Block, dead: (stmt: Effect) => boolean): boolean {
  return someWithin(block, 'enter', (stmt) =>
    stmt.kind === 'effect' && dead(stmt)
      ? false
      : stmt.kind === 'let' || stmt.kind === 'effect'
        ? opInfo(stmt.expr.op).effect || observable(stmt)
        : stmt.kind === 'accumulate',
  );
}
