// Lowering of code that differentiated code runs as written, for its effect: `console.log(…)`
// and its siblings, and `throw …`. Their expressions are not differentiated (a message may
// be any JavaScript: template strings, method calls on numbers); the variables they read
// become holes that read the current values, so the generated code logs or throws exactly
// what the user's function would have.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import type { Operand } from '../../ir/ir';
import { walk } from '../walk';
import { isInside } from '../effects';
import { type Lowering, TRUE } from './lowering';
import { snapshot } from './objects';
import { outerValue } from './expressions';

/** `console.log(…)` (or another method of `console`) as a statement: run once, in the forward pass. */
export function consoleCall(lx: Lowering, statement: ts.ExpressionStatement): boolean {
  const { ts } = lx;
  const call = statement.expression;
  if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression) || !ts.isIdentifier(call.expression.expression)) return false;
  if (!lx.isGlobal(call.expression.expression, 'console')) return false;
  verbatim(lx, 'sideEffect', call, statement);
  return true;
}

/**
 * `throw new TypeError(message)`: JavaScript's own error where the user's code throws it
 * (`xs.reduce(f)` of an empty array), not the user's expression run again, which may call
 * functions the generated code cannot name.
 */
export function throwTypeError(lx: Lowering, message: string, origin: ts.Node): void {
  const { factory } = lx.ts;
  const error = factory.createNewExpression(factory.createIdentifier('TypeError'), undefined, [factory.createStringLiteral(message)]);
  lx.effect('throw', [], { node: error, holes: [] }, origin);
  lx.threw = true;
}

/**
 * `throw error`: thrown where the user's function throws; the path ends there. The returned
 * flag stops the code after it where no branch around it merges the path away (a throw at
 * the top of a function's or a loop's body).
 */
export function throwStatement(lx: Lowering, statement: ts.ThrowStatement): void {
  verbatim(lx, 'throw', statement.expression, statement);
  lx.returned.value = TRUE;
  lx.threw = true;
}

function verbatim(lx: Lowering, op: 'sideEffect' | 'throw', node: ts.Expression, origin: ts.Node): void {
  const { ts } = lx;
  const holes: ts.Expression[] = [];
  const args: Operand[] = [];
  walk(ts, node, (inner) => {
    if (ts.isTypeNode(inner)) return 'skip';
    if (inner.kind === ts.SyntaxKind.ThisKeyword) {
      const self = lx.lookup('#this');
      if (!self) fail(inner, Code.Unsupported, "'this' outside a method of a class cannot be read here: pass the value as a parameter.");
      holes.push(inner as ts.Expression);
      args.push(snapshot(lx, lx.current(self, inner), inner));
      return 'skip';
    }
    if (!ts.isIdentifier(inner) || !readsValue(ts, inner)) return undefined;
    // Names the expression declares itself (an arrow's parameters) stay as they are.
    const checker = lx.env.checker;
    const symbol = ts.isShorthandPropertyAssignment(inner.parent)
      ? checker?.getShorthandAssignmentValueSymbol(inner.parent)
      : checker?.getSymbolAtLocation(inner);
    const declaration = symbol?.valueDeclaration;
    if (declaration && isInside(declaration, node)) return undefined;
    const binding = lx.lookup(inner.text);
    if (binding) {
      holes.push(inner);
      args.push(snapshot(lx, lx.current(binding, inner), inner));
    } else if (!isGlobalName(lx, inner)) {
      holes.push(inner);
      args.push(outerValue(lx, inner));
    }
    return undefined;
  });
  lx.effect(op, args, { node, holes }, origin);
}

/** Whether an identifier reads a variable (not a property name, a label or a declaration's name). */
function readsValue(tsApi: typeof ts, identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  if (tsApi.isPropertyAccessExpression(parent) && parent.name === identifier) return false;
  if ((tsApi.isPropertyAssignment(parent) || tsApi.isMethodDeclaration(parent) || tsApi.isPropertyDeclaration(parent)) && parent.name === identifier)
    return false;
  if (tsApi.isParameter(parent) || tsApi.isVariableDeclaration(parent) || tsApi.isFunctionDeclaration(parent) || tsApi.isBindingElement(parent))
    return parent.name !== identifier;
  return !tsApi.isLabeledStatement(parent) && !tsApi.isBreakOrContinueStatement(parent);
}

/** A global of TypeScript's libraries (`Error`, `console`, `Math`, `JSON`): read as it is. */
function isGlobalName(lx: Lowering, identifier: ts.Identifier): boolean {
  return identifier.text === 'undefined' || lx.isGlobal(identifier, identifier.text);
}
