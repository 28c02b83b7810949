import type * as ts from 'typescript';
import type { Builder } from '../ir/builder';
import { Code, fail } from '../driver/diagnostics';
import { type RuntimeSources, readRuntimeSource } from '../driver/runtime-source';
import { type Func, type Let, type Operand, type Result, num, resultOperands, variable } from '../ir/ir';
import { lowerFunction } from '../frontend/lower/lower';
import { NameAllocator } from '../ir/names';
import { type Derivative, opInfo } from './registry';

/**
 * The derivative rules, read from `runtime/rules.ts` (as compiled JavaScript) and lowered to
 * IR with the same lowering as user code. A rule is an IR function of the operation's
 * arguments and result that returns the partial derivatives.
 */
export interface RuleSet {
  /** The rule of a fixed-arity operation; for variadic ones, the rule of one argument. */
  readonly get: (derivative: Extract<Derivative, { name: string }>) => Func;
}

const RULE_TABLES = ['operatorRules', 'mathRules', 'variadicMathRules'] as const;

export function loadRules(tsApi: typeof ts, given?: RuntimeSources): RuleSet {
  const { fileName, text } = readRuntimeSource('rules', given);
  const file = tsApi.createSourceFile(fileName, text, tsApi.ScriptTarget.Latest, true, tsApi.ScriptKind.JS);
  const tables = new Map<string, Map<string, Func>>();
  for (const statement of file.statements) {
    if (!tsApi.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const table = declaration.name.getText();
      if (!(RULE_TABLES as readonly string[]).includes(table) || !declaration.initializer || !tsApi.isObjectLiteralExpression(declaration.initializer))
        continue;
      tables.set(table, lowerTable(tsApi, declaration.initializer));
    }
  }
  return {
    get(derivative) {
      const table = derivative.kind === 'variadic' ? 'variadicMathRules' : derivative.table;
      const rule = tables.get(table)?.get(derivative.name);
      if (!rule) throw new Error(`tapeless: no derivative rule '${derivative.name}' in ${table} of ${fileName}`);
      return rule;
    },
  };
}

function lowerTable(tsApi: typeof ts, table: ts.ObjectLiteralExpression): Map<string, Func> {
  const rules = new Map<string, Func>();
  for (const property of table.properties) {
    if (!tsApi.isPropertyAssignment(property)) continue;
    // `name: withDerivative(fn, rule)`, as users give rules; a variadic rule is the arrow alone.
    const given = property.initializer;
    const rule = tsApi.isCallExpression(given) && given.expression.getText() === 'withDerivative' ? given.arguments[1] : given;
    if (!rule || !tsApi.isArrowFunction(rule)) continue;
    const name = tsApi.isStringLiteral(property.name) ? property.name.text : property.name.getText();
    const names = new NameAllocator(new Set(), []);
    const env = {
      ts: tsApi,
      names,
      rule: true,
      outer: (identifier: ts.Identifier) =>
        fail(identifier, Code.Internal, `a derivative rule may only read its parameters and Math, not '${identifier.text}'.`),
      apiName: () => undefined,
    };
    rules.set(name, lowerFunction(rule, env, name));
  }
  return rules;
}

/**
 * Instantiates a rule for one operation: appends the rule's body to `builder` with the
 * rule's parameters bound to `inputs` (the arguments, then the result), and returns the
 * partial derivatives, one per argument.
 */
export function instantiate(rule: Func, inputs: readonly Operand[], builder: Builder, origin?: ts.Node): Operand[] {
  const bound = new Map<string, Operand>(rule.params.map((param, i) => [param.name, inputs[i]]));
  const substitute = (operand: Operand): Operand => (operand.kind === 'var' ? (bound.get(operand.name) ?? operand) : operand);
  for (const stmt of rule.body) {
    if (stmt.kind !== 'let') throw new Error(`tapeless: the rule ${rule.name} must be one expression`);
    bound.set(stmt.name, builder.op(stmt.expr.op, stmt.expr.args.map(substitute), { role: 'temp', origin }, stmt.expr.callee, stmt.expr.field));
  }
  return resultOperands(rule.result as Result).map(substitute);
}

/** The partial derivative of a statement's value with respect to each argument: what every mode multiplies by. */
export function partialDerivatives(stmt: Let, rules: RuleSet, builder: Builder): Operand[] {
  const derivative = opInfo(stmt.expr.op).derivative;
  const result = variable(stmt.name);
  switch (derivative.kind) {
    case 'zero':
      return stmt.expr.args.map(() => num(0));
    case 'identity':
      return [num(1)];
    case 'rule':
      return instantiate(rules.get(derivative), [...stmt.expr.args, result], builder, stmt.origin);
    case 'variadic': {
      const rule = rules.get(derivative);
      return stmt.expr.args.map((arg) => instantiate(rule, [arg, result], builder, stmt.origin)[0]);
    }
    case 'pullback':
      // A function with a rule of its own (`withDerivative`) is differentiated like an operation.
      if (stmt.expr.callee?.rule) return instantiate(stmt.expr.callee.rule(), [...stmt.expr.args, result], builder, stmt.origin);
      throw new Error(`tapeless: ${stmt.expr.op} is differentiated by its pullback`);
    case 'load':
    case 'store':
    case 'arrayOf':
      throw new Error(`tapeless: ${stmt.expr.op} is differentiated by the sweep itself`);
  }
}

/**
 * `product`, `factor × partial` as the mode wrote it, for an operation whose partial may be
 * infinite (see Singularity), with `factor` an adjoint or a tangent: 0 where the factor is 0
 * and the partial is not finite, not NaN. It tests the partial as well as the factor: a factor that is 0 at this point but
 * not around it (the adjoint `c * v` at c = 0) keeps its derivative where code differentiates
 * this code again (a Hessian), which a test of the factor alone would drop.
 */
export function strongProduct(builder: Builder, factor: Operand, partial: Operand, product: Operand, origin: ts.Node | undefined): Operand {
  const temp = { role: 'temp', origin } as const;
  const kept = builder.op('or', [builder.op('!==', [factor, num(0)], temp), builder.op('isFinite', [partial], temp)], temp);
  return builder.op('select', [kept, product, num(0)], temp);
}
