// Lowering of statements: declarations, destructuring, labels, break and continue.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Operand, UNDEFINED, num } from '../../ir/ir';
import { isDataType } from '../../ir/shapes';
import { consoleCall, throwStatement } from './verbatim';
import { type Lowering, TRUE } from './lowering';
import { entryMissing, fieldLoad, load } from './arrays';
import { restOf } from './array-methods';
import { branch, guarded, switchStatement } from './control';
import { expression, named } from './expressions';
import { functionValue } from './functions';
import { forLoop, forOf, loop, whileParts } from './loops';
import { returnedValue } from './matrices';
import { sourceText } from '../quoting';
import { skipTypeSyntax } from '../type-syntax';

/**
 * A statement list. Once a statement may have jumped (break, continue, return), the rest
 * of the list runs only where no flag is set: it is wrapped in `if (!flags)`.
 */
export function statements(lx: Lowering, list: readonly ts.Statement[]): void {
  hoistFunctions(lx, list);
  for (let i = 0; i < list.length; i++) {
    statement(lx, list[i], i === list.length - 1);
    if (!lx.mayHaveJumped()) continue;
    const rest = list.slice(i + 1);
    if (rest.length > 0 && !lx.hasJumped()) guarded(lx, list[i + 1], () => statements(lx, rest), true);
    return;
  }
}

/** `endsScope`: the statement is the last of its list, after which nothing reads the variables of its scope. */
export function statement(lx: Lowering, node: ts.Statement, endsScope = false): void {
  const { ts } = lx;
  if (ts.isVariableStatement(node)) return variables(lx, node.declarationList);
  if (ts.isExpressionStatement(node)) {
    if (!consoleCall(lx, node)) expression(lx, node.expression);
    return;
  }
  if (ts.isThrowStatement(node)) return throwStatement(lx, node);
  if (ts.isBlock(node)) return lx.scoped(() => statements(lx, node.statements));
  if (ts.isEmptyStatement(node) || ts.isTypeAliasDeclaration(node) || ts.isInterfaceDeclaration(node)) return;
  // Declared where its block starts (hoistFunctions); an overload signature has no code.
  if (ts.isFunctionDeclaration(node) && (node.name || !node.body)) return;
  if (ts.isReturnStatement(node)) {
    // An inlined helper may return nothing (TypeScript checks that its type allows it).
    if (!node.expression && lx.inlining.length === 0) fail(node, Code.BadTarget, "the function must return a number, but this 'return' has no value.");
    if (node.expression) {
      if (lx.inlining.length === 0) lx.requireResult(node.expression);
      const value = expression(lx, node.expression);
      if (lx.isAggregate(value) && insideLoop(ts, node))
        fail(
          node,
          Code.Unsupported,
          "returning an array or object from inside a loop is not supported yet: keep it in a variable declared before the loop, leave the loop with 'break', and return the variable after it.",
        );
      lx.result.value = returnedValue(lx, value, node.expression, lx.inlining.length > 0);
    }
    lx.returned.value = TRUE;
    return;
  }
  if (ts.isIfStatement(node)) {
    const cond = expression(lx, node.expression);
    const otherwise = node.elseStatement;
    // A condition known at compile time (the kind of a table's entry: tables.ts): only the side taken.
    if (cond.kind === 'num') {
      const taken = cond.value ? node.thenStatement : otherwise;
      if (taken) lx.scoped(() => statement(lx, taken));
      return;
    }
    branch(
      lx,
      cond,
      node,
      lx.holding(cond, () => lx.scoped(() => statement(lx, node.thenStatement))),
      otherwise && (() => lx.scoped(() => statement(lx, otherwise))),
      endsScope,
    );
    return;
  }
  if (ts.isForStatement(node)) return forLoop(lx, node, []);
  if (ts.isWhileStatement(node)) return loop(lx, node, [], whileParts(lx, node.expression, node.statement, true));
  if (ts.isDoStatement(node)) return loop(lx, node, [], whileParts(lx, node.expression, node.statement, false));
  if (ts.isForOfStatement(node)) return forOf(lx, node, []);
  if (ts.isSwitchStatement(node)) return switchStatement(lx, node, []);
  if (ts.isLabeledStatement(node)) return labelled(lx, node, []);
  if (ts.isBreakStatement(node) || ts.isContinueStatement(node)) return jump(lx, node);
  if (ts.isTryStatement(node))
    fail(
      node,
      Code.Unsupported,
      "a 'try' statement cannot be differentiated: put the try … catch outside the differentiated function, around the call of its gradient, and test here with 'if' what would fail ('throw' is supported: the gradient throws where the function does).",
    );
  const advice = statementAdvice(ts, node);
  if (advice) fail(node, Code.Unsupported, `${describeStatement(ts, node)} cannot be differentiated: ${advice}.`);
  fail(node, Code.Unsupported, `${describeStatement(ts, node)} cannot be differentiated yet (see README, "What can be differentiated").`);
}

/** What to write instead of a statement tapeless does not differentiate, in the user's terms. */
function statementAdvice(tsApi: typeof ts, node: ts.Statement): string | undefined {
  if (tsApi.isForInStatement(node))
    return `read the fields by name ('${sourceText(node.expression)}.x'), or keep the numbers in an array and loop over it ('for (const v of …)')`;
  if (tsApi.isWithStatement(node)) return `name the object in each read ('${sourceText(node.expression)}.x')`;
  if (node.kind === tsApi.SyntaxKind.DebuggerStatement) return 'remove it, and debug the function itself, called without tapeless';
  if (tsApi.isClassDeclaration(node)) return 'declare the class at the top level of a module, where differentiated code can construct it';
  return undefined;
}

export function variables(lx: Lowering, list: ts.VariableDeclarationList): void {
  const { ts } = lx;
  const mutable = (list.flags & ts.NodeFlags.Let) !== 0;
  if (!mutable && (list.flags & ts.NodeFlags.Const) === 0) fail(list, Code.Unsupported, "'var' declarations are not supported: use 'let' or 'const'.");
  for (const declaration of list.declarations) {
    const { name, initializer } = declaration;
    const fn = initializer && ts.isIdentifier(name) ? functionValue(lx, initializer) : undefined;
    if (fn) {
      lx.declareFunction((name as ts.Identifier).text, { ...fn, name: (name as ts.Identifier).text });
    } else if (ts.isIdentifier(name)) {
      lx.declare(name.text, initializer ? named(lx, initializer, name.text, declaration) : undefined, mutable, mutable && holdsData(lx, declaration));
    } else {
      if (!initializer) fail(declaration, Code.Unsupported, 'a destructuring declaration needs a value.');
      requireNoEmptyFallback(lx, name, initializer);
      destructure(lx, name, expression(lx, initializer), mutable);
    }
  }
}

/**
 * `const { scale = 2 } = opts ?? {}` (an optional object's fields, or their defaults): a
 * diagnostic that writes each field read through the chain instead, which differentiated code
 * follows (it does not keep an object that may be the caller's or a literal in one variable).
 */
function requireNoEmptyFallback(lx: Lowering, pattern: ts.BindingPattern, initializer: ts.Expression): void {
  const { ts } = lx;
  const value = skipTypeSyntax(ts, initializer);
  if (!ts.isObjectBindingPattern(pattern) || !ts.isBinaryExpression(value)) return;
  const fallback = skipTypeSyntax(ts, value.right);
  const operator = value.operatorToken.kind;
  if (
    ![ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(operator) ||
    !ts.isObjectLiteralExpression(fallback) ||
    fallback.properties.length > 0
  )
    return;
  const checker = lx.env.checker;
  if (!checker || checker.getNonNullableType(lx.typeAt(value.left)) === lx.typeAt(value.left)) return;
  const object = sourceText(value.left);
  const reads = pattern.elements.map((element) => {
    if (!ts.isIdentifier(element.name) || element.dotDotDotToken || (element.propertyName && !ts.isIdentifier(element.propertyName))) return undefined;
    const field = element.propertyName?.getText() ?? element.name.text;
    return `const ${element.name.text} = ${object}?.${field}${element.initializer ? ` ?? ${sourceText(element.initializer)}` : ''};`;
  });
  if (reads.some((read) => read === undefined)) return;
  fail(
    value,
    Code.Unsupported,
    `'${sourceText(value)}' chooses between '${object}' and an empty object, which differentiated code does not keep in one variable: read each field through the chain ('${reads.join(' ')}').`,
  );
}

/**
 * The function declarations of a block, declared before its first statement runs (as
 * JavaScript hoists them): each sees the block's variables, and is inlined where it is called.
 */
function hoistFunctions(lx: Lowering, list: readonly ts.Statement[]): void {
  const { ts } = lx;
  const scope = lx.scopes[lx.scopes.length - 1];
  for (const node of list) {
    if (!ts.isFunctionDeclaration(node) || !node.name || !node.body || scope.get(node.name.text)?.fn?.node === node) continue;
    lx.declareFunction(node.name.text, { node, name: node.name.text, scopes: lx.scopes.slice(), within: lx.within() });
  }
}

/**
 * Whether a variable or parameter holds a string or a boolean (`let mode = 'warmup'`, `let label:
 * string | undefined`, a parameter `on: boolean` reassigned): a loop carries it as data, as it
 * is, not in the numbers it records.
 */
function holdsData(lx: Lowering, node: ts.Node): boolean {
  const checker = lx.env.checker;
  return !!checker && isDataType(lx.ts, checker.getNonNullableType(lx.typeAt(node)));
}

/** Binds the names of a pattern (`{ w, b }`, `[x, y]`, nested) to reads of `value`'s parts. */
export function destructure(lx: Lowering, pattern: ts.BindingName, value: Operand, mutable: boolean): void {
  const { ts } = lx;
  if (ts.isIdentifier(pattern)) return lx.declare(pattern.text, value, mutable, mutable && holdsData(lx, pattern));
  pattern.elements.forEach((element: ts.ArrayBindingElement, k: number) => {
    if (ts.isOmittedExpression(element)) return;
    if (element.dotDotDotToken) return destructure(lx, element.name, restOf(lx, element, element.name, value, k), mutable);
    const userName = ts.isIdentifier(element.name) ? element.name.text : undefined;
    const shape = lx.shapeAt(element, false);
    if (element.initializer && shape && shape.kind !== 'number')
      fail(
        element.initializer,
        Code.Unsupported,
        'default values in destructuring are supported for numbers and data: for an array or object, destructure it without a default and choose in a statement of its own (const v = o.v ?? …).',
      );
    const read = (): Operand => {
      if (!ts.isObjectBindingPattern(pattern)) return load(lx, value, num(k), shape, element, userName);
      const key = element.propertyName ?? element.name;
      if (!ts.isIdentifier(key)) fail(key, Code.Unsupported, 'computed names in destructuring are not supported.');
      return fieldLoad(lx, value, key.text, shape, element, userName);
    };
    // `[a, b = 2]`, `{ q = 3 }`: the default where the element or field is undefined (past the
    // end of an array, left out of an object). The value is read only on the side that uses it,
    // so that reverse mode adds into the gradient's entry only there: an entry past the end of
    // the gradient's array would make it longer, with NaN.
    const initializer = element.initializer;
    const missing = () => (ts.isObjectBindingPattern(pattern) ? lx.op('===', [read(), UNDEFINED], element) : entryMissing(lx, value, num(k), element));
    const part = initializer ? branch(lx, missing(), element, () => expression(lx, initializer), read)! : read();
    destructure(lx, element.name, part, mutable);
  });
}

export function labelled(lx: Lowering, statement: ts.LabeledStatement, labels: readonly string[]): void {
  const { ts } = lx;
  const all = [...labels, statement.label.text];
  const inner = statement.statement;
  if (ts.isLabeledStatement(inner)) return labelled(lx, inner, all);
  if (ts.isForStatement(inner)) return forLoop(lx, inner, all);
  if (ts.isWhileStatement(inner)) return loop(lx, inner, all, whileParts(lx, inner.expression, inner.statement, true));
  if (ts.isDoStatement(inner)) return loop(lx, inner, all, whileParts(lx, inner.expression, inner.statement, false));
  if (ts.isForOfStatement(inner)) return forOf(lx, inner, all);
  if (ts.isSwitchStatement(inner)) return switchStatement(lx, inner, all);
  fail(statement, Code.Unsupported, 'only loops and switch statements can be labelled.');
}

export function jump(lx: Lowering, statement: ts.BreakStatement | ts.ContinueStatement): void {
  const { ts } = lx;
  const label = statement.label?.text;
  const isBreak = ts.isBreakStatement(statement);
  const target = [...lx.targets].reverse().find((candidate) => (label ? candidate.labels.includes(label) : isBreak || candidate.kind === 'loop'));
  if (!target || (!isBreak && !target.continued)) fail(statement, Code.Unsupported, `this '${isBreak ? 'break' : 'continue'}' has no target tapeless can see.`);
  (isBreak ? target.broke : target.continued!).value = TRUE;
}

/** Whether a statement is inside a loop of its function (not of a function around it). */
function insideLoop(tsApi: typeof ts, node: ts.Node): boolean {
  for (let inner = node.parent; inner && !tsApi.isFunctionLike(inner); inner = inner.parent) {
    if (tsApi.isIterationStatement(inner, false)) return true;
  }
  return false;
}

function describeStatement(tsApi: typeof ts, statement: ts.Statement): string {
  const names: Partial<Record<ts.SyntaxKind, string>> = {
    [tsApi.SyntaxKind.ForOfStatement]: "a 'for…of' loop",
    [tsApi.SyntaxKind.ForInStatement]: "a 'for…in' loop",
    [tsApi.SyntaxKind.FunctionDeclaration]: 'a nested function declaration',
    [tsApi.SyntaxKind.ClassDeclaration]: 'a class declaration',
    [tsApi.SyntaxKind.WithStatement]: "a 'with' statement",
    [tsApi.SyntaxKind.DebuggerStatement]: "a 'debugger' statement",
  };
  return names[statement.kind] ?? `the statement '${tsApi.SyntaxKind[statement.kind]}'`;
}
