// Reverse mode, the entry point: the gradient of a function (or the pullback of a called
// one) is the primal body, recording what its sweep needs, then the sweep (./sweep.ts).
// README.md in this folder is the design.
import { activeVariables } from '../activity';
import { Builder } from '../../ir/builder';
import { type Callee, type Func, type Let, type Operand, type Result, num, operandsRead, variable } from '../../ir/ir';
import { namesDefined, shapeOfValue } from '../../ir/definitions';
import type { NameAllocator } from '../../ir/names';
import { directReads } from './rereads';
import { ReverseSweep, Scope } from './sweep';
import { recordLoads } from './stream';
import { type RuleSet } from '../../ops/rules';

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
 * Control flow (see transformer/modes/reverse/README.md): the reverse of a branch recomputes the branch
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
  const { body, stream } = recordLoads(directReads(primal), sweep.active, names);
  sweep.stream = stream;
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
    return [
      {
        kind: 'let' as const,
        name,
        expr: { op: 'zeros' as const, args: [variable(param.name)], shape: param.shape },
        role: 'adjoint' as const,
        origin: param.origin,
      },
    ];
  });
  const seed = request.seed ? variable(request.seed) : num(1);
  const outputShape = output.kind === 'var' ? shapeOfValue(primal, output.name) : undefined;
  if (outputShape && !request.seed) throw new Error('tapeless: the gradient of an array result needs a seed array');
  if (!outputShape && output.kind === 'var' && sweep.isActive(output.name)) sweep.contribute(top, output.name, seed);
  // An array or object result (a vector-Jacobian product) adds the seed into its gradient first.
  const seedResult =
    outputShape && output.kind === 'var'
      ? () => sweep.seedResult(top, output.name, request.seed!, outputShape, onlyReturnedLiteral(primal, output.name))
      : undefined;
  const forward = sweep.block(body, top, seedResult);
  const returned = request.gradientsInto ? request.wrt.filter((index) => !primal.params[index].shape) : request.wrt;
  const gradients = returned.map((index) => {
    const param = primal.params[index];
    const shadow = sweep.shadows.get(param.name);
    return shadow ? variable(shadow) : sweep.adjoint(top, param.name, param.origin, 'adjoint');
  });
  const gradient: Result = request.gradientsInto
    ? gradients.length === 1
      ? gradients[0]
      : gradients.length === 0
        ? num(0)
        : gradients
    : request.tuple
      ? gradients
      : gradients[0];
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

/** Whether `name` is an array literal of the function's top level (`[x, y]`) that no statement reads: only returned. */
function onlyReturnedLiteral(primal: Func, name: string): boolean {
  const literal = primal.body.some((stmt) => stmt.kind === 'let' && stmt.name === name && stmt.expr.op === 'arrayOf' && stmt.expr.args.length > 0);
  return literal && !primal.body.some((stmt) => operandsRead(stmt).some((operand) => operand.kind === 'var' && operand.name === name));
}
