import type { Block, Let, Stmt } from './ir';

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
  for (const stmt of block) {
    yield stmt;
    for (const inner of innerBlocks(stmt, sweeps)) yield* statementsWithin(inner, sweeps);
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
