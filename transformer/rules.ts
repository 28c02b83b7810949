import * as fs from 'fs';
import * as path from 'path';
import type * as ts from 'typescript';
import type { Builder } from './builder';
import { Code, fail } from './diagnostics';
import { type Func, type Operand, type Result, resultOperands } from './ir';
import { lowerFunction } from './lower';
import { NameAllocator } from './names';
import type { Derivative } from './ops';

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

export function loadRules(tsApi: typeof ts): RuleSet {
  const fileName = path.join(__dirname, '..', 'runtime', 'rules.js');
  const file = tsApi.createSourceFile(fileName, fs.readFileSync(fileName, 'utf8'), tsApi.ScriptTarget.Latest, true, tsApi.ScriptKind.JS);
  const tables = new Map<string, Map<string, Func>>();
  for (const statement of file.statements) {
    if (!tsApi.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const table = declaration.name.getText();
      if (!(RULE_TABLES as readonly string[]).includes(table) || !declaration.initializer || !tsApi.isObjectLiteralExpression(declaration.initializer)) continue;
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
    if (!tsApi.isPropertyAssignment(property) || !tsApi.isArrowFunction(property.initializer)) continue;
    const name = tsApi.isStringLiteral(property.name) ? property.name.text : property.name.getText();
    const names = new NameAllocator(new Set(), []);
    const env = {
      ts: tsApi,
      names,
      rule: true,
      outer: (identifier: ts.Identifier) => fail(identifier, Code.Internal, `a derivative rule may only read its parameters and Math, not '${identifier.text}'.`),
      apiName: () => undefined,
    };
    rules.set(name, lowerFunction(property.initializer, env, name));
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
    bound.set(stmt.name, builder.op(stmt.expr.op, stmt.expr.args.map(substitute), { role: 'temp', origin }));
  }
  return resultOperands(rule.result as Result).map(substitute);
}
