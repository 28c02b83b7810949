// Tables of functions: a module's constant written as an array literal of object literals
// holding functions, `const CONSTRAINTS: Constraint[] = [{ kind: 'inequality', g: ([x, y]) =>
// x * x + y * y - 2 }, …]`. The functions it holds are known at compile time, so
// differentiated code may call them: a loop over the table (for … of, forEach, reduce, every,
// some, map) is unrolled, each pass reading one entry at a constant index, and an entry's
// function (`c.g(x)`) is that entry's arrow, inlined like a local function; its fields written
// as literals (`c.kind`) are constants, so a test of them keeps only the branch taken.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Callee, type Operand, num, operandKey, str } from '../../ir/ir';
import { skipTypeSyntax } from '../type-syntax';
import { sourceText } from '../quoting';
import { type LocalFunction, type Lowering } from './lowering';
import { expression } from './expressions';
import { type Argument, functionValue, isFunction, isSpread } from './functions';
import { isMathFunction } from '../../ops/registry';

/** The array literal of a table that `identifier` names (through imports), or undefined where it names none. */
export function tableLiteral(lx: Lowering, identifier: ts.Identifier): ts.ArrayLiteralExpression | undefined {
  const { ts } = lx;
  const literal = constantLiteral(lx, identifier);
  if (!literal) return undefined;
  const entries = literal.elements.map((element) => skipTypeSyntax(ts, element));
  // Entries of plain fields only (no spreads, methods or computed names), so that each field's value is the one written.
  const plain = (entry: ts.Expression) =>
    ts.isObjectLiteralExpression(entry) && entry.properties.every((property) => ts.isPropertyAssignment(property) && ts.isIdentifier(property.name));
  if (!entries.every(plain)) return undefined;
  const holdsFunction = (entries as ts.ObjectLiteralExpression[]).some((entry) =>
    entry.properties.some((property) => functionNode(lx, property) !== undefined),
  );
  return holdsFunction ? literal : undefined;
}

/** The array literal a `const` that `identifier` names (through imports) is declared with. */
function constantLiteral(lx: Lowering, identifier: ts.Identifier): ts.ArrayLiteralExpression | undefined {
  const { ts } = lx;
  const checker = lx.env.checker;
  let symbol = checker?.getSymbolAtLocation(identifier);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker!.getAliasedSymbol(symbol);
  const declaration = symbol?.valueDeclaration;
  if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer || !(ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const))
    return undefined;
  const literal = skipTypeSyntax(ts, declaration.initializer);
  return ts.isArrayLiteralExpression(literal) ? literal : undefined;
}

/**
 * Records that `value` (a constant read from outside) is the table `identifier` names, if it
 * names one; a constant array of functions (`const TERMS = [f, Math.sin]`) is a diagnostic here.
 */
export function noteTable(lx: Lowering, identifier: ts.Identifier, value: Operand): void {
  if (value.kind !== 'ref') return;
  const literal = tableLiteral(lx, identifier);
  if (literal) lx.tables.set(operandKey(value), literal);
  const declared = constantLiteral(lx, identifier);
  if (declared) requireNoFunctions(lx, declared, identifier);
}

/** Whether `value` is a table (or an entry of one): a call given it is inlined, so that its functions stay known. */
export function isTableValue(lx: Lowering, value: Operand): boolean {
  return lx.tables.has(operandKey(value)) || (value.kind === 'var' && lx.entries.has(value.name));
}

/** `table[k]` at a constant index: the entry, read as data, whose literal is known. */
export function tableEntry(lx: Lowering, table: Operand, index: Operand, origin: ts.Node, userName?: string): Operand | undefined {
  const literal = lx.tables.get(operandKey(table));
  if (!literal || index.kind !== 'num' || !Number.isInteger(index.value) || index.value < 0 || index.value >= literal.elements.length) return undefined;
  const entry = lx.part({ op: 'element', args: [table, index] }, undefined, origin, userName);
  if (entry.kind === 'var') lx.entries.set(entry.name, skipTypeSyntax(lx.ts, literal.elements[index.value]) as ts.ObjectLiteralExpression);
  return entry;
}

/** The number of entries of the table `table` holds, where it holds one (a loop over it is unrolled: loops.ts). */
export function tableLength(lx: Lowering, table: Operand): number | undefined {
  return lx.tables.get(operandKey(table))?.elements.length;
}

/** `c.kind` of an entry of a table, where the literal writes it as a number, string or boolean: that constant. */
export function entryField(lx: Lowering, container: Operand, field: string): Operand | undefined {
  const { ts } = lx;
  const literal = container.kind === 'var' ? lx.entries.get(container.name) : undefined;
  const property = literal && propertyNamed(ts, literal, field);
  if (!property || !ts.isPropertyAssignment(property)) return undefined;
  const value = skipTypeSyntax(ts, property.initializer);
  if (ts.isNumericLiteral(value)) return num(Number(value.text));
  if (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value)) return str(value.text);
  if (value.kind === ts.SyntaxKind.TrueKeyword) return num(1, 'true');
  if (value.kind === ts.SyntaxKind.FalseKeyword) return num(0, 'false');
  return undefined;
}

/**
 * The function `c.g` calls, where c is an entry of a table (`for (const c of CONSTRAINTS)`,
 * `CONSTRAINTS[1]`): the entry's arrow or function, inlined in the frame of its module, or
 * the function of the program it names. Undefined where c is not an entry of a table.
 */
export function entryFunction(lx: Lowering, call: ts.CallExpression, container: Operand, field: string): LocalFunction | undefined {
  const { ts } = lx;
  const literal = container.kind === 'var' ? lx.entries.get(container.name) : undefined;
  if (!literal) return undefined;
  const property = propertyNamed(ts, literal, field);
  const fn = property && functionNode(lx, property);
  if (!fn) {
    return fail(
      call,
      Code.Unsupported,
      `'${call.expression.getText()}' calls the field '${field}' of an entry of a table of functions, and that entry (line ${lineOf(literal)}) has no function '${field}': test a field the entries write as a literal (their kind) with ===, !== or switch before calling it, so that tapeless sees which entries reach the call.`,
    );
  }
  if (ts.isPropertyAccessExpression(fn)) return functionValue(lx, fn);
  // Names from outside the function resolve where the table is written.
  const name = ts.isIdentifier(fn) ? fn.text : field;
  const within: Callee = { key: `table|${fn.getSourceFile().fileName}|${fn.pos}`, name, ref: { kind: 'ref', path: [] }, home: { node: literal, name } };
  if (!ts.isIdentifier(fn)) return { node: fn, name, scopes: [], within, reference: call.expression };
  const callee = lx.env.functionValue?.(fn, within);
  const node = callee!.target!.node as ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;
  return { node, name: callee!.name, scopes: [], within: callee, callee, reference: call.expression };
}

function lineOf(node: ts.Node): number {
  return node.getSourceFile().getLineAndCharacterOfPosition(node.getStart()).line + 1;
}

/** The property of an object literal named `field` (the last, as JavaScript keeps it). */
function propertyNamed(tsApi: typeof ts, literal: ts.ObjectLiteralExpression, field: string): ts.ObjectLiteralElementLike | undefined {
  return [...literal.properties].reverse().find((property) => property.name !== undefined && tsApi.isIdentifier(property.name) && property.name.text === field);
}

/**
 * The function a property holds: an arrow or function expression, the name of a function of the
 * program (`g: barrierTerm`), or a Math function (`g: Math.tanh`).
 */
function functionNode(
  lx: Lowering,
  property: ts.ObjectLiteralElementLike,
): ts.ArrowFunction | ts.FunctionExpression | ts.Identifier | ts.PropertyAccessExpression | undefined {
  const { ts } = lx;
  if (!ts.isPropertyAssignment(property)) return undefined;
  const value = skipTypeSyntax(ts, property.initializer);
  if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) return value;
  if (ts.isPropertyAccessExpression(value) && ts.isIdentifier(value.expression) && lx.isGlobal(value.expression, 'Math') && isMathFunction(value.name.text))
    return value;
  const home: Callee = { key: 'table', name: 'table', ref: { kind: 'ref', path: [] }, home: { node: property, name: 'table' } };
  return ts.isIdentifier(value) && lx.env.functionValue?.(value, home) ? value : undefined;
}

/**
 * The entry of a table that `node` is, where it is one: a variable holding an entry (`c` of a
 * pass over the table), or `TABLE[k]` (also of a variable holding the table) at a constant index.
 */
export function tableEntryRead(lx: Lowering, node: ts.Expression): Operand | undefined {
  const { ts } = lx;
  const inner = skipTypeSyntax(ts, node);
  if (ts.isIdentifier(inner)) {
    const value = lx.lookup(inner.text)?.value;
    return value?.kind === 'var' && lx.entries.has(value.name) ? value : undefined;
  }
  if (!ts.isElementAccessExpression(inner)) return undefined;
  const table = skipTypeSyntax(ts, inner.expression);
  if (!ts.isIdentifier(table)) return undefined;
  const binding = lx.lookup(table.text);
  const isTable = binding ? binding.value !== undefined && lx.tables.has(operandKey(binding.value)) : tableLiteral(lx, table) !== undefined;
  return isTable ? expression(lx, inner) : undefined;
}

/**
 * Whether a call passes a table (or an entry of one) to `fn`, or leaves out a parameter whose
 * default is one: its body is then inlined, where the table's functions are known.
 */
export function passesTable(lx: Lowering, fn: ts.SignatureDeclaration, args: readonly Argument[]): boolean {
  const { ts } = lx;
  if (args.some((arg) => !isFunction(arg) && !isSpread(arg) && isTableValue(lx, arg))) return true;
  return fn.parameters.slice(args.length).some((param) => {
    const initializer = param.initializer && skipTypeSyntax(ts, param.initializer);
    return initializer !== undefined && ts.isIdentifier(initializer) && tableLiteral(lx, initializer) !== undefined;
  });
}

/**
 * `o.f(…)` where f is a field holding a function (not a method) of data tapeless does not know
 * at compile time: a located diagnostic saying where to keep the functions instead.
 */
export function functionInData(lx: Lowering, node: ts.CallExpression, callee: ts.PropertyAccessExpression): void {
  const { ts } = lx;
  const checker = lx.env.checker;
  const declaration = checker?.getSymbolAtLocation(callee)?.valueDeclaration;
  if (!checker || (declaration && (ts.isMethodDeclaration(declaration) || ts.isMethodSignature(declaration)))) return;
  if (checker.getSignaturesOfType(checker.getTypeAtLocation(callee), ts.SignatureKind.Call).length === 0) return;
  const parameter = tableParameter(lx, callee.expression);
  const text = callee.getText();
  if (parameter) {
    const fn = parameter.parent;
    const name = fn.name?.getText() ?? 'f';
    const before = fn.parameters.slice(0, fn.parameters.indexOf(parameter)).map((param, i) => (ts.isIdentifier(param.name) ? param.name.text : `p${i}`));
    const table = parameter.initializer!.getText();
    fail(
      node,
      Code.Unsupported,
      `'${text}' calls a function of '${parameter.name.getText()}', a parameter of '${name}' whose functions its caller chooses when the code runs, and tapeless differentiates the calls it sees at compile time: differentiate a function that leaves it out, such as (${before.join(', ')}) => ${name}(${before.join(', ')}), so that its default '${table}' is known (or read '${table}' in '${name}' itself).`,
    );
  }
  // A class's field holding an arrow (`period = (): number => …`): the method it stands for.
  const arrow = declaration && ts.isPropertyDeclaration(declaration) && declaration.initializer && skipTypeSyntax(ts, declaration.initializer);
  if (arrow && ts.isArrowFunction(arrow) && ts.isClassLike(declaration!.parent)) {
    const field = declaration!.name.getText();
    const returns = arrow.type ? `: ${arrow.type.getText()}` : '';
    fail(
      node,
      Code.Unsupported,
      `'${text}' calls the function the field '${field}' holds, a value known only when the code runs, and tapeless differentiates the calls it sees at compile time: make it a method of '${declaration!.parent.name?.getText() ?? 'the class'}' ('${field}(${arrow.parameters.map((param) => param.getText()).join(', ')})${returns} { … }'), which 'this' reaches as the arrow did.`,
    );
  }
  fail(
    node,
    Code.Unsupported,
    `'${text}' calls a function kept in data, known only when the code runs, and tapeless differentiates the calls it sees at compile time: keep such functions in a module's constant written as an array of object literals (const TABLE = [{ g: (x) => … }]) and call them on its entries (for … of TABLE, TABLE.forEach(…), TABLE[0]), or call a function of the program by its name.`,
  );
}

/**
 * The parameter (with a table as its default) that an object comes from, where it does:
 * `c` of `for (const c of constraints)`, of `constraints.forEach((c) => …)`, or `constraints[i]`.
 */
function tableParameter(lx: Lowering, node: ts.Expression): ts.ParameterDeclaration | undefined {
  const { ts } = lx;
  const checker = lx.env.checker!;
  let source = skipTypeSyntax(ts, node);
  const declared = ts.isIdentifier(source) ? checker.getSymbolAtLocation(source)?.valueDeclaration : undefined;
  if (declared && ts.isVariableDeclaration(declared) && ts.isForOfStatement(declared.parent.parent)) source = declared.parent.parent.expression;
  else if (declared && ts.isVariableDeclaration(declared) && declared.initializer) source = declared.initializer;
  else if (
    declared &&
    ts.isParameter(declared) &&
    ts.isCallExpression(declared.parent.parent) &&
    ts.isPropertyAccessExpression(declared.parent.parent.expression)
  )
    source = declared.parent.parent.expression.expression;
  source = skipTypeSyntax(ts, source);
  if (ts.isElementAccessExpression(source)) source = skipTypeSyntax(ts, source.expression);
  const parameter = ts.isIdentifier(source) ? checker.getSymbolAtLocation(source)?.valueDeclaration : undefined;
  const initializer = parameter && ts.isParameter(parameter) && parameter.initializer && skipTypeSyntax(ts, parameter.initializer);
  return initializer && ts.isIdentifier(initializer) && tableLiteral(lx, initializer) ? (parameter as ts.ParameterDeclaration) : undefined;
}

/**
 * An array of functions in differentiated code: a literal (`[f, Math.sin]`), or a module's
 * constant written as one, `read` there. Which function an entry is, is known only when the
 * code runs: a diagnostic that writes the calls in place, or the table of object literals
 * that tapeless unrolls, with the user's functions.
 */
export function requireNoFunctions(lx: Lowering, literal: ts.ArrayLiteralExpression, read: ts.Node = literal): void {
  const { ts } = lx;
  const checker = lx.env.checker;
  const isFunctionValued = (element: ts.Expression) =>
    !ts.isSpreadElement(element) && checker !== undefined && checker.getSignaturesOfType(checker.getTypeAtLocation(element), ts.SignatureKind.Call).length > 0;
  if (!literal.elements.some(isFunctionValued)) return;
  const entries = literal.elements.map((element) => sourceText(element));
  const named = literal.elements.every((element) => ts.isIdentifier(element) || ts.isPropertyAccessExpression(element));
  const inPlace = named ? `call each function in place ('${entries.map((entry) => `${entry}(…)`).join(' + ')}'), or ` : '';
  // The user's constant keeps its name; a literal in the code gets one.
  const table = read === literal ? 'TERMS' : sourceText(read);
  const what = read === literal ? 'this array holds functions' : `'${table}' holds functions`;
  fail(
    read,
    Code.Unsupported,
    `${what}, which are known only when the code runs, and tapeless differentiates the calls it sees at compile time: ${inPlace}keep them in a module's constant of object literals and call them on its entries, which tapeless unrolls ('const ${table} = [${entries.map((entry) => `{ g: ${entry} }`).join(', ')}]; for (const term of ${table}) term.g(…);', or at a constant index, or by forEach, map or reduce).`,
  );
}
