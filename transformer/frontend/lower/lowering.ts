import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Block, type Callee, type Expr, type Let, type Operand, type Role, type Stmt, isUnset, num, sameOperand, variable } from '../../ir/ir';
import type { NameAllocator } from '../../ir/names';
import { type MadeObject, NUMBER, PARAMETER, type Shape, type TypeResolver, isBrandedNumber, shapeOf } from '../../ir/shapes';
import { type MathFunction, type OpName, globalConstant } from '../../ops/registry';
import type { Creation } from './merge';
import { type Matrix, type Row, notAValue } from './matrices';
import { skipParentheses, skipTypeSyntax } from '../type-syntax';
import { fold } from '../../passes/fold';
import { locationOf, sourceText } from '../quoting';

/** What lowering needs to know about the world outside the function. */
export interface LowerEnv {
  readonly ts: typeof ts;
  /** Absent when lowering the derivative rules, which are parsed without a program. */
  readonly checker?: ts.TypeChecker;
  /** What names from outside a class's field initialisers, constructor and getters resolve against (frontend/lower/objects.ts). */
  readonly classFrame?: (declaration: ts.ClassDeclaration) => Callee;
  /**
   * Whether classes define their fields before the constructor assigns its parameter
   * properties (`useDefineForClassFields`, the default from ES2022), or after (TypeScript's
   * older emit): the order in which `new C(…)` runs field initialisers.
   */
  readonly definesClassFields?: boolean;
  readonly names: NameAllocator;
  /**
   * A value read from outside the function (or the inlined helper `within`): a constant, or a
   * diagnostic; or the literal written for a constant that the generated code cannot import
   * (another module keeps it to itself), for lowering to compute in place.
   */
  readonly outer: (identifier: ts.Identifier, within?: Callee) => Operand | { readonly written: ts.Expression };
  /** The tapeless API function that a callee names, if it names one. */
  readonly apiName: (callee: ts.Expression) => string | undefined;
  /** Whether a file is one of TypeScript's default libraries (where globals such as Math live). */
  readonly isLibrary?: (file: ts.SourceFile) => boolean;
  /** The function of the program a call (in the inlined helper `within`) calls, if it is one tapeless can differentiate. */
  readonly callee?: (call: ts.CallExpression, within?: Callee) => Callee | undefined;
  /** The function of the program an identifier names (`xs.map(sigmoid)`), where it is one tapeless can differentiate. */
  readonly functionValue?: (identifier: ts.Identifier, within?: Callee) => Callee | undefined;
  /** Rules may use `?:` (both branches are evaluated) and return an array of partials. */
  readonly rule?: boolean;
  /** The function may return an array of numbers (`number[]`, a tuple, a typed array) or an object of them: for jacobian and forward mode. */
  readonly arrayResult?: boolean;
  /** The parameters differentiated with respect to (`wrt`): their gradients have the fields their types declare. */
  readonly differentiated?: ReadonlySet<ts.ParameterDeclaration>;
}

export type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration;

/** A variable of the user's code (or a flag of lowering) and its current SSA value. */
export interface Binding {
  value: Operand | undefined;
  readonly mutable: boolean;
  readonly name: string;
  /** A flag or result that lowering made: not the user's variable. */
  readonly hidden?: boolean;
  /** A flag (break, continue, return): clear wherever a loop pass starts. */
  readonly flag?: boolean;
  /** A function (declared in the function being lowered, or passed to a helper): inlined where it is called. */
  readonly fn?: LocalFunction;
  /** A field of an object the function made (a record: frontend/lower/objects.ts). */
  readonly field?: boolean;
  /** Holds a string or a boolean (a field of data: `Shape.data`), which a loop carries as it is, not as a number. */
  readonly data?: boolean;
}

/**
 * A function that differentiated code calls through a variable: one declared inside the
 * function being lowered (`const sq = (v: number) => v * v`, `function clamp(…) {…}`), a
 * callback written in place, or a function of the program passed by name. Each call is
 * inlined (frontend/lower/functions.ts), so it reads the variables it captures as they are
 * when it is called, as JavaScript's closures do.
 */
export interface LocalFunction {
  /** Its code; absent for a Math function passed by name. */
  readonly node?: ts.ArrowFunction | ts.FunctionExpression | ts.FunctionDeclaration;
  readonly name: string;
  /** The scopes it sees (those around its declaration): their bindings hold the current values. */
  readonly scopes: readonly Map<string, Binding>[];
  /** The helper being inlined where it was declared: names from outside resolve in its module. */
  readonly within: Callee | undefined;
  /** A function of the program passed by name (`xs.map(sigmoid)`): called like any call of it. */
  readonly callee?: Callee;
  /** A Math function of one argument passed by name (`integrate(Math.exp, 0, 1)`). */
  readonly math?: MathFunction;
  /** Where it is named or written as an argument, for diagnostics about its calls. */
  readonly reference?: ts.Expression;
}

/** Where `break` and `continue` go: lowering turns them into flags the code after them tests. */
export interface JumpTarget {
  readonly kind: 'loop' | 'switch';
  readonly labels: readonly string[];
  readonly broke: Binding;
  readonly continued?: Binding;
}

export const FALSE = num(0);
export const TRUE = num(1);

/**
 * The state of lowering one function, and the operations on it that every concern uses:
 * the statements being built, the variables in scope with their SSA values, the flags of
 * jumps, and what is known of the arrays and objects the function reads and makes.
 */
export class Lowering {
  readonly ts: typeof ts;
  body: Stmt[] = [];
  /** The variables in scope, innermost last; an inlined helper sees only its own. */
  readonly scopes: Map<string, Binding>[] = [new Map()];
  /**
   * The scopes of the callers whose callees are being inlined, outermost first: the callee
   * cannot name their variables, but a function they passed to it may assign them, so
   * branches and loops in the callee merge and check them too.
   */
  readonly suspended: Map<string, Binding>[][] = [];
  readonly targets: JumpTarget[] = [];
  /** The scopes of switch statements: what one clause declares, the clauses after it see. */
  readonly clauseScopes = new WeakSet<ReadonlyMap<string, Binding>>();
  /** The helpers being inlined (see `inlineCall`), innermost last. */
  readonly inlining: Callee[] = [];
  /**
   * What the type parameters of the generic helpers (and generic classes) being inlined stand
   * for at their calls, innermost last (see type-arguments.ts): every type lowering reads goes
   * through `resolveType`, or `T` would read as data and its gradient be zero.
   */
  readonly typeArguments: ReadonlyMap<ts.Type, ts.Type>[] = [];
  /** The local functions being inlined, innermost last: recursion among them is a diagnostic. */
  readonly expanding: LocalFunction[] = [];
  returned!: Binding;
  result!: Binding;
  /**
   * Whether the path being lowered surely threw (a `throw`, or a helper inlined here that
   * surely throws): nothing after it runs, so a branch takes the other side's values (see
   * control.ts `branch`).
   */
  threw = false;
  /** Variables that hold arrays or objects to differentiate (parameters and what is read from them). */
  readonly aggregates = new Set<string>();
  /** The shapes of the inputs' arrays and objects (parameters and what is read from them), by variable. */
  readonly inputShapes = new Map<string, Shape>();
  /** Of those, the ones in parameters differentiated with respect to (`LowerEnv.differentiated`), with their parameter. */
  readonly differentiatedInputs = new Map<string, ts.ParameterDeclaration>();
  /** Parameters whose type is a tuple of a fixed length (`s0: [number, number]`), with that length. */
  readonly tupleLengths = new Map<string, number>();
  /** Arrays the function creates (and may write). */
  readonly localArrays = new Set<string>();
  /** The length of each array created empty (`[]`) and grown by `push`: a variable of its own. */
  readonly lengths = new Map<string, Binding>();
  /**
   * Arrays a loop keeps in one array, its buffer, whose passes may shorten it or change its length
   * either way: their `lengths` are their own (see loop-states.ts), and a read past the length is
   * NaN, as the undefined JavaScript reads there acts in arithmetic, not the stale entry of an
   * earlier pass (see arrays.ts `load`).
   */
  readonly shortened = new Set<string>();
  /** Lengths known to be at most another length, by variable: what slice and filter keep of their source's. */
  readonly atMost = new Map<string, Operand>();
  /** The fields of object literals that hold local arrays (or such objects): reading them reads the array itself. */
  readonly heldLocals = new Map<string, Map<string, Operand>>();
  /** The arrays and object literals the function made, as a branch that chooses between them must know them. */
  readonly created = new Map<string, Creation>();
  /** Local arrays of objects or arrays (lists.ts): the values of each, by the name that stands for it. */
  readonly lists = new Map<string, readonly Operand[]>();
  /**
   * For each helper being inlined, whether its call is destructured (`[h, c] = cell(h, c, x)`),
   * innermost call last (a helper may be inlined inside itself, through a function it is
   * given): then the array literal of arrays or objects it returns is a list (lists.ts), its
   * entries the arrays and objects themselves (see lists.ts `returnedAsList`).
   */
  readonly listReturning = new Map<ts.Node, boolean[]>();
  /** Local arrays of arrays (flattened: see matrices.ts), by the name that stands for each. */
  readonly matrices = new Map<string, Matrix>();
  /** Views of rows of those, by the name that stands for each. */
  readonly rows = new Map<string, Row>();
  /**
   * The links `e?.…` of optional chains after an entry `e` of an array (`g[i - 1]?.[0]`) where
   * the entry is known to be there: its array and index, lowered once (see optionalEntry).
   */
  readonly presentEntries = new Map<ts.Node, { readonly array: Operand; readonly index: Operand; readonly entry: ts.ElementAccessExpression }>();
  /** How many local arrays lowering has made, and when each was (the rows of a matrix must be new ones). */
  arraysMade = 0;
  readonly madeAt = new Map<string, number>();
  /** How many local arrays had been made when the function being lowered (or inlined) began: those made since are its own. */
  arraysBeforeFrame = 0;
  /**
   * Array literals not written since they were made, with their entries and the loops they
   * were made in: a read at a constant index in the same loops is the entry itself (every
   * write into a local array goes through `store`).
   */
  readonly pristine = new Map<string, { readonly entries: readonly Operand[]; readonly loops: number }>();
  /**
   * Values a declaration names (`const exps = logits.map(…)`) whose statement is not the last
   * one lowered (a loop fills the array after it is made): renamed once the function is lowered.
   */
  readonly userNames = new Map<string, string>();
  /** The tables of functions the function reads (module constants: see tables.ts), by the key of their operand. */
  readonly tables = new Map<string, ts.ArrayLiteralExpression>();
  /** The entries of those read at a constant index, by variable: the object literal each is. */
  readonly entries = new Map<string, ts.ObjectLiteralExpression>();
  /** The variables holding an array's length as read (`xs.length`), with the array. */
  readonly lengthsRead = new Map<string, Operand>();
  /** The lengths made whole from what the user gave (`new Float64Array(n)`: Math.trunc(n)), by name: n, so that arrays made with the same n have the same length. */
  readonly wholeLengths = new Map<string, Operand>();
  /** How many loops enclose the code being lowered. */
  loops = 0;
  /**
   * Where the function (or what it calls) may write fields of objects or construct class
   * instances: every object it makes is then a record (frontend/lower/objects.ts).
   */
  mutableObjects = false;
  /** The names of the fields the function (or what it calls) may assign: a loop carries the fields of records of these names. */
  writtenFields: ReadonlySet<string> = new Set();
  /** Whether the function (or what it calls) may write entries of an array that two names hold (objects.ts objectWrites). */
  writesSharedEntries = true;
  /** The first such write, where the program is known. */
  sharedWrite: ts.Node | undefined;
  /** The fields of each object the function made, as variables of lowering (scalar replacement): see objects.ts. */
  readonly records = new Map<string, Map<string, Binding>>();
  /**
   * Objects (by variable: a record, or the data of an array of objects) that map or
   * Array.from put into an array of objects as they are (`xs.map(() => o)`, `ps.map((p) => p)`):
   * JavaScript holds the same object twice, differentiated code copies its numbers into the new
   * array's rows, so a later write to a field of either is a diagnostic (matrices.ts `objectRows`).
   */
  readonly copiedObjects = new Set<string>();
  /** The scope where the function being lowered (or inlined) starts: what it makes lives there. */
  frameBase = 0;
  /**
   * The loops whose passes leave an array they reassign of another length than it started
   * with (a network's layers of different widths), with the names of those variables: found
   * by an attempt that lowered the loop as if they did not (see lowerFunction, loop-states.ts).
   */
  resizing: ReadonlyMap<ts.Node, ReadonlySet<string>> = new Map();
  /**
   * The expressions making `number[]`s with a length (`new Array<number>(n).fill(0)`, `[a, b]`)
   * that a write may lengthen (at an index not known to be below it): their lengths are
   * variables, as those of arrays created empty are. Found by an attempt that lowered them
   * with the length they were made with (see lowerFunction, arrays.ts `WrittenPastEnd`).
   */
  growing: ReadonlySet<ts.Node> = new Set();
  /**
   * Writes into such arrays are taken to be below their length, which is kept: only to tell
   * whether a function that cannot be lowered with lengths that change could be without
   * (see lowerFunction); such a lowering is never differentiated.
   */
  writesAssumedWithin = false;
  /**
   * Indices known to be below a bound in the code being lowered, by name of their value: a
   * loop's counter in a pass, below what its test compares it with (`for (…; i < n; …)`), an
   * index in the side of an `if` its test holds in (see `holding`).
   */
  private readonly below = new Map<string, Operand>();
  /** Indices known not to be negative, by name of their value: the counter of a loop that counts up from 0 in a pass. */
  private readonly nonNegative = new Set<string>();

  constructor(readonly env: LowerEnv) {
    this.ts = env.ts;
  }

  isAggregate(value: Operand | undefined): boolean {
    return value?.kind === 'var' && this.aggregates.has(value.name);
  }

  /**
   * Lowers code that runs only where no flag is set (its guard tests them all), knowing them
   * clear: a loop inside must never see a flag that it does not carry change its value.
   */
  clearingFlags<T>(lower: () => T): T {
    for (const flag of this.flags()) flag.value = FALSE;
    return lower();
  }

  /**
   * Lowers code that runs whether or not a flag is set (code lowering makes up, without jumps:
   * the copy at the end of a pass): a loop inside sees the flags clear, and they keep their values.
   */
  whateverTheFlags<T>(lower: () => T): T {
    const saved = this.flags().map((flag) => [flag, flag.value] as const);
    for (const [flag] of saved) flag.value = FALSE;
    const result = lower();
    for (const [flag, value] of saved) flag.value = value;
    return result;
  }

  /** Whether some flag may be set here, or the path threw (the code that follows must be guarded). */
  mayHaveJumped(): boolean {
    return this.threw || this.flags().some((flag) => !(flag.value?.kind === 'num' && flag.value.value === 0));
  }

  /** Whether some flag is surely set here, or the path threw (the code that follows cannot run). */
  hasJumped(): boolean {
    return this.threw || this.flags().some((flag) => flag.value?.kind === 'num' && flag.value.value === 1);
  }

  /** True where no flag is set. */
  notJumped(): Operand {
    const set = this.flags().filter((flag) => !(flag.value?.kind === 'num' && flag.value.value === 0));
    if (set.length === 0) return TRUE;
    const any = set.map((flag) => flag.value as Operand).reduce((a, b) => this.op('or', [a, b], undefined));
    return this.op('not', [any], undefined);
  }

  flags(): Binding[] {
    return [this.returned, ...this.targets.flatMap((target) => (target.continued ? [target.broke, target.continued] : [target.broke]))];
  }

  /** The last statement, a temporary, takes the user's name (and what is known of it). */
  renameLast(last: Let, name: string, origin: ts.Node): void {
    this.body[this.body.length - 1] = { ...last, name, role: 'user', origin };
    // Another variable may hold the temporary too: an array's length, which push and a write
    // past its end return (`const n = xs.push(v)`, a helper's `return a.length`).
    for (const scope of [...this.scopes, ...this.suspended.flat()])
      for (const binding of scope.values()) if (binding.value?.kind === 'var' && binding.value.name === last.name) binding.value = variable(name);
    for (const set of [this.aggregates, this.localArrays]) if (set.delete(last.name)) set.add(name);
    for (const map of [
      this.lengths,
      this.heldLocals,
      this.created,
      this.madeAt,
      this.pristine,
      this.lengthsRead,
      this.records,
      this.inputShapes,
      this.entries,
    ] as Map<string, unknown>[]) {
      // (madeAt's first array was made at 0.)
      if (!map.has(last.name)) continue;
      const known = map.get(last.name);
      map.delete(last.name);
      map.set(name, known);
    }
  }

  /** An operation run for its effect: `args` are what it reads; `source`, where it runs the user's own expression. */
  effect(op: OpName, args: readonly Operand[], source: Expr['source'], origin: ts.Node | undefined): void {
    this.body.push({ kind: 'effect', expr: { op, args, ...(source ? { source } : {}) }, origin });
  }

  /**
   * Whether nothing can write into an aggregate the function made: an array, where the
   * function writes no entries of arrays that two names hold; an object literal none of whose
   * fields has the name of a field the function writes (objects.ts), holding no array or
   * object but such. Such a value may be shared freely: a copy of it is the same value.
   */
  readOnly(operand: Operand): boolean {
    if (operand.kind !== 'var') return false;
    const made = this.created.get(operand.name);
    if (made?.kind === 'array') return !this.writesSharedEntries && !this.lengths.has(operand.name);
    if (made?.kind !== 'object') return false;
    const held = this.heldLocals.get(operand.name);
    if (held && ![...held.values()].every((value) => this.readOnly(value))) return false;
    const holdsWritable = (value: Operand | undefined) =>
      value?.kind === 'var' && (this.records.has(value.name) || this.created.has(value.name)) && !this.readOnly(value);
    return [...(this.records.get(operand.name) ?? [])].every(([field, binding]) => !this.writtenFields.has(field) && !holdsWritable(binding.value));
  }

  /**
   * Why an array shared by two names cannot be copied, for a diagnostic: the write that a
   * copy would not see (`' (the function writes entries of arrays: …)'`), or nothing.
   */
  sharedWriteNote(): string {
    const write = this.sharedWrite;
    return write ? ` (the function writes entries of arrays, which a copy would not see: '${sourceText(write)}' at ${locationOf(write)})` : '';
  }

  /**
   * The values the fields of an object the function made hold now, in the order of its
   * fields: those it was made with, or for a record (objects.ts) its fields' variables.
   */
  fieldValues(name: string): readonly Operand[] | undefined {
    const made = this.created.get(name);
    if (made?.kind !== 'object') return undefined;
    const record = this.records.get(name);
    return record ? made.fields.map((field, k) => record.get(field)?.value ?? made.values[k]) : made.values;
  }

  /**
   * How many variables (but `except`) and object literals (but those named in `holders`)
   * refer to an array or object: where it is copied (a branch or loop that reassigns a
   * variable), none may, or they would not see the copy.
   */
  references(operand: Operand, except: ReadonlySet<Binding>, holders: ReadonlySet<string> = new Set()): number {
    const variables = this.visibleBindings().filter(
      (binding) => !except.has(binding) && binding.value !== undefined && sameOperand(binding.value, operand),
    ).length;
    const objects = [...this.heldLocals].filter(
      ([holder, held]) => !holders.has(holder) && [...held.values()].some((value) => sameOperand(value, operand)),
    ).length;
    return variables + objects;
  }

  /**
   * The object literals holding arrays (heldLocals) that none of `values` reaches (by default
   * the values of the variables in scope), through the objects, records and lists they hold:
   * nothing can read them any more (a `const` of a pass of a loop, once the pass ends), so the
   * arrays they hold are no longer shared.
   */
  unreachableHolders(values: Iterable<Operand | undefined> = this.visibleBindings().map((binding) => binding.value)): Set<string> {
    const reached = new Set<string>();
    const visit = (value: Operand | undefined): void => {
      if (value?.kind !== 'var' || reached.has(value.name)) return;
      reached.add(value.name);
      this.heldLocals.get(value.name)?.forEach(visit);
      this.records.get(value.name)?.forEach((field) => visit(field.value));
      this.lists.get(value.name)?.forEach(visit);
    };
    for (const value of values) visit(value);
    return new Set([...this.heldLocals.keys()].filter((holder) => !reached.has(holder)));
  }

  /** `array[index] = value` into a local array (or a row of a local matrix): `args` is `[array, index, value]`. */
  store(args: readonly [Operand, Operand, Operand], origin: ts.Node | undefined): void {
    const [array, index, value] = args;
    const row = array.kind === 'var' ? this.rows.get(array.name) : undefined;
    if (row) {
      const rounded = row.matrix.rounds ? this.op('fround', [value], origin) : value;
      this.body.push({ kind: 'effect', expr: { op: 'store', args: [row.matrix.data, this.op('+', [row.start, index], origin), rounded] }, origin });
      if (row.matrix.data.kind === 'var') this.pristine.delete(row.matrix.data.name);
      return;
    }
    if (array.kind === 'var' && this.matrices.has(array.name)) throw new Error('tapeless: a write of a whole row of a matrix reached the IR');
    this.body.push({ kind: 'effect', expr: { op: 'store', args }, origin });
    if (args[0].kind === 'var') this.pristine.delete(args[0].name);
  }

  op(op: OpName, args: readonly Operand[], origin: ts.Node | undefined, role: Role = 'temp'): Operand {
    // Two strings known at compile time (a table's `kind`: tables.ts) compare as a constant, so a branch on it keeps only the side taken.
    const [a, b] = args;
    if ((op === '===' || op === '!==') && a?.kind === 'str' && b?.kind === 'str') return (a.value === b.value) === (op === '===') ? TRUE : FALSE;
    // Arrays of arrays and their rows are names lowering resolves (see matrices.ts): not values.
    const standing = args.map((arg) => this.matrixOf(arg)).find(Boolean);
    if (origin && standing) notAValue(origin, standing);
    const name = this.env.names.fresh('t');
    this.body.push({ kind: 'let', name, expr: { op, args }, role, origin });
    if (op === 'length') this.lengthsRead.set(name, args[0]);
    return variable(name);
  }

  /**
   * Whether two lengths are the same: one operand, or reads of the lengths of arrays that are
   * as long (an array whose length changes, grown by push, has a variable of its own instead).
   */
  sameLength(a: Operand, b: Operand): boolean {
    const [first, second] = [this.lengthOrigin(a), this.lengthOrigin(b)];
    return first.measured === second.measured && sameOperand(first.operand, second.operand);
  }

  /** The matrix a name of lowering stands for: an array of arrays (or of objects), or the matrix of a row. */
  matrixOf(operand: Operand): Matrix | undefined {
    return operand.kind === 'var' ? (this.matrices.get(operand.name) ?? this.rows.get(operand.name)?.matrix) : undefined;
  }

  /** What holds an object's numbers: the data of the array of objects an entry is a row of, else the object itself. */
  holderOf(object: Operand): Operand {
    return (object.kind === 'var' ? this.rows.get(object.name)?.matrix.data : undefined) ?? object;
  }

  /**
   * The value of an operand computed from constants here (`(i + 1) % n` in a pass of an
   * unrolled loop, where `i` is one; `~1`), as folding will compute it; undefined where it is
   * not a constant.
   */
  constantOf(operand: Operand): number | undefined {
    if (operand.kind === 'num') return operand.value;
    if (operand.kind !== 'var') return undefined;
    const made = [...this.body].reverse().find((stmt): stmt is Let => stmt.kind === 'let' && stmt.name === operand.name);
    if (!made) return undefined;
    const args = made.expr.args.map((arg) => this.constantOf(arg));
    if (args.some((arg) => arg === undefined)) return undefined;
    const folded = fold({ ...made.expr, args: args.map((arg) => num(arg!)) }, () => undefined);
    return 'kind' in folded && folded.kind === 'num' ? folded.value : undefined;
  }

  /**
   * Runs `lower` (later: the side of a branch, a loop's pass) knowing what `test`, true there,
   * says of indices: `i < n`, also as a part of an `&&`, holds for the values i and n have in
   * the test. A write `out[i] = …` is then before the end of an array no shorter than n
   * (arrays.ts `requireKnownWithin`). Read now, where the test was lowered. `counter`: the
   * value, in a pass, of a loop's counter that counts up from 0.
   */
  holding<T>(test: Operand, lower: () => T, counter?: Operand): () => T {
    const bounds = this.countersBelow(test, this.body);
    const counts = counter?.kind === 'var' && !this.nonNegative.has(counter.name) ? counter.name : undefined;
    return () => {
      const before = bounds.map(([index]) => [index, this.below.get(index)] as const);
      for (const [index, bound] of bounds) this.below.set(index, bound);
      if (counts) this.nonNegative.add(counts);
      try {
        return lower();
      } finally {
        for (const [index, bound] of before) {
          if (bound) this.below.set(index, bound);
          else this.below.delete(index);
        }
        if (counts) this.nonNegative.delete(counts);
      }
    };
  }

  private countersBelow(test: Operand, block: Block): [string, Operand][] {
    if (test.kind !== 'var') return [];
    for (const stmt of block) {
      if (stmt.kind === 'let' && stmt.name === test.name) {
        const [a, b] = stmt.expr.args;
        if (stmt.expr.op === 'and') return [...this.countersBelow(a, block), ...this.countersBelow(b, block)];
        return stmt.expr.op === '<' && a.kind === 'var' ? [[a.name, b]] : [];
      }
      // `a && b` (control.ts `logical`): b, lowered where a holds, if a holds; else a (or false).
      const phi = stmt.kind === 'if' ? stmt.phis.find((merged) => merged.name === test.name) : undefined;
      if (stmt.kind === 'if' && phi) {
        const and = sameOperand(phi.else, stmt.cond) || sameOperand(phi.else, FALSE);
        return and ? [...this.countersBelow(stmt.cond, block), ...this.countersBelow(phi.then, stmt.then)] : [];
      }
    }
    return [];
  }

  /** Whether `index` is known to be below `length`: an index a test compares with no more than `length` (see `holding`), or computed from one. */
  isBelow(index: Operand, length: Operand): boolean {
    const atMost = (bound: Operand) => (bound.kind === 'num' && length.kind === 'num' ? Math.abs(bound.value) <= length.value : this.notLonger(bound, length));
    if (index.kind === 'num') return length.kind === 'num' && index.value < length.value;
    // Truncating an index in (-1, 0) gives 0, which is below any length but 0.
    if (index.kind !== 'var' || (length.kind === 'num' && length.value < 1)) return false;
    const bound = this.below.get(index.name);
    if (bound) return atMost(bound);
    // Computed where it is written (this block): `i % n` is within ±n, below n or no index at
    // all (negative, fractional: a property); `Math.min(i, k)` is below what either is below;
    // `Math.floor(x)`, `x >> k`, `x | 0`, `x & ~1` and `x - k` (k ≥ 0) are below what x is
    // below (a negative x gives no index; an x of 2³¹ or more is below no array's length), so
    // is `x >>> k` of an x known not to be negative; `n - k` (k ≥ 1) is below n
    // (`Math.min(j, out.length - 1)`).
    const made = this.body.find((stmt): stmt is Let => stmt.kind === 'let' && stmt.name === index.name);
    if (!made) return false;
    const [a, b] = made.expr.args;
    switch (made.expr.op) {
      case '%':
        return atMost(b);
      case 'min':
        return this.isBelow(a, length) || this.isBelow(b, length);
      case 'floor':
      case 'trunc':
        return this.isBelow(a, length);
      case '>>':
        return b.kind === 'num' && b.value >= 0 && this.isBelow(a, length);
      case '|':
        return b.kind === 'num' && b.value === 0 && this.isBelow(a, length);
      case '>>>':
        return b.kind === 'num' && b.value >= 0 && a.kind === 'var' && this.nonNegative.has(a.name) && this.isBelow(a, length);
      case '&': {
        // A negative mask keeps a negative x negative; one that is not keeps x & m within [0, m].
        const mask = this.constantOf(b);
        if (mask === undefined) return false;
        return mask < 0 ? this.isBelow(a, length) : length.kind === 'num' && mask < length.value;
      }
      case '-':
        return b.kind === 'num' && ((b.value >= 0 && this.isBelow(a, length)) || (b.value >= 1 && atMost(a)));
      case 'select':
        return this.isBelow(b, length) && this.isBelow(made.expr.args[2], length);
      default:
        return false;
    }
  }

  /** Whether a length is known to be at most `most`: the same, or what a slice or filter kept of one (see `atMost`). */
  notLonger(length: Operand, most: Operand): boolean {
    for (let bound: Operand | undefined = length; bound; bound = bound.kind === 'var' ? this.atMost.get(bound.name) : undefined) {
      if (this.sameLength(bound, most)) return true;
    }
    return false;
  }

  /**
   * Where a length comes from: a read of the length of an array the function made (not grown
   * by push) is the length it was made with, followed back to the operand it was first given
   * as (`measured: false`), or to the array whose length was read (`measured: true`: an input,
   * u0 for `new Float64Array(cur.length)` with `cur = u0.map(…)`).
   */
  lengthOrigin(length: Operand): { readonly operand: Operand; readonly measured: boolean } {
    let origin = this.madeWhole(length);
    for (let array = this.arrayMeasured(origin); array; array = this.arrayMeasured(origin)) {
      const made = array.kind === 'var' && !this.lengths.has(array.name) ? this.created.get(array.name) : undefined;
      if (made?.kind !== 'array') return { operand: array, measured: true };
      origin = this.madeWhole(made.size);
    }
    return { operand: origin, measured: false };
  }

  /** What a length was made whole from (see `wholeLengths`), else the length. */
  private madeWhole(length: Operand): Operand {
    return (length.kind === 'var' && this.wholeLengths.get(length.name)) || length;
  }

  private arrayMeasured(length: Operand): Operand | undefined {
    return length.kind === 'var' ? this.lengthsRead.get(length.name) : undefined;
  }

  part(expr: Expr, shape: Shape | undefined, origin: ts.Node, userName?: string): Operand {
    const aggregate = shape && shape.kind !== 'number' ? shape : undefined;
    const name = userName ? this.env.names.own(userName) : this.env.names.fresh('t');
    this.body.push({ kind: 'let', name, expr, role: userName ? 'user' : 'temp', origin, ...(aggregate ? { shape: aggregate } : {}) });
    if (aggregate) {
      this.aggregates.add(name);
      this.inputShapes.set(name, aggregate);
      const from = expr.args[0]?.kind === 'var' ? this.differentiatedInputs.get(expr.args[0].name) : undefined;
      if (from) this.differentiatedInputs.set(name, from);
    }
    if (expr.op === 'length') this.lengthsRead.set(name, expr.args[0]);
    return variable(name);
  }

  /** The length of a node's type where it is a tuple of a fixed length (`[number, number]`, no optional or rest elements). */
  tupleLengthAt(node: ts.Node): number | undefined {
    const checker = this.env.checker;
    const type = checker && this.typeAt(node);
    if (!type || !checker!.isTupleType(type)) return undefined;
    const target = (type as ts.TypeReference).target as ts.TupleType;
    return target.hasRestElement || target.minLength !== target.fixedLength ? undefined : target.fixedLength;
  }

  /** The type parameter `type` is, as the calls being inlined give it (see `typeArguments`); any other type as it is. */
  readonly resolveType: TypeResolver = (type) => {
    // A helper's argument may be its caller's type parameter (`outer<U>` calls `sumBy(us, …)`): resolved in turn.
    const seen = new Set<ts.Type>();
    let resolved = type;
    while (resolved.flags & this.ts.TypeFlags.TypeParameter && !seen.has(resolved)) {
      seen.add(resolved);
      const frame = [...this.typeArguments].reverse().find((given) => given.has(resolved));
      if (!frame) break;
      resolved = frame.get(resolved)!;
    }
    return resolved;
  };

  /** The type of a node where the code is differentiated: a type parameter's as the call gives it. */
  typeAt(node: ts.Node): ts.Type {
    const type = this.resolveType(this.env.checker!.getTypeAtLocation(node));
    // TypeScript types a read of a value of type `A extends unknown[]` by A's constraint
    // (`a[0]`: unknown), not by what the call gives A: read as data, it would lose its gradient.
    if (type.flags & this.ts.TypeFlags.Unknown && this.typeArguments.length > 0 && this.inlining.length > 0) {
      fail(
        node,
        Code.BadType,
        `'${sourceText(node)}' has type 'unknown' here, from the constraint of a generic helper's type parameter, which does not say what it holds: give the helper's parameter a type that does (an array of a type parameter, T[], rather than a type parameter constrained to unknown[]).`,
      );
    }
    return type;
  }

  /** Whether a type (as `typeAt` gives it, or a part of one) holds numbers, with its type parameters resolved. */
  isNumber(type: ts.Type): boolean {
    return isNumberType(this.ts, type, this.resolveType);
  }

  /** The shape of a type (as `typeAt` gives it, or a part of one), with its type parameters resolved. */
  shapeOfType(type: ts.Type, made: MadeObject = {}): Shape | undefined {
    return shapeOf(this.ts, this.env.checker!, type, made, this.resolveType);
  }

  /**
   * The shape of a node's type (or of its elements), where it can be differentiated; `made`: see
   * MadeObject (by default read as a parameter's: its strings and booleans are data).
   */
  shapeAt(node: ts.Node, element: boolean, made: MadeObject = PARAMETER): Shape | undefined {
    const checker = this.env.checker;
    if (!checker) return NUMBER;
    const shape = this.shapeOfType(this.typeAt(node), made);
    if (!element) return shape;
    return shape?.kind === 'array' ? shape.element : undefined;
  }

  /** The lengths of the arrays grown by push that a value is or holds (in an object literal). */
  grownLengths(value: Operand): Binding[] {
    if (value.kind !== 'var') return [];
    const length = this.lengths.get(value.name);
    if (length) return [length];
    const held = [
      ...(this.heldLocals.get(value.name)?.values() ?? []),
      ...[...(this.records.get(value.name)?.values() ?? [])].flatMap((field) => (field.value ? [field.value] : [])),
    ];
    return held.flatMap((part) => this.grownLengths(part));
  }

  /** Whether a value is an array the function creates (an array of arrays, a row of one, a list: lists.ts), or an object literal holding one, or a record (objects.ts). */
  holdsLocal(operand: Operand): boolean {
    return (
      operand.kind === 'var' && [this.localArrays, this.heldLocals, this.matrices, this.rows, this.lists, this.records].some((known) => known.has(operand.name))
    );
  }

  declare(name: string, value: Operand | undefined, mutable: boolean, data = false): void {
    this.scopes[this.scopes.length - 1].set(name, { value, mutable, name, ...(data ? { data } : {}) });
  }

  declareFunction(name: string, fn: LocalFunction): void {
    this.scopes[this.scopes.length - 1].set(name, { value: undefined, mutable: false, name, fn });
  }

  /** The helper whose body is being lowered (names from outside resolve in its module), if any. */
  within(): Callee | undefined {
    return this.inlining[this.inlining.length - 1];
  }

  hidden(name: string, value: Operand | undefined, flag = false, data = false): Binding {
    return { value, mutable: true, name, hidden: true, flag, ...(data ? { data } : {}) };
  }

  scoped(lower: () => void): void {
    this.scopes.push(new Map());
    lower();
    this.scopes.pop();
  }

  inBlock(lower: () => void): Stmt[] {
    const outer = this.body;
    this.body = [];
    lower();
    const block = this.body;
    this.body = outer;
    return block;
  }

  visibleBindings(): Binding[] {
    const seen = new Set<Binding>();
    for (const scopes of [...this.suspended, this.scopes]) for (const scope of scopes) for (const binding of scope.values()) seen.add(binding);
    for (const flag of [this.result, ...this.flags()]) seen.add(flag);
    return [...seen];
  }

  lookup(name: string): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const binding = this.scopes[i].get(name);
      if (binding) return binding;
    }
    return undefined;
  }

  /** Whether `target` is updated from its own value: `calls++`, `--n`, `total += x` (a count or a total). */
  private updates(target: ts.Expression): boolean {
    const { ts } = this;
    let node: ts.Node = target;
    while (ts.isParenthesizedExpression(node.parent)) node = node.parent;
    const parent = node.parent;
    if (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent))
      return parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken;
    const kind = ts.isBinaryExpression(parent) && parent.left === node ? parent.operatorToken.kind : undefined;
    return kind !== undefined && kind >= ts.SyntaxKind.FirstCompoundAssignment && kind <= ts.SyntaxKind.LastCompoundAssignment;
  }

  assignable(target: ts.Expression): Binding {
    const { ts } = this;
    const inner = skipParentheses(ts, target);
    if (!ts.isIdentifier(inner))
      fail(target, Code.Unsupported, `assigning to '${target.getText()}' is not supported yet: only local variables can be assigned.`);
    const binding = this.lookup(inner.text);
    const helper = this.inlining[this.inlining.length - 1];
    const calledAt = helper?.site ? ` ('${helper.name}' is called at ${locationOf(helper.site)})` : '';
    if (!binding && this.updates(target))
      fail(
        target,
        Code.OuterWrite,
        `'${inner.text}' is declared outside the differentiated function${calledAt}, which must not write to outer variables: the generated functions run its code as their results need (hessian and jacobian more than once per call, and none of the code no result needs), so a count or a total kept there would be wrong. Count where you call the generated function ('${inner.text}++' next to that call), or return what the caller needs.`,
      );
    if (!binding)
      fail(
        target,
        Code.OuterWrite,
        `'${inner.text}' is declared outside the differentiated function${calledAt}, which must not write to outer variables. Copy it into a local variable first.`,
      );
    if (binding.fn)
      fail(
        target,
        Code.Unsupported,
        `'${inner.text}' holds a function, and differentiated code does not reassign functions: give each function a name of its own (const g = …) and call the one you need.`,
      );
    if (!binding.mutable) fail(target, Code.Unsupported, `'${inner.text}' is a constant.`);
    return binding;
  }

  current(binding: Binding, node: ts.Node): Operand {
    if (binding.fn)
      fail(
        node,
        Code.Unsupported,
        `'${binding.name}' is a function: differentiated code calls it, passes it to a function, or gives it to map, reduce, forEach, every or some, but does not keep it in data or return it.`,
      );
    if (!binding.value || isUnset(binding.value)) fail(node, Code.Unsupported, `'${binding.name}' is read before it is assigned a value.`);
    return binding.value;
  }

  /** Stores a new value in a variable and returns it (the value of the assignment). */
  assign(binding: Binding, value: Operand, origin: ts.Node, start: number): Operand {
    // A new SSA version keeps the user's name (s, s_1, s_2 ...) where the value is new: computed
    // by statements added since `start` (an older temporary, such as the length of an array
    // grown by push, may still be in use under its own name).
    const last = this.body[this.body.length - 1];
    if (this.body.length > start && value.kind === 'var' && last?.kind === 'let' && last.name === value.name && last.role === 'temp') {
      const name = this.env.names.own(binding.name);
      this.renameLast(last, name, origin);
      binding.value = variable(name);
    } else {
      binding.value = value;
    }
    return binding.value;
  }

  /** The value of a read of `Math.PI` or `Number.EPSILON` (where Math or Number is the global one). */
  globalConstant(read: ts.PropertyAccessExpression): number | undefined {
    if (!this.ts.isIdentifier(read.expression)) return undefined;
    const value = globalConstant(read.expression.text, read.name.text);
    return value !== undefined && this.isGlobal(read.expression, read.expression.text) ? value : undefined;
  }

  isGlobal(identifier: ts.Identifier, name: string): boolean {
    if (identifier.text !== name || this.lookup(name)) return false;
    const checker = this.env.checker;
    if (!checker) return true;
    const symbol = checker.getSymbolAtLocation(identifier);
    const isLibrary = this.env.isLibrary ?? ((file: ts.SourceFile) => file.hasNoDefaultLib);
    // The standard library's declaration, which ambient declarations may extend (@types/node adds to Float64Array).
    if (!symbol?.declarations) return false;
    const files = symbol.declarations.map((declaration) => declaration.getSourceFile());
    return files.every((file) => isLibrary(file) || file.isDeclarationFile) && (files.length === 0 || files.some(isLibrary));
  }

  /**
   * A returned value: a number, or (where the request allows) a flat array of numbers, or an
   * object whose fields are numbers, flat arrays of numbers or such objects (a point, a state);
   * its fields of strings and booleans are data, which its derivatives leave out.
   */
  requireResult(node: ts.Expression): void {
    const shape = this.env.arrayResult ? this.shapeAt(node, false, { data: true }) : undefined;
    if (shape && shape.kind !== 'number' && isFlatResult(shape)) return;
    // grad of a function returning numbers in an array or object: the requests that take one.
    const flat = this.env.arrayResult ? undefined : this.shapeAt(node, false, { data: true });
    if (flat && flat.kind !== 'number' && isFlatResult(flat))
      fail(
        node,
        Code.BadTarget,
        `the function must return a number, but this has type '${this.env.checker!.typeToString(this.typeAt(node))}': grad, valueAndGrad and hessian differentiate a function returning one number; for one returning an array or object of numbers, use jacobian (a row per number), vjp (a weighted sum of the rows) or derivative and jvp (along a direction of the inputs).`,
      );
    this.requireNumber(
      node,
      this.env.arrayResult ? 'the function must return a number, an array of numbers or an object of them' : 'the function must return a number',
    );
  }

  /**
   * A number that `!` or `as number` says is not null, though it may be: JavaScript takes null
   * as 0 (null + 1 is 1), differentiated code keeps it as undefined (NaN).
   */
  private requireNotNull(node: ts.Expression, what: string): void {
    const { ts } = this;
    const inner = skipTypeSyntax(ts, node);
    if (inner === node) return;
    const type = this.env.checker!.getTypeAtLocation(inner);
    if (!(type.isUnion() ? type.types : [type]).some((member) => member.flags & ts.TypeFlags.Null)) return;
    const written = sourceText(inner);
    fail(
      node,
      Code.BadType,
      `${what}, but '${written}' may be null, which JavaScript would take as 0 here: test it first ('${written} === null ? … : ${written}'), or give it a number ('${written} ?? 0').`,
    );
  }

  requireNumber(node: ts.Expression, what: string): void {
    const checker = this.env.checker;
    if (!checker) return;
    const type = this.typeAt(node);
    // 'never': TypeScript found the code unreachable (narrowed away), where any type is fine.
    if (this.isNumber(type) || type.flags & this.ts.TypeFlags.Never) {
      this.requireNotNull(node, what);
      return;
    }
    // `Array(3).fill(0)` and `Object.values(o)` are typed any: the fix is a type annotation.
    if (type.flags & this.ts.TypeFlags.Any)
      fail(node, Code.BadType, `${what}, but this has type 'any': give what it is computed from a type (const z: number[] = Array(3).fill(0)).`);
    // A string is data: it may be given, compared, chosen and kept in fields, not computed.
    if (type.flags & this.ts.TypeFlags.StringLike)
      fail(
        node,
        Code.BadType,
        `${what}, but this has type '${checker.typeToString(type)}': differentiated code keeps strings only as data (given, compared, chosen, kept in fields). Build the string outside the differentiated function and pass it in, or compute with numbers here.`,
      );
    fail(node, Code.BadType, `${what}, but this has type '${checker.typeToString(type)}'.`);
  }
}

/** A shape forward mode and jacobian may return: numbers, flat arrays of numbers, objects of these. */
function isFlatResult(shape: Shape): boolean {
  if (shape.kind === 'number') return true;
  if (shape.kind === 'array') return shape.element.kind === 'number';
  return shape.fields.every((field) => isFlatResult(field.shape));
}

/** Whether values of `type` are numbers; `resolve`: what its type parameters stand for (see TypeResolver). */
export function isNumberType(tsApi: typeof ts, declared: ts.Type, resolve: TypeResolver = (type) => type): boolean {
  const type = resolve(declared);
  if (type.isUnion()) return type.types.every((member) => isNumberType(tsApi, member, resolve));
  if (isBrandedNumber(tsApi, type)) return true;
  const constraint = type.flags & tsApi.TypeFlags.TypeParameter ? type.getConstraint() : undefined;
  if (constraint) return isNumberType(tsApi, constraint, resolve);
  return (type.flags & tsApi.TypeFlags.NumberLike) !== 0;
}
