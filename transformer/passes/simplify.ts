import { localAccumulators } from './accumulators';
import { type Definitions, fold } from './fold';
import { type Accumulate, type Block, type Effect, type Expr, type Func, type Let, type Loop, type LoopRecord, type Operand, type ReverseLoop, type Stmt, mapResult, operandKey, resultOperands, sameOperand, variable } from '../ir/ir';
import { appendedEveryPass } from '../ir/loop-forms';
import type { NameAllocator } from '../ir/names';
import { opInfo } from '../ops/registry';
import { letsWithin, mapOperandsRead, someWithin, statementsWithin } from '../ir/traverse';
import { writeOnlyArrays, writesInto } from './write-only';

const COMMUTATIVE = new Set(['+', '*']);
const MAX_ROUNDS = 8;

/**
 * Cleans a generated function: folding and copy propagation, common subexpressions
 * computed once, dead code removed, branches on constants resolved. Only exact rewrites:
 * the simplified function returns bit-for-bit what the unsimplified one returns (up to
 * the sign of a zero sum).
 */
export function simplify(func: Func, names: NameAllocator): Func {
  let current = func;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = eliminateDeadCode(new Propagation().func(current));
    if (fingerprint(next.body) === fingerprint(current.body)) return localAccumulators(next, names);
    current = next;
  }
  return localAccumulators(current, names);
}

/**
 * One forward pass of folding, copy propagation and common-subexpression elimination.
 * Names are unique in the function, so replacements are global; definitions and
 * available expressions are scoped to the blocks that compute them.
 */
class Propagation {
  private readonly replaced = new Map<string, Operand>();
  private readonly definitions: Map<string, Expr>[] = [];
  private readonly available: Map<string, string>[] = [];
  /** Loop records whose recorded values were rewritten: the sweeps and the function take the new ones. */
  private readonly records = new Map<LoopRecord, LoopRecord>();
  /** Mutable adjoints: an expression that reads one is reused only as below (its value changes). */
  private readonly mutable = new Set<string>();
  /** Mutable adjoints that are numbers (never added into at an index or a field, so never reached through another name). */
  private readonly scalars = new Set<string>();
  /**
   * Per block, the expressions read from scalar mutable adjoints since their last change
   * there (`total_bar * err` twice in a row is computed once); a nested block or a write of
   * an adjoint they read ends them.
   */
  private readonly recent: Map<string, { readonly name: string; readonly reads: readonly string[] }>[] = [];

  func(func: Func): Func {
    const indexed = new Set<string>();
    for (const stmt of statementsWithin(func.body, 'enter')) {
      if (stmt.kind !== 'accumulate') continue;
      this.mutable.add(stmt.name);
      if (stmt.at !== undefined) indexed.add(stmt.name);
    }
    for (const name of this.mutable) if (!indexed.has(name)) this.scalars.add(name);
    const body = this.block(func.body);
    const records = func.records?.map((record) => this.records.get(record) ?? record);
    return { ...func, body, result: mapResult(func.result, (operand) => this.substitute(operand)), ...(records ? { records } : {}) };
  }

  private substitute = (operand: Operand): Operand => (operand.kind === 'var' ? (this.replaced.get(operand.name) ?? operand) : operand);

  private definitionOf: Definitions = (name) => {
    for (let i = this.definitions.length - 1; i >= 0; i--) {
      const found = this.definitions[i].get(name);
      if (found) return found;
    }
    return undefined;
  };

  private availableAs(key: string): string | undefined {
    for (let i = this.available.length - 1; i >= 0; i--) {
      const found = this.available[i].get(key);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private block(block: Block): Stmt[] {
    this.definitions.push(new Map());
    this.available.push(new Map());
    this.recent.push(new Map());
    const out: Stmt[] = [];
    for (const stmt of block) out.push(...this.stmt(stmt));
    this.definitions.pop();
    this.available.pop();
    this.recent.pop();
    return out;
  }

  /** An earlier name for a pure expression reading scalar mutable adjoints, unchanged since, in this block. */
  private recentAs(expr: Expr, name: string): string | undefined {
    const reads = expr.args.flatMap((arg) => (arg.kind === 'var' && this.mutable.has(arg.name) ? [arg.name] : []));
    if (!reads.every((read) => this.scalars.has(read))) return undefined;
    const frame = this.recent[this.recent.length - 1];
    const key = expressionKey(expr);
    const earlier = frame.get(key);
    if (earlier) return earlier.name;
    frame.set(key, { name, reads });
    return undefined;
  }

  /** A write of `written` (every mutable adjoint where absent: a nested block) ends the expressions reading it. */
  private changed(written?: string): void {
    const frame = this.recent[this.recent.length - 1];
    for (const [key, { reads }] of frame) if (written === undefined || reads.includes(written)) frame.delete(key);
  }

  private stmt(stmt: Stmt): Stmt[] {
    const out = this.rewritten(stmt);
    if (stmt.kind === 'accumulate') this.changed(stmt.name);
    else if (stmt.kind !== 'let' && stmt.kind !== 'effect') this.changed();
    return out;
  }

  private rewritten(stmt: Stmt): Stmt[] {
    const s = this.substitute;
    switch (stmt.kind) {
      case 'let': {
        const folded = fold(mapOperandsRead(stmt, s).expr, this.definitionOf);
        // A mutable adjoint's value read now is not its value later: the copy stays.
        if ('kind' in folded && folded.kind === 'var' && this.mutable.has(folded.name)) return [{ ...stmt, expr: { op: 'copy', args: [folded] } }];
        if ('kind' in folded) {
          this.replaced.set(stmt.name, folded);
          return [];
        }
        const readsMutable = folded.args.some((arg) => arg.kind === 'var' && this.mutable.has(arg.name));
        if (opInfo(folded.op).pure && !readsMutable) {
          const key = expressionKey(folded);
          const earlier = this.availableAs(key);
          if (earlier !== undefined) {
            this.replaced.set(stmt.name, variable(earlier));
            return [];
          }
          this.available[this.available.length - 1].set(key, stmt.name);
        } else if (opInfo(folded.op).pure) {
          const earlier = this.recentAs(folded, stmt.name);
          if (earlier !== undefined) {
            this.replaced.set(stmt.name, variable(earlier));
            return [];
          }
        }
        this.definitions[this.definitions.length - 1].set(stmt.name, folded);
        return [folded === stmt.expr ? stmt : { ...stmt, expr: folded }];
      }
      case 'effect':
        return [mapOperandsRead(stmt, s)];
      case 'if': {
        const cond = this.truthOf(s(stmt.cond));
        if (cond.kind === 'num') {
          // A constant condition: the branch taken runs in place, its phis become copies.
          const taken = this.blockInPlace(cond.value ? stmt.then : stmt.else);
          for (const phi of stmt.phis) this.replaced.set(phi.name, s(cond.value ? phi.then : phi.else));
          return taken;
        }
        const then = this.block(stmt.then);
        const otherwise = this.block(stmt.else);
        // A phi of two constants (a flag) is a choice on the condition: c ? 1 : 0.
        const choices: Stmt[] = [];
        const phis = stmt.phis.flatMap((phi) => {
          const whenThen = s(phi.then);
          const whenElse = s(phi.else);
          if (sameOperand(whenThen, whenElse)) {
            this.replaced.set(phi.name, whenThen);
            return [];
          }
          if (whenThen.kind === 'num' && whenElse.kind === 'num' && whenThen.text === undefined && whenElse.text === undefined) {
            const expr: Expr = { op: 'select', args: [cond, whenThen, whenElse] };
            this.definitions[this.definitions.length - 1].set(phi.name, expr);
            choices.push({ kind: 'let', name: phi.name, expr, role: phi.role });
            return [];
          }
          return [{ ...phi, then: whenThen, else: whenElse }];
        });
        return [{ ...stmt, cond, then, else: otherwise, phis }, ...choices];
      }
      case 'loop': {
        const body = this.block(stmt.body);
        // The values recorded at the end of a pass are read there too.
        const record = stmt.record?.values ? { ...stmt.record, values: stmt.record.values.map((v) => ({ ...v, value: s(v.value) })) } : stmt.record;
        if (stmt.record && record && record !== stmt.record) this.records.set(stmt.record, record);
        return [{ ...mapOperandsRead(stmt, s), body, ...(record ? { record } : {}) }];
      }
      case 'accumulate': {
        // Additions into a gradient's part (`t_bar.j += v`) follow the part's name where it
        // was found equal to an earlier one (two reads of `p_bar.i` are one object).
        const target = this.replaced.get(stmt.name);
        const name = target?.kind === 'var' ? target.name : stmt.name;
        return [{ ...mapOperandsRead(stmt, s), name }];
      }
      case 'reverseLoop': {
        const body = this.block(stmt.body);
        return [{ ...mapOperandsRead(stmt, s), record: this.records.get(stmt.record) ?? stmt.record, body }];
      }
    }
  }

  /** A condition tested for truth only: `c ? 1 : 0` tests as `c`. */
  private truthOf(cond: Operand): Operand {
    const definition = cond.kind === 'var' ? this.definitionOf(cond.name) : undefined;
    if (definition?.op !== 'select') return cond;
    const [inner, whenTrue, whenFalse] = definition.args;
    return whenTrue.kind === 'num' && whenFalse.kind === 'num' && whenTrue.value && !whenFalse.value ? inner : cond;
  }

  /** A block whose statements join the enclosing block (its definitions stay visible). */
  private blockInPlace(block: Block): Stmt[] {
    const out: Stmt[] = [];
    for (const stmt of block) out.push(...this.stmt(stmt));
    return out;
  }
}

/**
 * Removes what nothing reads: pure `let`s, phis, loops without live results (unless
 * recorded for a reverse sweep), and blocks left empty. Liveness is found to a fixed
 * point over the whole function (loops feed themselves).
 */
function eliminateDeadCode(func: Func): Func {
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
          // A replayed exit reads its value from the load stream, not from the loop.
          if ((live.has(stmt.name) || !removable(stmt)) && stmt.expr.op !== 'replayExit') stmt.expr.args.forEach(mark);
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
          if (stmt.record && stmt.passes && (stmt.record.cursor || [...stmt.record.pairs, ...(stmt.record.values ?? [])].some(({ restored }) => live.has(restored)))) mark(stmt.passes);
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
      }
    }
  };
  // A loop is needed for its results, for its effects, or for what it records for a sweep.
  const needed = (stmt: Loop, region: Region): boolean =>
    stmt.carried.some((c) => live.has(c.exit)) ||
    hasEffects(stmt.body, deadWrite) ||
    someEffect(stmt.body, (s) => rewriteNeeded(s, region)) ||
    (stmt.record !== undefined && (live.has(stmt.record.count) || stmt.record.cursor !== undefined || [...stmt.record.pairs, ...(stmt.record.values ?? [])].some(({ restored }) => live.has(restored))));
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
    const values = record.values.filter(({ value, restored }) => !computed.has(restored) || (live.has(restored) && (value.kind !== 'var' || live.has(value.name))));
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
  return opInfo(stmt.expr.op).droppable;
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
  return someWithin(block, 'enter', (stmt) => (stmt.kind === 'effect' && dead(stmt) ? false : stmt.kind === 'let' || stmt.kind === 'effect' ? opInfo(stmt.expr.op).effect : stmt.kind === 'accumulate'));
}

function expressionKey(expr: Expr): string {
  const args = expr.args.map(operandKey);
  if (COMMUTATIVE.has(expr.op)) args.sort();
  return `${expr.op}${expr.callee ? `[${expr.callee.key}]` : ''}${expr.field !== undefined ? `.${expr.field}` : ''}(${args.join(',')})`;
}

function fingerprint(block: Block): string {
  return block
    .map((stmt) => {
      switch (stmt.kind) {
        case 'let':
          return `${stmt.name}=${expressionKey(stmt.expr)}`;
        case 'effect':
          return `!${expressionKey(stmt.expr)}`;
        case 'if':
          return `if(${operandKey(stmt.cond)}){${fingerprint(stmt.then)}}{${fingerprint(stmt.else)}}${stmt.phis.map((p) => p.name).join()}`;
        case 'loop':
          return `loop{${fingerprint(stmt.body)}}${stmt.carried.map((c) => c.name).join()}`;
        case 'accumulate':
          return `${stmt.name}${typeof stmt.at === 'object' ? `[${operandKey(stmt.at)}]` : (stmt.at ?? '')}${stmt.mode}${operandKey(stmt.value)}`;
        case 'reverseLoop':
          return `rev{${fingerprint(stmt.body)}}`;
      }
    })
    .join(';');
}

