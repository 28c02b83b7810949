import type { Shape } from './shapes';
import { type Block, type Func, type Operand, type Stmt, variable } from './ir';
import { letsWithin, mapOperandsRead, rewriteWithin, statementsWithin } from './traverse';

// The names statements define, and copies of blocks with those names renamed.

/** The names a statement defines that the code after it can read. */
export function namesDefined(stmt: Stmt): string[] {
  switch (stmt.kind) {
    case 'let':
      return [stmt.name];
    case 'if':
      return stmt.phis.map((phi) => phi.name);
    case 'loop':
      return stmt.carried.map((c) => c.exit);
    case 'accumulate':
      return stmt.mode === 'declare' ? [stmt.name] : [];
    case 'effect':
    case 'reverseLoop':
      return [];
  }
}

/** Every name a block defines, inside its nested blocks and reverse sweeps too. */
export function namesDefinedWithin(block: Block): string[] {
  return [...statementsWithin(block, 'enter')].flatMap((stmt) => [
    ...namesDefined(stmt),
    ...(stmt.kind === 'loop' ? stmt.carried.map((c) => c.name) : []),
    ...(stmt.kind === 'reverseLoop'
      ? [stmt.index, ...stmt.record.pairs.map((pair) => pair.restored), ...(stmt.record.values ?? []).map((value) => value.restored)]
      : []),
  ]);
}

/**
 * A copy of a block with every name it defines renamed (`rename` maps the old names to new
 * ones and receives the block's own names), so the copy can run beside the original and
 * names stay unique in the function. Reads of names from outside the block are kept.
 */
export function cloneBlock(block: Block, rename: Map<string, string>, fresh: (name: string) => string): Stmt[] {
  const define = (name: string) => {
    const renamed = fresh(name);
    rename.set(name, renamed);
    return renamed;
  };
  const read = (operand: Operand): Operand => (operand.kind === 'var' && rename.has(operand.name) ? variable(rename.get(operand.name)!) : operand);
  // The names a statement defines are renamed in the order they are defined (then the
  // blocks inside it), and then the operands it reads, which may read those names.
  return block.map((stmt): Stmt => {
    switch (stmt.kind) {
      case 'let':
        return mapOperandsRead({ ...stmt, name: define(stmt.name) }, read);
      case 'effect':
      case 'accumulate':
        return mapOperandsRead(stmt, read);
      case 'if': {
        const then = cloneBlock(stmt.then, rename, fresh);
        const otherwise = cloneBlock(stmt.else, rename, fresh);
        const phis = stmt.phis.map((phi) => ({ ...phi, name: define(phi.name) }));
        return mapOperandsRead({ ...stmt, then, else: otherwise, phis }, read);
      }
      case 'loop': {
        const names = stmt.carried.map((c) => define(c.name));
        const body = cloneBlock(stmt.body, rename, fresh);
        const carried = stmt.carried.map((c, i) => ({ ...c, name: names[i], exit: define(c.exit) }));
        const scratch = stmt.scratch?.map((name) => rename.get(name) ?? name);
        return mapOperandsRead({ ...stmt, carried, body, ...(scratch ? { scratch } : {}) }, read);
      }
      case 'reverseLoop':
        throw new Error('tapeless: reverse sweeps are not cloned');
    }
  });
}

/**
 * The block with the values `names` maps renamed where they are defined (an operation, a
 * branch's merge, a loop's exit) and wherever they are read.
 */
export function renameValues(block: Block, names: ReadonlyMap<string, string>): Stmt[] {
  const read = (operand: Operand): Operand => (operand.kind === 'var' && names.has(operand.name) ? variable(names.get(operand.name)!) : operand);
  const renamed = (name: string) => names.get(name) ?? name;
  return rewriteWithin(block, 'enter', (stmt): Stmt => {
    const reads = mapOperandsRead(stmt, read);
    if (reads.kind === 'let' && names.has(reads.name)) return { ...reads, name: renamed(reads.name), role: 'user' };
    if (reads.kind === 'if') return { ...reads, phis: reads.phis.map((phi) => ({ ...phi, name: renamed(phi.name) })) };
    if (reads.kind === 'loop') return { ...reads, carried: reads.carried.map((c) => ({ ...c, exit: renamed(c.exit) })) };
    return reads;
  });
}

/** The shape of an array or object the function defines or receives, if `name` is one. */
export function shapeOfValue(func: Func, name: string): Shape | undefined {
  const param = func.params.find((candidate) => candidate.name === name);
  if (param) return param.shape;
  return letsWithin(func.body, 'skip').find((stmt) => stmt.name === name)?.shape;
}
