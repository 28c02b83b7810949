import { type Definitions, fold } from './fold';
import { type Block, type Expr, type Func, type LoopRecord, type Operand, type Stmt, mapResult, operandKey, sameOperand, variable } from '../ir/ir';
import { opInfo } from '../ops/registry';
import { mapOperandsRead, statementsWithin } from '../ir/traverse';

const COMMUTATIVE = new Set(['+', '*']);

/**
 * One forward pass of folding, copy propagation and common-subexpression elimination.
 * Names are unique in the function, so replacements are global; definitions and
 * available expressions are scoped to the blocks that compute them.
 */
export class Propagation {
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

/** The identity of an expression: CSE merges expressions of equal keys. */
export function expressionKey(expr: Expr): string {
  const args = expr.args.map(operandKey);
  if (COMMUTATIVE.has(expr.op)) args.sort();
  return `${expr.op}${expr.callee ? `[${expr.callee.key}]` : ''}${expr.field !== undefined ? `.${expr.field}` : ''}(${args.join(',')})`;
}
