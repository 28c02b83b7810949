import {
  type Block,
  type Effect,
  type Func,
  type Let,
  type Loop,
  type Operand,
  type Stmt,
  isOperation,
  resultOperands,
  sameOperand,
  variable,
} from '../../ir/ir';
import { loopGuard } from '../../ir/loop-forms';
import { placedWithin } from '../../ir/traverse';

/**
 * Which reads of local arrays reverse mode need not record in the load stream: those a
 * recomputation can read again from the array itself (see transformer/modes/reverse/README.md, "Arrays").
 * Two kinds:
 *
 * - **Final reads.** No write into the array can run after the read (every write comes
 *   before it and shares no loop with it), and the array is created once, at the top of the
 *   function. Recomputations do not write such arrays, so the sweep finds what was read.
 * - **Rewritten arrays.** Every use of the array is inside one loop `L` (its `scratch`), and
 *   each pass of `L` writes the entries it reads before reading them — `centered[j] = …` for
 *   j from 0 to d, then `centered[i]` for i below d. A recomputation of an L pass (or of code
 *   around the whole loop) writes the array again as it goes, so each read finds what the
 *   first run read; inside an L pass, where recomputations of smaller pieces do not write
 *   it, a read must be final within the pass, or its value needed by no derivative
 *   (`product[j] += …` reads a value only to store the sum).
 *
 * Returns the body with those reads as `directElement`, and each loop `L` marked with its
 * rewritten arrays.
 */
export function directReads(func: Func): Block {
  const body = func.body;
  const facts = new Facts(body, resultOperands(func.result), new Set(func.params.map((param) => param.name)));
  const direct = new Set<Let>();
  const forwarded = new Map<Let, Operand>();
  const scratch = new Map<Loop, string[]>();
  for (const array of facts.arrays.values()) {
    const within = array.loop;
    if (within) scratch.set(within, [...(scratch.get(within) ?? []), array.name]);
    for (const read of array.reads) {
      const stored = array.exact ? justStored(read, array) : undefined;
      if (stored) {
        forwarded.set(read.stmt, stored);
        continue;
      }
      // A sort's permutation is never written: read at the top level or in any loop, it is final.
      const reads =
        within && !array.neverWritten
          ? facts.covered(read, array, within) && (facts.final(read, array, within) || !facts.needed(read.stmt.name, array.name))
          : array.topLevel && facts.final(read, array, undefined);
      if (reads) direct.add(read.stmt);
    }
  }
  if (direct.size === 0 && forwarded.size === 0) return body;
  const rewrite = (block: Block): Stmt[] =>
    block.map((stmt): Stmt => {
      const stored = stmt.kind === 'let' && forwarded.get(stmt);
      if (stored) return { ...(stmt as Let), expr: { op: 'copy', args: [stored] } };
      if (stmt.kind === 'let') return direct.has(stmt) ? { ...stmt, expr: { ...stmt.expr, op: 'directElement' } } : stmt;
      if (stmt.kind === 'if') return { ...stmt, then: rewrite(stmt.then), else: rewrite(stmt.else) };
      if (stmt.kind === 'loop') {
        const arrays = scratch.get(stmt)?.filter((name) => facts.arrays.get(name)!.reads.some((read) => direct.has(read.stmt)));
        return { ...stmt, body: rewrite(stmt.body), ...(arrays?.length ? { scratch: arrays } : {}) };
      }
      return stmt;
    });
  return rewrite(body);
}

/**
 * The value a read finds where the same block wrote it at the same index, with no other
 * write into the array in between (`centered[j] = v; … centered[j]` reads v): no read at all.
 */
function justStored(read: Site, array: LocalArray): Operand | undefined {
  const last = array.writes.filter((write) => write.order < read.order).pop();
  const [, at, value] = last?.stmt.expr.args ?? [];
  return last && last.within === read.within && sameOperand(at, read.stmt.expr.args[1]) ? value : undefined;
}

/** A read or write of a local array, where it is. */
interface Site<S extends Let | Effect = Let> {
  readonly stmt: S;
  /** Its place in the function, in the order the statements are written. */
  readonly order: number;
  /** The statements it is inside, outermost first. */
  readonly within: readonly Stmt[];
}

interface LocalArray {
  readonly name: string;
  readonly reads: Site[];
  readonly writes: Site<Effect>[];
  /** Created at the top of the function (not in a branch or loop). */
  topLevel: boolean;
  /** Holds numbers as they are written (not a Float32Array, which rounds them). */
  exact: boolean;
  /** Made whole by one operation and never written (a sort's permutation). */
  neverWritten?: boolean;
  /** The innermost loop holding every use, where the array is created outside it. */
  loop?: Loop;
}

/** A loop counting up by a constant from `init` while `counter < bound`, with nothing else ending it. */
interface Counter {
  readonly name: string;
  readonly init: Operand;
  readonly step: number;
  readonly bound: Operand;
  /** The block of a pass: it runs exactly when `counter < bound`. */
  readonly pass: Block;
}

class Facts {
  readonly arrays = new Map<string, LocalArray>();
  private readonly definitions = new Map<string, Let>();
  /** Per variable a `let` defines, the statements that `let` is inside, outermost first. */
  private readonly definedWithin = new Map<string, readonly Stmt[]>();
  /** Per variable, the statements reading it and where (argument index). */
  private readonly uses = new Map<string, { stmt: Let | Effect; index: number }[]>();
  /** Variables read by phis, loops, conditions and results: their values are needed. */
  private readonly escaping = new Set<string>();
  private readonly counters = new Map<Loop, Counter | undefined>();
  private readonly counterOf = new Map<string, Counter>();
  private order = 0;

  constructor(
    body: Block,
    results: readonly Operand[],
    private readonly params: ReadonlySet<string>,
  ) {
    const excluded = new Set<string>();
    const array = (name: string) => {
      let found = this.arrays.get(name);
      if (!found) this.arrays.set(name, (found = { name, reads: [], writes: [], topLevel: false, exact: false }));
      return found;
    };
    const loops: Loop[] = [];
    for (const { stmt, within } of placedWithin(body, 'skip')) {
      const order = this.order++;
      if (isOperation(stmt)) {
        if (stmt.kind === 'let') {
          this.definitions.set(stmt.name, stmt);
          this.definedWithin.set(stmt.name, within);
        }
        const { op, args } = stmt.expr;
        args.forEach((arg, index) => {
          if (arg.kind !== 'var') return;
          if (!this.uses.has(arg.name)) this.uses.set(arg.name, []);
          this.uses.get(arg.name)!.push({ stmt, index });
          // An array used otherwise than read, written, measured or sorted may have another name.
          if (index > 0 || !(op === 'localElement' || op === 'localMissing' || op === 'store' || op === 'length' || op === 'sortOrder')) excluded.add(arg.name);
        });
        const target = args[0]?.kind === 'var' ? args[0].name : undefined;
        if (stmt.kind === 'let' && op === 'localElement') array(target!).reads.push({ stmt, order, within });
        if (stmt.kind === 'effect' && op === 'store') array(target!).writes.push({ stmt, order, within });
        if (stmt.kind === 'let' && (op === 'newArray' || op === 'arrayOf' || op === 'sortOrder')) {
          const created = array(stmt.name);
          created.topLevel = within.length === 0;
          const shape = stmt.expr.shape ?? stmt.shape;
          created.exact = shape?.kind === 'array' && shape.container !== 'Float32Array';
          created.neverWritten = op === 'sortOrder';
        }
      } else if (stmt.kind === 'if') {
        this.escape(stmt.cond);
        stmt.phis.forEach((phi) => [phi.then, phi.else].forEach((operand) => this.escape(operand)));
      } else if (stmt.kind === 'loop') {
        this.escape(stmt.cond);
        stmt.carried.forEach((c) => [c.init, c.next].forEach((operand) => this.escape(operand)));
        loops.push(stmt);
      }
    }
    // A loop's counter is known once the definitions inside the loop are.
    for (const loop of loops) this.counters.set(loop, this.counter(loop));
    results.forEach((operand) => this.escape(operand));
    for (const name of [...excluded, ...this.escaping]) this.arrays.delete(name);
    for (const found of this.arrays.values()) found.loop = this.enclosingLoop(found);
  }

  private escape(operand: Operand): void {
    if (operand.kind === 'var') this.escaping.add(operand.name);
  }

  /** The innermost loop around every read and write of an array created outside it. */
  private enclosingLoop(array: LocalArray): Loop | undefined {
    const sites = [...array.reads, ...array.writes];
    if (sites.length === 0) return undefined;
    let common = sites[0].within.filter((stmt): stmt is Loop => stmt.kind === 'loop');
    for (const site of sites) common = common.filter((loop) => site.within.includes(loop));
    const loop = common[common.length - 1];
    return loop && this.definitions.has(array.name) && !this.definedIn(array.name, loop) ? loop : undefined;
  }

  /** A loop `for (let j = init; j < bound; j += step)` with nothing else ending it, if it is one. */
  private counter(loop: Loop): Counter | undefined {
    const form = loopGuard(loop);
    const test = form?.pre[form.pre.length - 1];
    if (!form || test?.kind !== 'let' || loop.cond.kind !== 'var' || test.name !== loop.cond.name || test.expr.op !== '<') return undefined;
    const [counter, bound] = test.expr.args;
    const index = loop.carried.findIndex((c) => counter.kind === 'var' && c.name === counter.name);
    if (index < 0 || (bound.kind === 'var' && this.definedIn(bound.name, loop) && !this.fixedLength(bound.name, loop))) return undefined;
    const next = form.nexts[index];
    const step = next.kind === 'var' ? form.guard.then.find((s): s is Let => s.kind === 'let' && s.name === next.name) : undefined;
    const [a, b] = step?.expr.op === '+' ? step.expr.args : [];
    const amount = a && b && sameOperand(a, counter) && b.kind === 'num' && Number.isInteger(b.value) && b.value > 0 ? b.value : undefined;
    if (amount === undefined) return undefined;
    const found: Counter = { name: loop.carried[index].name, init: loop.carried[index].init, step: amount, bound, pass: form.guard.then };
    this.counterOf.set(found.name, found);
    return found;
  }

  /** `xs.length` measured in each pass, of an array from outside the loop that never grows (a parameter, or created with its length). */
  private fixedLength(name: string, loop: Loop): boolean {
    const expr = this.definitions.get(name)?.expr;
    const array = expr?.op === 'length' ? expr.args[0] : undefined;
    if (array?.kind !== 'var' || this.definedIn(array.name, loop)) return false;
    return this.params.has(array.name) || this.definitions.get(array.name)?.expr.op === 'newArray';
  }

  private definedIn(name: string, loop: Loop): boolean {
    return loop.carried.some((c) => c.name === name || c.exit === name) || (this.definedWithin.get(name)?.includes(loop) ?? false);
  }

  /** An integer an operand is an integer no less than, where one is known: integers, counters counting up, sums, lengths. */
  private lowerBound(operand: Operand): number | undefined {
    if (operand.kind === 'num') return Number.isInteger(operand.value) ? operand.value : undefined;
    if (operand.kind !== 'var') return undefined;
    const counter = this.counterOf.get(operand.name);
    if (counter) return this.lowerBound(counter.init);
    const expr = this.definitions.get(operand.name)?.expr;
    if (expr?.op === 'length') return 0;
    if (expr?.op === 'copy') return this.lowerBound(expr.args[0]);
    if (expr?.op !== '+') return undefined;
    const [a, b] = expr.args.map((arg) => this.lowerBound(arg));
    return a === undefined || b === undefined ? undefined : a + b;
  }

  /**
   * Whether the pass of `loop` a read is in always wrote the entry it reads before: a write
   * at the same index earlier in the same block, or a loop earlier in the pass writing
   * `array[j]` for every j from a to b - 1 while the read's index is a counter from at least
   * a, below the same b.
   */
  covered(read: Site, array: LocalArray, loop: Loop): boolean {
    const index = read.stmt.expr.args[1];
    // `within` is shared by the statements of one block.
    if (array.writes.some((write) => write.order < read.order && write.within === read.within && sameOperand(write.stmt.expr.args[1], index))) return true;
    const form = loopGuard(loop);
    const depth = read.within.indexOf(loop);
    if (!form || read.within[depth + 1] !== form.guard) return false;
    // The statement of the loop's pass that holds the read, and the loops before it.
    const holder = read.within[depth + 2] ?? read.stmt;
    const before = form.guard.then.slice(0, form.guard.then.indexOf(holder));
    const reading = index.kind === 'var' ? this.counterOf.get(index.name) : undefined;
    const readLoop = read.within.find((stmt): stmt is Loop => stmt.kind === 'loop' && this.counters.get(stmt)?.name === reading?.name);
    if (!reading || !readLoop || read.within[read.within.indexOf(readLoop) + 1] !== loopGuard(readLoop)?.guard || read.within.indexOf(readLoop) < depth)
      return false;
    const from = this.lowerBound(reading.init);
    return before.some((stmt) => {
      const writing = stmt.kind === 'loop' ? this.counters.get(stmt) : undefined;
      if (
        !writing ||
        writing.step !== 1 ||
        writing.init.kind !== 'num' ||
        !Number.isInteger(writing.init.value) ||
        from === undefined ||
        from < writing.init.value ||
        !this.within(reading.bound, writing.bound, array)
      )
        return false;
      return writing.pass.some(
        (s) =>
          s.kind === 'effect' &&
          s.expr.op === 'store' &&
          sameOperand(s.expr.args[0], variable(array.name)) &&
          sameOperand(s.expr.args[1], variable(writing.name)),
      );
    });
  }

  /**
   * Whether counting below `bound` stays below `written`: the same value, or the length of
   * the array where it was created with `written` entries (`new Float64Array(k)` has
   * ⌊k⌋ ≤ k entries).
   */
  private within(bound: Operand, written: Operand, array: LocalArray): boolean {
    if (sameOperand(bound, written)) return true;
    const length = bound.kind === 'var' ? this.definitions.get(bound.name)?.expr : undefined;
    const creation = this.definitions.get(array.name)?.expr;
    return (
      length?.op === 'length' && sameOperand(length.args[0], variable(array.name)) && creation?.op === 'newArray' && sameOperand(creation.args[0], written)
    );
  }

  /**
   * Whether no write into the array can run after the read: every write comes before it,
   * outside any loop (inside `within`, if given) holding the read too.
   */
  final(read: Site, array: LocalArray, within: Loop | undefined): boolean {
    const loops = read.within.slice(within ? read.within.indexOf(within) + 1 : 0).filter((stmt) => stmt.kind === 'loop');
    return array.writes.every((write) => write.order < read.order && !loops.some((loop) => write.within.includes(loop)));
  }

  /**
   * Whether reverse mode needs a value: unless it only flows, through additions,
   * subtractions and copies, into writes of `array` or of arrays whose writes
   * recomputations never repeat, no derivative rule or condition reads it.
   */
  needed(name: string, array: string, seen = new Set<string>()): boolean {
    if (this.escaping.has(name) || seen.has(name)) return true;
    seen.add(name);
    return (this.uses.get(name) ?? []).some(({ stmt, index }) => {
      const { op, args } = stmt.expr;
      if (op === 'store' && index === 2) {
        const target = args[0].kind === 'var' ? this.arrays.get(args[0].name) : undefined;
        return target?.name !== array && target?.loop !== undefined;
      }
      if (stmt.kind === 'let' && (op === '+' || op === '-' || op === 'negate' || op === 'copy')) return this.needed(stmt.name, array, seen);
      return true;
    });
  }
}
