import { activeVariables } from './analysis';
import { Builder } from './builder';
import { type Func, type Operand, type Result, type Stmt, isNum, num, variable } from './ir';
import type { NameAllocator } from './names';
import { opInfo } from './ops';
import { instantiate, type RuleSet } from './rules';

export interface ReverseRequest {
  /** Indices of the parameters to differentiate with respect to, in result order. */
  readonly wrt: readonly number[];
  /** One selected parameter gives its gradient alone; otherwise a tuple. */
  readonly tuple: boolean;
  /** Return `[value, gradient]` instead of the gradient. */
  readonly withValue: boolean;
}

/**
 * Reverse mode: the primal body, then the adjoint of every active variable in reverse
 * order, each written once as the sum of the contributions of its uses (`a_bar = …`),
 * exactly as the derivation is done by hand. No tape: the reverse sweep reads the primal
 * variables directly.
 */
export function reverse(primal: Func, request: ReverseRequest, rules: RuleSet, names: NameAllocator): Func {
  if (Array.isArray(primal.result)) throw new Error('tapeless: reverse mode needs a function with one number result');
  const output = primal.result as Operand;
  const selected = new Set(request.wrt.map((index) => primal.params[index].name));
  const active = activeVariables(primal, selected);
  const builder = new Builder(names, primal.body);
  const contributions = new Map<string, Operand[]>();
  const contribute = (name: string, term: Operand) => {
    const terms = contributions.get(name);
    if (terms) terms.push(term);
    else contributions.set(name, [term]);
  };
  // Terms created here are read once, by the sum: the sum may take them over and name them.
  const termTemps = new Set<string>();
  const adjoint = (name: string, origin: Stmt['origin'], role: Stmt['role']): Operand => {
    const terms = contributions.get(name) ?? [];
    const options = { role, name: role === 'temp' ? undefined : names.fresh(`${name}_bar`), origin };
    const only = terms.length === 1 ? terms[0] : undefined;
    if (only && only.kind === 'var' && termTemps.has(only.name)) return builder.rename(only, options);
    return builder.sum(terms, num(0), options);
  };

  if (output.kind === 'var' && active.has(output.name)) contribute(output.name, num(1));
  for (let i = primal.body.length - 1; i >= 0; i--) {
    const stmt = primal.body[i];
    if (!active.has(stmt.name) || !contributions.has(stmt.name)) continue;
    const bar = adjoint(stmt.name, stmt.origin, stmt.role === 'user' ? 'adjoint' : 'temp');
    const partials = partialDerivatives(stmt, rules, builder);
    stmt.expr.args.forEach((arg, index) => {
      if (arg.kind !== 'var' || !active.has(arg.name)) return;
      const partial = partials[index];
      // A structurally zero partial contributes nothing, even where the adjoint is ±∞ or NaN.
      if (isNum(partial, 0) || isNum(partial, -0)) return;
      const before = builder.stmts.length;
      const term = builder.op('*', [bar, partial], { role: 'temp', origin: stmt.origin });
      if (builder.stmts.length > before && term.kind === 'var') termTemps.add(term.name);
      contribute(arg.name, term);
    });
  }

  const gradients = request.wrt.map((index) => {
    const param = primal.params[index];
    return adjoint(param.name, param.origin, 'adjoint');
  });
  const gradient: Result = request.tuple ? gradients : gradients[0];
  return {
    name: primal.name,
    params: primal.params,
    body: [...primal.body, ...builder.stmts],
    result: request.withValue ? [output, gradient] : gradient,
    origin: primal.origin,
  };
}

/** The partial derivative of a statement's value with respect to each argument. */
function partialDerivatives(stmt: Stmt, rules: RuleSet, builder: Builder): Operand[] {
  const derivative = opInfo(stmt.expr.op).derivative;
  const result = variable(stmt.name);
  switch (derivative.kind) {
    case 'zero':
      return stmt.expr.args.map(() => num(0));
    case 'identity':
      return [num(1)];
    case 'rule':
      return instantiate(rules.get(derivative), [...stmt.expr.args, result], builder);
    case 'variadic': {
      const rule = rules.get(derivative);
      return stmt.expr.args.map((arg) => instantiate(rule, [arg, result], builder)[0]);
    }
  }
}
