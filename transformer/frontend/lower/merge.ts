import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Operand, type Phi, type Stmt, UNSET, isUnset, sameOperand, variable } from '../../ir/ir';
import type { NameAllocator } from '../../ir/names';
import { namesDefinedWithin } from '../../ir/definitions';
import type { Shape } from '../../ir/shapes';

/** How lowering made an array or object that a branch may choose: what a merge needs of it. */
export type Creation =
  | {
      readonly kind: 'array';
      readonly container: 'Array' | 'Float64Array' | 'Float32Array';
      readonly length: number | undefined;
      /** Its length as an operand: a number, or the value it was made with. */
      readonly size: Operand;
      /** The expression that made it. */
      readonly origin: ts.Node;
    }
  | { readonly kind: 'object'; readonly fields: readonly string[]; readonly values: readonly Operand[]; readonly shape: Shape };

/** What merging needs of lowering. */
export interface MergeHost {
  readonly names: NameAllocator;
  /**
   * How the function made the array or object literal `name`, if it made it (with a length
   * known at compile time); an object whose fields are written (a record), as it is at the
   * end of `side`.
   */
  creation(name: string, side?: 'then' | 'else'): Creation | undefined;
  /** Whether `operand` is an array or object (of the function or of its inputs). */
  isAggregate(operand: Operand | undefined): boolean;
  /** Whether nothing can write into it (an object literal holding no array): a copy of it is the same value, shared or not. */
  readOnly(operand: Operand): boolean;
  /** Appends to `block` a read of entry `index` of a local array; returns the value read. */
  readEntry(block: Stmt[], array: Operand, index: number, origin: ts.Node): Operand;
  /** A new local array of `elements` (after the branch). */
  makeArray(elements: readonly Operand[], container: 'Array' | 'Float64Array' | 'Float32Array', origin: ts.Node): Operand;
  /** A new object literal (after the branch). */
  makeObject(fields: readonly string[], values: readonly Operand[], shape: Shape, origin: ts.Node): Operand;
  /** Whether two lengths of arrays are known to be the same. */
  sameLength(a: Operand, b: Operand): boolean;
  /** The length `size` read before the branch (from the input it was measured on), unless only the `blocks` of its sides compute it. */
  lengthBefore(size: Operand, blocks: readonly Stmt[][], origin: ts.Node): Operand | undefined;
  /** A new local array of `size` zeros, made before the branch. */
  makeBuffer(size: Operand, container: 'Array' | 'Float64Array' | 'Float32Array', origin: ts.Node): Operand;
  /** A copy made at the end of `block` of a module's constant object (`gear = FAST`), which the function may then choose; else the operand itself. */
  copyConstant(block: Stmt[], operand: Operand, origin: ts.Node): Operand;
  /** Appends to `block` a loop copying `size` entries of `source` into `target`. */
  copyInto(block: Stmt[], target: Operand, source: Operand, size: Operand, origin: ts.Node): void;
  /** What to write instead of the branch `origin`, where it cannot choose between its arrays or objects: in the user's terms. */
  instead(origin: ts.Node): string;
}

interface Merge {
  readonly what: string;
  readonly then: Operand | undefined;
  readonly else: Operand | undefined;
  /** What the variable held before the branch. */
  readonly before: Operand | undefined;
  readonly assign: (merged: Operand) => void;
}

/**
 * A variable (or a `?:`) that holds different arrays or objects after the two sides of a
 * branch. The IR has no phis of arrays (the reverse sweep keeps one gradient per array, and
 * local arrays are recorded and replayed by name), so the chosen one is copied: each side
 * reads the entries of its array at its end, phis choose the numbers, and a new array (or
 * object literal) is made of them after the branch. A copy is the same value as the chosen
 * array wherever nothing else can reach either array afterwards, which is checked: the
 * arrays and objects the function made with a length known at compile time (`[a, b]`,
 * `new Float64Array(3)`, `{ x, y }`), that nothing else refers to (nothing code after the
 * branch reads: a variable declared inside the code after an early exit, or one of the
 * function's own variables on a side that has returned, does not count; see ./control.ts).
 * Anything else is a located diagnostic, never a wrong gradient.
 */
export class AggregateMerges {
  private readonly merges: Merge[] = [];
  /** Per merge: what builds the merged value after the branch. */
  private readonly builders: (() => void)[] = [];

  constructor(
    private readonly host: MergeHost,
    private readonly origin: ts.Node,
    private readonly thenBlock: Stmt[],
    private readonly elseBlock: Stmt[],
    private readonly phis: Phi[],
    /**
     * How many places other than the merged variables refer to an array or object: other
     * variables, and objects holding it (but for the `merged` objects, which are copied too).
     */
    private readonly references: (operand: Operand, merged: ReadonlySet<string>, side: 'then' | 'else') => number,
  ) {}

  add(what: string, then: Operand | undefined, otherwise: Operand | undefined, assign: (merged: Operand) => void, before?: Operand): void {
    // A side where the variable was not assigned has nothing to merge (its value is not read where that side ran).
    const assigned = (side: Operand | undefined, block: Stmt[]) => (side && !isUnset(side) ? this.host.copyConstant(block, side, this.origin) : undefined);
    this.merges.push({ what, then: assigned(then, this.thenBlock), else: assigned(otherwise, this.elseBlock), before, assign });
  }

  /** Checks every merge and appends the reads of the chosen entries to each side; the phis choose them. */
  readSides(): void {
    const merged = new Set<string>();
    const collect = (operand: Operand | undefined): void => {
      const made = operand?.kind === 'var' && !merged.has(operand.name) ? this.host.creation(operand.name) : undefined;
      if (!made || operand?.kind !== 'var') return;
      merged.add(operand.name);
      if (made.kind === 'object') made.values.forEach(collect);
    };
    this.merges.forEach((merge) => [merge.then, merge.else].forEach(collect));
    for (const merge of this.merges) {
      const build = this.template(merge, merge.then, merge.else);
      for (const which of ['then', 'else'] as const) {
        const side = merge[which];
        if (side && this.host.readOnly(side)) continue;
        // Held by two merged variables on the same side (two variables swapping their arrays hold each on one side only).
        const shared = side && side.kind === 'var' ? this.merges.filter((other) => other[which] && sameOperand(other[which], side)).length : 0;
        if (side && (shared > 1 || this.references(side, merged, which) > 0)) this.unsupported(merge, 'is also held by another variable or object');
      }
      this.builders.push(() => merge.assign(build()));
    }
  }

  /** Makes the merged values, after the branch. */
  build(): void {
    for (const build of this.builders) build();
  }

  /** The phis that choose the parts of `then` or `otherwise`; returns what makes the merged value from them. */
  private template(merge: Merge, then: Operand | undefined, otherwise: Operand | undefined): () => Operand {
    if (then && otherwise && sameOperand(then, otherwise)) return () => then;
    const [a, b] = (['then', 'else'] as const).map((which, k) => {
      const side = k === 0 ? then : otherwise;
      return side && side.kind === 'var' ? this.host.creation(side.name, which) : undefined;
    });
    const made = a ?? b;
    if (!made || (then && !a) || (otherwise && !b))
      return this.unsupported(merge, 'is not an array or object literal the function makes itself with a length known at compile time');
    if (made.kind === 'array') {
      const length = made.length;
      if (length === undefined) return this.buffer(merge, made, [then, a], [otherwise, b]);
      if ([a, b].some((side) => side && (side.kind !== 'array' || side.length !== length || side.container !== made.container))) {
        return this.unsupported(merge, 'is an array whose length is not the same known number on both sides');
      }
      const entries = Array.from({ length }, (_, k) => this.phi(this.entry(this.thenBlock, then, k), this.entry(this.elseBlock, otherwise, k)));
      return () => this.host.makeArray(entries, made.container, this.origin);
    }
    // Fields are matched by name: `{ x, y }` and `{ y, x }` are the same object.
    const fields = [...made.fields].sort();
    if ([a, b].some((side) => side && (side.kind !== 'object' || [...side.fields].sort().join() !== fields.join()))) {
      return this.unsupported(merge, 'is an object literal whose fields differ between the sides');
    }
    const parts = fields.map((field) => {
      const [x, y] = [a, b].map((side) => (side?.kind === 'object' ? side.values[side.fields.indexOf(field)] : undefined));
      if ([x, y].some((value) => this.host.isAggregate(value))) return this.template(merge, x, y);
      const chosen = this.phi(x, y);
      return () => chosen;
    });
    return () =>
      this.host.makeObject(
        fields,
        parts.map((part) => part()),
        made.shape,
        this.origin,
      );
  }

  /**
   * Arrays of a length known only at run time, the same on both sides (`values.map(…)` in each
   * arm of a switch): one array of that length, into which each side copies its array at its
   * end. That is the array one side leaves where nothing else refers to it on the other side,
   * preferably the one the variable held before the branch (a loop's state, which a pass that
   * skips `p = next` leaves as it was: only the pass that goes on copies `next` into it); else
   * one made before the branch.
   */
  private buffer(merge: Merge, made: Extract<Creation, { kind: 'array' }>, ...sides: [Operand | undefined, Creation | undefined][]): () => Operand {
    const arrays = sides.flatMap(([array, creation]) => (array && creation ? [{ array, creation }] : []));
    if (arrays.some(({ creation }) => creation.kind !== 'array' || creation.container !== made.container || !this.host.sameLength(creation.size, made.size))) {
      return this.unsupported(merge, 'is an array whose length is not known to be the same on both sides');
    }
    const size = this.host.lengthBefore(made.size, [this.thenBlock, this.elseBlock], this.origin);
    if (!size) return this.unsupported(merge, 'is an array whose length only the branch computes');
    // The side that left the variable as it was first: it then copies nothing.
    const [then, otherwise] = sides.map(([array]) => array);
    const order = merge.before && then && sameOperand(merge.before, then) ? [0, 1] : [1, 0];
    const target = order.map((k) => this.writable(merge, k === 0 ? [then, otherwise, 'else'] : [otherwise, then, 'then'])).find((array) => array);
    const into = target ?? this.host.makeBuffer(size, made.container, this.origin);
    sides.forEach(
      ([array], k) => array && !sameOperand(array, into) && this.host.copyInto(k === 0 ? this.thenBlock : this.elseBlock, into, array, size, this.origin),
    );
    return () => into;
  }

  /**
   * `array`, which one side leaves, where the `other` side (leaving `otherArray`) may copy into
   * it: it is made before the branch, no other merge chooses it, and on the other side no other
   * variable or object holds it (an object that a merge copies included: its copy reads it), so
   * overwriting it there changes nothing anything reads.
   */
  private writable(merge: Merge, [array, otherArray, other]: [Operand | undefined, Operand | undefined, 'then' | 'else']): Operand | undefined {
    if (!array || array.kind !== 'var' || !otherArray) return undefined;
    if ([this.thenBlock, this.elseBlock].some((block) => namesDefinedWithin(block).includes(array.name))) return undefined;
    const chosenElsewhere = this.merges.some((another) => another !== merge && [another.then, another.else].some((side) => side && sameOperand(side, array)));
    return chosenElsewhere || this.references(array, new Set(), other) > 0 ? undefined : array;
  }

  private entry(block: Stmt[], array: Operand | undefined, index: number): Operand | undefined {
    return array && this.host.readEntry(block, array, index, this.origin);
  }

  private phi(then: Operand | undefined, otherwise: Operand | undefined): Operand {
    if (then && otherwise && sameOperand(then, otherwise)) return then;
    const name = this.host.names.fresh('t');
    this.phis.push({ name, then: then ?? UNSET, else: otherwise ?? UNSET, role: 'temp' });
    return variable(name);
  }

  private unsupported(merge: Merge, why: string): never {
    if (merge.what === RESULT) {
      return fail(
        this.origin,
        Code.Unsupported,
        `the function returns different arrays or objects depending on this branch, and one of them ${why}. Return arrays or objects the function makes itself, alike on every path (the same length, the same fields; a spread '[...…]' copies an array), or write into one array made before the branch and return it on every path.`,
      );
    }
    const instead = this.host.instead(this.origin);
    if (merge.what === VALUE) {
      return fail(this.origin, Code.Unsupported, `this expression chooses between arrays or objects, and one of them ${why}. ${instead}`);
    }
    return fail(
      this.origin,
      Code.Unsupported,
      `'${merge.what}' holds different arrays or objects on the two sides of this branch, and one of them ${why}. ${instead}`,
    );
  }
}

/** The `what` of the merge of a branch's own value (`c ? [a, b] : [b, a]`), which no variable holds. */
export const VALUE = '';
/** The `what` of the merge of what the function returns (where it may have returned before the branch, or returns inside it). */
export const RESULT = '#result';
