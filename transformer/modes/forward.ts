import type * as ts from 'typescript';
import { variedVariables } from './activity';
import { Builder } from '../ir/builder';
import {
  type Accumulate,
  type Block,
  type Effect,
  type Callee,
  type Func,
  type If,
  type Let,
  type Loop,
  type LoopRecord,
  type Operand,
  type Param,
  type ReverseLoop,
  type Role,
  isNum,
  mapResult,
  num,
  sameOperand,
  variable,
} from '../ir/ir';
import type { NameAllocator } from '../ir/names';
import { opInfo, singularityOf } from '../ops/registry';
import { partialDerivatives, type RuleSet, strongProduct } from '../ops/rules';
import { type Shape, derivativeShape, differentiatedFields } from '../ir/shapes';
import { statementsWithin } from '../ir/traverse';

export interface ForwardRequest {
  /** Indices of the parameters that have tangents, in the order of the tangent parameters. */
  readonly wrt: readonly number[];
  /**
   * How many tangents each value carries (vector mode, default 1): lane `l` of every
   * parameter is a tangent parameter of its own (`x_dot_0`, `x_dot_1`, …, lane by lane),
   * and the result is the list of the lanes' tangents.
   */
  readonly lanes?: number;
  /**
   * The tangent of each selected parameter, one map per lane: a new parameter (`x_dot`,
   * after the primal ones) where the map has none, or a constant (`derivative` seeds its
   * one input with 1; a Jacobian of a few numbers seeds lane `j` with 1 in its `j`-th).
   */
  readonly seeds?: readonly ReadonlyMap<number, Operand>[];
  /**
   * Selected array parameters whose tangent in a lane is a unit array, one map per lane: the
   * index of its 1 (a value of the generated code; out of range, the tangent is zero). The
   * array is only read by its elements (see `readOnlyByElements`): the tangent of `x[i]` is
   * `i === index ? 1 : 0`, and no tangent array exists.
   */
  readonly units?: readonly ReadonlyMap<number, Operand>[];
  /** Return `[value, tangent]` (`[value, …tangents]` with lanes) instead of the tangent. */
  readonly withValue: boolean;
}

/**
 * The name of the generated pushforward of a called function for the selected arguments:
 * it takes the arguments, then their tangents (lane by lane), and returns `[value, tangent]`
 * (`[value, …tangents]`, one per lane).
 */
export type Pushforwards = (callee: Callee, wrt: readonly number[], lanes?: number) => string;

/**
 * Forward mode: every statement is followed by its tangent (`y_dot`), the sum of the
 * partial derivatives of the same rules reverse mode uses times the arguments' tangents.
 * Branches and loops keep their structure and carry tangents beside their values; calls go
 * to generated pushforwards. It also reads what reverse mode generates (accumulators,
 * recorded loops and their sweeps, the load stream, pullbacks), so a gradient can be
 * differentiated again: that is how Hessians (forward over reverse) are made.
 */
export function forward(primal: Func, request: ForwardRequest, rules: RuleSet, names: NameAllocator, pushforwards: Pushforwards): Func {
  const varied = variedVariables(primal, new Set(request.wrt.map((index) => primal.params[index].name)));
  const lanes = request.lanes ?? 1;
  const sweep = new TangentSweep(rules, names, varied, pushforwards, primal, lanes);
  const tangentParams: Param[] = [];
  sweep.eachLane((lane) => {
    for (const index of request.wrt) {
      const param = primal.params[index];
      const seed = request.seeds?.[lane]?.get(index);
      if (seed) {
        sweep.tangents.set(param.name, seed);
        continue;
      }
      const unit = request.units?.[lane]?.get(index);
      if (unit) {
        sweep.units.set(param.name, unit);
        continue;
      }
      const name = names.fresh(sweep.dot(param.name));
      sweep.tangents.set(param.name, variable(name));
      tangentParams.push({ name, ...(param.origin ? { origin: param.origin } : {}), ...(param.shape ? { shape: param.shape } : {}) });
    }
  });
  const out = new Builder(names);
  sweep.block(primal.body, out);
  const tangents = sweep.eachLane(() => mapResult(primal.result, (operand) => sweep.resultTangent(operand, out)));
  return {
    name: primal.name,
    params: [...primal.params, ...tangentParams],
    body: out.stmts,
    result: request.withValue ? [primal.result, ...tangents] : lanes === 1 ? tangents[0] : tangents,
    origin: primal.origin,
    records: primal.records?.map((record) => sweep.recordOf(record)),
    stream: primal.stream,
    growable: primal.growable && [...primal.growable, ...primal.growable.flatMap((name) => sweep.eachLane(() => sweep.tangentName(name) ?? []).flat())],
  };
}

type TempOptions = { readonly role: 'temp'; readonly origin?: ts.Node };

class TangentSweep {
  /** The tangent of each varied variable in each lane: a variable, or a constant. */
  private readonly laneTangents: Map<string, Operand>[];
  /** The unit arrays of each lane (see `ForwardRequest.units`): the index of the 1 of each. */
  private readonly laneUnits: Map<string, Operand>[];
  /** The lane whose tangents `tangents` holds. */
  private lane = 0;
  /** Loop records with a slot for the tangent of each recorded value (forward over reverse). */
  private readonly records = new Map<LoopRecord, LoopRecord>();
  /** The shapes of arrays and objects: a zero tangent of one is an array or object of zeros. */
  private readonly shapes = new Map<string, Shape>();
  /** Every recorded load also records its tangent, so a replay can replay both. */
  private readonly doubleStream: boolean;

  constructor(
    private readonly rules: RuleSet,
    private readonly names: NameAllocator,
    private readonly varied: ReadonlySet<string>,
    private readonly pushforwards: Pushforwards,
    primal: Func,
    private readonly lanes: number,
  ) {
    this.laneTangents = Array.from({ length: lanes }, () => new Map<string, Operand>());
    this.laneUnits = Array.from({ length: lanes }, () => new Map<string, Operand>());
    for (const param of primal.params) if (param.shape) this.shapes.set(param.name, param.shape);
    this.collect(primal.body);
    this.doubleStream = primal.stream !== undefined && [...varied].some((name) => this.streamed.has(name));
  }

  /** Values of the load stream (recorded or replayed) and the shapes of aggregates. */
  private readonly streamed = new Set<string>();
  /** Mutable adjoints (forward over reverse): their tangents change where they do. */
  private readonly mutable = new Set<string>();

  private collect(block: Block): void {
    for (const stmt of statementsWithin(block, 'enter')) {
      if (stmt.kind === 'accumulate') this.mutable.add(stmt.name);
      if (stmt.kind === 'effect' && stmt.expr.op === 'recordLoad' && stmt.expr.args[0].kind === 'var') this.streamed.add(stmt.expr.args[0].name);
      if (stmt.kind !== 'let') continue;
      const shape = stmt.shape ?? stmt.expr.shape;
      if (shape) this.shapes.set(stmt.name, shape);
      if (stmt.expr.op === 'replay' || stmt.expr.op === 'replayExit') this.streamed.add(stmt.name);
    }
  }

  /** The tangents of the lane being differentiated. */
  get tangents(): Map<string, Operand> {
    return this.laneTangents[this.lane];
  }

  /** The unit arrays of the lane being differentiated. */
  get units(): Map<string, Operand> {
    return this.laneUnits[this.lane];
  }

  /** Runs `body` once per lane, with `tangents` the lane's; the structure around is shared by all lanes. */
  eachLane<T>(body: (lane: number) => T): T[] {
    const outer = this.lane;
    const results: T[] = [];
    for (let lane = 0; lane < this.lanes; lane++) {
      this.lane = lane;
      results.push(body(lane));
    }
    this.lane = outer;
    return results;
  }

  /** The name of a tangent: `y_dot`, or `y_dot_2` in lane 2 of several. */
  dot(name: string): string {
    return this.lanes === 1 ? `${name}_dot` : `${name}_dot_${this.lane}`;
  }

  tangentOf(operand: Operand): Operand {
    if (operand.kind === 'var' && this.units.has(operand.name)) throw new Error(`tapeless: the unit tangent of ${operand.name} is read whole`);
    return (operand.kind === 'var' && this.tangents.get(operand.name)) || num(0);
  }

  tangentName(name: string): string | undefined {
    const tangent = this.tangents.get(name);
    return tangent?.kind === 'var' ? tangent.name : undefined;
  }

  /** The tangent of a result: an array or object of zeros where an aggregate does not vary. */
  resultTangent(operand: Operand, out: Builder): Operand {
    const tangent = this.tangentOf(operand);
    const shape = operand.kind === 'var' ? this.shapes.get(operand.name) : undefined;
    if (!isNum(tangent) || !shape || shape.kind === 'number') return tangent;
    const name = this.names.fresh('t');
    // An array or object: its shape on the statement too (shapeOfValue), or it is taken for a number.
    out.push({ kind: 'let', name, expr: { op: 'zeros', args: [operand], shape }, shape, role: 'temp' });
    return variable(name);
  }

  recordOf(record: LoopRecord): LoopRecord {
    return this.records.get(record) ?? record;
  }

  block(block: Block, out: Builder): void {
    for (const stmt of block) {
      switch (stmt.kind) {
        case 'let':
          this.let(stmt, out);
          break;
        case 'effect':
          this.effect(stmt, out);
          break;
        case 'if':
          this.branch(stmt, out);
          break;
        case 'loop':
          this.loop(stmt, out);
          break;
        case 'reverseLoop':
          this.reverseLoop(stmt, out);
          break;
        case 'accumulate':
          this.accumulate(stmt, out);
          break;
      }
    }
  }

  /** Names a tangent after its variable (`y_dot`) where the variable is the user's or an adjoint. */
  private define(name: string, role: Role, compute: (options: TempOptions) => Operand, origin: ts.Node | undefined, out: Builder): void {
    const before = out.stmts.length;
    const tangent = compute({ role: 'temp', origin });
    if (isNum(tangent, 0) || isNum(tangent, -0)) return;
    // A partial the lanes after this one multiply (the tangent of this lane, seeded with 1) keeps its name.
    const shared = this.lanes > 1 && this.partials?.some((partial) => sameOperand(partial, tangent));
    const fresh =
      !shared && tangent.kind === 'var' && out.stmts.slice(before).some((stmt) => stmt.kind === 'let' && stmt.name === tangent.name && stmt.role === 'temp');
    this.tangents.set(name, role !== 'temp' && fresh ? out.rename(tangent, { role: 'adjoint', name: this.names.fresh(this.dot(name)), origin }) : tangent);
  }

  private let(stmt: Let, out: Builder): void {
    const { op } = stmt.expr;
    if ((op === 'call' && !stmt.expr.callee?.rule) || op === 'callInto') return this.call(stmt, out);
    out.know([stmt]);
    out.push(stmt);
    const origin = stmt.origin;
    if (op === 'replay' || op === 'replayExit' || op === 'replayValue') {
      if (!this.doubleStream) return;
      // The next slots of the stream hold the tangents: read them even where nothing needs them.
      this.eachLane(() => {
        const name = this.names.fresh(this.varied.has(stmt.name) && stmt.role !== 'temp' ? this.dot(stmt.name) : 't');
        out.push({ ...stmt, name, role: this.varied.has(stmt.name) ? 'adjoint' : 'temp' });
        if (this.varied.has(stmt.name)) this.tangents.set(stmt.name, variable(name));
      });
      return;
    }
    if (!this.varied.has(stmt.name)) return;
    this.partials = undefined;
    this.eachLane(() => this.define(stmt.name, stmt.role, (options) => this.tangentExpression(stmt, out, options), origin, out));
  }

  /** A write into a local array writes its tangent array too; a recorded value records its tangent. */
  private effect(stmt: Effect, out: Builder): void {
    const { op, args } = stmt.expr;
    out.push(stmt);
    if (op === 'store' || op === 'rewrite') {
      // The tangent array is written wherever the array is, with zeros too (they overwrite).
      this.eachLane(() => {
        const array = args[0].kind === 'var' ? this.tangentName(args[0].name) : undefined;
        if (array) out.push({ ...stmt, expr: { op, args: [variable(array), args[1], this.tangentOf(args[2])] } });
      });
    } else if (op === 'recordLoad' && this.doubleStream) {
      this.eachLane(() => out.push({ ...stmt, expr: { op, args: [this.tangentOf(args[0])] } }));
    }
  }

  private tangentExpression(stmt: Let, out: Builder, options: TempOptions): Operand {
    const { op, args } = stmt.expr;
    const derivative = opInfo(op).derivative;
    const origin = stmt.origin;
    switch (derivative.kind) {
      case 'identity': {
        const tangent = this.tangentOf(args[0]);
        // A copy of a mutable adjoint keeps its value of now, and so must its tangent.
        if (tangent.kind !== 'var' || args[0].kind !== 'var' || !this.mutable.has(args[0].name)) return tangent;
        const name = this.names.fresh('t');
        out.push({ kind: 'let', name, expr: { op: 'copy', args: [tangent] }, role: 'temp', origin });
        return variable(name);
      }
      case 'load': {
        const unit = op === 'element' && args[0].kind === 'var' ? this.units.get(args[0].name) : undefined;
        if (unit) return out.op('select', [out.op('===', [args[1], unit], { role: 'temp', origin }), num(1), num(0)], options);
        const container = this.tangentOf(args[0]);
        if (isNum(container)) return num(0);
        return this.aggregate(stmt, [container, ...args.slice(1)], out, options);
      }
      case 'arrayOf': {
        // A literal's elements that do not vary get zero tangents of their shape; its fields of data get none.
        const fields = stmt.expr.fields;
        const differentiated = fields ? differentiatedFields(stmt.shape, fields) : args.map((_, k) => k);
        const literal = fields ? { ...stmt, expr: { ...stmt.expr, fields: differentiated.map((k) => fields[k]) } } : stmt;
        return this.aggregate(
          literal,
          differentiated.map((k) => this.resultTangent(args[k], out)),
          out,
          options,
        );
      }
      case 'zero':
        // Arrays that vary (written with varying values, or gradients added into) get tangent arrays.
        if (op === 'newArray') {
          const shape = stmt.expr.shape && derivativeShape(stmt.expr.shape);
          const derived = shape ? { ...stmt, expr: { ...stmt.expr, shape }, shape } : stmt;
          return this.aggregate(derived, [args[0], ...(args.length > 1 ? [this.tangentOf(args[1])] : [])], out, options);
        }
        if (op === 'zeros') return this.aggregate(stmt, args, out, options);
        return num(0);
      case 'rule':
      case 'variadic':
      case 'pullback': {
        if (op === 'select') return out.op('select', [args[0], this.tangentOf(args[1]), this.tangentOf(args[2])], options);
        // The tangent of the operand chosen, not 1 × it + 0 × the other's, which may be infinite (0 × ∞ = NaN).
        const choice = opInfo(op).choice;
        if (choice)
          return out.op('select', [out.op(choice, [args[0], args[1]], { role: 'temp', origin }), this.tangentOf(args[0]), this.tangentOf(args[1])], options);
        // Every lane multiplies the same partials: they are computed once, in the first.
        const partials = (this.partials ??= partialDerivatives(stmt, this.rules, out));
        const singular = singularityOf(stmt.expr) !== false;
        const terms = args.flatMap((arg, index) => {
          const tangent = this.tangentOf(arg);
          const partial = partials[index];
          if (isNum(tangent, 0) || isNum(partial, 0) || isNum(partial, -0)) return [];
          const product = out.op('*', [partial, tangent], { role: 'temp', origin });
          // A tangent of 0 contributes nothing, even by an infinite partial (`Math.sqrt(v * v)` at rest).
          if (!singular || isNum(partial)) return [product];
          return [strongProduct(out, tangent, partial, product, origin)];
        });
        return out.sum(terms, num(0), options);
      }
      case 'store':
        throw new Error(`tapeless: ${op} has no tangent expression`);
    }
  }

  /** The partial derivatives of the statement being differentiated, once its first lane has computed them. */
  private partials: Operand[] | undefined;

  /** An array or object made like `stmt`, from `args`: the tangent of an aggregate. */
  private aggregate(stmt: Let, args: readonly Operand[], out: Builder, options: TempOptions): Operand {
    const name = this.names.fresh('t');
    out.push({ ...stmt, name, expr: { ...stmt.expr, args }, role: 'temp', origin: options.origin });
    return variable(name);
  }

  /**
   * `y = h(a, b)`: its pushforward gives the value and the tangent from one pass. A pullback
   * that adds into gradients (a Hessian's inner gradient) also adds into their tangents.
   */
  private call(stmt: Let, out: Builder): void {
    const { args, callee } = stmt.expr;
    const into = callee!.into ?? [];
    const wrt = args.flatMap((arg, index) => (into.includes(index) || (arg.kind === 'var' && this.varied.has(arg.name)) ? [index] : []));
    if (wrt.length === 0 || !this.varied.has(stmt.name)) {
      out.push(stmt);
      return;
    }
    const name = this.pushforwards(callee!, wrt, this.lanes);
    // It runs the callee: where the callee may throw or log, it runs as the call did, read or not.
    const tangents = this.eachLane(() => wrt.map((index) => this.tangentOf(args[index]))).flat();
    // It adds into the gradients as the pullback does, and into their tangents (after the arguments, lane by lane).
    const tangentsInto = tangents.flatMap((_, k) => (into.includes(wrt[k % wrt.length]) ? [args.length + k] : []));
    const pushforward: Callee = {
      key: `pushforward:${name}`,
      name,
      ref: { kind: 'ref', path: [name] },
      ...(callee!.observable ? { observable: true } : {}),
      ...(into.length > 0 ? { into: [...into, ...tangentsInto] } : {}),
    };
    const both = out.op(stmt.expr.op, [...args, ...tangents], { role: 'temp', origin: stmt.origin }, pushforward);
    out.push({ ...stmt, expr: { op: 'element', args: [both, num(0)] } });
    this.eachLane((lane) => {
      const tangent = this.names.fresh(stmt.role === 'temp' ? 't' : this.dot(stmt.name));
      out.push({
        kind: 'let',
        name: tangent,
        expr: { op: 'element', args: [both, num(1 + lane)] },
        role: stmt.role === 'temp' ? 'temp' : 'adjoint',
        origin: stmt.origin,
      });
      this.tangents.set(stmt.name, variable(tangent));
    });
  }

  /** Both sides compute their tangents; phis choose the tangent of the side taken. */
  private branch(stmt: If, out: Builder): void {
    const then = out.nested();
    this.block(stmt.then, then);
    const otherwise = out.nested();
    this.block(stmt.else, otherwise);
    const phis = stmt.phis.flatMap((phi) => {
      if (!this.varied.has(phi.name)) return [];
      return this.eachLane(() => {
        const name = this.names.fresh(phi.role === 'temp' ? 't' : this.dot(phi.name));
        this.tangents.set(phi.name, variable(name));
        return { name, then: this.tangentOf(phi.then), else: this.tangentOf(phi.else), role: phi.role === 'temp' ? ('temp' as const) : ('adjoint' as const) };
      });
    });
    out.push({ ...stmt, then: then.stmts, else: otherwise.stmts, phis: [...stmt.phis, ...phis] });
  }

  /** A loop carries the tangent of each varied carried variable beside it (and records it, where it records). */
  private loop(stmt: Loop, out: Builder): void {
    const carried = stmt.carried.filter((c) => this.varied.has(c.name));
    const names = this.eachLane(() =>
      carried.map((c) => {
        const name = this.names.fresh(this.dot(c.name));
        this.tangents.set(c.name, variable(name));
        return name;
      }),
    );
    const inits = this.eachLane(() => carried.map((c) => this.tangentOf(c.init)));
    const pairs = this.eachLane((lane) =>
      carried.flatMap((c, j) => {
        const pair = stmt.record?.pairs.find((candidate) => candidate.carried === c.name);
        if (!pair) return [];
        const restored = this.names.fresh(this.dot(pair.restored));
        this.tangents.set(pair.restored, variable(restored));
        return [{ carried: names[lane][j], restored }];
      }),
    ).flat();
    const body = out.nested();
    this.block(stmt.body, body);
    if (stmt.record) {
      // Values recorded at the end of a pass (costly ones the sweep restores) record their tangents too.
      const values = this.eachLane(() =>
        (stmt.record!.values ?? []).flatMap(({ value, restored }) => {
          const tangent = this.tangentOf(value);
          if (!this.varied.has(restored)) return [];
          const name = this.names.fresh(this.dot(restored));
          this.tangents.set(restored, variable(name));
          return [{ value: tangent, restored: name }];
        }),
      ).flat();
      this.records.set(stmt.record, {
        ...stmt.record,
        pairs: [...stmt.record.pairs, ...pairs],
        ...(stmt.record.values ? { values: [...stmt.record.values, ...values] } : {}),
      });
    }
    const tangents = this.eachLane((lane) =>
      carried.map((c, j) => {
        const exit = this.names.fresh(this.dot(c.exit));
        const next = this.tangentOf(c.next);
        this.tangents.set(c.exit, variable(exit));
        return { name: names[lane][j], init: inits[lane][j], next, exit, role: c.role === 'temp' ? ('temp' as const) : ('adjoint' as const) };
      }),
    ).flat();
    out.push({ ...stmt, carried: [...stmt.carried, ...tangents], body: body.stmts, ...(stmt.record ? { record: this.recordOf(stmt.record) } : {}) });
  }

  private reverseLoop(stmt: ReverseLoop, out: Builder): void {
    const body = out.nested();
    this.block(stmt.body, body);
    out.push({ ...stmt, record: this.recordOf(stmt.record), body: body.stmts });
  }

  /** `s_bar += v` is followed by `s_bar_dot += v_dot`: adjoints have tangents like any value. */
  private accumulate(stmt: Accumulate, out: Builder): void {
    out.push(stmt);
    if (!this.varied.has(stmt.name)) return;
    this.eachLane(() => {
      const value = this.tangentOf(stmt.value);
      if (stmt.mode === 'declare') {
        const name = this.names.fresh(this.dot(stmt.name));
        this.tangents.set(stmt.name, variable(name));
        out.push({ ...stmt, name, value });
        return;
      }
      const name = this.tangentName(stmt.name);
      if (!name || (stmt.mode === 'add' && isNum(value, 0))) return;
      out.push({ ...stmt, name, value });
    });
  }
}
