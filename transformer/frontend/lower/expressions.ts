// Lowering of expressions: names, operators, assignments, property reads.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { getterOf } from '../effects';
import { type Operand, type Stmt, UNDEFINED, UNSET, num, sameOperand, str, variable } from '../../ir/ir';
import { type ArithmeticOperator, type IntegerOperator, isArithmeticOperator, isComparisonOperator, isIntegerOperator } from '../../ops/registry';
import { FALSE, type Lowering, TRUE } from './lowering';
import type { Shape } from '../../ir/shapes';
import { entryMissing, fieldLoad, growable, isArrayType, load, newArray, objectLiteral, requireUnshortened, spreadLiteral, storeElement } from './arrays';
import { call } from './calls';
import { restOf } from './array-methods';
import { mayBeUndefined } from './definedness';
import { newExpression } from './array-builders';
import { skipParentheses, skipTypeSyntax } from '../type-syntax';
import { buildsMatrix, grownRows, matrixLiteral, rowEntry } from './matrices';
import { assignable, construct, getterRead } from './objects';
import { branch, logical } from './control';
import { holdsValues, listLiteral, listOf, requireListUse, returnedAsList } from './lists';
import { noteTable, requireNoFunctions } from './tables';
import { sourceText } from '../quoting';
import { chooseField, requireIndex, stringKey } from './keys';

/** Lowers `expression` so that the value gets the user's variable name where it is new. */
export function named(lx: Lowering, node: ts.Expression, userName: string, origin: ts.Node): Operand {
  return namedValue(lx, userName, origin, () => expression(lx, node));
}

/** The value `lower` lowers, given the user's variable name where it is new. */
export function namedValue(lx: Lowering, userName: string, origin: ts.Node, lower: () => Operand): Operand {
  const start = lx.body.length;
  const value = lower();
  const last = lx.body[lx.body.length - 1];
  if (lx.body.length > start && value.kind === 'var' && last.kind === 'let' && last.name === value.name && last.role === 'temp') {
    const name = lx.env.names.own(userName);
    lx.renameLast(last, name, origin);
    return variable(name);
  }
  // Made by the statements lowered here but not last (an array a loop fills, a reduce's result):
  // named after the user's variable once the function is lowered.
  if (value.kind === 'var' && !lx.userNames.has(value.name) && lx.body.slice(start).some((stmt) => defines(stmt, value.name)))
    lx.userNames.set(value.name, lx.env.names.own(userName));
  return value;
}

/** Whether a statement lowered for an expression defines this value: a temporary, a branch's merge, a loop's exit. */
function defines(stmt: Stmt, name: string): boolean {
  if (stmt.kind === 'let') return stmt.name === name && stmt.role === 'temp';
  if (stmt.kind === 'loop') return stmt.carried.some((c) => c.exit === name);
  return stmt.kind === 'if' && stmt.phis.some((phi) => phi.name === name);
}

export function expression(lx: Lowering, node: ts.Expression): Operand {
  const { ts } = lx;
  if (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isTypeAssertionExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isSatisfiesExpression(node)
  ) {
    return expression(lx, node.expression);
  }
  if (ts.isOptionalChain(node) && (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node))) return optionalRead(lx, node);
  if (ts.isOptionalChain(node))
    fail(
      node,
      Code.Unsupported,
      `an optional call ('${sourceText(node)}') cannot be differentiated: test the function first ('if (${sourceText((node as ts.CallExpression).expression)} !== undefined) …'), or call one that is always there.`,
    );
  if (ts.isNumericLiteral(node)) return num(Number(node.text.replace(/_/g, '')));
  // Strings are data: conditions compare them (`kind === 'huber'`); arithmetic on them is a type error here.
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return str(node.text);
  if (node.kind === ts.SyntaxKind.TrueKeyword) return num(1, 'true');
  if (node.kind === ts.SyntaxKind.FalseKeyword) return num(0, 'false');
  // Differentiated code keeps null as undefined: tests against null (nullComparison) and `??` tell neither apart.
  if (node.kind === ts.SyntaxKind.NullKeyword && !lx.env.rule) return UNDEFINED;
  if (ts.isIdentifier(node)) return callerValue(lx, node) ? nullAsUndefined(lx, node, read(lx, node)) : read(lx, node);
  if (node.kind === ts.SyntaxKind.ThisKeyword && lx.lookup('#this')) return lx.lookup('#this')!.value!;
  if (ts.isPropertyAccessExpression(node)) return nullAsUndefined(lx, node, property(lx, node));
  if (ts.isElementAccessExpression(node)) {
    const container = expression(lx, node.expression);
    const key = stringKey(lx, node);
    if (key)
      return nullAsUndefined(
        lx,
        node,
        'field' in key ? fieldLoad(lx, container, key.field, lx.shapeAt(node, false), node) : chooseField(lx, node, container, key),
      );
    lx.requireNumber(node.argumentExpression, 'an index must be a number');
    const index = expression(lx, node.argumentExpression);
    const row = container.kind === 'var' ? lx.rows.get(container.name) : undefined;
    if (row) return rowEntry(lx, row, container, index, lx.shapeAt(node, false), node);
    return nullAsUndefined(lx, node, load(lx, container, index, lx.shapeAt(node, false), node));
  }
  if (ts.isCallExpression(node)) return nullAsUndefined(lx, node, call(lx, node));
  if (ts.isPrefixUnaryExpression(node)) return prefix(lx, node);
  if (ts.isPostfixUnaryExpression(node)) return step(lx, node, node.operand, node.operator === ts.SyntaxKind.PlusPlusToken ? '+' : '-', false);
  if (ts.isBinaryExpression(node)) return binary(lx, node);
  if (ts.isNewExpression(node)) {
    const array = newExpression(lx, node);
    if (array) return array;
  }
  if (ts.isArrayLiteralExpression(node) && !lx.env.rule) {
    requireNoFunctions(lx, node);
    const values = holdsValues(lx, node);
    if (values && returnedAsList(lx, node)) return listLiteral(lx, node);
    if (buildsMatrix(lx, node)) return matrixLiteral(lx, node);
    if (values) return listLiteral(lx, node);
    for (const element of node.elements) {
      if (ts.isOmittedExpression(element)) fail(element, Code.Unsupported, 'array literals with holes are not supported.');
      if (!ts.isSpreadElement(element)) lx.requireNumber(element, 'local arrays hold numbers');
    }
    if (node.elements.some(ts.isSpreadElement)) return spreadLiteral(lx, node);
    if (node.elements.length === 0) return growable(lx, node);
    return newArray(lx, node, { op: 'arrayOf', args: node.elements.map((element) => expression(lx, element)) }, 'Array');
  }
  if (ts.isObjectLiteralExpression(node) && !lx.env.rule) return objectLiteral(lx, node);
  if (ts.isNewExpression(node) && !lx.env.rule) return construct(lx, node);
  if (ts.isConditionalExpression(node)) {
    const condition = expression(lx, node.condition);
    // Rules are expressions of cheap, total functions: both sides are evaluated.
    if (lx.env.rule) return lx.op('select', [condition, expression(lx, node.whenTrue), expression(lx, node.whenFalse)], node);
    if (condition.kind === 'num') return expression(lx, condition.value ? node.whenTrue : node.whenFalse);
    return branch(
      lx,
      condition,
      node,
      () => expression(lx, node.whenTrue),
      () => expression(lx, node.whenFalse),
    ) as Operand;
  }
  if (ts.isTemplateExpression(node) || ts.isTaggedTemplateExpression(node))
    return fail(
      node,
      Code.Unsupported,
      "a template string cannot be differentiated: differentiated code keeps template strings only in the messages of 'throw' and of console calls. Compute with numbers here, and build strings outside the differentiated function.",
    );
  const { what, advice } = unsupportedExpression(ts, node);
  if (advice) return fail(node, Code.Unsupported, `${what} cannot be differentiated: ${advice}.`);
  return fail(node, Code.Unsupported, `${what} cannot be differentiated yet (see README, "What can be differentiated").`);
}

/**
 * A number that may be null, read where the caller's null may come in (a parameter, a field,
 * an entry, a call): differentiated code keeps null as undefined (see nullComparison), so a
 * null is made undefined where it is read. Every other value as it is.
 */
function nullAsUndefined(lx: Lowering, node: ts.Expression, value: Operand): Operand {
  const { ts } = lx;
  if (value.kind !== 'var' || !lx.env.checker || lx.env.rule) return value;
  const type = lx.typeAt(node);
  const members = type.isUnion() ? type.types : [type];
  const numberOrNull = (member: ts.Type) => lx.isNumber(member) || member.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined);
  if (!members.some((member) => member.flags & ts.TypeFlags.Null) || !members.every(numberOrNull)) return value;
  return lx.op('select', [lx.op('==', [value, UNDEFINED], node), UNDEFINED, value], node);
}

/** Whether a name is a parameter or a value from outside the function (which may hold the caller's null); a local variable holds what the function gave it. */
function callerValue(lx: Lowering, identifier: ts.Identifier): boolean {
  const declaration = lx.env.checker?.getSymbolAtLocation(identifier)?.valueDeclaration;
  return !lx.lookup(identifier.text) || !declaration || lx.ts.isParameter(declaration);
}

/**
 * `o?.x`, `o?.[i]`, and each link of a chain (`p.q?.x.y`): undefined where what is read from
 * is undefined, else the read. A link without `?.` after one with it reads the same: the
 * type checker lets it follow only what cannot be undefined where the chain goes on. A chain
 * through an entry of an array (`g[i - 1]?.[0]`) is undefined where the entry is missing.
 */
function optionalRead(lx: Lowering, node: ts.PropertyAccessExpression | ts.ElementAccessExpression): Operand {
  const { ts } = lx;
  const present = lx.presentEntries.get(node);
  if (present) return presentEntryRead(lx, node, present);
  const entryLink = afterEntry(lx, node);
  if (entryLink) return optionalEntry(lx, node, entryLink);
  const members = chainedFrom(lx, node);
  const linked = (ts.isPropertyAccessExpression(node.parent) || ts.isElementAccessExpression(node.parent)) && node.parent.expression === node;
  const shape = definedShape(lx, node);
  const tested = testedLinks(lx, node);
  // A chain with a `?.` before its last link: tested link by link (a single `?.` at the end is read below).
  if (!linked && shape?.kind === 'number' && tested.length > (node.questionDotToken ? 1 : 0) && readsAlong(lx, node)) return chainEnd(lx, node, tested);
  const container = expression(lx, node.expression);
  // An argument left out; or what cannot be undefined.
  if (sameOperand(container, UNDEFINED)) return UNDEFINED;
  if (!node.questionDotToken || !members.some((member) => member.flags & ts.TypeFlags.Undefined)) return linkRead(lx, node, container, lx.shapeAt(node, false));
  // Where it is defined, a number at the end of the chain is read along it again, as
  // TypeScript narrows it (an object read from one the function makes then has its shape, so
  // the gradient follows the read). An array or object in the middle of the chain is data here.
  if (!linked) requireNumberEnd(lx, node, shape);
  const read = shape?.kind === 'number' ? () => definedRead(lx, node) : () => linkRead(lx, node, container, lx.shapeAt(node, false));
  return branch(lx, lx.op('===', [container, UNDEFINED], node), node, () => UNDEFINED, read)!;
}

/** The members of the type of what a link of a chain reads from, which must not be null. */
function chainedFrom(lx: Lowering, link: ts.PropertyAccessExpression | ts.ElementAccessExpression): readonly ts.Type[] {
  const { ts } = lx;
  const type = lx.env.checker && lx.typeAt(link.expression);
  const members = type?.isUnion() ? type.types : type ? [type] : [];
  if (members.some((member) => member.flags & (ts.TypeFlags.Null | ts.TypeFlags.Any | ts.TypeFlags.Unknown)))
    fail(
      link,
      Code.Unsupported,
      "optional chaining ('?.') on a value that may be null cannot be differentiated: give it a type without null (an optional field or parameter, undefined where it is missing, works).",
    );
  return members;
}

/** The links of the chain ending at `end` written with `?.`, the first read first; none where the chain goes through a call. */
function testedLinks(
  lx: Lowering,
  end: ts.PropertyAccessExpression | ts.ElementAccessExpression,
): (ts.PropertyAccessExpression | ts.ElementAccessExpression)[] {
  const { ts } = lx;
  const links: (ts.PropertyAccessExpression | ts.ElementAccessExpression)[] = [];
  let link: ts.Expression = end;
  for (; ts.isOptionalChain(link); link = link.expression) {
    if (!ts.isPropertyAccessExpression(link) && !ts.isElementAccessExpression(link)) return [];
    if (link.questionDotToken) links.unshift(link);
  }
  return links;
}

/**
 * A number at the end of a chain whose `?.` comes earlier (`o.s?.inner.a`, `a?.b.c?.d`):
 * undefined where a link with `?.` reads from undefined, else read along the chain as
 * TypeScript narrows it. Each test is a branch whose sides give numbers only, so the objects
 * in the middle are views of the objects they are read from (their gradients follow), never
 * chosen between; before, such a middle object read as undefined or an object, which lost
 * its gradient or was read from where it was missing.
 */
function chainEnd(
  lx: Lowering,
  end: ts.PropertyAccessExpression | ts.ElementAccessExpression,
  tested: readonly (ts.PropertyAccessExpression | ts.ElementAccessExpression)[],
): Operand {
  const readFrom = (k: number): Operand => {
    if (k === tested.length) return definedRead(lx, end);
    const link = tested[k];
    chainedFrom(lx, link);
    const container = k === 0 ? expression(lx, link.expression) : definedRead(lx, link.expression);
    if (sameOperand(container, UNDEFINED)) return UNDEFINED;
    return branch(
      lx,
      lx.op('===', [container, UNDEFINED], link),
      link,
      () => UNDEFINED,
      () => readFrom(k + 1),
    )!;
  };
  return readFrom(0);
}

/**
 * The link of a chain ending at `end` that reads through an entry of an array with `?.`
 * (`g[i - 1]?.[0]`, `pts[k]?.x`): where `end` is the end of its chain and the entry is not
 * known to be there yet.
 */
function afterEntry(
  lx: Lowering,
  end: ts.PropertyAccessExpression | ts.ElementAccessExpression,
): ts.PropertyAccessExpression | ts.ElementAccessExpression | undefined {
  const { ts } = lx;
  const parent = end.parent;
  if ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === end && ts.isOptionalChain(parent))
    return undefined;
  // The chain's first `?.`, after which every link is part of the chain.
  let first: ts.PropertyAccessExpression | ts.ElementAccessExpression | undefined;
  for (
    let link: ts.Expression = end;
    (ts.isPropertyAccessExpression(link) || ts.isElementAccessExpression(link)) && ts.isOptionalChain(link);
    link = link.expression
  )
    if (link.questionDotToken) first = link;
  const entry = first && skipTypeSyntax(ts, first.expression);
  if (!entry || !ts.isElementAccessExpression(entry) || lx.presentEntries.has(first!) || !isArrayType(lx, entry.expression)) return undefined;
  // Entries that may be undefined themselves (`(number[] | undefined)[]`): the chain tests the entry it reads (optionalRead).
  const entryType = lx.typeAt(entry.expression).getNumberIndexType();
  const undefinedEntries = entryType?.isUnion() && entryType.types.some((member) => member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null));
  return undefinedEntries ? undefined : first;
}

/** The end of an optional chain must be a number (or undefined): not an array or object that may be undefined. */
function requireNumberEnd(lx: Lowering, end: ts.Expression, shape: Shape | undefined): void {
  if (shape && shape.kind !== 'number')
    fail(
      end,
      Code.Unsupported,
      `'${end.getText()}' may be an array or object or undefined, which differentiated code does not keep in one variable: read the numbers through the chain ('${end.getText()}?.x ?? 0'), or test the value first (if (o !== undefined) …).`,
    );
}

/**
 * A chain through an entry of an array (`g[i - 1]?.[0]`, `pts[k]?.x ?? 0`): the entry is
 * typed as an array or object, but it is undefined past the end of the array, so is the
 * chain. Where the entry is missing (arrays.ts, entryMissing: for a row of an array of arrays
 * the function builds, the index against the number of rows), undefined; else the chain read
 * with the entry there. The entry is read only on that side, so that its gradient is too.
 */
function optionalEntry(
  lx: Lowering,
  end: ts.PropertyAccessExpression | ts.ElementAccessExpression,
  link: ts.PropertyAccessExpression | ts.ElementAccessExpression,
): Operand {
  const { ts } = lx;
  const entry = skipTypeSyntax(ts, link.expression) as ts.ElementAccessExpression;
  requireNumberEnd(lx, end, definedShape(lx, end));
  const array = expression(lx, entry.expression);
  requireIndex(lx, entry);
  const index = expression(lx, entry.argumentExpression);
  const missing = entryMissing(lx, array, index, entry);
  const present = () => {
    lx.presentEntries.set(link, { array, index, entry });
    try {
      return expression(lx, end);
    } finally {
      lx.presentEntries.delete(link);
    }
  };
  // Known when compiling (an entry of a local array of objects): only the side taken is lowered.
  if (missing.kind === 'num') return missing.value ? UNDEFINED : present();
  return branch(lx, missing, end, () => UNDEFINED, present)!;
}

/**
 * The link after an entry known to be there: a field of it, or an entry of it, which past
 * the end of a row of an array of arrays the function builds is undefined too (its flat data
 * goes on with the next row).
 */
function presentEntryRead(
  lx: Lowering,
  link: ts.PropertyAccessExpression | ts.ElementAccessExpression,
  { array, index, entry }: { readonly array: Operand; readonly index: Operand; readonly entry: ts.ElementAccessExpression },
): Operand {
  const { ts } = lx;
  const container = load(lx, array, index, lx.shapeAt(entry, false), entry);
  const row = container.kind === 'var' && lx.rows.has(container.name);
  if (!row || !ts.isElementAccessExpression(link)) return linkRead(lx, link, container, lx.shapeAt(link, false));
  requireIndex(lx, link);
  const at = expression(lx, link.argumentExpression);
  const missing = entryMissing(lx, container, at, link);
  return branch(
    lx,
    missing,
    link,
    () => UNDEFINED,
    () => load(lx, container, at, lx.shapeAt(link, false), link),
  )!;
}

/** `container.x` or `container[i]`, the read of one link of a chain. */
function linkRead(lx: Lowering, node: ts.PropertyAccessExpression | ts.ElementAccessExpression, container: Operand, shape: Shape | undefined): Operand {
  const { ts } = lx;
  if (ts.isPropertyAccessExpression(node)) return fieldLoad(lx, container, node.name.text, shape, node);
  requireIndex(lx, node);
  return load(lx, container, expression(lx, node.argumentExpression), shape, node);
}

/** A chain of reads known to be defined at every link (each with the shape of its type without undefined); other expressions as they are. */
function definedRead(lx: Lowering, node: ts.Expression): Operand {
  if (!readsAlong(lx, node)) return expression(lx, node);
  return linkRead(lx, node, definedRead(lx, node.expression), definedShape(lx, node));
}

/** Whether definedRead reads a link itself: a field, or an entry at a name or a number, not a getter. */
function readsAlong(lx: Lowering, node: ts.Expression): node is ts.PropertyAccessExpression | ts.ElementAccessExpression {
  const { ts } = lx;
  const plainIndex = (access: ts.ElementAccessExpression) => ts.isIdentifier(access.argumentExpression) || ts.isNumericLiteral(access.argumentExpression);
  return (ts.isPropertyAccessExpression(node) || (ts.isElementAccessExpression(node) && plainIndex(node))) && !getterOf(ts, lx.env.checker!, node);
}

/** The shape of what an expression holds where it is defined. */
function definedShape(lx: Lowering, node: ts.Expression): Shape | undefined {
  const checker = lx.env.checker!;
  return lx.shapeOfType(checker.getNonNullableType(lx.typeAt(node)));
}

export function read(lx: Lowering, identifier: ts.Identifier): Operand {
  const binding = lx.lookup(identifier.text);
  if (binding) {
    const value = lx.current(binding, identifier);
    if (listOf(lx, value)) requireListUse(lx, identifier);
    return value;
  }
  if (lx.isGlobal(identifier, 'NaN')) return num(NaN);
  if (lx.isGlobal(identifier, 'Infinity')) return num(Infinity);
  if (lx.isGlobal(identifier, 'undefined')) return UNDEFINED;
  return outerValue(lx, identifier);
}

/** A constant read from outside the function; one another module keeps to itself is its literal, computed in place. */
export function outerValue(lx: Lowering, identifier: ts.Identifier): Operand {
  const value = lx.env.outer(identifier, lx.inlining[lx.inlining.length - 1]);
  if ('written' in value) return expression(lx, value.written);
  noteTable(lx, identifier, value);
  return value;
}

export function property(lx: Lowering, node: ts.PropertyAccessExpression): Operand {
  const { ts } = lx;
  const constant = lx.globalConstant(node);
  if (constant !== undefined) return num(constant, node.getText());
  const member = lx.env.checker?.getSymbolAtLocation(node)?.valueDeclaration;
  const enumValue = member && ts.isEnumMember(member) ? lx.env.checker!.getConstantValue(member) : undefined;
  if (typeof enumValue === 'number') return num(enumValue);
  if (typeof enumValue === 'string') return str(enumValue);
  if (!lx.env.checker) return fail(node, Code.Unsupported, `the property access '${node.getText()}' cannot be used in a rule.`);
  const getter = getterOf(ts, lx.env.checker, node);
  if (getter) return getterRead(lx, node, getter);
  const container = expression(lx, node.expression);
  return fieldLoad(lx, container, node.name.text, lx.shapeAt(node, false), node);
}

export function prefix(lx: Lowering, node: ts.PrefixUnaryExpression): Operand {
  const { ts } = lx;
  switch (node.operator) {
    case ts.SyntaxKind.MinusToken:
      lx.requireNumber(node.operand, "unary '-' needs a number");
      return lx.op('negate', [expression(lx, node.operand)], node);
    case ts.SyntaxKind.PlusToken:
      lx.requireNumber(node.operand, "unary '+' is supported on numbers only");
      return expression(lx, node.operand);
    case ts.SyntaxKind.ExclamationToken:
      return lx.op('not', [expression(lx, node.operand)], node);
    case ts.SyntaxKind.TildeToken:
      lx.requireNumber(node.operand, "'~' is supported on numbers only");
      return lx.op('bitNot', [expression(lx, node.operand)], node);
    case ts.SyntaxKind.PlusPlusToken:
      return step(lx, node, node.operand, '+', true);
    case ts.SyntaxKind.MinusMinusToken:
      return step(lx, node, node.operand, '-', true);
  }
}

/** `++x`, `x--` and friends: the new value is stored, the prefix or old value returned. */
export function step(lx: Lowering, node: ts.Expression, target: ts.Expression, op: '+' | '-', prefix: boolean): Operand {
  const element = skipParentheses(lx.ts, target);
  if (lx.ts.isElementAccessExpression(element)) {
    let old: Operand = num(0);
    const stored = storeElement(lx, element, (load) => lx.op(op, [(old = load()), num(1)], node), node);
    return prefix ? stored : old;
  }
  const binding = assignable(lx, target);
  const old = lx.current(binding, target);
  const start = lx.body.length;
  const stored = lx.assign(binding, lx.op(op, [old, num(1)], node), node, start);
  return prefix ? stored : old;
}

/** A binary expression; with `nullishValue`, the value `a ?? b` that `a ??= b` assigns. */
export function binary(lx: Lowering, node: ts.BinaryExpression, nullishValue = false): Operand {
  const { ts } = lx;
  const kind = node.operatorToken.kind;
  const operator = ts.tokenToString(kind) ?? '';
  if (kind === ts.SyntaxKind.CommaToken) {
    expression(lx, node.left);
    return expression(lx, node.right);
  }
  const target = skipParentheses(ts, node.left);
  if (ts.isElementAccessExpression(target) && (kind === ts.SyntaxKind.EqualsToken || COMPOUND_ASSIGNMENTS[operator])) {
    const compoundOp = COMPOUND_ASSIGNMENTS[operator];
    return storeElement(
      lx,
      target,
      (old) => {
        if (kind === ts.SyntaxKind.EqualsToken && isArrayType(lx, node.right))
          grownRows(node.right, ts.isIdentifier(target.expression) ? target.expression.text : undefined);
        lx.requireNumber(node.right, `'${operator}' needs a number on the right`);
        return compoundOp ? lx.op(compoundOp, [old(), expression(lx, node.right)], node) : expression(lx, node.right);
      },
      node,
    );
  }
  if (kind === ts.SyntaxKind.EqualsToken && (ts.isArrayLiteralExpression(target) || ts.isObjectLiteralExpression(target)))
    return destructuringAssignment(lx, node, target);
  if (kind === ts.SyntaxKind.EqualsToken) {
    const binding = assignable(lx, node.left);
    const start = lx.body.length;
    return lx.assign(binding, named(lx, node.right, binding.name, node), node, start);
  }
  const compound = COMPOUND_ASSIGNMENTS[operator];
  if (compound) {
    const binding = assignable(lx, node.left);
    lx.requireNumber(node.right, `'${operator}' needs a number on the right`);
    const old = lx.current(binding, node.left);
    const right = expression(lx, node.right);
    const start = lx.body.length;
    return lx.assign(binding, lx.op(compound, [old, right], node), node, start);
  }
  const logicalAssignment = nullishValue ? undefined : LOGICAL_ASSIGNMENTS[operator];
  if (logicalAssignment) {
    // `m ??= x` is `m = m ?? x` (and `||=`, `&&=` alike): m keeps its value where x is not used.
    if (ts.isElementAccessExpression(target)) {
      const [left, right] = [sourceText(target), sourceText(node.right)];
      // `a ?? b || c` is a syntax error, and `a ?? c ? x : y` tests `a ?? c`: such a right side keeps its parentheses.
      const inner = skipParentheses(ts, node.right);
      const loose =
        ts.isConditionalExpression(inner) ||
        (ts.isBinaryExpression(inner) && ['||', '&&', '??', ','].includes(ts.tokenToString(inner.operatorToken.kind) ?? ''));
      const value = loose ? `(${right})` : right;
      fail(node, Code.Unsupported, `'${operator}' on an array entry is not supported: write '${left} = ${left} ${logicalAssignment} ${value}'.`);
    }
    const binding = assignable(lx, node.left);
    const start = lx.body.length;
    const value = logicalAssignment === '??' ? binary(lx, node, true) : logical(lx, node, logicalAssignment === '&&');
    return lx.assign(binding, value, node, start);
  }
  if (kind === ts.SyntaxKind.AmpersandAmpersandToken || kind === ts.SyntaxKind.BarBarToken)
    return logical(lx, node, kind === ts.SyntaxKind.AmpersandAmpersandToken);
  if (kind === ts.SyntaxKind.QuestionQuestionToken || nullishValue) {
    // `a ?? b` on a value that may be undefined (an optional field or parameter): `a === undefined ? b : a`.
    const type = lx.env.checker && lx.typeAt(node.left);
    const members = type?.isUnion() ? type.types : type ? [type] : [];
    if (members.some((member) => member.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) {
      fail(
        node,
        Code.Unsupported,
        "'??' on a value of type 'any' or 'unknown' cannot be differentiated: give it a type (an optional number, or a number or null).",
      );
    }
    // A value that may be null is undefined there (nullAsUndefined): tested against undefined.
    const mayBeNull = members.some((member) => member.flags & ts.TypeFlags.Null);
    // An array's entry is typed a number but is undefined past the end (`u[i - 1] ?? 0` at i = 0).
    // It is read only on the side that uses it, so that reverse mode adds into the gradient's
    // entry only there: an entry past the end of the gradient's array would make it longer, with NaN.
    const target = skipTypeSyntax(ts, node.left);
    const entry = ts.isElementAccessExpression(target) && lx.isNumber(lx.typeAt(target.argumentExpression));
    if (entry && !rereadable(lx, node.left))
      fail(node.left, Code.Unsupported, "'??' on an array entry whose index has effects: compute the index in a statement of its own first.");
    if (entry && !ts.isOptionalChain(target)) {
      const missing = entryMissing(lx, expression(lx, target.expression), expression(lx, target.argumentExpression), target);
      // Known when compiling (an entry of a local array of objects): only the side taken is lowered.
      if (missing.kind === 'num') return expression(lx, missing.value ? node.right : node.left);
      return branch(
        lx,
        missing,
        node,
        () => expression(lx, node.right),
        () => expression(lx, node.left),
      ) as Operand;
    }
    const left = expression(lx, node.left);
    if (entry) requireUnshortened(lx, left, node.left);
    if (!entry && !mayBeNull && !mayBeUndefined(lx, target) && !members.some((member) => member.flags & ts.TypeFlags.Undefined)) return left;
    return branch(
      lx,
      lx.op('===', [left, UNDEFINED], node),
      node,
      () => expression(lx, node.right),
      entry ? () => expression(lx, node.left) : () => left,
    ) as Operand;
  }
  const comparison = kind === ts.SyntaxKind.EqualsEqualsToken ? '===' : kind === ts.SyntaxKind.ExclamationEqualsToken ? '!==' : operator;
  if (isComparisonOperator(comparison)) {
    const missing = nullComparison(lx, node);
    if (missing) return missing;
    const left = expression(lx, node.left);
    const right = expression(lx, node.right);
    // `xs[i] === undefined`: whether i is past the end.
    for (const [entry, other] of [
      [left, right],
      [right, left],
    ])
      if (sameOperand(other, UNDEFINED)) requireUnshortened(lx, entry, node);
    return lx.op(comparison, [left, right], node);
  }
  if (!isArithmeticOperator(operator) && !isIntegerOperator(operator)) {
    return fail(node.operatorToken, Code.Unsupported, `the operator '${operator}' cannot be differentiated yet.`);
  }
  return arithmetic(lx, node);
}

/**
 * `v == null`, `v !== null`, `v === undefined` …: differentiated code keeps null as undefined
 * (a literal null is undefined, and so is the caller's where it is read: nullAsUndefined), so
 * a test against either, written loosely (`==`, `!=`), is a test against undefined. A strict
 * test against null is one against undefined where the value cannot be undefined, and known
 * where it cannot be null; a strict test that would tell null from undefined is a diagnostic.
 * Undefined for a comparison of other values, and for a strict test against undefined of a
 * value that cannot be null.
 */
function nullComparison(lx: Lowering, node: ts.BinaryExpression): Operand | undefined {
  const { ts } = lx;
  const k = ts.SyntaxKind;
  const kind = node.operatorToken.kind;
  if (![k.EqualsEqualsToken, k.ExclamationEqualsToken, k.EqualsEqualsEqualsToken, k.ExclamationEqualsEqualsToken].includes(kind)) return undefined;
  const isNull = (side: ts.Expression) => skipTypeSyntax(ts, side).kind === k.NullKeyword;
  const isUndefined = (side: ts.Expression) => {
    const inner = skipTypeSyntax(ts, side);
    return ts.isIdentifier(inner) && lx.isGlobal(inner, 'undefined');
  };
  const other = isNull(node.right) || isUndefined(node.right) ? node.left : isNull(node.left) || isUndefined(node.left) ? node.right : undefined;
  if (!other) return undefined;
  const againstNull = isNull(other === node.left ? node.right : node.left);
  const loose = kind === k.EqualsEqualsToken || kind === k.ExclamationEqualsToken;
  const equal = kind === k.EqualsEqualsToken || kind === k.EqualsEqualsEqualsToken;
  const type = lx.typeAt(other);
  const members = type.isUnion() ? type.types : [type];
  const mayBeNull = members.some((member) => member.flags & (ts.TypeFlags.Null | ts.TypeFlags.Any | ts.TypeFlags.Unknown));
  const written = sourceText(other);
  if (!loose && !againstNull && !mayBeNull) return undefined;
  if (!loose && !againstNull)
    fail(
      node,
      Code.Unsupported,
      `'${written}' may be null, which differentiated code keeps as undefined, so it cannot tell it from undefined: test '${written} ${equal ? '==' : '!='} null' (null or undefined), or '${written} ${equal ? '===' : '!=='} null' where it is never undefined.`,
    );
  const value = expression(lx, other);
  requireUnshortened(lx, value, node);
  // `v === null` of a value that is never null.
  if (!loose && !mayBeNull) return equal ? FALSE : TRUE;
  if (!loose && (members.some((member) => member.flags & ts.TypeFlags.Undefined) || mayBeUndefined(lx, other)))
    fail(
      node,
      Code.Unsupported,
      `'${written}' may be undefined as well as null (an entry past the end of an array, say), which differentiated code keeps as undefined, so it cannot tell them apart: test '${written} ${equal ? '==' : '!='} null' (null or undefined).`,
    );
  return lx.op(equal ? '===' : '!==', [value, UNDEFINED], node);
}

/**
 * `a + b - c * d …`: the chain down the left operands is lowered from the innermost up, in
 * a loop, so that a sum of thousands of terms does not exhaust the stack. An operand that
 * is itself arithmetic checks its own operands when lowered: asking the checker for the
 * type of every prefix of a long chain costs O(n²) or more.
 */
export function arithmetic(lx: Lowering, node: ts.BinaryExpression): Operand {
  const { ts } = lx;
  const isArithmetic = (expression: ts.Expression): expression is ts.BinaryExpression => {
    const operator = ts.isBinaryExpression(expression) ? (ts.tokenToString(expression.operatorToken.kind) ?? '') : '';
    return isArithmeticOperator(operator) || isIntegerOperator(operator);
  };
  const chain: ts.BinaryExpression[] = [node];
  for (let left = skipParentheses(ts, node.left); isArithmetic(left); left = skipParentheses(ts, left.left)) chain.push(left);
  chain.reverse();
  const operatorOf = (link: ts.BinaryExpression) => ts.tokenToString(link.operatorToken.kind) as ArithmeticOperator | IntegerOperator;
  const checked = (operand: ts.Expression, link: ts.BinaryExpression) => {
    if (!isArithmetic(skipParentheses(ts, operand))) lx.requireNumber(operand, `'${operatorOf(link)}' is differentiable on numbers only`);
    return expression(lx, operand);
  };
  let value = checked(chain[0].left, chain[0]);
  for (const link of chain) value = lx.op(operatorOf(link), [value, checked(link.right, link)], link);
  return value;
}

const LOGICAL_ASSIGNMENTS: Partial<Record<string, '??' | '||' | '&&'>> = { '??=': '??', '||=': '||', '&&=': '&&' };

const COMPOUND_ASSIGNMENTS: Partial<Record<string, ArithmeticOperator | IntegerOperator>> = {
  '+=': '+',
  '-=': '-',
  '*=': '*',
  '/=': '/',
  '%=': '%',
  '**=': '**',
  '<<=': '<<',
  '>>=': '>>',
  '>>>=': '>>>',
  '&=': '&',
  '|=': '|',
  '^=': '^',
};

/** An expression tapeless does not differentiate: what it is, and what to write instead where there is something to say. */
function unsupportedExpression(tsApi: typeof ts, node: ts.Expression): { readonly what: string; readonly advice?: string } {
  const k = tsApi.SyntaxKind;
  const constructs: Partial<Record<ts.SyntaxKind, { readonly what: string; readonly advice?: string }>> = {
    [k.StringLiteral]: { what: 'a string' },
    [k.ArrowFunction]: functionValue(tsApi, node),
    [k.FunctionExpression]: functionValue(tsApi, node),
    [k.NewExpression]: { what: "a 'new' expression" },
    [k.BigIntLiteral]: { what: 'a bigint', advice: 'write a number (1, not 1n)' },
    [k.AwaitExpression]: { what: "'await'", advice: 'await the value outside the differentiated function, and pass it in' },
    [k.YieldExpression]: { what: "'yield'" },
    [k.TypeOfExpression]: { what: "'typeof'", advice: 'test the value itself: compare it with undefined, or a field of a union with one of its literals' },
    [k.DeleteExpression]: { what: "'delete'", advice: 'make a new object literal of the fields to keep' },
    [k.VoidExpression]: { what: "'void'", advice: 'write the expression as a statement of its own' },
    [k.ThisKeyword]: { what: "'this'" },
    [k.ClassExpression]: { what: 'a class expression', advice: 'declare the class at the top level of a module, where differentiated code can construct it' },
  };
  return constructs[node.kind] ?? { what: `the expression '${node.getText()}'` };
}

/**
 * A function written where differentiated code would have to keep it as a value: returned (a
 * closure over state, as random number generators are written) or held in data.
 */
function functionValue(tsApi: typeof ts, node: ts.Expression): { readonly what: string; readonly advice: string } {
  const uses =
    "differentiated code calls functions and gives functions written in place to map, reduce, forEach… and to the program's functions, but does not return them or keep them in data";
  const returned = tsApi.isReturnStatement(node.parent) || (tsApi.isArrowFunction(node.parent) && node.parent.body === node);
  const maker = returned ? tsApi.findAncestor(node.parent, (n) => tsApi.isFunctionLike(n)) : undefined;
  const name = maker && (maker as ts.SignatureDeclaration).name;
  const owner = name && tsApi.isIdentifier(name) ? name : maker && tsApi.isVariableDeclaration(maker.parent) ? maker.parent.name : undefined;
  if (returned)
    return {
      what: `a function returned by ${owner && tsApi.isIdentifier(owner) ? `'${owner.text}'` : 'a function'}`,
      advice: `${uses}. Keep what it closes over in an instance of a class of the module, whose method reads it (and updates it, for state such as a random number generator's), or pass it to a function of the program as a parameter`,
    };
  return { what: 'a function kept as a value', advice: `${uses}. Declare it as a function of the program or a const in the function, and call it by name` };
}

/**
 * `[a, b] = value` and `({ x, v } = value)`: each target (a variable, an entry of a local
 * array, a nested pattern) takes its part of the value. `[a, b] = [b, a]` written as a
 * statement takes the values on the right first and makes no array: a swap.
 */
function destructuringAssignment(lx: Lowering, node: ts.BinaryExpression, pattern: ts.ArrayLiteralExpression | ts.ObjectLiteralExpression): Operand {
  const { ts } = lx;
  const right = skipParentheses(ts, node.right);
  const plain = (elements: ts.NodeArray<ts.Expression>) => elements.every((element) => !ts.isSpreadElement(element) && !ts.isOmittedExpression(element));
  const statement = ts.isExpressionStatement(node.parent) || (ts.isForStatement(node.parent) && node.parent.incrementor === node);
  if (
    statement &&
    ts.isArrayLiteralExpression(pattern) &&
    ts.isArrayLiteralExpression(right) &&
    pattern.elements.length === right.elements.length &&
    plain(pattern.elements) &&
    plain(right.elements)
  ) {
    const values = right.elements.map((element) => expression(lx, element));
    pattern.elements.forEach((target, k) => assignTarget(lx, target, values[k], node));
    return UNSET;
  }
  const value = expression(lx, node.right);
  assignPattern(lx, pattern, value, node);
  return value;
}

function assignPattern(lx: Lowering, pattern: ts.ArrayLiteralExpression | ts.ObjectLiteralExpression, value: Operand, origin: ts.BinaryExpression): void {
  const { ts } = lx;
  if (ts.isArrayLiteralExpression(pattern)) {
    pattern.elements.forEach((element, k) => {
      if (ts.isOmittedExpression(element)) return;
      if (ts.isSpreadElement(element)) return assignTarget(lx, element.expression, restOf(lx, element, element.expression, value, k), origin);
      assignTarget(lx, element, load(lx, value, num(k), lx.shapeAt(element, false), element), origin);
    });
    return;
  }
  for (const property of pattern.properties) {
    if (ts.isShorthandPropertyAssignment(property)) {
      if (property.objectAssignmentInitializer)
        fail(
          property.objectAssignmentInitializer,
          Code.Unsupported,
          `default values in a destructuring assignment are not supported: declare the variables there ('const ${sourceText(origin)}'), or assign '${property.name.text}' by itself ('${property.name.text} = ${sourceText(origin.right)}.${property.name.text} ?? ${property.objectAssignmentInitializer.getText()}').`,
        );
      assignTarget(lx, property.name, fieldLoad(lx, value, property.name.text, lx.shapeAt(property.name, false), property), origin);
    } else if (ts.isPropertyAssignment(property) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) {
      assignTarget(lx, property.initializer, fieldLoad(lx, value, property.name.text, lx.shapeAt(property.initializer, false), property), origin);
    } else {
      fail(property, Code.Unsupported, 'computed names in destructuring are not supported.');
    }
  }
}

/** One target of a destructuring assignment takes `value`. */
function assignTarget(lx: Lowering, node: ts.Expression, value: Operand, origin: ts.BinaryExpression): void {
  const { ts } = lx;
  const target = skipParentheses(ts, node);
  if (ts.isBinaryExpression(target) && target.operatorToken.kind === ts.SyntaxKind.EqualsToken)
    fail(
      target.right,
      Code.Unsupported,
      `default values in a destructuring assignment are not supported: declare the variables there ('const ${sourceText(origin)}'), or assign '${target.left.getText()}' by itself ('${target.left.getText()} = … ?? ${target.right.getText()}').`,
    );
  if (ts.isArrayLiteralExpression(target) || ts.isObjectLiteralExpression(target)) return assignPattern(lx, target, value, origin);
  if (ts.isElementAccessExpression(target)) {
    storeElement(lx, target, () => value, origin);
    return;
  }
  lx.assign(assignable(lx, target), value, origin, lx.body.length);
}

/**
 * Names, literals, reads and arithmetic: an expression lowered twice reads the same values and
 * changes nothing (a getter may write `this`, so a read through one is not).
 */
function rereadable(lx: Lowering, node: ts.Expression): boolean {
  const { ts } = lx;
  node = skipTypeSyntax(ts, node);
  if (ts.isIdentifier(node) || ts.isNumericLiteral(node) || ts.isStringLiteral(node) || node.kind === ts.SyntaxKind.ThisKeyword) return true;
  if (ts.isPropertyAccessExpression(node)) return !getterOf(ts, lx.env.checker!, node) && rereadable(lx, node.expression);
  if (ts.isElementAccessExpression(node)) return rereadable(lx, node.expression) && rereadable(lx, node.argumentExpression);
  if (ts.isPrefixUnaryExpression(node))
    return [ts.SyntaxKind.MinusToken, ts.SyntaxKind.PlusToken, ts.SyntaxKind.TildeToken].includes(node.operator) && rereadable(lx, node.operand);
  if (ts.isBinaryExpression(node)) {
    // Arithmetic and the integer operators an index is computed with (`xs[i ^ 1]`, `xs[n >> 1]`): no effects.
    const operator = ts.tokenToString(node.operatorToken.kind) ?? '';
    return (isArithmeticOperator(operator) || isIntegerOperator(operator)) && rereadable(lx, node.left) && rereadable(lx, node.right);
  }
  return false;
}
