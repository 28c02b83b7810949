import { type Block, type Func, type Let, type Operand, resultOperands, unhandled } from '../ir/ir';
import { opInfo } from '../ops/registry';
import { placedWithin } from '../ir/traverse';

/** The deepest nesting of inlined temporaries in one expression. */
const MAX_DEPTH = 100;

/** Where a name is read: the block of the statement that reads it, or `pinned` (never inline). */
type UseSite = Block | 'pinned';

/** Which names a function reads, how often, and which temporaries emit prints in place of their names. */
export interface Inlining {
  /** The temporaries printed in place of their names, by name. */
  readonly inlined: ReadonlyMap<string, Let>;
  /** The names read somewhere. */
  readonly read: ReadonlySet<string>;
  /** How many times each name is read. */
  readonly uses: ReadonlyMap<string, number>;
}

/**
 * A pure temporary read once, by a statement of its own block, is printed in place of its
 * name. Reads of a loop's carried values or accumulators never move (those variables are
 * reassigned), and neither do the updates and exit test at the end of a loop pass.
 */
export function planInlining(func: Func): Inlining {
  const inlined = new Map<string, Let>();
  const read = new Set<string>();
  const counts = new Map<string, number>();
  const uses = new Map<string, { count: number; site: UseSite }>();
  const mutable = new Set<string>();
  const note = (operand: Operand, site: UseSite) => {
    if (operand.kind !== 'var') return;
    const seen = uses.get(operand.name);
    uses.set(operand.name, { count: (seen?.count ?? 0) + 1, site: seen ? 'pinned' : site });
  };
  const definedIn = new Map<string, { stmt: Let; block: Block }>();
  for (const { stmt, block } of placedWithin(func.body, 'enter')) {
    switch (stmt.kind) {
      case 'let':
        definedIn.set(stmt.name, { stmt, block });
        stmt.expr.args.forEach((arg) => note(arg, block));
        break;
      case 'effect':
        stmt.expr.args.forEach((arg) => note(arg, block));
        break;
      case 'if':
        note(stmt.cond, block);
        for (const phi of stmt.phis) {
          note(phi.then, stmt.then);
          note(phi.else, stmt.else.length > 0 ? stmt.else : 'pinned');
        }
        break;
      case 'loop':
        for (const c of stmt.carried) {
          mutable.add(c.name);
          note(c.init, block);
          note(c.next, 'pinned');
        }
        note(stmt.cond, 'pinned');
        break;
      case 'accumulate':
        mutable.add(stmt.name);
        note(stmt.value, block);
        if (typeof stmt.at === 'object') note(stmt.at, block);
        break;
      case 'reverseLoop':
        stmt.test?.args.forEach((arg) => note(arg, 'pinned'));
        break;
      default:
        unhandled(stmt);
    }
  }
  resultOperands(func.result).forEach((operand) => note(operand, func.body));
  // A value recorded at the end of a pass is read there: it keeps its name.
  for (const record of func.records ?? []) for (const { value, restored } of record.values ?? []) if (uses.has(restored)) note(value, 'pinned');
  for (const [name, use] of uses) {
    read.add(name);
    counts.set(name, use.count);
  }
  // How deep the expression of each inlined temporary is: past MAX_DEPTH a temporary gets a
  // name, so that no expression nests thousands deep (the printer would exhaust the stack).
  const depths = new Map<string, number>();
  for (const [name, { stmt, block }] of definedIn) {
    const use = uses.get(name);
    const info = opInfo(stmt.expr.op);
    const readsMutable = stmt.expr.args.some((arg) => arg.kind === 'var' && mutable.has(arg.name));
    if (!info.pure || readsMutable) continue;
    const depth = 1 + Math.max(0, ...stmt.expr.args.map((arg) => (arg.kind === 'var' ? (depths.get(arg.name) ?? 0) : 0)));
    if (info.shape !== 'copy' && depth > MAX_DEPTH) continue;
    if (info.shape === 'copy' || (stmt.role === 'temp' && use?.count === 1 && use.site === block)) {
      inlined.set(name, stmt);
      depths.set(name, depth);
    }
  }
  return { inlined, read, uses: counts };
}
