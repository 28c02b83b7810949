import type * as ts from 'typescript';
import { walk } from './walk';
import { skipTypeSyntax } from './type-syntax';

/**
 * Which functions of the program may write into the arrays and objects they are given: a
 * syntactic scan of their source (and of the functions they call), so that lowering can
 * inline calls of them and see every write where it happens. A write is certainly into
 * the function's own data only where it writes a `const` it initialised with a new array.
 */

/** Methods that change the array they are called on. */
export const MUTATING_METHODS = new Set(['push', 'pop', 'shift', 'unshift', 'splice', 'fill', 'set', 'sort', 'reverse', 'copyWithin']);

/** The function with a body that a callee expression names, if any (a function, a const arrow, a method). */
export function calledFunction(tsApi: typeof ts, checker: ts.TypeChecker, callee: ts.Expression): ts.FunctionLikeDeclaration | undefined {
  let symbol = checker.getSymbolAtLocation(callee);
  if (symbol && symbol.flags & tsApi.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  let declaration: ts.Node | undefined = symbol?.valueDeclaration;
  if (declaration && tsApi.isVariableDeclaration(declaration)) declaration = declaration.initializer;
  if (
    !declaration ||
    !(
      tsApi.isFunctionDeclaration(declaration) ||
      tsApi.isMethodDeclaration(declaration) ||
      tsApi.isArrowFunction(declaration) ||
      tsApi.isFunctionExpression(declaration)
    )
  )
    return undefined;
  return declaration.body ? declaration : undefined;
}

/**
 * The getter a property read runs, if it runs one (declared with or without a setter: a
 * pair's symbol has the setter as its value declaration where it comes first).
 */
export function getterOf(tsApi: typeof ts, checker: ts.TypeChecker, node: ts.Node): ts.GetAccessorDeclaration | undefined {
  return checker.getSymbolAtLocation(node)?.declarations?.find(tsApi.isGetAccessorDeclaration);
}

/** What one function does itself: whether it writes outside its own arrays, whether it draws random numbers, whether it may throw or log, and the functions it calls. */
export interface DirectEffects {
  readonly writes: boolean;
  readonly draws: boolean;
  readonly observable: boolean;
  readonly calls: readonly ts.FunctionLikeDeclaration[];
}

/**
 * Whether `fn` may write into an array or object it did not create — its parameters,
 * `this`, outer values — itself or through a function it calls. `known` caches each
 * function's own effects for one transform.
 */
export function mayWriteArguments(tsApi: typeof ts, checker: ts.TypeChecker, fn: ts.FunctionLikeDeclaration, known: Map<ts.Node, DirectEffects>): boolean {
  return transitively(tsApi, checker, fn, known, (effects) => effects.writes);
}

/**
 * Whether `fn` may call `Math.random()`, itself or through a function it calls: lowering
 * inlines its calls, so that reverse mode records each draw where it recomputes code (a
 * pullback would draw again).
 */
export function mayDraw(tsApi: typeof ts, checker: ts.TypeChecker, fn: ts.FunctionLikeDeclaration, known: Map<ts.Node, DirectEffects>): boolean {
  return transitively(tsApi, checker, fn, known, (effects) => effects.draws);
}

/**
 * Whether `fn` may be seen to run where its value is not read: a `throw`, a reduce without an
 * initial value, a call of a method of `console`, itself or in a function it calls. A call
 * of it runs where the function runs it, read or not (a guard `check(x)`, a log).
 */
export function isObservable(tsApi: typeof ts, checker: ts.TypeChecker, fn: ts.FunctionLikeDeclaration, known: Map<ts.Node, DirectEffects>): boolean {
  return transitively(tsApi, checker, fn, known, (effects) => effects.observable);
}

function transitively(
  tsApi: typeof ts,
  checker: ts.TypeChecker,
  fn: ts.FunctionLikeDeclaration,
  known: Map<ts.Node, DirectEffects>,
  has: (effects: DirectEffects) => boolean,
): boolean {
  const seen = new Set<ts.Node>();
  const pending = [fn];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    let effects = known.get(next);
    if (!effects) known.set(next, (effects = directEffects(tsApi, checker, next)));
    if (has(effects)) return true;
    pending.push(...effects.calls);
  }
  return false;
}

function directEffects(tsApi: typeof ts, checker: ts.TypeChecker, fn: ts.FunctionLikeDeclaration): DirectEffects {
  const calls: ts.FunctionLikeDeclaration[] = [];
  const ownArray = (identifier: ts.Identifier): boolean => {
    const declaration = checker.getSymbolAtLocation(identifier)?.valueDeclaration;
    if (!declaration || !tsApi.isVariableDeclaration(declaration) || !(tsApi.getCombinedNodeFlags(declaration) & tsApi.NodeFlags.Const)) return false;
    return isInside(declaration, fn) && !!declaration.initializer && createsArray(tsApi, declaration.initializer);
  };
  const writesOutside = (target: ts.Expression): boolean => {
    const root = writtenRoot(tsApi, target);
    // `[...xs].sort(…)`, `new Float64Array(k).fill(v)`: into an array made right there.
    return !createsArray(tsApi, root) && !(tsApi.isIdentifier(root) && ownArray(root));
  };
  const isMember = (node: ts.Expression) => {
    const inner = skipTypeSyntax(tsApi, node);
    return tsApi.isElementAccessExpression(inner) || tsApi.isPropertyAccessExpression(inner);
  };
  let draws = false;
  let observable = false;
  const writes = walk(tsApi, fn.body!, (node) => {
    if (isRandomCall(tsApi, node)) draws = true;
    if (tsApi.isThrowStatement(node) || isReduceWithoutInitialValue(tsApi, node) || isConsoleCall(tsApi, node)) observable = true;
    if (
      tsApi.isBinaryExpression(node) &&
      node.operatorToken.kind >= tsApi.SyntaxKind.FirstAssignment &&
      node.operatorToken.kind <= tsApi.SyntaxKind.LastAssignment &&
      isMember(node.left) &&
      writesOutside(node.left)
    )
      return 'stop';
    if (
      (tsApi.isPrefixUnaryExpression(node) || tsApi.isPostfixUnaryExpression(node)) &&
      (node.operator === tsApi.SyntaxKind.PlusPlusToken || node.operator === tsApi.SyntaxKind.MinusMinusToken) &&
      isMember(node.operand) &&
      writesOutside(node.operand)
    )
      return 'stop';
    if (tsApi.isCallExpression(node)) {
      const callee = node.expression;
      if (tsApi.isPropertyAccessExpression(callee) && MUTATING_METHODS.has(callee.name.text) && writesOutside(callee.expression)) return 'stop';
      const called = calledFunction(tsApi, checker, callee);
      if (called) calls.push(called);
    }
    return undefined;
  });
  // A write ends the walk: a function that writes is inlined whatever else it does.
  return { writes, draws, observable, calls };
}

/** `xs.reduce(f)`: a TypeError where `xs` is empty (by the method's name: a class's own `reduce` of one argument is taken for it, which only keeps its calls). */
function isReduceWithoutInitialValue(tsApi: typeof ts, node: ts.Node): boolean {
  if (!tsApi.isCallExpression(node) || !tsApi.isPropertyAccessExpression(node.expression) || node.arguments.length !== 1) return false;
  const method = node.expression.name.text;
  return method === 'reduce' || method === 'reduceRight';
}

/** `console.log(…)` and the other methods of `console` (by its name, as `Math.random()`). */
function isConsoleCall(tsApi: typeof ts, node: ts.Node): boolean {
  if (!tsApi.isCallExpression(node) || !tsApi.isPropertyAccessExpression(node.expression)) return false;
  const { expression } = node.expression;
  return tsApi.isIdentifier(expression) && expression.text === 'console';
}

/** `Math.random()` (by its name: a local `Math` shadowing the global is not worth a checker query here). */
function isRandomCall(tsApi: typeof ts, node: ts.Node): boolean {
  if (!tsApi.isCallExpression(node) || !tsApi.isPropertyAccessExpression(node.expression)) return false;
  const { expression, name } = node.expression;
  return name.text === 'random' && tsApi.isIdentifier(expression) && expression.text === 'Math';
}

/** Methods of arrays that return a new array. */
const ARRAY_MAKERS = new Set(['map', 'slice', 'concat', 'filter', 'toSorted', 'toReversed']);
const CONTAINERS = ['Float64Array', 'Float32Array', 'Array'];

/**
 * `new Float64Array(n)`, `new Array<number>(n)`, `[a, b]`, `xs.map(…)`, `xs.slice()`,
 * `Array.from(…)`, `new Array(n).fill(c)`, `[...xs].sort(…)`: a new array.
 */
function createsArray(tsApi: typeof ts, initializer: ts.Expression): boolean {
  const node = skipTypeSyntax(tsApi, initializer);
  if (tsApi.isArrayLiteralExpression(node)) return true;
  if (tsApi.isNewExpression(node)) return tsApi.isIdentifier(node.expression) && CONTAINERS.includes(node.expression.text);
  if (!tsApi.isCallExpression(node) || !tsApi.isPropertyAccessExpression(node.expression)) return false;
  const { name, expression } = node.expression;
  if ((name.text === 'from' || name.text === 'of') && tsApi.isIdentifier(expression) && CONTAINERS.includes(expression.text)) return true;
  // fill, sort and reverse return the array they change: new where that array is.
  return ARRAY_MAKERS.has(name.text) || (['fill', 'sort', 'reverse'].includes(name.text) && createsArray(tsApi, expression));
}

export function isInside(node: ts.Node, container: ts.Node): boolean {
  for (let current: ts.Node | undefined = node; current; current = current.parent) if (current === container) return true;
  return false;
}

/** Methods that change the array they are called on and return it. */
const RETURNS_ITSELF = new Set(['fill', 'sort', 'reverse', 'copyWithin']);

/**
 * Whether a write (`a[i] = …`, `a[i]++`, `a.fill(…)`: `written` is `a`) may write into an array
 * that another name holds too, so that the write is seen through it. It may not where it
 * writes a `const` array of numbers that the code made there (`const g = new Float64Array(n)`,
 * `[...xs].sort()`) and only ever indexes, measures, spreads, iterates or calls methods on:
 * nothing else can hold that array. `privateArrays` caches the answer per declaration.
 */
export function mayWriteShared(tsApi: typeof ts, checker: ts.TypeChecker, written: ts.Expression, privateArrays: Map<ts.Node, boolean>): boolean {
  const root = writtenRoot(tsApi, written);
  if (root !== written) return true;
  if (createsArray(tsApi, root)) return false;
  if (!tsApi.isIdentifier(root)) return true;
  const declaration = checker.getSymbolAtLocation(root)?.valueDeclaration;
  if (!declaration || !tsApi.isVariableDeclaration(declaration)) return true;
  let known = privateArrays.get(declaration);
  if (known === undefined) privateArrays.set(declaration, (known = isPrivateArray(tsApi, checker, declaration)));
  return !known;
}

/** A `const` array of numbers initialised with a new array, whose name is never a value of its own (see mayWriteShared). */
function isPrivateArray(tsApi: typeof ts, checker: ts.TypeChecker, declaration: ts.VariableDeclaration): boolean {
  if (!tsApi.isIdentifier(declaration.name) || !declaration.initializer || !createsArray(tsApi, declaration.initializer)) return false;
  if (!(tsApi.getCombinedNodeFlags(declaration) & tsApi.NodeFlags.Const)) return false;
  const element = checker.getIndexTypeOfType(checker.getTypeAtLocation(declaration.name), tsApi.IndexKind.Number);
  if (!element || !(element.flags & tsApi.TypeFlags.NumberLike)) return false;
  const name = declaration.name.text;
  // Block-scoped: its uses are in the block (or statement list) that declares it. Another
  // variable of the same name there counts as a use: the answer errs towards shared.
  const scope = declaration.parent.parent.parent;
  return !walk(tsApi, scope, (node) => {
    if (!tsApi.isIdentifier(node) || node.text !== name || node === declaration.name) return undefined;
    const parent = node.parent;
    if ((tsApi.isPropertyAccessExpression(parent) || tsApi.isPropertyAssignment(parent)) && parent.name === node) return undefined;
    return usedOnlyAsArray(tsApi, node) ? undefined : 'stop';
  });
}

/** `a[i]`, `a.length`, `a.map(…)`, `...a`, `for (… of a)`: a use of `a` that gives no other name its array. */
function usedOnlyAsArray(tsApi: typeof ts, node: ts.Identifier): boolean {
  const parent = node.parent;
  if (tsApi.isElementAccessExpression(parent) || tsApi.isForOfStatement(parent)) return parent.expression === node;
  if (tsApi.isSpreadElement(parent)) return true;
  if (!tsApi.isPropertyAccessExpression(parent)) return false;
  const call = parent.parent;
  // `a.fill(0)` returns `a`: where the call's value is read, it is another name for it.
  return !(tsApi.isCallExpression(call) && call.expression === parent && RETURNS_ITSELF.has(parent.name.text) && !tsApi.isExpressionStatement(call.parent));
}

/** What a write's target is part of: `a` of `a[i].x`, `(a as T)[i]`, `a![i]`. */
function writtenRoot(tsApi: typeof ts, target: ts.Expression): ts.Expression {
  let root = target;
  while (
    tsApi.isElementAccessExpression(root) ||
    tsApi.isPropertyAccessExpression(root) ||
    tsApi.isParenthesizedExpression(root) ||
    tsApi.isNonNullExpression(root) ||
    tsApi.isAsExpression(root)
  )
    root = root.expression;
  return root;
}
