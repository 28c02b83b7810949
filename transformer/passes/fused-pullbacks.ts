import { type Block, type Callee, type Func, type Let, type Operand, type Stmt, sameOperand, variable, num } from '../ir/ir';
import type { NameAllocator } from '../ir/names';
import { opInfo } from '../ops/registry';
import { innerBlocks, statementsWithin } from '../ir/traverse';

/**
 * The callee that computes both a call's value and its pullback (`h_valueAndPullback(…args,
 * dy)`, returning `[value, adjoints]`), where `pullback` is the pullback of `primal`.
 */
export type FusedPullbacks = (pullback: Callee, primal: Callee) => Callee | undefined;

/**
 * Where a gradient calls a function for its value (`y = h(a)`, read by the sweep: `S_bar =
 * normCdf(d1)`) and its pullback at the same arguments (`h_pullback(a, dy)`, which runs h
 * again), one call does both: `both = h_valueAndPullback(a, dy)`, `y = both[0]`, and the
 * pullback's result `both[1]`, at the place of the first call. That needs the seed dy there:
 * the statements it is computed by after the first call move before it, which is possible
 * where they are pure operations none of which reads y (in the same block).
 */
export function fusePullbacks(func: Func, fused: FusedPullbacks, names: NameAllocator): Func {
  const body = fuseBlock(func.body, fused, names);
  return body === func.body ? func : { ...func, body };
}

function fuseBlock(block: Block, fused: FusedPullbacks, names: NameAllocator): Block {
  let changed = false;
  let stmts: Stmt[] = block.map((stmt) => {
    const inner = innerBlocks(stmt, 'enter');
    if (inner.length === 0) return stmt;
    const blocks = inner.map((b) => fuseBlock(b, fused, names));
    if (blocks.every((b, i) => b === inner[i])) return stmt;
    changed = true;
    if (stmt.kind === 'if') return { ...stmt, then: blocks[0], else: blocks[1] };
    return { ...stmt, body: blocks[0] } as Stmt;
  });
  for (let at = 0; at < stmts.length; at++) {
    const rewritten = fuseAt(stmts, at, fused, names);
    if (!rewritten) continue;
    stmts = rewritten;
    changed = true;
  }
  return changed ? stmts : block;
}

/** The block with the pullback call at `at` fused with the call of its function before it, where one is and it can be. */
function fuseAt(stmts: readonly Stmt[], at: number, fused: FusedPullbacks, names: NameAllocator): Stmt[] | undefined {
  const pullback = stmts[at];
  if (pullback.kind !== 'let' || pullback.expr.op !== 'call' || !pullback.expr.callee) return undefined;
  const args = pullback.expr.args.slice(0, -1);
  const seed = pullback.expr.args[args.length];
  for (let first = at - 1; first >= 0; first--) {
    const primal = stmts[first];
    if (primal.kind !== 'let' || primal.expr.op !== 'call' || !primal.expr.callee || primal.expr.args.length !== args.length) continue;
    if (!primal.expr.args.every((arg, i) => sameOperand(arg, args[i]))) continue;
    // Where the seed can be had before the first call, the fused function is made.
    const moved = seedStatements(stmts.slice(first + 1, at), seed, primal.name);
    const callee = moved && fused(pullback.expr.callee, primal.expr.callee);
    if (!moved || !callee) return undefined;
    const both: Let = { kind: 'let', name: names.fresh('t'), expr: { op: 'call', args: [...args, seed], callee }, role: 'temp', origin: primal.origin };
    const element = (stmt: Let, index: number): Let => ({ ...stmt, expr: { op: 'element', args: [variable(both.name), num(index)] } });
    return [
      ...stmts.slice(0, first),
      ...moved,
      both,
      element(primal, 0),
      ...stmts.slice(first + 1, at).filter((stmt) => !moved.includes(stmt as Let)),
      element(pullback, 1),
      ...stmts.slice(at + 1),
    ];
  }
  return undefined;
}

/**
 * The statements of `between` that compute `seed`, in order, where they are pure `let`s that
 * do not read `value`; undefined otherwise.
 */
function seedStatements(between: readonly Stmt[], seed: Operand, value: string): Let[] | undefined {
  const needed = new Set<string>(seed.kind === 'var' ? [seed.name] : []);
  const moved: Let[] = [];
  for (let k = between.length - 1; k >= 0; k--) {
    const stmt = between[k];
    if (!definedBy(stmt).some((name) => needed.has(name))) continue;
    if (stmt.kind !== 'let' || !opInfo(stmt.expr.op).pure) return undefined;
    moved.unshift(stmt);
    for (const arg of stmt.expr.args) if (arg.kind === 'var') needed.add(arg.name);
  }
  return needed.has(value) ? undefined : moved;
}

/** The names a statement defines or changes, with those of the blocks inside it. */
function definedBy(stmt: Stmt): string[] {
  return [...statementsWithin([stmt], 'enter')].flatMap((inner) => {
    switch (inner.kind) {
      case 'let':
      case 'accumulate':
        return [inner.name];
      case 'if':
        return inner.phis.map((phi) => phi.name);
      case 'loop':
        return inner.carried.flatMap((c) => [c.name, c.exit]);
      default:
        return [];
    }
  });
}
