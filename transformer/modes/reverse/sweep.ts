// The reverse sweep of a block: the adjoint of every active variable in reverse order,
// written once where it is complete (straight-line code reads like the hand derivation),
// accumulated in mutable adjoints where it crosses blocks; branches recomputed then swept;
// calls through pullbacks; reads and writes of arrays and objects through their gradients.
// Loops are in ./loops.ts, the load stream in ./stream.ts.
import type * as ts from 'typescript';
import { type Builder } from '../../ir/builder';
import {
  type Block,
  type Effect,
  type If,
  type Let,
  type LoadStream,
  type Loop,
  type LoopRecord,
  type Operand,
  type Role,
  type Stmt,
  UNDEFINED,
  isNum,
  nameOf,
  num,
  operandKey,
  operandsRead,
  variable,
} from '../../ir/ir';
import { cloneBlock, namesDefined } from '../../ir/definitions';
import type { NameAllocator } from '../../ir/names';
import { opInfo, singularityOf } from '../../ops/registry';
import { replayLoads, setCursor, withPositions } from './stream';
import { partialDerivatives, type RuleSet, strongProduct } from '../../ops/rules';
import { type Shape, derivativeShape, differentiatedFields, isDataField } from '../../ir/shapes';
import { rewriteWithin, someWithin, statementsWithin } from '../../ir/traverse';
import { reverseLoop } from './loops';
import { testedForUndefined } from './undefined-records';
import type { Pullbacks } from './reverse';

/** The adjoint bookkeeping of one block of the reverse sweep. */
export class Scope {
  readonly defined: Set<string>;
  /** Contributions to the adjoints of this block's variables, summed where they are defined. */
  readonly terms = new Map<string, Operand[]>();
  /** Mutable adjoints of this block's variables that nested blocks contribute to. */
  readonly accumulators = new Map<string, string>();
  /** Terms made for one contribution: the sum may take them over and name them. */
  readonly termTemps = new Set<string>();
  /** Contributions to the accumulators of enclosing blocks, added once at the end of the block. */
  readonly outerTerms = new Map<string, Operand[]>();

  constructor(
    readonly parent: Scope | undefined,
    defined: readonly string[],
    readonly out: Builder,
    /** A recomputation: reads of local arrays come from the load stream. */
    readonly replaying: boolean,
    /**
     * The arrays a recomputation writes again: the `scratch` arrays of the loop whose pass it
     * is (`store`: the sweep reads them), and of loops it holds (`rewrite`: needed only where
     * the same recomputation reads them).
     */
    readonly rewrites: ReadonlyMap<string, 'store' | 'rewrite'>,
  ) {
    this.defined = new Set(defined);
  }
}

export class ReverseSweep {
  readonly records: LoopRecord[] = [];
  stream: LoadStream | undefined;
  /** Where the load stream stood before each branch that reads local arrays. */
  private readonly positions = new Map<Stmt, string>();
  /**
   * The gradient of each array or object variable: a parameter's is allocated on entry,
   * and what is read from it (`row = a[i]`) has the matching part (`row_bar = a_bar[i]`).
   */
  readonly shadows = new Map<string, string>();
  /** The arrays the function creates (and may write). */
  private readonly locals = new Set<string>();
  /**
   * Adjoint terms that may be 0 where the code goes on (see mayBeZero): reads of entries of
   * gradients (an entry nothing read), and the side a min or max did not choose.
   */
  private readonly zeroTerms = new Set<string>();
  /** Gradients of arrays grown by push: an entry not yet added to reads as 0. */
  readonly growable = new Set<string>();
  /** Values the code tests against undefined, in the blocks swept so far (undefined-records.ts). */
  private readonly testedForUndefined = new Set<string>();
  /** Whether the code tests a value against undefined or for its truth (undefined-records.ts). */
  isTested(name: string): boolean {
    return this.testedForUndefined.has(name);
  }

  /** A value the code tests though the block swept does not show it: a carried value's next, tested in the pass after. */
  markTested(name: string): void {
    this.testedForUndefined.add(name);
  }

  /** Names known to hold integers: counters restored from a pass's index. */
  readonly integral = new Set<string>();

  constructor(
    private readonly rules: RuleSet,
    readonly names: NameAllocator,
    readonly active: Set<string>,
    private readonly pullbacks: Pullbacks,
  ) {}

  isActive(name: string): boolean {
    return this.active.has(name);
  }

  /**
   * Appends the reverse sweep of `block` to `scope.out` and returns the block as it must
   * run forward (its loops now record their passes).
   */
  block(original: Block, scope: Scope, afterShadows?: () => void): Block {
    const shadowed = this.withShadows(this.sharedReads(original));
    const block = this.stream ? withPositions(shadowed, scope.replaying, this.names, this.positions) : shadowed;
    for (const name of testedForUndefined(block, true, this.testedForUndefined)) this.testedForUndefined.add(name);
    afterShadows?.();
    this.declareAccumulators(block, scope);
    const forward: Stmt[] = [...block];
    for (let i = block.length - 1; i >= 0; i--) {
      const stmt = block[i];
      if (stmt.kind === 'effect' && stmt.expr.op === 'store') this.store(stmt, scope);
      else if (stmt.kind === 'let' && (stmt.expr.op === 'arrayOf' || stmt.expr.op === 'objectOf')) this.literal(stmt, scope);
      else if (stmt.kind === 'let') this.let(stmt, scope);
      else if (stmt.kind === 'if') this.branch(stmt, scope);
      else if (stmt.kind === 'loop') forward[i] = reverseLoop(this, stmt, scope);
    }
    // A recomputation replays the reads of local arrays: writing them again is useless, but
    // for arrays it reads again itself. The user's own effects (logs) ran in the forward pass.
    if (!scope.replaying) return forward;
    return rewriteWithin(forward, 'skip', (stmt) => {
      if (stmt.kind === 'effect' && (stmt.expr.op === 'sideEffect' || stmt.expr.op === 'throw')) return [];
      if (stmt.kind !== 'effect' || stmt.expr.op !== 'store') return [stmt];
      const array = stmt.expr.args[0];
      const op = array.kind === 'var' ? scope.rewrites.get(array.name) : undefined;
      return op ? [{ ...stmt, expr: { ...stmt.expr, op } }] : [];
    });
  }

  /**
   * A vector-Jacobian product's seed added into the gradient of an array or object result:
   * `for (k = 0; k < seed.length; k++) result_bar[k] += seed[k]`, `result_bar.x += seed.x`,
   * field by field through nested objects and arrays. Where the result is an array literal
   * that nothing but the return reads (`return [x, y]`), its gradient is the seed itself, only
   * read: no gradient array, no loop.
   */
  seedResult(scope: Scope, result: string, seed: string, shape: Shape, onlyReturnedLiteral: boolean): void {
    const shadow = this.shadows.get(result);
    if (!shadow) return;
    if (onlyReturnedLiteral) {
      this.shadows.set(result, seed);
      return;
    }
    this.seedInto(scope.out, shadow, variable(seed), shape);
  }

  private seedInto(out: Builder, gradient: string, seed: Operand, shape: Shape): void {
    if (shape.kind === 'object') {
      for (const field of shape.fields) {
        const part = out.op('field', [seed], { role: 'temp' }, undefined, field.name);
        if (field.shape.kind === 'number') {
          out.push({ kind: 'accumulate', name: gradient, at: field.name, value: part, mode: 'add' });
          continue;
        }
        const inner = out.op('field', [variable(gradient)], { role: 'temp' }, undefined, field.name);
        if (inner.kind === 'var') this.seedInto(out, inner.name, part, field.shape);
      }
      return;
    }
    // A plain array may have grown past the length its gradient was made with (push, a write
    // past its end): entries not there yet read as 0, as they do for the sweep's own additions.
    if (shape.kind === 'array' && shape.container === 'Array') this.growable.add(gradient);
    const length = out.op('length', [seed], { role: 'temp' });
    const body = out.nested();
    const k = this.names.fresh('k');
    body.push({ kind: 'accumulate', name: gradient, at: variable(k), value: body.op('element', [seed, variable(k)], { role: 'temp' }), mode: 'add' });
    const next = body.op('+', [variable(k), num(1)], { role: 'temp' });
    const more = body.op('<', [next, length], { role: 'temp' });
    const loop: Loop = { kind: 'loop', carried: [{ name: k, init: num(0), next, exit: this.names.fresh('k'), role: 'temp' }], body: body.stmts, cond: more };
    out.push({ kind: 'if', cond: out.op('<', [num(0), length], { role: 'temp' }), then: [loop], else: [], phis: [] });
  }

  /**
   * The block with each repeated read of the same number of a parameter's array (`x[i]` in
   * `x[i] * x[i]`, and again in `1 - x[i]`) made a copy of the first: the adjoints of all the
   * reads then add up before one addition into the gradient, as by hand. Parameters are never
   * written, so equal operands read equal numbers. The first read becomes active where a copy is.
   */
  private sharedReads(block: Block): Block {
    const first = new Map<string, string>();
    return block.map((stmt): Stmt => {
      if (stmt.kind !== 'let' || stmt.expr.op !== 'element' || stmt.shape) return stmt;
      const read = stmt.expr.args.map(operandKey).join('|');
      const earlier = first.get(read);
      if (earlier === undefined) {
        first.set(read, stmt.name);
        return stmt;
      }
      if (this.active.has(stmt.name)) this.active.add(earlier);
      return { ...stmt, expr: { op: 'copy', args: [variable(earlier)] } };
    });
  }

  /** `a[i] = v` into a local array: `v_bar += a_bar[i]`, then `a_bar[i] = 0` (the old value is gone). */
  private store(stmt: Effect, scope: Scope): void {
    const [array, index, value] = stmt.expr.args;
    const shadow = array.kind === 'var' ? this.shadows.get(array.name) : undefined;
    if (!shadow) return;
    if (value.kind === 'var' && this.active.has(value.name)) {
      this.contribute(scope, value.name, this.mayBeZeroTerm(scope.out.op('entryOrZero', [variable(shadow), index], { role: 'temp', origin: stmt.origin })));
    }
    scope.out.push({ kind: 'accumulate', name: shadow, at: index, value: num(0), mode: 'set', origin: stmt.origin });
  }

  /** `[a, b, c]` or `{ a, b }`: each number's adjoint is its entry of the literal's gradient. */
  private literal(stmt: Let, scope: Scope): void {
    const shadow = this.shadows.get(stmt.name);
    if (!shadow) return;
    stmt.expr.args.forEach((element, k) => {
      if (element.kind !== 'var' || !this.active.has(element.name) || this.shadows.has(element.name)) return;
      const fields = stmt.expr.fields;
      if (fields && isDataField(stmt.shape, fields[k])) return;
      const read = fields
        ? scope.out.op('field', [variable(shadow)], { role: 'temp', origin: stmt.origin }, undefined, fields[k])
        : scope.out.op('element', [variable(shadow), num(k)], { role: 'temp', origin: stmt.origin });
      this.contribute(scope, element.name, this.mayBeZeroTerm(read));
    });
  }

  /** Notes an adjoint term that may be 0 where the code goes on (see mayBeZero). */
  private mayBeZeroTerm(term: Operand): Operand {
    if (term.kind === 'var') this.zeroTerms.add(term.name);
    return term;
  }

  /** Adds what the block contributed to the adjoints of enclosing blocks (`x_bar += …`). */
  flush(scope: Scope): void {
    for (const [accumulator, terms] of scope.outerTerms) {
      scope.out.push({ kind: 'accumulate', name: accumulator, value: scope.out.sum(terms, num(0), { role: 'temp' }), mode: 'add' });
    }
    scope.outerTerms.clear();
  }

  /** Adds `term` to the adjoint of `name`: a term where it is defined, else its accumulator. */
  contribute(scope: Scope, name: string, term: Operand): void {
    for (let owner: Scope | undefined = scope; owner; owner = owner.parent) {
      if (!owner.defined.has(name)) continue;
      if (owner === scope) {
        const terms = scope.terms.get(name);
        if (terms) terms.push(term);
        else scope.terms.set(name, [term]);
      } else {
        const accumulator = owner.accumulators.get(name);
        if (!accumulator) throw new Error(`tapeless: no accumulator for the adjoint of ${name}`);
        const terms = scope.outerTerms.get(accumulator);
        if (terms) terms.push(term);
        else scope.outerTerms.set(accumulator, [term]);
      }
      return;
    }
  }

  /** The adjoint of `name`, complete here (at its definition, in reverse order). */
  adjoint(scope: Scope, name: string, origin: ts.Node | undefined, role: Role): Operand {
    const terms = scope.terms.get(name) ?? [];
    scope.terms.delete(name);
    const accumulator = scope.accumulators.get(name);
    if (accumulator) {
      if (terms.length > 0)
        scope.out.push({ kind: 'accumulate', name: accumulator, value: scope.out.sum(terms, num(0), { role: 'temp', origin }), mode: 'add', origin });
      return variable(accumulator);
    }
    const options = { role, name: role === 'temp' ? undefined : this.names.fresh(`${name}_bar`), origin };
    const only = terms.length === 1 ? terms[0] : undefined;
    if (only && only.kind === 'var' && scope.termTemps.has(only.name)) {
      // Now the adjoint of `name`, the term may be read many times: it can be renamed once only.
      scope.termTemps.delete(only.name);
      return scope.out.rename(only, options);
    }
    return scope.out.sum(terms, num(0), options);
  }

  /** The block with, after each active read of an array or object from an array or object, the read of its gradient. */
  private withShadows(block: Block): Block {
    return block.flatMap((stmt): Stmt[] => {
      if (stmt.kind !== 'let' || !stmt.shape || !this.active.has(stmt.name)) return [stmt];
      if (stmt.expr.op === 'objectOf') {
        // Fields that are arrays or objects share their gradients; numbers start at 0; data has none.
        const gradient = this.names.fresh(`${stmt.name}_bar`);
        this.shadows.set(stmt.name, gradient);
        const allocations: Stmt[] = [];
        const differentiated = differentiatedFields(stmt.shape, stmt.expr.fields!);
        const fields = differentiated.map((k) => stmt.expr.fields![k]);
        const args = differentiated.map((k): Operand => {
          const value = stmt.expr.args[k];
          const fieldShape = (stmt.shape as Extract<Shape, { kind: 'object' }>).fields.find((field) => field.name === stmt.expr.fields![k])!.shape;
          if (fieldShape.kind === 'number') return num(0);
          const shared = value.kind === 'var' ? this.shadows.get(value.name) : undefined;
          if (shared) return variable(shared);
          const zeros = this.names.fresh('t');
          allocations.push({ kind: 'let', name: zeros, expr: { op: 'zeros', args: [value], shape: fieldShape }, role: 'temp', origin: stmt.origin });
          return variable(zeros);
        });
        return [
          stmt,
          ...allocations,
          { kind: 'let', name: gradient, expr: { ...stmt.expr, args, fields }, role: 'adjoint', origin: stmt.origin, shape: stmt.shape },
        ];
      }
      if (stmt.expr.op === 'newArray' || stmt.expr.op === 'arrayOf') {
        const zeros = this.names.fresh(`${stmt.name}_bar`);
        this.shadows.set(stmt.name, zeros);
        this.locals.add(stmt.name);
        // A plain array grows (push, or a write past its end) and takes writes at keys that are
        // not indices (-1, 0.5) as properties: so does its gradient, whose new entries are holes.
        if (stmt.shape?.kind === 'array' && stmt.shape.container === 'Array') this.growable.add(zeros);
        return [
          stmt,
          {
            kind: 'let',
            name: zeros,
            expr: { op: 'zeros', args: [variable(stmt.name)], shape: derivativeShape(stmt.shape) },
            role: 'adjoint',
            origin: stmt.origin,
          },
        ];
      }
      const container = stmt.expr.args[0];
      const parent = container.kind === 'var' ? this.shadows.get(container.name) : undefined;
      if (!parent) return [stmt];
      const name = this.names.fresh(`${stmt.name}_bar`);
      this.shadows.set(stmt.name, name);
      return [
        stmt,
        {
          kind: 'let',
          name,
          expr: { ...stmt.expr, args: [variable(parent), ...stmt.expr.args.slice(1)] },
          role: 'adjoint',
          origin: stmt.origin,
          shape: stmt.shape,
        },
      ];
    });
  }

  /** Variables of this block that nested blocks contribute to get mutable adjoints. */
  private declareAccumulators(block: Block, scope: Scope): void {
    for (const stmt of block) {
      if (stmt.kind !== 'if' && stmt.kind !== 'loop') continue;
      for (const operand of operandsRead(stmt)) {
        if (
          operand.kind !== 'var' ||
          !scope.defined.has(operand.name) ||
          !this.active.has(operand.name) ||
          scope.accumulators.has(operand.name) ||
          this.shadows.has(operand.name)
        )
          continue;
        const accumulator = this.names.fresh(`${operand.name}_bar`);
        scope.accumulators.set(operand.name, accumulator);
        scope.out.push({ kind: 'accumulate', name: accumulator, value: num(0), mode: 'declare' });
      }
    }
  }

  private let(stmt: Let, scope: Scope): void {
    if (!this.active.has(stmt.name) || (!scope.terms.has(stmt.name) && !scope.accumulators.has(stmt.name))) return;
    const maybeZero = this.mayBeZero(stmt, scope);
    const bar = this.adjoint(scope, stmt.name, stmt.origin, stmt.role === 'user' ? 'adjoint' : 'temp');
    // A constant adjoint (the seed) is not 0 where the code goes on.
    const constant = bar.kind === 'num';
    if (isNum(bar, 0)) return;
    if (stmt.expr.op === 'call' && !stmt.expr.callee?.rule) return this.call(stmt, bar, scope);
    if (opInfo(stmt.expr.op).derivative.kind === 'load') return this.load(stmt, bar, scope);
    const partials = partialDerivatives(stmt, this.rules, scope.out);
    const singularity = singularityOf(stmt.expr);
    const singular = !constant && (singularity === 'finite' || (singularity === 'infinite' && maybeZero));
    stmt.expr.args.forEach((arg, index) => {
      if (arg.kind !== 'var' || !this.active.has(arg.name)) return;
      const partial = partials[index];
      // A structurally zero partial contributes nothing, even where the adjoint is ±∞ or NaN.
      if (isNum(partial, 0) || isNum(partial, -0)) return;
      const before = scope.out.stmts.length;
      const product = scope.out.op('*', [bar, partial], { role: 'temp', origin: stmt.origin });
      // An adjoint of 0 contributes nothing, even by an infinite partial (`Math.sqrt(0)`: see Singularity).
      const term = singular && !isNum(partial) ? strongProduct(scope.out, bar, partial, product, stmt.origin) : product;
      if (scope.out.stmts.length > before && term.kind === 'var') scope.termTemps.add(term.name);
      this.contribute(scope, arg.name, opInfo(stmt.expr.op).choice ? this.mayBeZeroTerm(term) : term);
    });
  }

  /**
   * Whether the adjoint of `stmt`'s value may be 0 where it is complete: one that branches
   * add into (`r` computed before `if (r < eps) return 0;` and read after it), that is read
   * from the gradient of an array or object (an entry nothing may read), or that a min or
   * max may not choose (`Math.min(1 / (x * x), 10)` at 0).
   */
  private mayBeZero(stmt: Let, scope: Scope): boolean {
    if (scope.accumulators.has(stmt.name)) return true;
    const terms = scope.terms.get(stmt.name) ?? [];
    return terms.length > 0 && terms.every((term) => term.kind === 'var' && this.zeroTerms.has(term.name));
  }

  /** `v = a[i]` (or `o.f`): `a_bar[i] += v_bar`, into the gradient of the container. */
  private load(stmt: Let, bar: Operand, scope: Scope): void {
    const container = stmt.expr.args[0];
    const shadow = container.kind === 'var' ? this.shadows.get(container.name) : undefined;
    if (!shadow || stmt.shape) return;
    const at = stmt.expr.op === 'field' ? stmt.expr.field! : stmt.expr.args[1];
    const accumulate: Stmt = { kind: 'accumulate', name: shadow, at, value: bar, mode: 'add', origin: stmt.origin };
    if (!this.testedForUndefined.has(stmt.name)) return scope.out.push(accumulate);
    // An entry the code tests against undefined (`const next = xs[i + 1]; next ?? 0`) may be
    // past the end, where an addition would lengthen the gradient with NaN.
    const present = scope.out.op('!==', [variable(stmt.name), UNDEFINED], { role: 'temp', origin: stmt.origin });
    scope.out.push({ kind: 'if', cond: present, then: [accumulate], else: [], phis: [], origin: stmt.origin });
  }

  /** Whether a block writes into an array whose gradient the sweep tracks. */
  writesActive(block: Block): boolean {
    return someWithin(
      block,
      'skip',
      (stmt) => stmt.kind === 'effect' && stmt.expr.op === 'store' && stmt.expr.args[0].kind === 'var' && this.active.has(stmt.expr.args[0].name),
    );
  }

  /** `h(a, b)`: its pullback, called with the adjoint of the result, gives the arguments' adjoints. */
  private call(stmt: Let, bar: Operand, scope: Scope): void {
    const args = stmt.expr.args;
    const wrt = args.flatMap((arg, index) => (arg.kind === 'var' && this.active.has(arg.name) ? [index] : []));
    if (wrt.length === 0) return;
    // Arrays and objects pass their gradients in, for the pullback to add into.
    const shadowOf = (index: number) => this.shadows.get(nameOf(args[index]));
    const numbers = wrt.filter((index) => !shadowOf(index));
    const gradients = wrt.flatMap((index) => {
      const shadow = shadowOf(index);
      // Lowering inlines calls given a local array: a pullback would read it as it is at the end.
      if (shadow && this.locals.has(nameOf(args[index]))) throw new Error('tapeless: a call given a local array was not inlined');
      return shadow ? [variable(shadow)] : [];
    });
    const name = this.pullbacks(stmt.expr.callee!, wrt);
    const pullback = {
      key: `pullback:${name}`,
      name,
      ref: { kind: 'ref' as const, path: [name] },
      ...(gradients.length > 0 ? { into: gradients.map((_, k) => args.length + 1 + k) } : {}),
    };
    const adjoints = scope.out.op(gradients.length > 0 ? 'callInto' : 'call', [...args, bar, ...gradients], { role: 'temp', origin: stmt.origin }, pullback);
    numbers.forEach((index, i) => {
      const term = numbers.length === 1 ? adjoints : scope.out.op('element', [adjoints, num(i)], { role: 'temp', origin: stmt.origin });
      this.contribute(scope, nameOf(args[index]), term);
    });
  }

  /** `if (c) { recompute then; adjoints of then } else { … }`, seeded with the phis' adjoints. */
  private branch(stmt: If, scope: Scope): void {
    const seeds = stmt.phis
      .filter((phi) => this.active.has(phi.name))
      .map((phi) => ({ phi, bar: this.adjoint(scope, phi.name, stmt.origin, phi.role === 'user' ? 'adjoint' : 'temp') }))
      .filter(({ bar }) => !isNum(bar, 0));
    const position = this.positions.get(stmt);
    const side = (block: Block, pick: (phi: If['phis'][number]) => Operand): Stmt[] => {
      const { clone, child, read } = this.recompute(block, scope, []);
      // A side's value of a phi the code tests against undefined (`const down = g[i + 1]?.[j]`)
      // is tested too: its copy's reads add into the gradient only where the entry is there.
      for (const phi of stmt.phis) {
        if (!this.isTested(phi.name)) continue;
        const value = read(pick(phi));
        if (value.kind === 'var') this.markTested(value.name);
      }
      for (const { phi, bar } of seeds) {
        const seeded = read(pick(phi));
        if (seeded.kind === 'var' && this.active.has(seeded.name)) this.contribute(child, seeded.name, bar);
      }
      const forward = this.block(clone, child);
      this.flush(child);
      if (child.out.stmts.length === 0) return [];
      const rewind: Stmt[] = position ? [setCursor(variable(position), stmt.origin)] : [];
      return [...rewind, ...forward, ...child.out.stmts];
    };
    const then = side(stmt.then, (phi) => phi.then);
    const otherwise = side(stmt.else, (phi) => phi.else);
    if (then.length > 0 || otherwise.length > 0) scope.out.push({ kind: 'if', cond: stmt.cond, then, else: otherwise, phis: [], origin: stmt.origin });
  }

  /**
   * A renamed copy of `block` to recompute in the reverse sweep, with the scope of its
   * adjoints. `params` are names the copy receives from outside (a loop's carried
   * variables, restored): they are renamed too, and returned as `restored`.
   */
  recompute(block: Block, scope: Scope, params: readonly string[], scratch: readonly string[] = []) {
    const rename = new Map<string, string>();
    const restored = params.map((name) => {
      const renamed = this.names.version(name);
      rename.set(name, renamed);
      return renamed;
    });
    const copy = cloneBlock(block, rename, (name) => this.names.version(name));
    for (const [from, to] of rename) if (this.active.has(from)) this.active.add(to);
    const clone = replayLoads(copy, this.active, this.names);
    const out = scope.out.nested();
    out.know(clone);
    const rewrites = new Map([...scratchWithin(clone).map((name) => [name, 'rewrite'] as const), ...scratch.map((name) => [name, 'store'] as const)]);
    const child = new Scope(scope, [...restored, ...clone.flatMap(namesDefined)], out, true, rewrites);
    const read = (operand: Operand): Operand => (operand.kind === 'var' && rename.has(operand.name) ? variable(rename.get(operand.name)!) : operand);
    return { clone, child, read, restored };
  }
}

/** The `scratch` arrays of the loops in a block (anywhere inside it but its sweeps). */
function scratchWithin(block: Block): string[] {
  return [...statementsWithin(block, 'skip')].flatMap((stmt) => (stmt.kind === 'loop' ? (stmt.scratch ?? []) : []));
}
