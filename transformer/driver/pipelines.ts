// Which stages each API function runs, in one table (PIPELINES): lower (through the
// resolver), differentiate in a mode, simplify; and the pullbacks and pushforwards of the
// functions differentiated code calls, generated once per file. Higher orders differentiate
// generated functions again from their IR, kept here.
import type * as ts from 'typescript';
import { emitFunctionDeclaration } from '../backend/emit';
import type { DriverName, Drivers, Selected, VectorColumns } from '../backend/drivers';
import { withInstances } from '../backend/instances';
import { Code, fail } from './diagnostics';
import type { DifferentiatingApi, Request, Target } from '../frontend/requests';
import { Builder } from '../ir/builder';
import { type Block, type Callee, type Func, type Let, type Operand, type Param, type Stmt, UNDEFINED, num, variable } from '../ir/ir';
import { shapeOfValue } from '../ir/definitions';
import type { NameAllocator } from '../ir/names';
import { forward } from '../modes/forward';
import { plainZeros, returningRows, startSeeds, unitSeeds, vectorColumns } from '../modes/forward-lanes';
import { reverse } from '../modes/reverse/reverse';
import type { RuleSet } from '../ops/rules';
import { fusePullbacks } from '../passes/fused-pullbacks';
import { simplify } from '../passes/simplify';
import type { Resolver } from './resolve';

/** A generated function's IR, with the names it uses, for modes that differentiate it again. */
export interface Derived {
  readonly func: Func;
  readonly names: NameAllocator;
}

/** A function generated for the file, shared by every request with the same key. */
export interface Generated {
  readonly name: string;
  /** Absent for code generated in place; set late for a pullback (which may call itself). */
  declaration?: ts.FunctionDeclaration;
}

/**
 * The functions a driver calls (each named after the request with its suffix: `f_hessian_tangent`)
 * and how the driver lays out their results (`names`: theirs, in order).
 */
export interface Plan {
  readonly helpers: readonly { readonly suffix: string; readonly func: Func }[];
  readonly call: (drivers: Drivers, names: readonly string[], params: readonly string[], selected: readonly Selected[]) => ts.Expression;
  /** A first parameter of the function users call, before f's: the matrix `jacobianInto` and `hessianInto` write into. */
  readonly out?: string;
}

/** How a request is generated: as one function, or as functions laid out by a driver. */
export type Pipeline =
  | { readonly kind: 'function'; readonly generate: (pipelines: Pipelines, request: Request) => Derived }
  | { readonly kind: 'driver'; readonly plan: (pipelines: Pipelines, request: Request) => Plan };

const PIPELINES: Record<DifferentiatingApi, Pipeline> = {
  grad: { kind: 'function', generate: (p, request) => p.gradient(request) },
  valueAndGrad: { kind: 'function', generate: (p, request) => p.gradient(request) },
  derivative: { kind: 'function', generate: (p, request) => p.derivative(request) },
  jvp: { kind: 'function', generate: (p, request) => p.jvp(request) },
  vjp: { kind: 'driver', plan: (p, request) => p.vjp(request) },
  jacobian: { kind: 'driver', plan: (p, request) => p.jacobian(request, false) },
  jacobianInto: { kind: 'driver', plan: (p, request) => p.jacobian(request, true) },
  hessian: { kind: 'driver', plan: (p, request) => p.hessian(request, false) },
  hessianInto: { kind: 'driver', plan: (p, request) => p.hessian(request, true) },
  hvp: { kind: 'function', generate: (p, request) => p.hvp(request) },
};

/** `grad` and `valueAndGrad` by forward mode, one pushforward per input number: the test suite's oracle of reverse mode. */
const FORWARD_GRADIENT: Pipeline = { kind: 'driver', plan: (p, request) => p.gradientByColumns(request) };

/** The pipeline of a request; `gradients: 'forward'` computes first-order gradients by forward mode. */
export function pipelineOf(request: Request, gradients: 'reverse' | 'forward' | undefined): Pipeline {
  const byForward = gradients === 'forward' && (request.api === 'grad' || request.api === 'valueAndGrad') && !request.target.derived;
  return byForward ? FORWARD_GRADIENT : PIPELINES[request.api];
}

/** What the pipelines need of the file they generate into. */
export interface GenerationSite {
  readonly ts: typeof ts;
  readonly factory: ts.NodeFactory;
  readonly file: ts.SourceFile;
  readonly rules: () => RuleSet;
  readonly resolver: Resolver;
  /** The functions generated for the file, by key. */
  readonly generated: Map<string, Generated>;
  /** The IR of generated functions and custom rules, by key. */
  readonly derived: Map<string, Derived>;
  /** Names at the top level of the file. */
  readonly names: () => NameAllocator;
  readonly onGenerated: (target: string, api: string, node: ts.Node) => void;
  /** The name the file calls a driver of runtime/drivers.ts by, for generated code that calls it. */
  readonly driverName: (driver: DriverName) => string;
}

export class Pipelines {
  constructor(private readonly site: GenerationSite) {}

  private get rules(): RuleSet {
    return this.site.rules();
  }

  /** A request generated as one function: lower -> (analyse +) differentiate -> simplify. */
  differentiate(request: Request): Derived {
    const pipeline = PIPELINES[request.api];
    if (pipeline.kind !== 'function') throw new Error(`tapeless: ${request.api} is generated by a driver`);
    return pipeline.generate(this, request);
  }

  /** `grad`, `valueAndGrad`: reverse mode; of a generated function, pushforwards. */
  gradient(request: Request): Derived {
    const { primal, names } = this.primalOf(request);
    const result = { tuple: request.tuple, withValue: request.api === 'valueAndGrad' };
    if (request.target.derived)
      return { func: simplify(this.forwardGradient(primal, names, this.derivedCallee(request.target), request.wrt, result, request.call), names), names };
    return { func: this.fused(simplify(reverse(primal, { wrt: request.wrt, ...result }, this.rules, names, this.pullbacks), names), names), names };
  }

  /** A simplified gradient whose calls of a function and of its pullback at the same arguments are made one call (`fusePullbacks`). */
  private fused(func: Func, names: NameAllocator): Func {
    const fused = fusePullbacks(func, this.valueAndPullbacks, names);
    return fused === func ? func : simplify(fused, names);
  }

  /** `derivative`: forward mode seeded with 1 in the one selected number. */
  derivative(request: Request): Derived {
    const { primal, names } = this.primalOf(request, true);
    const index = request.wrt[0];
    const self = request.target.derived ? undefined : request.target.node;
    if (primal.params[index].shape)
      fail(
        self?.parameters[index] ?? request.call,
        Code.BadType,
        'derivative() differentiates with respect to one number; for an array or object use jvp() or jacobian().',
      );
    return {
      func: simplify(forward(primal, { wrt: request.wrt, seeds: [new Map([[index, num(1)]])], withValue: false }, this.rules, names, this.pushforwards), names),
      names,
    };
  }

  /** `jvp`: forward mode with a tangent for every parameter. */
  jvp(request: Request): Derived {
    const { primal, names } = this.primalOf(request, true);
    const rest = primal.params.find((param) => param.rest);
    if (rest)
      fail(
        rest.origin ?? request.call,
        Code.Unsupported,
        `jvp() takes one primal and one tangent per parameter, which a rest parameter does not have: declare '${writtenName(rest)}' as an array ('${writtenName(rest)}: number[]'), or use jacobian().`,
      );
    return {
      func: simplify(jvpOf(forward(primal, { wrt: primal.params.map((_, i) => i), withValue: true }, this.rules, names, this.pushforwards), names), names),
      names,
    };
  }

  /**
   * The function a request gives users, as emitted (not the IR that higher orders
   * differentiate): for `jvp`, with its value's class instances given their prototypes.
   */
  emitted(request: Request, { func, names }: Derived): Func {
    return request.api === 'jvp' ? this.withInstances(request, func, names) : func;
  }

  /** `func` returning the value of `request`'s function with the class instances its type declares made instances (backend/instances.ts). */
  private withInstances(request: Request, func: Func, names: NameAllocator): Func {
    if (request.target.derived) return func;
    const site = request.target.placement === 'inline' ? request.call : undefined;
    const plan = this.site.resolver.instancesOfResult(request.target, site);
    return plan ? withInstances(func, plan, this.site.driverName('instances'), names) : func;
  }

  /**
   * `vjp`: the value, and a pullback that runs reverse mode seeded with its cotangent (a
   * number, or an array for an array result) at the arguments of the call, kept as they were.
   */
  vjp(request: Request): Plan {
    this.originalOnly(request);
    const { primal, names } = this.primalOf(request, true);
    const seed = names.fresh('dy');
    const pullback = simplify(reverse(primal, { wrt: request.wrt, tuple: request.tuple, withValue: false, seed }, this.rules, names, this.pullbacks), names);
    const helpers = [
      { suffix: 'pullback', func: pullback },
      { suffix: 'value', func: this.withInstances(request, simplify(primal, names), names) },
    ];
    // Numbers are copied as they are passed; the parameters that may hold arrays or objects are copied whole.
    const copied = primal.params.filter((param, index) => param.shape || !request.wrt.includes(index)).map((param) => param.name);
    return {
      helpers,
      call: (drivers, [pullbackName, value], params) =>
        drivers.valueAndPullback(
          value,
          pullbackName,
          params,
          copied.filter((name) => params.includes(name)),
        ),
    };
  }

  /**
   * `jacobian`: for a number result, the gradient as one row; for an array result, vector
   * pushforwards (columns, LANES per pass) where one pass computes them all or f has fewer
   * inputs than outputs, else vector-Jacobian products (rows), chosen at run time. `into`
   * (`jacobianInto`): written into the matrix given first.
   */
  jacobian(request: Request, into: boolean): Plan {
    // One lowering serves every helper: the modes read the IR and never change it.
    const { primal, names } = this.primalOf(request, true);
    const { wrt } = request;
    const columns = vectorColumns(primal, wrt);
    const out = into ? names.fresh('out') : undefined;
    // Made only where needed, after the vector-Jacobian product: the order names are given out in.
    const byColumns = () => {
      const { func, rows } = this.vectorTangent(primal, names, wrt, columns, into);
      return { helpers: [{ suffix: 'tangent', func }], call: Pipelines.byColumns(columns, rows, out), out };
    };
    if (request.target.derived) return byColumns();
    const result = primal.result as Operand;
    const seed = Array.isArray(primal.result) || result.kind !== 'var' || !shapeOfValue(primal, result.name) ? undefined : names.fresh('dy');
    if (seed && columns.seeding === 'constants') return byColumns();
    const vjp = simplify(reverse(primal, { wrt, tuple: true, withValue: false, ...(seed ? { seed } : {}) }, this.rules, names, this.pullbacks), names);
    if (!seed) return { helpers: [{ suffix: 'gradient', func: vjp }], call: (drivers, [gradient], params) => drivers.gradientRow(gradient, params, out), out };
    const helpers = [
      { suffix: 'tangent', func: this.vectorTangent(primal, names, wrt, columns, into).func },
      { suffix: 'vjp', func: vjp },
      { suffix: 'value', func: simplify(primal, names) },
    ];
    return {
      helpers,
      call: (drivers, [tangents, rows, values], params, selected) => drivers.columnsOrRows(tangents, rows, values, params, selected, columns, out),
      out,
    };
  }

  /**
   * `hessian`: forward over reverse, the columns of the gradient's Jacobian by vector
   * pushforwards of the gradient; `into` (`hessianInto`): written into the matrix given first.
   */
  hessian(request: Request, into: boolean): Plan {
    this.originalOnly(request);
    const { func, names } = this.differentiate({ ...request, api: 'grad' });
    const columns = vectorColumns(func, request.wrt);
    const tangent = this.vectorTangent(func, names, request.wrt, columns, into);
    const out = into ? names.fresh('out') : undefined;
    return { helpers: [{ suffix: 'tangent', func: tangent.func }], call: Pipelines.byColumns(columns, tangent.rows, out), out };
  }

  /**
   * The vector pushforward of `func` that computes columns as `columns` says: seeded lane j
   * with 1 in the j-th selected number, or from the first column of the pass (a last
   * parameter), or with tangent parameters lane by lane. Columns of constant seeds made of
   * numbers known at compile time come back as the matrix's rows (`rows`), where no matrix
   * is given to write into.
   */
  private vectorTangent(func: Func, names: NameAllocator, wrt: readonly number[], columns: VectorColumns, into: boolean): { func: Func; rows: boolean } {
    const { lanes, seeding } = columns;
    const fromStart = seeding === 'start' ? startSeeds(func, wrt, lanes, names) : undefined;
    const seeds = seeding === 'constants' ? { seeds: unitSeeds(wrt) } : fromStart ? { seeds: fromStart.seeds, units: fromStart.units } : {};
    let pushforward = plainZeros(forward(func, { wrt, lanes, ...seeds, withValue: false }, this.rules, names, this.pushforwards));
    if (fromStart) pushforward = { ...pushforward, params: [...pushforward.params, fromStart.start], body: [...fromStart.prelude, ...pushforward.body] };
    const rows = seeding === 'constants' && !into ? returningRows(pushforward, columns) : undefined;
    return { func: simplify(rows ?? pushforward, names), rows: rows !== undefined };
  }

  /** How the driver lays out the columns of `vectorTangent`: none where it returns the rows. */
  private static byColumns(columns: VectorColumns, rows: boolean, out: string | undefined): Plan['call'] {
    return (drivers, [name], params, selected) => (rows ? drivers.direct(name, params) : drivers.columns(name, params, selected, columns, out));
  }

  /**
   * `hvp`: one pushforward of the gradient along `v` (forward over reverse), the last
   * argument: the Hessian's product with v, without the Hessian.
   */
  hvp(request: Request): Derived {
    const { func, names } = this.gradientTangent(request);
    const rest = func.params.find((param) => param.rest);
    if (rest)
      fail(
        rest.origin ?? request.call,
        Code.Unsupported,
        `hvp() takes f's arguments then v, which cannot follow a rest parameter: declare '${writtenName(rest)}' as an array ('${writtenName(rest)}: number[]').`,
      );
    return { func: simplify(request.tuple ? tangentsAsOne(func, request.wrt.length, names) : func, names), names };
  }

  /** The pushforward of the gradient, with a tangent parameter per selected parameter (after f's). */
  private gradientTangent(request: Request): Derived {
    this.originalOnly(request);
    const { func, names } = this.differentiate({ ...request, api: 'grad' });
    return { func: forward(func, { wrt: request.wrt, withValue: false }, this.rules, names, this.pushforwards), names };
  }

  /** Reverse mode does not differentiate reverse sweeps again: a generated target is refused. */
  private originalOnly(request: Request): void {
    if (request.target.derived)
      fail(request.call, Code.Unsupported, `${request.api}() of a function that is itself generated is not supported: apply it to the original function.`);
  }

  /** `grad` or `valueAndGrad` by forward mode (FORWARD_GRADIENT). */
  gradientByColumns(request: Request): Plan {
    const { primal, names } = this.primalOf(request);
    const tangent = { suffix: 'tangent', func: simplify(forward(primal, { wrt: request.wrt, withValue: false }, this.rules, names, this.pushforwards), names) };
    const helpers = request.api === 'grad' ? [tangent] : [tangent, { suffix: 'value', func: simplify(primal, names) }];
    return { helpers, call: (drivers, [columns, value], params, selected) => drivers.forwardGradient(columns, value, params, selected, request.tuple) };
  }

  /**
   * The gradient of a generated function (`grad(grad(g))`, or the pullback of a call such as
   * `grad(g)(x)`): reverse mode does not differentiate reverse sweeps again, so each selected
   * number gets a pushforward seeded with 1 (times `seed`, the adjoint of a pullback).
   */
  private forwardGradient(
    primal: Func,
    names: NameAllocator,
    callee: Callee,
    wrt: readonly number[],
    result: { tuple: boolean; withValue: boolean; seed?: string },
    at: ts.Node,
  ): Func {
    if (Array.isArray(primal.result))
      fail(
        at,
        Code.BadTarget,
        'the generated function returns several numbers (a tuple of gradients): select one parameter with wrt in the inner call, or use hessian().',
      );
    if (wrt.length === 1 && !result.seed && !primal.params[wrt[0]].shape)
      return forward(primal, { wrt, seeds: [new Map([[wrt[0], num(1)]])], withValue: result.withValue }, this.rules, names, this.pushforwards);
    const out = new Builder(names);
    const args = primal.params.map((param) => variable(param.name));
    const pairs = wrt.map((index) => {
      if (primal.params[index].shape)
        fail(
          at,
          Code.BadType,
          `${this.site.ts.isCallExpression(at) ? `'${at.getText()}': ` : ''}the gradient of a generated function is taken with respect to numbers only, and '${primal.params[index].name}' is not a number: differentiate a helper that takes the numbers it is built from as parameters and builds it, or use hessian() of the original function.`,
        );
      const name = this.pushforwards(callee, [index]);
      return out.op('call', [...args, num(1)], { role: 'temp' }, { key: `pushforward:${name}`, name, ref: { kind: 'ref', path: [name] } });
    });
    const gradients = pairs.map((pair) => {
      const tangent = out.op('element', [pair, num(1)], { role: 'temp' });
      return result.seed ? out.op('*', [tangent, variable(result.seed)], { role: 'temp' }) : tangent;
    });
    const gradient = result.tuple ? gradients : gradients[0];
    return {
      name: primal.name,
      params: [...primal.params, ...(result.seed ? [{ name: result.seed }] : [])],
      body: out.stmts,
      result: result.withValue ? [out.op('element', [pairs[0], num(0)], { role: 'temp' }), gradient] : gradient,
      origin: primal.origin,
    };
  }

  /** The IR of the function a request differentiates: lowered from source, or generated. */
  private primalOf(request: Request, arrayResult = false): { primal: Func; names: NameAllocator } {
    const { target } = request;
    // Code generated in place of the call reads names where the call is.
    if (!target.derived) {
      const site = target.placement === 'inline' ? request.call : undefined;
      return this.site.resolver.lowerTarget(target, request.wrt, arrayResult, site, request.api === 'jvp' ? request.call : undefined);
    }
    const { func, names } = this.derivedFunction(target.derived);
    return { primal: func, names };
  }

  /** A generated function that is differentiated again: generated once per file. */
  private derivedFunction(request: Request): Derived {
    const key = `derived:${request.key}`;
    let derived = this.site.derived.get(key);
    if (!derived) this.site.derived.set(key, (derived = this.differentiate(request)));
    return derived;
  }

  /**
   * A call of a generated function (`grad(g)(x)` or the target of `grad(grad(g))`): its IR is
   * known by key. With `called`, code calls it for its value: the function generated for the
   * request in this file (emitted here if the file has not generated it).
   */
  derivedCallee(target: Target, called = false): Callee {
    const request = target.derived!;
    const { func } = this.derivedFunction(request);
    const name = called ? this.generatedValue(request, func) : target.name;
    return { key: `derived:${request.key}`, name: target.name, ref: { kind: 'ref', path: [name] } };
  }

  /** The name of a function of this file computing what `request` generates. */
  private generatedValue(request: Request, func: Func): string {
    const { ts, factory, file } = this.site;
    const existing = this.site.generated.get(request.key) ?? this.site.generated.get(`value|${request.key}`);
    if (existing) return existing.name;
    const name = this.site.names().fresh(generatedName(ts, request));
    this.site.generated.set(`value|${request.key}`, { name, declaration: emitFunctionDeclaration(func, name, { ts, factory, file }, true) });
    return name;
  }

  /**
   * The pullback of a function that differentiated code calls: `h_pullback(…args, dy)`
   * returns the adjoints of the selected arguments. A recursive function's pullback calls
   * itself. Generated code (an inner gradient) has no reverse sweep of its own: its pullback
   * is made of pushforwards.
   */
  readonly pullbacks = (callee: Callee, wrt: readonly number[]): string => {
    const name = this.companion('pullback', callee, wrt, (primal, names, generated) => {
      const result = { tuple: wrt.length > 1, withValue: false, seed: names.fresh('dy') };
      return generated
        ? this.forwardGradient(primal, names, callee, wrt, result, callee.site ?? primal.origin!)
        : reverse(primal, { wrt, ...result, gradientsInto: true }, this.rules, names, this.pullbacks);
    });
    this.pullbackSources.set(name, { callee, wrt });
    return name;
  };

  /** What each pullback made differentiates, by its name. */
  private readonly pullbackSources = new Map<string, { readonly callee: Callee; readonly wrt: readonly number[] }>();

  /**
   * A function's value and pullback in one call, `h_valueAndPullback(…args, dy)` returning
   * `[value, adjoints]`, where `pullback` is the pullback of `primal` (see fusePullbacks).
   * Not for generated code, whose pullbacks are made of pushforwards.
   */
  private readonly valueAndPullbacks = (pullback: Callee, primal: Callee): Callee | undefined => {
    const source = this.pullbackSources.get(pullback.name);
    if (!source || source.callee.key !== primal.key || this.site.derived.has(primal.key)) return undefined;
    const { wrt } = source;
    const name = this.companion('valueAndPullback', source.callee, wrt, (func, names) =>
      reverse(func, { wrt, tuple: wrt.length > 1, withValue: true, seed: names.fresh('dy'), gradientsInto: true }, this.rules, names, this.pullbacks),
    );
    return { key: `valueAndPullback:${name}`, name, ref: { kind: 'ref', path: [name] } };
  };

  /**
   * The pushforward of a function that differentiated code calls: `h_pushforward(…args,
   * …tangents)` returns `[value, tangent]`; with several lanes (`h_pushforward_lanes16`), it
   * takes the tangents lane by lane and returns `[value, …tangents]`.
   */
  readonly pushforwards = (callee: Callee, wrt: readonly number[], lanes = 1): string =>
    this.companion(
      'pushforward',
      callee,
      wrt,
      (primal, names) => forward(primal, { wrt, withValue: true, lanes }, this.rules, names, this.pushforwards),
      lanes,
    );

  /**
   * A pullback or pushforward of a called function, generated once per file and selection,
   * from the function's source or, for generated code (a pullback, an inner gradient), from
   * its IR; `differentiate` makes it from the IR. Its IR is kept, for higher orders.
   */
  private companion(
    kind: 'pullback' | 'pushforward' | 'valueAndPullback',
    callee: Callee,
    wrt: readonly number[],
    differentiate: (primal: Func, names: NameAllocator, generated: boolean) => Func,
    lanes = 1,
  ): string {
    const { ts, factory, file } = this.site;
    const key = `${kind}|${callee.key}|${wrt.join(',')}${lanes === 1 ? '' : `|${lanes}`}`;
    const existing = this.site.generated.get(key);
    if (existing) return existing.name;
    const derived = this.site.derived.get(callee.key);
    if (!callee.target && !derived) this.site.resolver.withoutSource(callee);
    const target = callee.target as Target;
    const params = derived
      ? derived.func.params.map((param) => param.name)
      : [...(callee.method ? ['this'] : []), ...target.node.parameters.map((param, index) => parameterLabel(ts, param, index))];
    const all = wrt.length === params.length;
    const name = this.site
      .names()
      .fresh(`${callee.name}_${kind}${all ? '' : `_wrt_${wrt.map((i) => params[i]).join('_')}`}${lanes === 1 ? '' : `_lanes${lanes}`}`);
    // Registered before it is made: a recursive function's companion calls itself.
    const generated: Generated = { name };
    this.site.generated.set(key, generated);
    try {
      const { primal, names } = derived ? { primal: derived.func, names: derived.names } : this.site.resolver.lowerTarget(target, wrt);
      const simplified = simplify(differentiate(primal, names, derived !== undefined), names);
      // A pullback calls the pullbacks of the functions it calls, which may fuse as a gradient's do.
      const func = kind === 'pushforward' || derived ? simplified : this.fused(simplified, names);
      this.site.derived.set(`${kind}:${name}`, { func, names });
      generated.declaration = emitFunctionDeclaration(func, name, { ts, factory, file });
    } catch (error) {
      // Another request that needs it must fail the same way, not call a function never emitted.
      this.site.generated.delete(key);
      throw error;
    }
    this.site.onGenerated(callee.name, kind, generated.declaration);
    return name;
  }
}

/** The name of the code generated for a request: `f_grad`, `f_grad_wrt_y`. */
export function generatedName(tsApi: typeof ts, request: Request): string {
  const params = request.target.node.parameters;
  const all = request.wrt.length === params.length && request.wrt.every((index, i) => index === i);
  const wrt = all ? '' : `_wrt_${request.wrt.map((index) => parameterLabel(tsApi, params[index], index)).join('_')}`;
  return `${request.target.name}_${request.api}${wrt}`;
}

/** A parameter in a generated name: its own name, or its position where it is destructured (`{ cx, cy }`). */
function parameterLabel(tsApi: typeof ts, param: ts.ParameterDeclaration, index: number): string {
  return tsApi.isIdentifier(param.name) ? param.name.text : String(index);
}

/** `hvp`'s calling convention for several parameters: their tangents as one last parameter `v`, a tuple. */
function tangentsAsOne(pushforward: Func, count: number, names: NameAllocator): Func {
  const first = pushforward.params.length - count;
  const v = names.fresh('v');
  return {
    ...pushforward,
    params: [...pushforward.params.slice(0, first), { name: v }],
    body: [...elementsOf(v, pushforward.params.slice(first)), ...pushforward.body],
  };
}

/**
 * `jvp`'s calling convention: `(primals, tangents)`, one entry per parameter in each. A
 * parameter with a default value may be left out of both: its primal is then the default,
 * and its tangent zero (a default the body computes from other parameters has their tangents).
 */
function jvpOf(pushforward: Func, names: NameAllocator): Func {
  const count = pushforward.params.length / 2;
  const primals = names.fresh('primals');
  const tangents = names.fresh('tangents');
  const unpack: Stmt[] = pushforward.params.flatMap((param, i): Stmt[] => {
    const read = (name: string): Let => ({
      kind: 'let',
      name,
      expr: { op: 'element', args: [variable(i < count ? primals : tangents), num(i % count)] },
      role: 'user',
      ...(param.origin ? { origin: param.origin } : {}),
      ...(param.shape ? { shape: param.shape } : {}),
    });
    const primal = pushforward.params[i % count];
    // A default the body computes (`optional`) is read as given, undefined where left out: only its tangent needs a zero here.
    const leftOut = i < count ? primal.fallback : primal.fallback || primal.optional;
    if (!leftOut) return [read(param.name)];
    // `let k = primals[1]; if (k_given === undefined) { k = default }`, and the tangent 0 likewise.
    const given = names.fresh(`${param.name}_given`);
    const omitted = names.fresh('omitted');
    let fallback: { readonly body: Block; readonly value: Operand } = { body: [], value: num(0) };
    if (i < count) fallback = primal.fallback!;
    else if (param.shape) {
      const zero = names.fresh('zero');
      fallback = {
        body: [{ kind: 'let', name: zero, expr: { op: 'zeros', args: [variable(primal.name)], shape: param.shape }, role: 'temp' }],
        value: variable(zero),
      };
    }
    return [
      read(given),
      { kind: 'let', name: omitted, expr: { op: '===', args: [variable(given), UNDEFINED] }, role: 'temp' },
      {
        kind: 'if',
        cond: variable(omitted),
        then: fallback.body,
        else: [],
        phis: [{ name: param.name, then: fallback.value, else: variable(given), role: 'user' }],
      },
    ];
  });
  return { ...pushforward, params: [{ name: primals }, { name: tangents }], body: [...unpack, ...pushforward.body] };
}

/** Parameters given as the entries of one list: `const param = list[i]` for each. */
function elementsOf(list: string, params: readonly Param[]): Let[] {
  return params.map((param, i) => ({
    kind: 'let',
    name: param.name,
    expr: { op: 'element', args: [variable(list), num(i)] },
    role: 'user',
    ...(param.origin ? { origin: param.origin } : {}),
    ...(param.shape ? { shape: param.shape } : {}),
  }));
}

/** A parameter's name as the user wrote it (the IR's may have been renamed). */
function writtenName(param: Param): string {
  const declaration = param.origin as ts.ParameterDeclaration | undefined;
  return declaration?.name ? declaration.name.getText() : param.name;
}
