import type { Accumulate, Block, Effect, If, Let, Loop, Operand, ReverseLoop, Stmt } from './ir';

/**
 * Walking the nested blocks of the IR. Every walk says whether it enters the bodies of
 * reverse sweeps (`reverseLoop`), which only reverse mode makes and which recompute code of
 * the primal: a question about the primal's statements skips them, a question about the
 * whole generated function enters them.
 */
export type Sweeps = 'enter' | 'skip';

/** The blocks directly inside a statement: the sides of an `if`, the body of a loop (and of a sweep, where entered). */
export function innerBlocks(stmt: Stmt, sweeps: Sweeps): readonly Block[] {
  switch (stmt.kind) {
    case 'if':
      return [stmt.then, stmt.else];
    case 'loop':
      return [stmt.body];
    case 'reverseLoop':
      return sweeps === 'enter' ? [stmt.body] : [];
    default:
      return [];
  }
}

/** Every statement of a block and of the blocks inside it, each before the statements inside it. */
export function* statementsWithin(block: Block, sweeps: Sweeps): Generator<Stmt> {
  // A stack of the statements to come, next on top, rather than a generator per nested block,
  // which would hand each statement up through every level above it (the passes ask this of
  // every function, many times).
  const pending = [...block].reverse();
  while (pending.length > 0) {
    const stmt = pending.pop()!;
    yield stmt;
    const inner = innerBlocks(stmt, sweeps);
    for (let b = inner.length - 1; b >= 0; b--) for (let k = inner[b].length - 1; k >= 0; k--) pending.push(inner[b][k]);
  }
}

/**
 * A statement and where it is: the block holding it, and the statements (`if`, loops,
 * sweeps) it is inside, outermost first. `within` is one array for all the statements of a
 * block, so that it tells whether two statements are in the same block.
 */
export interface Placed {
  readonly stmt: Stmt;
  readonly block: Block;
  readonly within: readonly Stmt[];
}

/** Every statement of a block and of the blocks inside it, in the order of `statementsWithin`, with where it is. */
export function* placedWithin(block: Block, sweeps: Sweeps, within: readonly Stmt[] = []): Generator<Placed> {
  for (const stmt of block) {
    yield { stmt, block, within };
    for (const inner of innerBlocks(stmt, sweeps)) yield* placedWithin(inner, sweeps, [...within, stmt]);
  }
}

/** Every `let` of a block and of the blocks inside it. */
export function letsWithin(block: Block, sweeps: Sweeps): Let[] {
  return [...statementsWithin(block, sweeps)].filter((stmt): stmt is Let => stmt.kind === 'let');
}

/** Whether a statement of the block, or of a block inside it, passes `test`. */
export function someWithin(block: Block, sweeps: Sweeps, test: (stmt: Stmt) => boolean): boolean {
  for (const stmt of statementsWithin(block, sweeps)) if (test(stmt)) return true;
  return false;
}

/**
 * The block with every statement replaced by what `rewrite` makes of it (none, one or
 * several), the blocks inside a statement rewritten before the statement itself.
 */
export function rewriteWithin(block: Block, sweeps: Sweeps, rewrite: (stmt: Stmt) => Stmt | readonly Stmt[]): Stmt[] {
  return block.flatMap((stmt) => {
    let inner: Stmt = stmt;
    if (stmt.kind === 'if') inner = { ...stmt, then: rewriteWithin(stmt.then, sweeps, rewrite), else: rewriteWithin(stmt.else, sweeps, rewrite) };
    else if (stmt.kind === 'loop' || (stmt.kind === 'reverseLoop' && sweeps === 'enter')) inner = { ...stmt, body: rewriteWithin(stmt.body, sweeps, rewrite) };
    return rewrite(inner);
  });
}

/**
 * The operands a statement reads itself: those of its operation, condition, phis, carried
 * variables, bound or test, not those of the statements inside it.
 */
export function ownOperands(stmt: Stmt): Operand[] {
  switch (stmt.kind) {
    case 'let':
    case 'effect':
      return [...stmt.expr.args];
    case 'accumulate':
      return typeof stmt.at === 'object' ? [stmt.value, stmt.at] : [stmt.value];
    case 'if':
      return [stmt.cond, ...stmt.phis.flatMap((phi) => [phi.then, phi.else])];
    case 'loop':
      return [stmt.cond, ...stmt.carried.flatMap((c) => [c.init, c.next]), ...(stmt.passes ? [stmt.passes] : [])];
    case 'reverseLoop':
      return [...(stmt.test?.args ?? [])];
  }
}

/**
 * The statement with every operand it reads itself (`ownOperands`) replaced by what `read`
 * makes of it; the statements inside it are kept as they are (walk them with `rewriteWithin`).
 * The one mapping of operands that renaming, substitution and copies of blocks share.
 */
export function mapOperandsRead(stmt: Let, read: (operand: Operand) => Operand): Let;
export function mapOperandsRead(stmt: Effect, read: (operand: Operand) => Operand): Effect;
export function mapOperandsRead(stmt: If, read: (operand: Operand) => Operand): If;
export function mapOperandsRead(stmt: Loop, read: (operand: Operand) => Operand): Loop;
export function mapOperandsRead(stmt: Accumulate, read: (operand: Operand) => Operand): Accumulate;
export function mapOperandsRead(stmt: ReverseLoop, read: (operand: Operand) => Operand): ReverseLoop;
export function mapOperandsRead(stmt: Stmt, read: (operand: Operand) => Operand): Stmt;
export function mapOperandsRead(stmt: Stmt, read: (operand: Operand) => Operand): Stmt {
  switch (stmt.kind) {
    case 'let':
      return { ...stmt, expr: { ...stmt.expr, args: stmt.expr.args.map(read) } };
    case 'effect':
      return { ...stmt, expr: { ...stmt.expr, args: stmt.expr.args.map(read) } };
    case 'accumulate':
      return { ...stmt, value: read(stmt.value), at: typeof stmt.at === 'object' ? read(stmt.at) : stmt.at };
    case 'if':
      return { ...stmt, cond: read(stmt.cond), phis: stmt.phis.map((phi) => ({ ...phi, then: read(phi.then), else: read(phi.else) })) };
    case 'loop':
      return {
        ...stmt,
        cond: read(stmt.cond),
        carried: stmt.carried.map((c) => ({ ...c, init: read(c.init), next: read(c.next) })),
        ...(stmt.passes ? { passes: read(stmt.passes) } : {}),
      };
    case 'reverseLoop':
      return stmt.test ? { ...stmt, test: { ...stmt.test, args: stmt.test.args.map(read) } } : stmt;
  }
}
