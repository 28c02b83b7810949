import type * as ts from 'typescript';
import { activeVariables } from '../activity';
import { Builder } from '../../ir/builder';
import { type Block, type Callee, type Expr, type Func, type If, type Let, type LoadStream, type Loop, type LoopGuard, type LoopRecord, type Operand, type Result, type Role, type Stmt, cloneBlock, isNum, loopGuard, namesDefined, namesDefinedWithin, num, operandKey, operandsRead, shapeOfValue, variable } from '../../ir/ir';
import type { NameAllocator } from '../../ir/names';
import { opInfo } from '../../ops/registry';
import { directReads } from './rereads';
import { partialDerivatives, type RuleSet } from '../../ops/rules';
import { type Shape, derivativeShape } from '../../ir/shapes';

export interface ReverseRequest {
  /** Indices of the parameters to differentiate with respect to, in result order. */
  readonly wrt: readonly number[];
  /** One selected parameter gives its gradient alone; otherwise a tuple. */
  readonly tuple: boolean;
  /** Return `[value, gradient]` instead of the gradient. */
  readonly withValue: boolean;
  /**
   * For a pullback: the name of an extra last parameter, the adjoint of the result, that
   * seeds the sweep instead of 1.
   */
  readonly seed?: string;
  /**
   * For a pullback: the gradients of array and object parameters are added into extra
   * parameters (`a_bar`, after the seed) instead of being allocated and returned; the
   * result holds the gradients of the number parameters only.
   */
  readonly gradientsInto?: boolean;
}

/** The name of the generated pullback of a called function, for the selected arguments. */
export type Pullbacks = (callee: Callee, wrt: readonly number[]) => string;

/**
 * Reverse mode: the primal body, then the adjoint of every active variable in reverse
 * order. In straight-line code each adjoint is written once, as the sum of the
 * contributions of its uses (`a_bar = …`), exactly as the derivation is done by hand.
 *
 * Control flow (see transformer/REVERSE.md): the reverse of a branch recomputes the branch
 * taken, then runs its adjoints; a loop records the values its carried variables enter
 * each pass with, and its reverse sweep restores them pass by pass, from the last, to
 * recompute the pass and run its adjoints. Adjoints that cross blocks are accumulated in
 * mutable variables. No tape: nothing but the carried values of loops is stored.
 */
export function reverse(primal: Func, request: ReverseRequest, rules: RuleSet, names: NameAllocator, pullbacks: Pullbacks): Func {
  if (Array.isArray(primal.result)) throw new Error('tapeless: reverse mode needs a function with one number result');
  const output = primal.result as Operand;
  const selected = new Set(request.wrt.map((index) => primal.params[index].name));
  const sweep = new ReverseSweep(rules, names, activeVariables(primal, selected), pullbacks);
  // Reads of local arrays are recorded as the primal runs, to be replayed when recomputed,
  // but for those a recomputation can read from the array itself.
  const body = sweep.recordLoads(directReads(primal));
  const out = new Builder(names);
  out.know(body);
  const top = new Scope(undefined, [...primal.params.map((param) => param.name), ...body.flatMap(namesDefined)], out, false, new Map());
  // Array and object parameters get zero gradients of their shape, filled by the sweep
  // (or, in a pullback, the caller's gradients to add into).
  const gradientParams: string[] = [];
  const allocations: Let[] = request.wrt.flatMap((index) => {
    const param = primal.params[index];
    if (!param.shape) return [];
    const name = names.fresh(`${param.name}_bar`);
    sweep.shadows.set(param.name, name);
    if (request.gradientsInto) {
      gradientParams.push(name);
      return [];
    }
    return [{ kind: 'let' as const, name, expr: { op: 'zeros' as const, args: [variable(param.name)], shape: param.shape }, role: 'adjoint' as const, origin: param.origin }];
  });
  const seed = request.seed ? variable(request.seed) : num(1);
  const outputShape = output.kind === 'var' ? shapeOfValue(primal, output.name) : undefined;
  if (outputShape && !request.seed) throw new Error('tapeless: the gradient of an array result needs a seed array');
  if (!outputShape && output.kind === 'var' && sweep.isActive(output.name)) sweep.contribute(top, output.name, seed);
  // An array result (a vector-Jacobian product) adds the seed array into its gradient first.
  const seedArray = outputShape && output.kind === 'var' ? () => sweep.seedArray(top, output.name, request.seed!) : undefined;
  const forward = sweep.block(body, top, seedArray);
  const returned = request.gradientsInto ? request.wrt.filter((index) => !primal.params[index].shape) : request.wrt;
  const gradients = returned.map((index) => {
    const param = primal.params[index];
    const shadow = sweep.shadows.get(param.name);
    return shadow ? variable(shadow) : sweep.adjoint(top, param.name, param.origin, 'adjoint');
  });
  const gradient: Result = request.gradientsInto ? (gradients.length === 1 ? gradients[0] : gradients.length === 0 ? num(0) : gradients) : request.tuple ? gradients : gradients[0];
  const extraParams = [...(request.seed ? [request.seed] : []), ...gradientParams].map((name) => ({ name }));
  return {
    name: primal.name,
    params: [...primal.params, ...extraParams],
    body: [...allocations, ...forward, ...out.stmts],
    result: request.withValue ? [output, gradient] : gradient,
    origin: primal.origin,
    records: sweep.records,
    stream: sweep.stream,
    growable: [...sweep.growable],
  };
}

/** The adjoint bookkeeping of one block of the reverse sweep. */
class Scope {
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

/** Whether a block reads a local array or otherwise uses the load stream (anywhere inside it). */
function readsLocalArrays(block: Block): boolean {
  return block.some((stmt) => {
    switch (stmt.kind) {
      case 'let':
        return opInfo(stmt.expr.op).stream;
      case 'if':
        return readsLocalArrays(stmt.then) || readsLocalArrays(stmt.else);
      case 'loop':
      case 'reverseLoop':
        return readsLocalArrays(stmt.body);
      default:
        return false;
    }
  });
}

/** A statement with its nested blocks rewritten by `rewrite`. */
function mapBlocks(block: Block, rewrite: (stmt: Stmt) => Stmt[]): Stmt[] {
  return block.flatMap((stmt): Stmt[] => {
    if (stmt.kind === 'if') return rewrite({ ...stmt, then: mapBlocks(stmt.then, rewrite), else: mapBlocks(stmt.else, rewrite) });
    if (stmt.kind === 'loop') return rewrite({ ...stmt, body: mapBlocks(stmt.body, rewrite) });
    return rewrite(stmt);
  });
}

class ReverseSweep {
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
  /** Gradients of arrays grown by push: an entry not yet added to reads as 0. */
  readonly growable = new Set<string>();

  constructor(
    private readonly rules: RuleSet,
    private readonly names: NameAllocator,
    private readonly active: Set<string>,
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
    const block = this.withPositions(this.withShadows(this.sharedReads(original)), scope);
    afterShadows?.();
    this.declareAccumulators(block, scope);
    const forward: Stmt[] = [...block];
    for (let i = block.length - 1; i >= 0; i--) {
      const stmt = block[i];
      if (stmt.kind === 'let' && stmt.expr.op === 'store') this.store(stmt, scope);
      else if (stmt.kind === 'let' && (stmt.expr.op === 'arrayOf' || stmt.expr.op === 'objectOf')) this.literal(stmt, scope);
      else if (stmt.kind === 'let') this.let(stmt, scope);
      else if (stmt.kind === 'if') this.branch(stmt, scope);
      else if (stmt.kind === 'loop') forward[i] = this.loop(stmt, scope);
    }
    // A recomputation replays the reads of local arrays: writing them again is useless, but
    // for arrays it reads again itself.
    if (!scope.replaying) return forward;
    return mapBlocks(forward, (stmt) => {
      if (stmt.kind !== 'let' || stmt.expr.op !== 'store') return [stmt];
      const array = stmt.expr.args[0];
      const op = array.kind === 'var' ? scope.rewrites.get(array.name) : undefined;
      return op ? [{ ...stmt, expr: { ...stmt.expr, op } }] : [];
    });
  }

  /** `for (k = 0; k < seed.length; k++) result_bar[k] += seed[k]`: a vector-Jacobian product's seed. */
  seedArray(scope: Scope, result: string, seed: string): void {
    const shadow = this.shadows.get(result);
    if (!shadow) return;
    const out = scope.out;
    const length = out.op('length', [variable(seed)], { role: 'temp' });
    const body = out.nested();
    const k = this.names.fresh('k');
    body.push({ kind: 'accumulate', name: shadow, at: variable(k), value: body.op('element', [variable(seed), variable(k)], { role: 'temp' }), mode: 'add' });
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

  /**
   * The primal body with each read of a local array followed by its recording in the load
   * stream, and each loop that the reverse sweep would run again (inside a loop or a branch)
   * followed by the recording of its active exit values: a recomputation replays them instead
   * of running the loop (where its sweep needs nothing else from it). The body as it is
   * where there is nothing to record.
   */
  recordLoads(body: Block): Block {
    const recorded = (value: string, origin: ts.Node | undefined): Stmt => ({ kind: 'let', name: this.names.fresh('t'), expr: { op: 'recordLoad', args: [variable(value)] }, role: 'temp', origin });
    const captures = (stmt: Loop): Stmt[] =>
      readsLocalArrays(stmt.body) || this.writesLocal(stmt.body) ? [] : stmt.carried.filter((c) => this.active.has(c.exit)).map((c) => recorded(c.exit, stmt.origin));
    const instrument = (block: Block, recomputed: boolean): Stmt[] =>
      block.flatMap((stmt): Stmt[] => {
        if (stmt.kind === 'let') return stmt.expr.op === 'localElement' ? [stmt, recorded(stmt.name, stmt.origin)] : [stmt];
        if (stmt.kind === 'if') return [{ ...stmt, then: instrument(stmt.then, true), else: instrument(stmt.else, true) }];
        if (stmt.kind === 'loop') return [{ ...stmt, body: instrument(stmt.body, true) }, ...(recomputed ? captures(stmt) : [])];
        return [stmt];
      });
    const instrumented = instrument(body, false);
    if (!readsLocalArrays(instrumented)) return body;
    this.stream = { array: this.names.fresh('loads'), count: this.names.fresh('loaded'), cursor: this.names.fresh('replayed') };
    return instrumented;
  }

  /** Whether a block writes into a local array (anywhere inside it). */
  private writesLocal(block: Block): boolean {
    return block.some((stmt) => {
      if (stmt.kind === 'let') return stmt.expr.op === 'store';
      if (stmt.kind === 'if') return this.writesLocal(stmt.then) || this.writesLocal(stmt.else);
      if (stmt.kind === 'loop') return this.writesLocal(stmt.body);
      return false;
    });
  }

  /**
   * A recomputed copy reads local arrays from the load stream instead, and the exit values of
   * loops recorded after them: the loop's exit is renamed, and its old name replayed (its
   * adjoint goes to the renamed exit), so that nothing else needs the loop to run.
   */
  private replayLoads(block: Block): Stmt[] {
    const exits = new Map<string, string>();
    for (const stmt of block) {
      if (stmt.kind === 'let' && stmt.expr.op === 'recordLoad' && stmt.expr.args[0].kind === 'var') exits.set(stmt.expr.args[0].name, '');
    }
    return block.flatMap((stmt): Stmt[] => {
      if (stmt.kind === 'if') return [{ ...stmt, then: this.replayLoads(stmt.then), else: this.replayLoads(stmt.else) }];
      if (stmt.kind === 'loop') {
        const carried = stmt.carried.map((c) => {
          if (!exits.has(c.exit)) return c;
          const exit = this.names.version(c.exit);
          exits.set(c.exit, exit);
          if (this.active.has(c.exit)) this.active.add(exit);
          return { ...c, exit };
        });
        return [{ ...stmt, body: this.replayLoads(stmt.body), carried }];
      }
      if (stmt.kind !== 'let') return [stmt];
      if (stmt.expr.op === 'recordLoad') {
        const value = stmt.expr.args[0] as { name: string };
        const exit = exits.get(value.name);
        return exit ? [{ kind: 'let', name: value.name, expr: { op: 'replayExit', args: [variable(exit)] }, role: 'temp', origin: stmt.origin }] : [];
      }
      if (stmt.expr.op === 'localElement') return [{ ...stmt, expr: { ...stmt.expr, op: 'replay' } }];
      return [stmt];
    });
  }

  /** Before each branch that reads local arrays, where the load stream stands (its reverse replays from there). */
  private withPositions(block: Block, scope: Scope): Block {
    if (!this.stream) return block;
    return block.flatMap((stmt): Stmt[] => {
      if (stmt.kind !== 'if' || !readsLocalArrays([stmt])) return [stmt];
      const name = this.names.fresh('position');
      this.positions.set(stmt, name);
      return [{ kind: 'let', name, expr: { op: 'position', args: [], field: scope.replaying ? 'replay' : 'record' }, role: 'temp', origin: stmt.origin }, stmt];
    });
  }

  /** `a[i] = v` into a local array: `v_bar += a_bar[i]`, then `a_bar[i] = 0` (the old value is gone). */
  private store(stmt: Let, scope: Scope): void {
    const [array, index, value] = stmt.expr.args;
    const shadow = array.kind === 'var' ? this.shadows.get(array.name) : undefined;
    if (!shadow) return;
    if (value.kind === 'var' && this.active.has(value.name)) {
      this.contribute(scope, value.name, scope.out.op('element', [variable(shadow), index], { role: 'temp', origin: stmt.origin }));
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
      const read = fields ? scope.out.op('field', [variable(shadow)], { role: 'temp', origin: stmt.origin }, undefined, fields[k]) : scope.out.op('element', [variable(shadow), num(k)], { role: 'temp', origin: stmt.origin });
      this.contribute(scope, element.name, read);
    });
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
      if (terms.length > 0) scope.out.push({ kind: 'accumulate', name: accumulator, value: scope.out.sum(terms, num(0), { role: 'temp', origin }), mode: 'add', origin });
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
        // Fields that are arrays or objects share their gradients; numbers start at 0.
        const gradient = this.names.fresh(`${stmt.name}_bar`);
        this.shadows.set(stmt.name, gradient);
        const allocations: Stmt[] = [];
        const args = stmt.expr.args.map((value, k): Operand => {
          const fieldShape = (stmt.shape as Extract<Shape, { kind: 'object' }>).fields.find((field) => field.name === stmt.expr.fields![k])!.shape;
          if (fieldShape.kind === 'number') return num(0);
          const shared = value.kind === 'var' ? this.shadows.get(value.name) : undefined;
          if (shared) return variable(shared);
          const zeros = this.names.fresh('t');
          allocations.push({ kind: 'let', name: zeros, expr: { op: 'zeros', args: [value], shape: fieldShape }, role: 'temp', origin: stmt.origin });
          return variable(zeros);
        });
        return [stmt, ...allocations, { kind: 'let', name: gradient, expr: { ...stmt.expr, args }, role: 'adjoint', origin: stmt.origin, shape: stmt.shape }];
      }
      if (stmt.expr.op === 'newArray' || stmt.expr.op === 'arrayOf') {
        const zeros = this.names.fresh(`${stmt.name}_bar`);
        this.shadows.set(stmt.name, zeros);
        this.locals.add(stmt.name);
        // An array created empty grows (push): so does its gradient, whose new entries are holes.
        if (stmt.expr.op === 'arrayOf' && stmt.expr.args.length === 0) this.growable.add(zeros);
        return [stmt, { kind: 'let', name: zeros, expr: { op: 'zeros', args: [variable(stmt.name)], shape: derivativeShape(stmt.shape) }, role: 'adjoint', origin: stmt.origin }];
      }
      const container = stmt.expr.args[0];
      const parent = container.kind === 'var' ? this.shadows.get(container.name) : undefined;
      if (!parent) return [stmt];
      const name = this.names.fresh(`${stmt.name}_bar`);
      this.shadows.set(stmt.name, name);
      return [stmt, { kind: 'let', name, expr: { ...stmt.expr, args: [variable(parent), ...stmt.expr.args.slice(1)] }, role: 'adjoint', origin: stmt.origin, shape: stmt.shape }];
    });
  }

  /** Variables of this block that nested blocks contribute to get mutable adjoints. */
  private declareAccumulators(block: Block, scope: Scope): void {
    for (const stmt of block) {
      if (stmt.kind !== 'if' && stmt.kind !== 'loop') continue;
      for (const operand of operandsRead(stmt)) {
        if (operand.kind !== 'var' || !scope.defined.has(operand.name) || !this.active.has(operand.name) || scope.accumulators.has(operand.name) || this.shadows.has(operand.name)) continue;
        const accumulator = this.names.fresh(`${operand.name}_bar`);
        scope.accumulators.set(operand.name, accumulator);
        scope.out.push({ kind: 'accumulate', name: accumulator, value: num(0), mode: 'declare' });
      }
    }
  }

  private let(stmt: Let, scope: Scope): void {
    if (!this.active.has(stmt.name) || (!scope.terms.has(stmt.name) && !scope.accumulators.has(stmt.name))) return;
    const bar = this.adjoint(scope, stmt.name, stmt.origin, stmt.role === 'user' ? 'adjoint' : 'temp');
    if (isNum(bar, 0)) return;
    if (stmt.expr.op === 'call' && !stmt.expr.callee?.rule) return this.call(stmt, bar, scope);
    if (opInfo(stmt.expr.op).derivative.kind === 'load') return this.load(stmt, bar, scope);
    const partials = partialDerivatives(stmt, this.rules, scope.out);
    stmt.expr.args.forEach((arg, index) => {
      if (arg.kind !== 'var' || !this.active.has(arg.name)) return;
      const partial = partials[index];
      // A structurally zero partial contributes nothing, even where the adjoint is ±∞ or NaN.
      if (isNum(partial, 0) || isNum(partial, -0)) return;
      const before = scope.out.stmts.length;
      const term = scope.out.op('*', [bar, partial], { role: 'temp', origin: stmt.origin });
      if (scope.out.stmts.length > before && term.kind === 'var') scope.termTemps.add(term.name);
      this.contribute(scope, arg.name, term);
    });
  }

  /** `v = a[i]` (or `o.f`): `a_bar[i] += v_bar`, into the gradient of the container. */
  private load(stmt: Let, bar: Operand, scope: Scope): void {
    const container = stmt.expr.args[0];
    const shadow = container.kind === 'var' ? this.shadows.get(container.name) : undefined;
    if (!shadow || stmt.shape) return;
    const at = stmt.expr.op === 'field' ? stmt.expr.field! : stmt.expr.args[1];
    scope.out.push({ kind: 'accumulate', name: shadow, at, value: bar, mode: 'add', origin: stmt.origin });
  }

  /** Whether a block writes into an array whose gradient the sweep tracks. */
  private writesActive(block: Block): boolean {
    return block.some((stmt) => {
      if (stmt.kind === 'let') return stmt.expr.op === 'store' && stmt.expr.args[0].kind === 'var' && this.active.has(stmt.expr.args[0].name);
      if (stmt.kind === 'if') return this.writesActive(stmt.then) || this.writesActive(stmt.else);
      if (stmt.kind === 'loop') return this.writesActive(stmt.body);
      return false;
    });
  }

  private setCursor(position: Operand, origin: ts.Node | undefined): Stmt {
    return { kind: 'let', name: this.names.fresh('t'), expr: { op: 'setCursor', args: [position] }, role: 'temp', origin };
  }

  /** `h(a, b)`: its pullback, called with the adjoint of the result, gives the arguments' adjoints. */
  private call(stmt: Let, bar: Operand, scope: Scope): void {
    const args = stmt.expr.args;
    const wrt = args.flatMap((arg, index) => (arg.kind === 'var' && this.active.has(arg.name) ? [index] : []));
    if (wrt.length === 0) return;
    // Arrays and objects pass their gradients in, for the pullback to add into.
    const shadowOf = (index: number) => this.shadows.get((args[index] as { name: string }).name);
    const numbers = wrt.filter((index) => !shadowOf(index));
    const gradients = wrt.flatMap((index) => {
      const shadow = shadowOf(index);
      // Lowering inlines calls given a local array: a pullback would read it as it is at the end.
      if (shadow && this.locals.has((args[index] as { name: string }).name)) throw new Error('tapeless: a call given a local array was not inlined');
      return shadow ? [variable(shadow)] : [];
    });
    const name = this.pullbacks(stmt.expr.callee!, wrt);
    const pullback = { key: `pullback:${name}`, name, ref: { kind: 'ref' as const, path: [name] }, ...(gradients.length > 0 ? { into: args.length + 1 } : {}) };
    const adjoints = scope.out.op(gradients.length > 0 ? 'callInto' : 'call', [...args, bar, ...gradients], { role: 'temp', origin: stmt.origin }, pullback);
    numbers.forEach((index, i) => {
      const term = numbers.length === 1 ? adjoints : scope.out.op('element', [adjoints, num(i)], { role: 'temp', origin: stmt.origin });
      this.contribute(scope, (args[index] as { name: string }).name, term);
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
      for (const { phi, bar } of seeds) {
        const seeded = read(pick(phi));
        if (seeded.kind === 'var' && this.active.has(seeded.name)) this.contribute(child, seeded.name, bar);
      }
      const forward = this.block(clone, child);
      this.flush(child);
      if (child.out.stmts.length === 0) return [];
      const rewind: Stmt[] = position ? [this.setCursor(variable(position), stmt.origin)] : [];
      return [...rewind, ...forward, ...child.out.stmts];
    };
    const then = side(stmt.then, (phi) => phi.then);
    const otherwise = side(stmt.else, (phi) => phi.else);
    if (then.length > 0 || otherwise.length > 0) scope.out.push({ kind: 'if', cond: stmt.cond, then, else: otherwise, phis: [], origin: stmt.origin });
  }

  /**
   * A loop: it records its carried values each pass; its reverse sweep walks the passes
   * backwards, restoring them, recomputing the pass and running the pass's adjoints. The
   * adjoints of the carried variables (`s_bar`) flow from pass to pass. A loop in `while`
   * form sweeps only the passes that ran its body; a counter (`i = i + 1` from an integer)
   * is not recorded but recomputed from the pass's index.
   */
  private loop(stmt: Loop, scope: Scope): Loop {
    const carried = stmt.carried.filter((c) => this.active.has(c.name) || this.active.has(c.exit));
    if (carried.length === 0 && !this.writesActive(stmt.body)) return stmt;
    const replays = this.stream && readsLocalArrays(stmt.body);
    // The last pass of a loop in `while` form only tests; its test must read no local
    // array, since the record of a pass's place in the load stream is taken after the test.
    const form = loopGuard(stmt);
    const guarded = form && !(this.stream && readsLocalArrays(form.pre)) ? form : undefined;
    const pass = guarded ? [...guarded.pre, ...guarded.guard.then] : stmt.body;
    const nexts = guarded ? guarded.nexts : stmt.carried.map((c) => c.next);
    const count = this.names.fresh('passes');
    const array = this.names.fresh('record');
    const bars = carried.map((c) => {
      const bar = this.names.fresh(`${c.name}_bar`);
      const exitBar = this.active.has(c.exit) ? this.adjoint(scope, c.exit, stmt.origin, 'temp') : num(0);
      scope.out.push({ kind: 'accumulate', name: bar, value: exitBar, mode: 'declare', origin: stmt.origin });
      return bar;
    });
    const steps = this.inductionSteps(stmt, pass, nexts, scope.out);
    const { clone, child, read, restored } = this.recompute(pass, scope, stmt.carried.map((c) => c.name), stmt.scratch);
    // A counter from 0 by 1 is the pass's index itself; another is computed from it.
    const counter = stmt.carried.findIndex((c, j) => steps[j] === 1 && isNum(c.init, 0));
    const index = counter >= 0 ? restored[counter] : this.names.fresh('pass');
    const counters = scope.out.nested();
    stmt.carried.forEach((c, j) => {
      const step = steps[j];
      if (step === undefined || j === counter) return;
      const value = counters.op('+', [c.init, counters.op('*', [variable(index), num(step)], { role: 'temp', origin: stmt.origin })], { role: 'user', name: restored[j], origin: stmt.origin });
      if (value.kind !== 'var' || value.name !== restored[j]) counters.push({ kind: 'let', name: restored[j], expr: { op: 'copy', args: [value] }, role: 'user', origin: stmt.origin });
    });
    stmt.carried.forEach((_, j) => steps[j] !== undefined && this.integral.add(restored[j]));
    // Costly values every swept pass computes may be recorded rather than computed again
    // (simplify decides: where the forward loop computes them anyway).
    const values = (guarded ? guarded.guard.then : stmt.body).flatMap((s) =>
      s.kind === 'let' && opInfo(s.expr.op).costly && s.expr.args.some((arg) => arg.kind === 'var') ? [{ value: variable(s.name) as Operand, restored: (read(variable(s.name)) as { name: string }).name }] : [],
    );
    const record: LoopRecord = {
      count,
      array,
      pairs: stmt.carried.flatMap((c, j) => (steps[j] === undefined ? [{ carried: c.name, restored: restored[j] }] : [])),
      ...(values.length > 0 ? { values } : {}),
      ...(replays ? { cursor: scope.replaying ? ('replay' as const) : ('record' as const) } : {}),
      ...(guarded ? { guarded: true } : {}),
    };
    this.records.push(record);
    carried.forEach((c) => {
      const next = read(nexts[stmt.carried.indexOf(c)]);
      if (next.kind === 'var' && this.active.has(next.name)) this.contribute(child, next.name, variable(bars[carried.indexOf(c)]));
    });
    const forward = this.block(clone, child);
    const passBars = carried.map((c) => this.adjoint(child, restored[stmt.carried.indexOf(c)], stmt.origin, 'temp'));
    this.flush(child);
    carried.forEach((_, j) => {
      // An adjoint that the pass passes on unchanged (a sum's) needs no update.
      if (passBars[j].kind !== 'var' || passBars[j].name !== bars[j]) child.out.push({ kind: 'accumulate', name: bars[j], value: passBars[j], mode: 'set', origin: stmt.origin });
    });
    // Where the passes' adjoints do not depend on one another, the sweep walks them in
    // their own order, which reads memory the way the forward loop did.
    const ascending = carried.every((_, j) => passBars[j].kind === 'var' && passBars[j].name === bars[j]) && this.writesDistinct(stmt, steps);
    // Swept from 0 by its counter, the loop's own test bounds the sweep: the count of passes
    // is not needed (nor, if it records nothing else, the loop recomputed before the sweep).
    const own = ascending && guarded && counter >= 0 ? this.ownTest(stmt, guarded, stmt.carried[counter].name, clone.slice(0, guarded.pre.length), scope.out) : undefined;
    const hoisted = new Set<Stmt>(own?.hoisted ?? []);
    own?.hoisted.forEach((s) => scope.out.push(s));
    const body = [...counters.stmts, ...forward.filter((s) => !hoisted.has(s)), ...child.out.stmts];
    scope.out.push({ kind: 'reverseLoop', record, index, body, origin: stmt.origin, ...(ascending ? { ascending } : {}), ...(own ? { test: own.test } : {}) });
    carried.forEach((c, j) => {
      if (c.init.kind === 'var' && this.active.has(c.init.name)) this.contribute(scope, c.init.name, variable(bars[j]));
    });
    return { ...stmt, record };
  }

  /**
   * For each carried variable, the step `k` if it is a counter: it starts from an integer
   * and every pass swept adds the integer `k` (`i = i + k`, a statement that runs every such
   * pass), so its value at pass p is exactly init + p·k (integers below 2^53 add exactly).
   */
  private inductionSteps(stmt: Loop, pass: Block, nexts: readonly Operand[], builder: Builder): (number | undefined)[] {
    const defined = new Map(pass.flatMap((s) => (s.kind === 'let' ? [[s.name, s.expr] as const] : [])));
    return stmt.carried.map((c, j) => {
      const next = nexts[j];
      const expr = next.kind === 'var' ? defined.get(next.name) : undefined;
      if (!expr || !this.isIntegral(c.init, builder)) return undefined;
      const [a, b] = expr.args;
      const isCounter = (operand: Operand) => operand.kind === 'var' && operand.name === c.name;
      const step = (operand: Operand) => (operand.kind === 'num' && Number.isInteger(operand.value) && operand.text === undefined ? operand.value : undefined);
      if (expr.op === '+' && isCounter(a)) return step(b);
      if (expr.op === '+' && isCounter(b)) return step(a);
      if (expr.op === '-' && isCounter(a)) {
        const k = step(b);
        return k === undefined ? undefined : -k;
      }
      return undefined;
    });
  }

  /**
   * Whether each pass of a loop writes its own entries of local arrays: every write into a
   * local array is at one counter of the loop (`h[j] = …`, the same for all writes into that
   * array), outside nested loops, into an array the loop does not read. Then the adjoint of
   * no write depends on another pass's.
   */
  private writesDistinct(stmt: Loop, steps: readonly (number | undefined)[]): boolean {
    const counters = new Set(stmt.carried.flatMap((c, j) => (steps[j] ? [c.name] : [])));
    const written = new Map<string, string>();
    const read = new Set<string>();
    let distinct = true;
    const walk = (block: Block, nested: boolean): void => {
      for (const s of block) {
        if (s.kind === 'if') [s.then, s.else].forEach((b) => walk(b, nested));
        else if (s.kind === 'loop') walk(s.body, true);
        else if (s.kind === 'let' && (s.expr.op === 'localElement' || s.expr.op === 'replay' || s.expr.op === 'directElement')) read.add(operandKey(s.expr.args[0]));
        else if (s.kind === 'let' && s.expr.op === 'store') {
          const [array, at] = s.expr.args;
          const counter = at.kind === 'var' && counters.has(at.name) ? at.name : undefined;
          if (nested || !counter || (written.get(operandKey(array)) ?? counter) !== counter) distinct = false;
          written.set(operandKey(array), counter ?? '');
        }
      }
    };
    walk(stmt.body, false);
    return distinct && [...written.keys()].every((array) => !read.has(array));
  }

  /**
   * The test of a loop in `while` form as recomputed (`copies`: the copies of its
   * statements), where it compares the counter with values from outside the loop: true
   * exactly for the passes that ran the body. Statements computing those values (`w.length`)
   * are `hoisted`, to run once before the sweep. A counter with an integer added
   * (`i + 1 < x.length`) compares as the counter with the integer taken from the other side
   * (`i < x.length - 1`, exact for integers), where that side is an integer too.
   */
  private ownTest(stmt: Loop, form: LoopGuard, counter: string, copies: readonly Stmt[], builder: Builder): { test: Expr; hoisted: Let[] } | undefined {
    const inside = new Set([...stmt.carried.map((c) => c.name), ...namesDefinedWithin(stmt.body)]);
    const hoistable = new Set<string>();
    const hoisted: Let[] = [];
    /** Pre-statements `t = counter + c`, by name: the integer c. */
    const offsets = new Map<string, Operand>();
    const outside = (args: readonly Operand[]) => args.every((arg) => arg.kind !== 'var' || !inside.has(arg.name) || hoistable.has(arg.name));
    const isCounter = (arg: Operand) => arg.kind === 'var' && arg.name === counter;
    for (const [k, s] of form.pre.entries()) {
      const copy = copies[k];
      if (s.kind !== 'let' || copy?.kind !== 'let') return undefined;
      if (k === form.pre.length - 1) {
        const compares = stmt.cond.kind === 'var' && s.name === stmt.cond.name && ['<', '<=', '>', '>='].includes(s.expr.op);
        const [a, b] = s.expr.args;
        if (!compares) return undefined;
        if ((isCounter(a) && outside([b])) || (isCounter(b) && outside([a]))) return { test: copy.expr, hoisted };
        // `counter + c` on one side, an integer from outside on the other.
        const side = [a, b].findIndex((arg) => arg.kind === 'var' && offsets.has(arg.name));
        const other = side === 0 ? b : a;
        if (side < 0 || !outside([other]) || !this.isIntegral(copy.expr.args[1 - side], builder)) return undefined;
        const offset = copies[form.pre.findIndex((pre) => pre.kind === 'let' && pre.name === (s.expr.args[side] as { name: string }).name)] as Let;
        const counterCopy = offset.expr.args.find((arg) => !(arg.kind === 'num'))!;
        const bound: Let = { kind: 'let', name: this.names.fresh('bound'), expr: { op: '-', args: [copy.expr.args[1 - side], offsets.get((s.expr.args[side] as { name: string }).name)!] }, role: 'temp', origin: stmt.origin };
        const args = side === 0 ? [counterCopy, variable(bound.name)] : [variable(bound.name), counterCopy];
        return { test: { op: s.expr.op, args }, hoisted: [...hoisted, bound] };
      }
      if (s.expr.op === '+' && s.expr.args.some(isCounter)) {
        const c = s.expr.args.find((arg) => !isCounter(arg))!;
        if (c.kind === 'num' && Number.isInteger(c.value)) {
          offsets.set(s.name, c);
          continue;
        }
      }
      if (!opInfo(s.expr.op).pure || !outside(s.expr.args)) return undefined;
      hoistable.add(s.name);
      hoisted.push(copy);
    }
    return undefined;
  }

  /** Names known to hold integers: counters restored from a pass's index. */
  private readonly integral = new Set<string>();

  /** Whether an operand is an integer (or ±∞, NaN): integers, lengths, floor…, their sums and products. */
  private isIntegral(operand: Operand, builder: Builder): boolean {
    if (operand.kind === 'num') return Number.isInteger(operand.value);
    if (operand.kind !== 'var') return false;
    if (this.integral.has(operand.name)) return true;
    const expr = builder.definition(operand.name);
    if (!expr) return false;
    if (opInfo(expr.op).integral) return true;
    return (expr.op === '+' || expr.op === '-' || expr.op === '*' || expr.op === 'copy' || expr.op === 'negate') && expr.args.every((arg) => this.isIntegral(arg, builder));
  }

  /**
   * A renamed copy of `block` to recompute in the reverse sweep, with the scope of its
   * adjoints. `params` are names the copy receives from outside (a loop's carried
   * variables, restored): they are renamed too, and returned as `restored`.
   */
  private recompute(block: Block, scope: Scope, params: readonly string[], scratch: readonly string[] = []) {
    const rename = new Map<string, string>();
    const restored = params.map((name) => {
      const renamed = this.names.version(name);
      rename.set(name, renamed);
      return renamed;
    });
    const copy = cloneBlock(block, rename, (name) => this.names.version(name));
    for (const [from, to] of rename) if (this.active.has(from)) this.active.add(to);
    const clone = this.replayLoads(copy);
    const out = scope.out.nested();
    out.know(clone);
    const rewrites = new Map([...scratchWithin(clone).map((name) => [name, 'rewrite'] as const), ...scratch.map((name) => [name, 'store'] as const)]);
    const child = new Scope(scope, [...restored, ...clone.flatMap(namesDefined)], out, true, rewrites);
    const read = (operand: Operand): Operand => (operand.kind === 'var' && rename.has(operand.name) ? variable(rename.get(operand.name)!) : operand);
    return { clone, child, read, restored };
  }
}

/** The `scratch` arrays of the loops in a block (anywhere inside it). */
function scratchWithin(block: Block): string[] {
  return block.flatMap((stmt) => {
    if (stmt.kind === 'if') return [...scratchWithin(stmt.then), ...scratchWithin(stmt.else)];
    if (stmt.kind === 'loop') return [...(stmt.scratch ?? []), ...scratchWithin(stmt.body)];
    return [];
  });
}
