import type * as ts from 'typescript';
import { type Block, type Expr, type Let, type Operand, type Role, type Stmt, variable } from './ir';
import type { NameAllocator } from './names';
import type { OpName } from '../ops/registry';
import { fold } from '../passes/fold';
import { letsWithin } from './traverse';

export interface EmitOptions {
  readonly role: Role;
  /** The variable's name; temporaries get a fresh one. */
  readonly name?: string;
  readonly origin?: ts.Node;
}

/**
 * Appends statements to a block, folding each operation as it is added, so that
 * derivative code is born simplified (a partial derivative of constant 0 is seen as 0 and
 * its whole contribution is skipped).
 */
export class Builder {
  readonly stmts: Stmt[] = [];
  private readonly definitions: Map<string, Expr>;

  constructor(
    private readonly names: NameAllocator,
    /** Definitions visible here (shared with the enclosing builders). */
    definitions?: Map<string, Expr>,
  ) {
    this.definitions = definitions ?? new Map();
  }

  /** A builder for a nested block: it sees this builder's definitions. */
  nested(): Builder {
    return new Builder(this.names, this.definitions);
  }

  /** Makes the `let`s of `block` (and of the blocks in it) known to folding. */
  know(block: Block): void {
    for (const stmt of letsWithin(block, 'skip')) this.definitions.set(stmt.name, stmt.expr);
  }

  op(op: OpName, args: readonly Operand[], options: EmitOptions, callee?: Expr['callee'], field?: string): Operand {
    const folded = fold({ op, args, ...(callee ? { callee } : {}), ...(field !== undefined ? { field } : {}) }, (name) => this.definitions.get(name));
    if ('kind' in folded) return folded;
    const name = options.name ?? this.names.fresh('t');
    this.stmts.push({ kind: 'let', name, expr: folded, role: options.role, origin: options.origin });
    this.definitions.set(name, folded);
    return variable(name);
  }

  /** The operation that defined `name`, where a visible `let` did. */
  definition(name: string): Expr | undefined {
    return this.definitions.get(name);
  }

  push(stmt: Stmt): void {
    this.stmts.push(stmt);
  }

  /**
   * Gives the statement that defines `operand` the name and role in `options`. Only for a
   * temporary that nothing else reads yet: the caller vouches for that.
   */
  rename(operand: Operand, options: EmitOptions): Operand {
    const index = operand.kind === 'var' ? this.stmts.findIndex((stmt) => stmt.kind === 'let' && stmt.name === operand.name && stmt.role === 'temp') : -1;
    if (index < 0 || options.name === undefined) return operand;
    const stmt = this.stmts[index] as Let;
    this.stmts[index] = { ...stmt, name: options.name, role: options.role, origin: options.origin ?? stmt.origin };
    this.definitions.set(options.name, stmt.expr);
    return variable(options.name);
  }

  /** The sum of terms, or `empty` when there are none. */
  sum(terms: readonly Operand[], empty: Operand, options: EmitOptions): Operand {
    if (terms.length === 0) return empty;
    let total = terms[0];
    for (let i = 1; i < terms.length; i++) {
      const last = i === terms.length - 1;
      total = this.op('+', [total, terms[i]], last ? options : { ...options, role: 'temp', name: undefined });
    }
    return total;
  }
}
