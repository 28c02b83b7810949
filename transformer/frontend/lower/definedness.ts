// Whether a value TypeScript types as a number may be undefined where the code runs. Its type
// cannot say: an entry of a `number[]` is typed a number, yet past the end it is undefined, and
// so is every variable, parameter, field or result that takes it. `??`, which drops its test
// where the value cannot be undefined, asks here by where the value can come from instead.
import type ts from 'typescript';
import { type Lowering } from './lowering';
import { isArrayType } from './arrays';
import { skipTypeSyntax } from '../type-syntax';

/**
 * Whether `node` may be undefined though typed a number: unless it is proven defined (a
 * literal, arithmetic, a library call, a variable only ever given such values, an entry a
 * for-of loop takes), it may be, and the test where the code runs stays.
 */
export function mayBeUndefined(lx: Lowering, node: ts.Expression): boolean {
  return new Sources(lx, false).mayBeUndefined(node);
}

/**
 * Whether `node` may be undefined by a read of its own that can miss (an entry, a field, a
 * call returning one), its function's parameters taken as given: a call of a helper through
 * its pullback would add into a gradient past its end there (see callTarget).
 */
export function mayMiss(lx: Lowering, node: ts.Expression): boolean {
  return new Sources(lx, true).mayBeUndefined(node);
}

/**
 * Whether a function may pass its parameter `k` on as it is (to its result, a variable, a
 * test against undefined or of its truth, a default value), where an argument past the end
 * of an array differs from a number: anything but arithmetic and comparisons of it.
 */
export function passesOnParameter(tsApi: typeof ts, checker: ts.TypeChecker, fn: ts.SignatureDeclaration, k: number): boolean {
  const param = fn.parameters[k];
  if (!param) return false;
  if (param.initializer || !tsApi.isIdentifier(param.name)) return true;
  const symbol = checker.getSymbolAtLocation(param.name);
  const body = 'body' in fn ? (fn.body as ts.Node | undefined) : undefined;
  if (!symbol || !body) return true;
  let passes = false;
  const visit = (node: ts.Node): void => {
    if (passes) return;
    if (tsApi.isIdentifier(node) && checker.getSymbolAtLocation(node) === symbol) passes = !isOperand(tsApi, node);
    else tsApi.forEachChild(node, visit);
  };
  visit(body);
  return passes;
}

/** Whether a read is an operand of arithmetic or of a comparison, where undefined acts as NaN does. */
function isOperand(tsApi: typeof ts, read: ts.Expression): boolean {
  let node: ts.Node = read;
  while (tsApi.isParenthesizedExpression(node.parent) || tsApi.isAsExpression(node.parent) || tsApi.isNonNullExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  const k = tsApi.SyntaxKind;
  if (tsApi.isPrefixUnaryExpression(parent)) return parent.operator === k.MinusToken || parent.operator === k.PlusToken;
  if (!tsApi.isBinaryExpression(parent)) return false;
  const operator = parent.operatorToken.kind;
  const arithmetic = [k.PlusToken, k.MinusToken, k.AsteriskToken, k.SlashToken, k.PercentToken, k.AsteriskAsteriskToken];
  const comparison = [k.LessThanToken, k.LessThanEqualsToken, k.GreaterThanToken, k.GreaterThanEqualsToken];
  const compound = [k.PlusEqualsToken, k.MinusEqualsToken, k.AsteriskEqualsToken, k.SlashEqualsToken];
  return arithmetic.includes(operator) || comparison.includes(operator) || (compound.includes(operator) && parent.right === node);
}

class Sources {
  /** The variables asked about so far: one asked again (`a = b; b = a`) adds nothing new. */
  private readonly seen = new Set<ts.Symbol>();
  private readonly functions = new Set<ts.Node>();

  constructor(
    private readonly lx: Lowering,
    /** Whether a parameter is taken as given (defined): else it may be undefined, as a caller may give it an entry past the end. */
    private readonly parametersGiven: boolean,
  ) {}

  mayBeUndefined(node: ts.Expression): boolean {
    const { ts } = this.lx;
    const target = skipTypeSyntax(ts, node);
    if (ts.isNumericLiteral(target) || ts.isPrefixUnaryExpression(target) || ts.isPostfixUnaryExpression(target)) return false;
    // null is not undefined (though differentiated code keeps it as undefined: see nullComparison).
    if (target.kind === ts.SyntaxKind.NullKeyword) return false;
    if (ts.isElementAccessExpression(target)) return this.mayMiss(target);
    if (ts.isPropertyAccessExpression(target)) return this.lx.globalConstant(target) === undefined;
    if (ts.isConditionalExpression(target)) return this.mayBeUndefined(target.whenTrue) || this.mayBeUndefined(target.whenFalse);
    if (ts.isCallExpression(target)) return this.callMayBeUndefined(target);
    if (ts.isIdentifier(target)) return this.variableMayBeUndefined(target);
    if (ts.isBinaryExpression(target)) return this.binaryMayBeUndefined(target);
    return true;
  }

  /** An entry of an array by a number: undefined past the end (any other index is not a number's). */
  private mayMiss(entry: ts.ElementAccessExpression): boolean {
    return !isArrayType(this.lx, entry.expression) || this.lx.isNumber(this.lx.typeAt(entry.argumentExpression));
  }

  private binaryMayBeUndefined(node: ts.BinaryExpression): boolean {
    const { ts } = this.lx;
    const kind = node.operatorToken.kind;
    // `a ?? b` is undefined only where b is; `v = e`, `(a, e)` are e.
    if (kind === ts.SyntaxKind.QuestionQuestionToken || kind === ts.SyntaxKind.EqualsToken || kind === ts.SyntaxKind.CommaToken)
      return this.mayBeUndefined(node.right);
    if (kind === ts.SyntaxKind.BarBarToken || kind === ts.SyntaxKind.AmpersandAmpersandToken)
      return this.mayBeUndefined(node.left) || this.mayBeUndefined(node.right);
    // Arithmetic and compound assignments give numbers (NaN at worst, never undefined).
    return false;
  }

  /** A call's result: what the function returns, where its body is known; a library's (Math.sin) is what it is typed. */
  private callMayBeUndefined(call: ts.CallExpression): boolean {
    const { ts } = this.lx;
    const declaration = this.lx.env.checker!.getResolvedSignature(call)?.declaration;
    if (!declaration || ts.isJSDocSignature(declaration)) return true;
    // A function asked about again (recursion) adds nothing new.
    if (this.functions.has(declaration)) return false;
    this.functions.add(declaration);
    if (!('body' in declaration) || !declaration.body) return declaration.getSourceFile().isDeclarationFile ? false : true;
    const body = declaration.body as ts.Node;
    if (!ts.isBlock(body)) return this.mayBeUndefined(body as ts.Expression);
    let may = false;
    const visit = (node: ts.Node): void => {
      if (may || ts.isFunctionLike(node)) return;
      if (ts.isReturnStatement(node)) may = !node.expression || this.mayBeUndefined(node.expression);
      else ts.forEachChild(node, visit);
    };
    ts.forEachChild(body, visit);
    return may;
  }

  /**
   * A variable: undefined where its declaration or any assignment may give it undefined. A
   * parameter may be given anything its callers read, a destructured name what is past the end
   * of what it takes apart; an entry a for-of loop takes is there.
   */
  private variableMayBeUndefined(name: ts.Identifier): boolean {
    const { ts } = this.lx;
    const symbol = this.lx.env.checker!.getSymbolAtLocation(name);
    const declaration = symbol?.valueDeclaration;
    if (!symbol || !declaration) return true;
    if (this.seen.has(symbol)) return false;
    this.seen.add(symbol);
    if (ts.isParameter(declaration) && this.parametersGiven) return false;
    if (!ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name)) return true;
    const list = declaration.parent;
    const forOf = ts.isVariableDeclarationList(list) && ts.isForOfStatement(list.parent) && list.parent.initializer === list;
    if (!forOf && (!declaration.initializer || this.mayBeUndefined(declaration.initializer))) return true;
    let scope: ts.Node = declaration;
    while (!ts.isSourceFile(scope) && !ts.isFunctionLike(scope)) scope = scope.parent;
    return this.assignmentsMayBeUndefined(symbol, scope);
  }

  /** Whether an assignment to the variable within its scope may give it undefined. */
  private assignmentsMayBeUndefined(symbol: ts.Symbol, scope: ts.Node): boolean {
    const { ts } = this.lx;
    const checker = this.lx.env.checker!;
    let may = false;
    const visit = (node: ts.Node): void => {
      if (may) return;
      if (
        ts.isBinaryExpression(node) &&
        ts.isIdentifier(skipTypeSyntax(ts, node.left)) &&
        checker.getSymbolAtLocation(skipTypeSyntax(ts, node.left)) === symbol
      ) {
        const kind = node.operatorToken.kind;
        if (kind === ts.SyntaxKind.EqualsToken) may = this.mayBeUndefined(node.right);
        else if (
          kind === ts.SyntaxKind.QuestionQuestionEqualsToken ||
          kind === ts.SyntaxKind.BarBarEqualsToken ||
          kind === ts.SyntaxKind.AmpersandAmpersandEqualsToken
        )
          may = this.mayBeUndefined(node.right);
      } else if (
        (ts.isArrayLiteralExpression(node) || ts.isObjectLiteralExpression(node)) &&
        isAssignedPattern(ts, node) &&
        mentions(ts, checker, node, symbol)
      ) {
        // A destructuring assignment (`[a, b] = pair`) may take what is past the end.
        may = true;
      }
      ts.forEachChild(node, visit);
    };
    visit(scope);
    return may;
  }
}

/** Whether an array or object literal is the target of a destructuring assignment. */
function isAssignedPattern(tsApi: typeof ts, node: ts.Expression): boolean {
  let outer: ts.Node = node;
  while (
    tsApi.isArrayLiteralExpression(outer.parent) ||
    tsApi.isObjectLiteralExpression(outer.parent) ||
    tsApi.isPropertyAssignment(outer.parent) ||
    tsApi.isSpreadElement(outer.parent)
  )
    outer = outer.parent;
  const parent = outer.parent;
  return tsApi.isBinaryExpression(parent) && parent.left === outer && parent.operatorToken.kind === tsApi.SyntaxKind.EqualsToken;
}

function mentions(tsApi: typeof ts, checker: ts.TypeChecker, node: ts.Node, symbol: ts.Symbol): boolean {
  let found = false;
  const visit = (child: ts.Node): void => {
    if (found) return;
    // By name too: a shorthand field (`({ a } = o)`) names the field's symbol.
    if (tsApi.isIdentifier(child) && (child.text === symbol.name || checker.getSymbolAtLocation(child) === symbol)) found = true;
    else tsApi.forEachChild(child, visit);
  };
  visit(node);
  return found;
}
