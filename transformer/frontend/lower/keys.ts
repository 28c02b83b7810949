// Fields read by a string key: `o['w']`, `COEFFS['a']`, `COEFFS[key]` with `const key = 'a'`.
// A key known when compiling names one field, read as `o.w` is; a key known only at run time
// (a helper's `name: string` parameter: helpers are differentiated once for every caller), a
// key that names a getter or a method, or a key written to is a diagnostic that says which
// field to write.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Lowering } from './lowering';
import { expression } from './expressions';
import { sourceText } from '../quoting';
import { skipTypeSyntax } from '../type-syntax';

/** Whether `access` indexes by something that is not a number (a string, a union of string literals). */
function byStringKey(lx: Lowering, access: ts.ElementAccessExpression): boolean {
  const checker = lx.env.checker;
  if (!checker) return false;
  const type = lx.typeAt(access.argumentExpression);
  return !lx.isNumber(type) && (type.flags & lx.ts.TypeFlags.StringLike) !== 0;
}

/** `o.w` for `o['w']`, or `o.<field>` where the key's field is not known: what to write instead. */
function fieldSpelling(lx: Lowering, access: ts.ElementAccessExpression, key: string | undefined): string {
  const container = sourceText(access.expression);
  return key !== undefined && /^[A-Za-z_$][\w$]*$/.test(key) ? `${container}.${key}` : `${container}.<field>`;
}

/**
 * The field a string key names, for a read: undefined where the index is a number. A key that is
 * not a constant, or names a getter or a method, fails.
 */
export function stringKey(lx: Lowering, access: ts.ElementAccessExpression): string | undefined {
  const { ts } = lx;
  if (!byStringKey(lx, access)) return undefined;
  const key = expression(lx, access.argumentExpression);
  if (key.kind !== 'str')
    fail(
      access,
      Code.Unsupported,
      `'${sourceText(access)}' reads a field by a key known only at run time, which differentiated code cannot follow: read the field by its name ('${fieldSpelling(lx, access, undefined)}'), choosing with a 'switch' on '${sourceText(access.argumentExpression)}' if it varies.`,
    );
  // A field of a Record has no declaration; a getter or a method is not a field to load.
  const checker = lx.env.checker!;
  const declaration = checker.getPropertyOfType(checker.getApparentType(lx.typeAt(access.expression)), key.value)?.valueDeclaration;
  const plainField =
    !declaration ||
    ts.isPropertySignature(declaration) ||
    ts.isPropertyDeclaration(declaration) ||
    ts.isPropertyAssignment(declaration) ||
    ts.isShorthandPropertyAssignment(declaration) ||
    ts.isParameter(declaration);
  if (!plainField)
    fail(access, Code.Unsupported, `'${sourceText(access)}' reads '${key.value}' by a string key: write '${fieldSpelling(lx, access, key.value)}'.`);
  return key.value;
}

/** Where only a number may index (writes, optional chains): a string key fails, saying to write the field by its name. */
export function requireIndex(lx: Lowering, access: ts.ElementAccessExpression): void {
  if (byStringKey(lx, access)) {
    const literal = lx.ts.isStringLiteralLike(access.argumentExpression) ? access.argumentExpression.text : undefined;
    if (literal !== undefined) requireDeclaredField(lx, access.expression, literal);
    fail(access, Code.Unsupported, `'${sourceText(access)}' uses a string key here: write the field by its name ('${fieldSpelling(lx, access, literal)}').`);
  }
  lx.requireNumber(access.argumentExpression, 'an index must be a number');
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
  const fields = new Set<string>();
  const scope = ts.findAncestor(declaration, ts.isFunctionLike) ?? declaration.getSourceFile();
  const collect = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === name) fields.add(node.name.text);
    if (
      ts.isElementAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === name &&
      ts.isStringLiteralLike(node.argumentExpression)
    )
      fields.add(node.argumentExpression.text);
    ts.forEachChild(node, collect);
  };
  collect(scope);
  const written = [...fields].filter((key) => /^[A-Za-z_$][\w$]*$/.test(key)).map((key) => `${key}: 0`);
  fail(
    container.parent,
    Code.Unsupported,
    `'${name}' has no field '${field}': an object the function makes has the fields it is made with, and a Record or '{}' made without fields cannot gain any. Make it with every field it holds ('const ${name} = { ${written.join(', ')} }').`,
  );
}
