// Local arrays of objects (or of other arrays that are not a local matrix): `[net.hidden,
// net.output]`, `const layers = [a, b]`, `layers.map((l) => l.bias)`, and the tuple a helper
// returns to a call that destructures it (`[h, c] = cell(h, c, x)`). Such an array is a list
// of values known while lowering, as long as its literal: never an array at run time. A read
// at a constant index is the value itself, and a loop over it (for-of, forEach, map, reduce,
// every, some) is unrolled, one pass per value, so each pass reads its object's fields as
// the function reads any object's. Every read of a list is checked where it is written: a
// list never reaches code that would need it as an array.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Block, type Operand, type Result, num, readsVariable, variable } from '../../ir/ir';
import { type Lowering, FALSE, TRUE } from './lowering';
import { expression } from './expressions';
import { firstEntryRead, sourceText } from '../quoting';
import { skipParentheses, withTypeSyntax } from '../type-syntax';
import { walk } from '../walk';

/** The methods that read a list: each unrolled over its values. */
const LIST_METHODS: readonly string[] = ['map', 'reduce', 'reduceRight', 'forEach', 'every', 'some'];

/** Whether an array literal holds something other than numbers (and no spreads or holes): a list. */
export function holdsValues(lx: Lowering, node: ts.ArrayLiteralExpression): boolean {
  const { ts } = lx;
  const checker = lx.env.checker;
  if (!checker || node.elements.length === 0 || node.elements.some((element) => ts.isSpreadElement(element) || ts.isOmittedExpression(element))) return false;
  return node.elements.some((element) => !lx.isNumber(lx.typeAt(element)));
}

/**
 * Whether an array literal is what a helper returns to a call that destructures it (`[h, c] =
 * cell(h, c, x)`, `const [pos, vel] = step(…)`, or a call returned to such a call): a list,
 * whose entries the destructuring takes as they are (a tuple of arrays, `[h2, c2]`, would
 * otherwise be a matrix, whose rows must be new arrays and are copied).
 */
export function returnedAsList(lx: Lowering, node: ts.Expression): boolean {
  const { ts } = lx;
  const inner = withTypeSyntax(lx.ts, node);
  const parent = inner.parent;
  const fn = ts.isReturnStatement(parent)
    ? ts.findAncestor(parent, ts.isFunctionLike)
    : ts.isArrowFunction(parent) && parent.body === inner
      ? parent
      : undefined;
  return !!fn && lx.listReturning.get(fn)?.at(-1) === true;
}

/** Whether a call's result is a list where it returns an array literal of arrays or objects: see returnedAsList. */
export function listResultAt(lx: Lowering, call: ts.Node): boolean {
  const { ts } = lx;
  if (!ts.isCallExpression(call)) return false;
  const inner = withTypeSyntax(lx.ts, call);
  const parent = inner.parent;
  const destructured =
    (ts.isVariableDeclaration(parent) && parent.initializer === inner && ts.isArrayBindingPattern(parent.name)) ||
    (ts.isBinaryExpression(parent) &&
      parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      parent.right === inner &&
      ts.isArrayLiteralExpression(skipParentheses(ts, parent.left)));
  return destructured || keptForEntries(lx, inner) || returnedAsList(lx, call);
}

/**
 * `const r = cell(h, c, x); h = r[0]; c = r[1];`: a result kept whole in a `const` that is only
 * read at constant indices, which is the destructuring written by hand.
 */
function keptForEntries(lx: Lowering, call: ts.Expression): boolean {
  const { ts } = lx;
  const declaration = call.parent;
  if (!ts.isVariableDeclaration(declaration) || declaration.initializer !== call || !ts.isIdentifier(declaration.name)) return false;
  if (!(ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const)) return false;
  const name = declaration.name.text;
  let reads = 0;
  const other = walk(ts, declaration.parent.parent.parent, (node) => {
    if (!ts.isIdentifier(node) || node.text !== name || node === declaration.name) return undefined;
    const parent = node.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.name === node) return undefined;
    const entry = ts.isElementAccessExpression(parent) && parent.expression === node && ts.isNumericLiteral(skipParentheses(ts, parent.argumentExpression));
    if (!entry || isAssigned(ts, parent)) return 'stop';
    reads++;
    return undefined;
  });
  return !other && reads > 0;
}

/** Whether an expression is the target of an assignment (`r[0] = …`, `r[0]++`). */
function isAssigned(tsApi: typeof ts, node: ts.Expression): boolean {
  const parent = node.parent;
  if (tsApi.isBinaryExpression(parent))
    return (
      parent.left === node && parent.operatorToken.kind >= tsApi.SyntaxKind.FirstAssignment && parent.operatorToken.kind <= tsApi.SyntaxKind.LastAssignment
    );
  return (
    (tsApi.isPrefixUnaryExpression(parent) || tsApi.isPostfixUnaryExpression(parent)) &&
    (parent.operator === tsApi.SyntaxKind.PlusPlusToken || parent.operator === tsApi.SyntaxKind.MinusMinusToken)
  );
}

/** `[a, b]` of objects or arrays: a list of their values. */
export function listLiteral(lx: Lowering, node: ts.ArrayLiteralExpression): Operand {
  requireListUse(lx, node);
  return listOfValues(
    lx,
    node.elements.map((element) => expression(lx, element)),
  );
}

/** A list of these values (a merge of two lists: control.ts). */
export function listOfValues(lx: Lowering, values: readonly Operand[]): Operand {
  const name = lx.env.names.fresh('t');
  lx.lists.set(name, values);
  return variable(name);
}

/** The values of a list, where `operand` is one. */
export function listOf(lx: Lowering, operand: Operand): readonly Operand[] | undefined {
  return operand.kind === 'var' ? lx.lists.get(operand.name) : undefined;
}

/**
 * A diagnostic where a list (the value of `node`) is used other than as the lowering of lists
 * reads it: at a constant index, its length, a method of LIST_METHODS, a for-of, a `const`, or
 * an argument of a function of the program (inlined).
 */
export function requireListUse(lx: Lowering, node: ts.Expression): void {
  const { ts } = lx;
  const inner = withTypeSyntax(lx.ts, node);
  const parent = inner.parent;
  if (returnedAsList(lx, node)) return;
  if (ts.isElementAccessExpression(parent) && parent.expression === inner) return;
  if (ts.isForOfStatement(parent) && parent.expression === inner) return;
  // An argument of a function of the program: the call is inlined (calls.ts), its parameter the list.
  if (ts.isCallExpression(parent) && parent.arguments.includes(inner) && lx.env.callee?.(parent, lx.inlining[lx.inlining.length - 1])?.target) return;
  // `const [p, q] = pts`: reads at constant indices, one per name (a rest element would be an array of them).
  if (ts.isVariableDeclaration(parent) && parent.initializer === inner && ts.isArrayBindingPattern(parent.name)) {
    if (parent.name.elements.every((element) => ts.isOmittedExpression(element) || !element.dotDotDotToken)) return;
  }
  if (ts.isVariableDeclaration(parent) && parent.initializer === inner && ts.isIdentifier(parent.name)) {
    if (ts.getCombinedNodeFlags(parent) & ts.NodeFlags.Const) return;
    fail(
      parent,
      Code.Unsupported,
      `declare '${parent.name.text}' with const: a local array of objects or arrays is not reassigned (its entries are kept apart, not in an array).`,
    );
  }
  if (ts.isPropertyAccessExpression(parent) && parent.expression === inner) {
    const method = parent.name.text;
    if (method === 'length') return;
    const called = ts.isCallExpression(parent.parent) && parent.parent.expression === parent;
    if (called && LIST_METHODS.includes(method)) return;
  }
  // `[[p, q], [q, p]]`: a list of lists of objects (or of arrays).
  if (ts.isArrayLiteralExpression(parent)) {
    fail(
      node,
      Code.Unsupported,
      `an array of arrays of objects or arrays ('[${sourceText(node)}, …]') cannot be differentiated (an array of objects or arrays keeps its entries apart, not in an array): make each entry an object of them ('{ a: …, b: … }'), and destructure it where it is read ('for (const { a, b } of …)').`,
    );
  }
  misused(node, sourceText(node));
}

/** The diagnostic of a local array of objects or arrays used as an array. */
function misused(node: ts.Node, list = '…'): never {
  return fail(
    node,
    Code.Unsupported,
    `a local array of objects or arrays is read only at constant indices ('${list}[0]', or destructured without a rest element), by its length, by for-of, forEach, map, reduce, every and some, and by the functions of the program it is given to (its entries are kept apart, not in an array): keep it in a const, and read it so.`,
  );
}

/**
 * The safety net of the names standing for lists: each use is checked where it is written
 * (requireListUse); should one still reach a statement or the result, the function is
 * rejected rather than its code reading a name it never defines.
 */
export function requireListsResolved(lx: Lowering, body: Block, result: Result, fn: ts.Node): void {
  if (lx.lists.size > 0 && readsVariable(body, result, (name) => lx.lists.has(name))) misused(fn);
}

/** `list[index]`: the value at a constant index. */
export function listEntry(lx: Lowering, list: readonly Operand[], index: Operand, origin: ts.Node): Operand {
  const k = lx.constantOf(index);
  if (k !== undefined && Number.isInteger(k) && k >= 0 && k < list.length) return list[k];
  return unknownIndex(list, origin);
}

/** Whether `list` has no entry at `index` (`xs[(i + 1) % n] ?? p`): known when compiling, as the index must be. */
export function listEntryMissing(lx: Lowering, list: readonly Operand[], index: Operand, origin: ts.Node): Operand {
  const k = lx.constantOf(index);
  if (k === undefined) return unknownIndex(list, origin);
  return Number.isInteger(k) && k >= 0 && k < list.length ? FALSE : TRUE;
}

function unknownIndex(list: readonly Operand[], origin: ts.Node): never {
  const name = firstEntryRead(origin)?.expression.getText() ?? '…';
  return fail(
    origin,
    Code.Unsupported,
    `this index of a local array of objects or arrays is not known at compile time to be within its ${list.length} entries (they are kept apart, not in an array): loop over it with 'for (const v of ${name})', forEach, map or reduce, or read '${name}[0]', '${name}[1]', ….`,
  );
}

/** `list.map(f)` whose callback returns objects or arrays: the list of what it returns. */
export function mappedList(lx: Lowering, node: ts.CallExpression, list: readonly Operand[], pass: (value: Operand, index: Operand) => Operand): Operand {
  requireListUse(lx, node);
  return listOfValues(
    lx,
    list.map((value, k) => pass(value, num(k))),
  );
}
