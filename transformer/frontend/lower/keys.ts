// Fields read by a string key: `o['w']`, `COEFFS['a']`, `COEFFS[key]` with `const key = 'a'`.
// A key known when compiling names one field, read as `o.w` is; a key known only at run time
// (a helper's `name: string` parameter: helpers are differentiated once for every caller) is a
// choice between the fields it may name, those of its type (`'a' | 'b'`) or of a module's
// constant object literal; any other, a key that names a getter or a method, or a key written
// to is a diagnostic that says which field to write.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Operand, UNDEFINED, str } from '../../ir/ir';
import { type Lowering } from './lowering';
import { expression } from './expressions';
import { fieldLoad } from './arrays';
import { branch } from './control';
import { fieldsNamed, sourceText } from '../quoting';
import { skipTypeSyntax } from '../type-syntax';
import { placeholderOf } from '../../ir/shapes';
import { walk } from '../walk';

/** Whether `access` indexes by something that is not a number (a string, a union of string literals). */
function byStringKey(lx: Lowering, access: ts.ElementAccessExpression): boolean {
  const checker = lx.env.checker;
  if (!checker) return false;
  const type = lx.typeAt(access.argumentExpression);
  // A union of string literals (`'a' | 'b'`) is a union type, each of whose members is a string.
  return !lx.isNumber(type) && (type.isUnion() ? type.types : [type]).every((member) => (member.flags & lx.ts.TypeFlags.StringLike) !== 0);
}

/** `o.w` for `o['w']`, or `o.<field>` where the key's field is not known: what to write instead. */
function fieldSpelling(lx: Lowering, access: ts.ElementAccessExpression, key: string | undefined): string {
  const container = sourceText(access.expression);
  return key !== undefined && /^[A-Za-z_$][\w$]*$/.test(key) ? `${container}.${key}` : `${container}.<field>`;
}

/** What a string key reads: one field (a key known when compiling), or one of `fields` chosen by `key` when the code runs. */
export type KeyedRead = { readonly field: string } | { readonly key: Operand; readonly fields: readonly string[]; readonly exhaustive: boolean };

/**
 * What a string key reads, for a read: undefined where the index is a number. A key known only
 * at run time reads one of the fields it may name: those of its type (`key: 'a' | 'b'`), or
 * those of a module's constant object literal (`COEFFS[name]` with `const COEFFS:
 * Record<string, number> = { a: 1.5, b: -0.5 }`, where another key reads undefined). Any other
 * key, or one that names a getter or a method, fails.
 */
export function stringKey(lx: Lowering, access: ts.ElementAccessExpression): KeyedRead | undefined {
  if (!byStringKey(lx, access)) return undefined;
  const key = expression(lx, access.argumentExpression);
  if (key.kind === 'str') return { field: plainField(lx, access, key.value) };
  const named = keysItMayName(lx, access);
  if (!named)
    fail(
      access,
      Code.Unsupported,
      `'${sourceText(access)}' reads a field by a key known only at run time, which differentiated code cannot follow: read the field by its name ('${fieldSpelling(lx, access, undefined)}'), choosing with a 'switch' on '${sourceText(access.argumentExpression)}' if it varies.`,
    );
  named.fields.forEach((field) => plainField(lx, access, field));
  return { key, ...named };
}

/** `field`, where reading it by a key reads a field (a Record's has no declaration), not a getter or a method. */
function plainField(lx: Lowering, access: ts.ElementAccessExpression, field: string): string {
  const { ts } = lx;
  const checker = lx.env.checker!;
  const declaration = checker.getPropertyOfType(checker.getApparentType(lx.typeAt(access.expression)), field)?.valueDeclaration;
  const plain =
    !declaration ||
    ts.isPropertySignature(declaration) ||
    ts.isPropertyDeclaration(declaration) ||
    ts.isPropertyAssignment(declaration) ||
    ts.isShorthandPropertyAssignment(declaration) ||
    ts.isParameter(declaration);
  if (!plain) fail(access, Code.Unsupported, `'${sourceText(access)}' reads '${field}' by a string key: write '${fieldSpelling(lx, access, field)}'.`);
  return field;
}

/** The fields a key known only at run time may name (see stringKey), and whether it names one of them surely. */
function keysItMayName(lx: Lowering, access: ts.ElementAccessExpression): { fields: string[]; exhaustive: boolean } | undefined {
  const { ts } = lx;
  const type = lx.typeAt(access.argumentExpression);
  const members = type.isUnion() ? type.types : [type];
  if (members.every((member) => member.isStringLiteral())) return { fields: members.map((member) => (member as ts.StringLiteralType).value), exhaustive: true };
  const declaration = lx.env.checker!.getSymbolAtLocation(skipTypeSyntax(ts, access.expression))?.valueDeclaration;
  const constant =
    declaration &&
    ts.isVariableDeclaration(declaration) &&
    ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const &&
    ts.isSourceFile(declaration.parent.parent.parent) &&
    declaration.initializer
      ? skipTypeSyntax(ts, declaration.initializer)
      : undefined;
  if (!constant || !ts.isObjectLiteralExpression(constant) || writtenInItsModule(lx, declaration as ts.VariableDeclaration)) return undefined;
  const fields = constant.properties.map((property) =>
    (ts.isPropertyAssignment(property) || ts.isShorthandPropertyAssignment(property)) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))
      ? property.name.text
      : undefined,
  );
  return fields.length > 0 && fields.every((field) => field !== undefined) ? { fields: fields as string[], exhaustive: false } : undefined;
}

/** Whether its module may give the constant object more fields, or change them (`COEFFS[k] = v`, `delete COEFFS.a`, `Object.assign(COEFFS, …)`). */
function writtenInItsModule(lx: Lowering, declaration: ts.VariableDeclaration): boolean {
  const { ts } = lx;
  const name = (declaration.name as ts.Identifier).text;
  const isConstant = (node: ts.Expression) => {
    const inner = skipTypeSyntax(ts, node);
    return ts.isIdentifier(inner) && inner.text === name;
  };
  const isMember = (node: ts.Expression) => {
    const inner = skipTypeSyntax(ts, node);
    return (ts.isElementAccessExpression(inner) || ts.isPropertyAccessExpression(inner)) && isConstant(inner.expression);
  };
  return walk(ts, declaration.getSourceFile(), (node) => {
    const written =
      (ts.isBinaryExpression(node) &&
        node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
        node.operatorToken.kind <= ts.SyntaxKind.LastAssignment &&
        isMember(node.left)) ||
      (ts.isDeleteExpression(node) && isMember(node.expression)) ||
      ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
        (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken) &&
        isMember(node.operand)) ||
      (ts.isCallExpression(node) && node.arguments.length > 0 && isConstant(node.arguments[0]) && node.expression.getText() === 'Object.assign');
    return written ? 'stop' : undefined;
  });
}

/**
 * A field read by a key known only at run time: a choice between the fields it may name
 * (`key === 'a' ? o.a : o.b`), undefined where it names none of them (as JavaScript reads).
 */
export function chooseField(lx: Lowering, access: ts.ElementAccessExpression, container: Operand, read: Extract<KeyedRead, { key: Operand }>): Operand {
  const { key, fields, exhaustive } = read;
  const load = (field: string) => fieldLoad(lx, container, field, lx.shapeAt(access, false), access);
  const choose = (k: number): Operand => {
    if (k === fields.length) return UNDEFINED;
    if (k === fields.length - 1 && exhaustive) return load(fields[k]);
    return branch(
      lx,
      lx.op('===', [key, str(fields[k])], access),
      access,
      () => load(fields[k]),
      () => choose(k + 1),
    )!;
  };
  return choose(0);
}

/** Where only a number may index (writes, optional chains): a string key fails, saying to write the field by its name. */
export function requireIndex(lx: Lowering, access: ts.ElementAccessExpression): void {
  if (byStringKey(lx, access)) {
    const literal = lx.ts.isStringLiteralLike(access.argumentExpression) ? access.argumentExpression.text : undefined;
    if (literal !== undefined) requireDeclaredField(lx, access.expression, literal);
    const named = literal === undefined ? keysItMayName(lx, access) : undefined;
    const choice = named ? `, choosing on '${sourceText(access.argumentExpression)}' ('${choiceOfWrites(lx, access, named).join(' ')}')` : '';
    fail(
      access,
      Code.Unsupported,
      `'${sourceText(access)}' uses a string key here: write the field by its name ('${fieldSpelling(lx, access, literal)}')${choice}.`,
    );
  }
  lx.requireNumber(access.argumentExpression, 'an index must be a number');
}

/** `if (key === 'a') o.a = …; else o.b = …;`: a write by a key known only at run time, spelled out. */
function choiceOfWrites(lx: Lowering, access: ts.ElementAccessExpression, named: { fields: readonly string[]; exhaustive: boolean }): string[] {
  const key = sourceText(access.argumentExpression);
  return named.fields.map((field, k) => {
    const write = `${fieldSpelling(lx, access, field)} = …;`;
    const test = `if (${key} === '${field}') ${write}`;
    if (k === 0) return test;
    return k === named.fields.length - 1 && named.exhaustive ? `else ${write}` : `else ${test}`;
  });
}

/**
 * Where a field is written into a local object: a diagnostic if the object literal it was made
 * with (`const totals: Record<string, number> = {}`) lacks the field, which it cannot gain (the
 * function keeps an object's fields, known when compiling, apart). The advice writes the
 * literal with every field the function reads or writes by name.
 */
export function requireDeclaredField(lx: Lowering, container: ts.Expression, field: string): void {
  const { ts } = lx;
  const inner = skipTypeSyntax(ts, container);
  const declaration = ts.isIdentifier(inner) ? lx.env.checker?.getSymbolAtLocation(inner)?.valueDeclaration : undefined;
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer || !ts.isIdentifier(declaration.name)) return;
  const literal = skipTypeSyntax(ts, declaration.initializer);
  if (!ts.isObjectLiteralExpression(literal) || literal.properties.some((property) => !property.name || property.name.getText() === field)) return;
  const name = declaration.name.text;
  const scope = ts.findAncestor(declaration, ts.isFunctionLike) ?? declaration.getSourceFile();
  const given = new Set(literal.properties.map((property) => property.name!.getText()));
  const missing = fieldsNamed(ts, scope, name)
    .filter((key) => !given.has(key))
    .map((key) => `${key}: ${placeholderFor(lx, declaration, key)}`);
  const fields = [...literal.properties.map((property) => property.getText()), ...missing];
  // Its type, where it names the fields (an interface with optional ones), not a Record's keys.
  const checker = lx.env.checker!;
  const declared =
    declaration.type && checker.getIndexInfosOfType(checker.getTypeFromTypeNode(declaration.type)).length === 0
      ? `${name}: ${declaration.type.getText()}`
      : name;
  fail(
    container.parent,
    Code.Unsupported,
    `'${name}' has no field '${field}': an object the function makes has the fields it is made with, and a Record or '{}' made without fields cannot gain any. Make it with every field it holds ('const ${declared} = { ${fields.join(', ')} }').`,
  );
}

/** A value to make field `key` of the variable with, of the field's type. */
function placeholderFor(lx: Lowering, declaration: ts.VariableDeclaration, key: string): string {
  const checker = lx.env.checker!;
  const property = checker.getTypeAtLocation(declaration.name).getProperty(key);
  return placeholderOf(lx.ts, checker, property && checker.getTypeOfSymbolAtLocation(property, declaration));
}
