// Objects the function makes and writes: object literals whose fields are assigned later
// (`st.x += dt * st.v`), instances of classes of the program (`new Point(x, y)`: field
// initialisers, parameter properties, the constructor, then methods reading `this`), and
// getters. Where the function, or what it calls, may write a field or construct an instance,
// every object it makes is a record: each of its fields a variable of lowering (scalar
// replacement of aggregates). Reads and writes of fields are then those of variables — loops
// carry them, branches merge them, and the modes see numbers — and calls that receive a
// record are inlined, so that no generated code needs the object itself.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Operand, UNDEFINED, nameOf, num, sameOperand, variable } from '../../ir/ir';
import { type Shape, isDataField, isDataProperty, isDataType, shapeOf } from '../../ir/shapes';
import { MUTATING_METHODS, calledFunction, getterOf, isInside, mayWriteShared } from '../effects';
import { walk } from '../walk';
import { type Binding, type Lowering } from './lowering';
import { objectOf } from './arrays';
import { expression } from './expressions';
import { callArguments, inFrame, inlineBody } from './functions';
import { instanceTypeArguments, withGiven } from './type-arguments';
import { requireDeclaredField } from './keys';
import { skipTypeSyntax } from '../type-syntax';
import { type Row, objectRowField } from './matrices';

/** What a function, and the functions and classes its code calls, names or constructs, do to objects. */
export interface ObjectWrites {
  /** The names of the fields they assign (`a.f = …`, `a.f += …`, `a.f++`). */
  readonly fields: ReadonlySet<string>;
  /** Whether they construct an instance of a class of the program. */
  readonly constructs: boolean;
  /**
   * The first write of theirs that may write entries of an array two names hold (effects.ts
   * mayWriteShared): where they do not, an array the function made is never written once
   * another name holds it, so that a copy of it is the same value (Lowering.readOnly).
   */
  readonly sharedWrite: ts.Node | undefined;
}

/**
 * What `root` and the code it reaches (functions it calls or names, getters it reads, classes
 * it constructs) do to objects: where it writes a field or constructs an instance, lowering
 * makes records, and a loop carries the fields of those names.
 */
export function objectWrites(tsApi: typeof ts, checker: ts.TypeChecker, root: ts.Node, isLibrary: (file: ts.SourceFile) => boolean): ObjectWrites {
  const fields = new Set<string>();
  let constructs = false;
  let sharedWrite: ts.Node | undefined;
  const privateArrays = new Map<ts.Node, boolean>();
  const seen = new Set<ts.Node>();
  const pending = [root];
  const written = (node: ts.Expression) => {
    const inner = skipTypeSyntax(tsApi, node);
    // `[a[0], a[1]] = …` writes entries too.
    if (tsApi.isArrayLiteralExpression(inner) || tsApi.isObjectLiteralExpression(inner)) {
      walk(tsApi, inner, (part) => void (tsApi.isElementAccessExpression(part) && written(part)));
      return;
    }
    if (tsApi.isElementAccessExpression(inner) && !sharedWrite && mayWriteShared(tsApi, checker, inner.expression, privateArrays)) sharedWrite = inner.parent;
    // A constructor's `this.f = …` initialises the instance it makes, which no loop carries yet.
    if (tsApi.isPropertyAccessExpression(inner) && !(inner.expression.kind === tsApi.SyntaxKind.ThisKeyword && inConstructor(tsApi, inner)))
      fields.add(inner.name.text);
  };
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    walk(tsApi, next, (node) => {
      if (
        tsApi.isBinaryExpression(node) &&
        node.operatorToken.kind >= tsApi.SyntaxKind.FirstAssignment &&
        node.operatorToken.kind <= tsApi.SyntaxKind.LastAssignment
      )
        written(node.left);
      if (
        (tsApi.isPrefixUnaryExpression(node) || tsApi.isPostfixUnaryExpression(node)) &&
        (node.operator === tsApi.SyntaxKind.PlusPlusToken || node.operator === tsApi.SyntaxKind.MinusMinusToken)
      )
        written(node.operand);
      if (
        !sharedWrite &&
        tsApi.isCallExpression(node) &&
        tsApi.isPropertyAccessExpression(node.expression) &&
        MUTATING_METHODS.has(node.expression.name.text) &&
        mayWriteShared(tsApi, checker, node.expression.expression, privateArrays)
      )
        sharedWrite = node;
      const constructed = tsApi.isNewExpression(node) ? classOf(tsApi, checker, node.expression, isLibrary) : undefined;
      if (constructed) {
        constructs = true;
        pending.push(constructed);
      }
      if (tsApi.isIdentifier(node) || tsApi.isPropertyAccessExpression(node)) {
        const called = getterOf(tsApi, checker, node) ?? calledFunction(tsApi, checker, node);
        if (called) pending.push(called);
      }
      return undefined;
    });
  }
  return { fields, constructs, sharedWrite };
}

/** Whether `this` at `node` is the instance a constructor makes (arrow functions keep the `this` around them). */
function inConstructor(tsApi: typeof ts, node: ts.Node): boolean {
  let container = node.parent;
  while (container && (!tsApi.isFunctionLike(container) || tsApi.isArrowFunction(container))) container = container.parent;
  return !!container && tsApi.isConstructorDeclaration(container);
}

/** The class of the program that `new C(…)` constructs, if C is one (not a library's). */
function classOf(tsApi: typeof ts, checker: ts.TypeChecker, node: ts.Expression, isLibrary: (file: ts.SourceFile) => boolean): ts.ClassDeclaration | undefined {
  let symbol = checker.getSymbolAtLocation(node);
  if (symbol && symbol.flags & tsApi.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol?.valueDeclaration;
  return declaration && tsApi.isClassDeclaration(declaration) && !isLibrary(declaration.getSourceFile()) ? declaration : undefined;
}

/**
 * Makes the object `name` (fields `fields` holding `values`) a record: a variable per
 * field, in the scope where the function being lowered starts (an object may be assigned to
 * a variable of an outer block), under keys no identifier has.
 */
export function makeRecord(lx: Lowering, name: string, fields: readonly string[], values: readonly Operand[], shape: Shape): void {
  lx.records.set(name, new Map());
  fields.forEach((field, k) => addRecordField(lx, variable(name), field, values[k], isDataField(shape, field)));
}

/** A field of the record `object`, holding `value`; `data`, a string or boolean (see Shape.data). */
export function addRecordField(lx: Lowering, object: Operand, field: string, value: Operand, data = false): void {
  const name = nameOf(object);
  // Named after the field (a private `#f` as `f`) where generated code keeps its value.
  const binding: Binding = { value, mutable: true, name: field.replace(/^#/, ''), field: true, ...(data ? { data } : {}) };
  lx.records.get(name)!.set(field, binding);
  lx.scopes[lx.frameBase].set(`#field ${name} ${field}`, binding);
}

/** The value of a field of a record, where `container` is one. */
export function recordField(lx: Lowering, container: Operand, field: string, origin: ts.Node): Operand | undefined {
  const binding = container.kind === 'var' ? lx.records.get(container.name)?.get(field) : undefined;
  return binding && lx.current(binding, origin);
}

/**
 * An object given whole to code that is not inlined (a generated function, a function with a
 * rule) must be as it was made: that code sees the object made, not the fields written
 * since (nor the fields of a class instance constructed here, which its constructor set).
 */
export function requireAsMade(lx: Lowering, operand: Operand, origin: ts.Node): void {
  const written = (value: Operand): boolean => {
    const record = value.kind === 'var' ? lx.records.get(value.name) : undefined;
    const made = value.kind === 'var' ? lx.created.get(value.name) : undefined;
    if (!record || made?.kind !== 'object') return false;
    return made.fields.some((field, k) => {
      const now = record.get(field)?.value;
      return !now || !sameOperand(now, made.values[k]) || written(now);
    });
  };
  if (written(operand)) {
    fail(
      origin,
      Code.Unsupported,
      `this call gives an object whose fields the differentiated function writes, or an instance of a class it constructs, to code that tapeless does not inline (which would see the object as it was made): pass a copy made after the writes ('{ ...o }'), or its numbers.`,
    );
  }
}

/**
 * The object a record is now, for code run as written (a log, a thrown message): a new
 * object literal of its fields' values (those of the records it holds likewise), since the
 * object it was made as does not follow the writes. Private fields are left out (an object
 * literal cannot have them). Any other value is itself.
 */
export function snapshot(lx: Lowering, operand: Operand, origin: ts.Node): Operand {
  const isRecord = operand.kind === 'var' && lx.records.has(operand.name);
  return isRecord ? literalOfFields(lx, operand, origin, (value) => snapshot(lx, value, origin)) : operand;
}

/**
 * A new object literal of the fields `object` (an object the function made) holds now, each
 * value as `field` makes it, leaving out private fields (an object literal cannot have them);
 * any other value is itself.
 */
function literalOfFields(lx: Lowering, object: Operand, origin: ts.Node, field: (value: Operand) => Operand): Operand {
  const made = object.kind === 'var' ? lx.created.get(object.name) : undefined;
  if (made?.kind !== 'object' || made.shape.kind !== 'object') return object;
  const values = lx.fieldValues((object as { name: string }).name)!;
  const kept = made.fields.flatMap((name, k) => (name.startsWith('#') ? [] : [{ name, value: field(values[k]) }]));
  const shape = { ...made.shape, fields: made.shape.fields.filter((entry) => !entry.name.startsWith('#')) };
  return objectOf(
    lx,
    kept.map((entry) => entry.name),
    kept.map((entry) => entry.value),
    shape,
    origin,
  );
}

/**
 * The object `f` returns, as its caller sees it: an instance it constructs (whose constructor
 * set the fields of the object made with them undefined), or an object whose fields it wrote,
 * at any depth (`{ p: new Point(t, 2 * t), s }`), is a new object literal of the fields'
 * values now; any other value is itself.
 */
export function returnedObject(lx: Lowering, operand: Operand, origin: ts.Node): Operand {
  return changedSinceMade(lx, operand) ? literalOfFields(lx, operand, origin, (value) => returnedObject(lx, value, origin)) : operand;
}

/** Whether a field of an object the function made, or of one it holds, holds another value than it was made with. */
function changedSinceMade(lx: Lowering, operand: Operand): boolean {
  const made = operand.kind === 'var' ? lx.created.get(operand.name) : undefined;
  if (made?.kind !== 'object') return false;
  const now = lx.fieldValues((operand as { name: string }).name)!;
  return now.some((value, k) => !sameOperand(value, made.values[k]) || changedSinceMade(lx, value));
}

/** What an assignment assigns: a local variable, or a field of a record (`o.f = v`, `o.f += v`, `o.f++`). */
export function assignable(lx: Lowering, target: ts.Expression): Binding {
  const { ts } = lx;
  const inner = skipTypeSyntax(ts, target);
  if (!ts.isPropertyAccessExpression(inner)) return lx.assignable(target);
  const container = expression(lx, inner.expression);
  const binding = container.kind === 'var' ? lx.records.get(container.name)?.get(inner.name.text) : undefined;
  const row = container.kind === 'var' ? lx.rows.get(container.name) : undefined;
  const held = lx.holderOf(container);
  if ((binding || row?.matrix.fields) && held.kind === 'var' && lx.copiedObjects.has(held.name))
    fail(
      inner,
      Code.Unsupported,
      `writing to '${inner.getText()}' is not supported here: a map or Array.from before it put this object into an array as it is (JavaScript holds the same object twice), and differentiated code keeps a copy of its numbers there, which would not see the write. Return a new object from the callback (an object literal, or a spread of the object), or write the field before the array is built.`,
    );
  if (binding) return binding;
  if (row?.matrix.fields) return rowField(lx, container, row, inner);
  const text = inner.getText();
  const declaration = lx.env.checker?.getSymbolAtLocation(inner)?.declarations?.find((candidate) => ts.isSetAccessorDeclaration(candidate));
  if (declaration)
    fail(
      inner,
      Code.Unsupported,
      `'${text}' is a setter: differentiated code assigns fields, not setters (which may have effects). Assign the fields the setter sets, or call a method that does.`,
    );
  // A method writing its own instance, called on an instance of the caller's (a random number generator passed in).
  const ownClass = inner.expression.kind === ts.SyntaxKind.ThisKeyword && lx.env.checker ? lx.typeAt(inner.expression).getSymbol()?.getName() : undefined;
  if (ownClass)
    fail(
      inner,
      Code.Unsupported,
      `writing to '${text}' is not supported here: differentiated code writes only into objects it makes itself, and this method is called on an instance of its caller's. Make the instance in the differentiated function ('new ${ownClass}(…)', from the caller's numbers), and call the method on it.`,
    );
  requireDeclaredField(lx, inner.expression, inner.name.text);
  return fail(
    inner,
    Code.Unsupported,
    `writing to '${text}' is not supported: differentiated code writes only into objects it makes itself (never into its caller's data). Copy the object first ('const copy = { ...${inner.expression.getText()} }') and write the copy.`,
  );
}

/**
 * A field of an entry of an array of objects that map or Array.from built (`pts[i].x`, `p.x`
 * of `for (const p of pts)`, `this.x` in a method called on one): its number in the array's
 * flat data (matrices.ts `objectRows`), read and written there, as an entry of a row is.
 */
function rowField(lx: Lowering, container: Operand, row: Row, target: ts.PropertyAccessExpression): Binding {
  const field = target.name.text;
  const k = row.matrix.fields!.indexOf(field);
  if (k < 0)
    fail(
      target,
      Code.Unsupported,
      `'${target.getText()}' is a field the objects of this array were built without: an array of objects keeps the fields they are made with. Give every object the field where the array is built.`,
    );
  let written: Operand | undefined;
  return {
    name: field,
    mutable: true,
    field: true,
    get value() {
      return written ?? objectRowField(lx, row, field, target);
    },
    set value(value) {
      lx.store([container, num(k), value!], target);
      written = value;
    },
  };
}

/** `, and 'label' has type 'string'`: the first field of a constructed class that is not numbers, for the message to name it. */
function fieldOfOtherData(lx: Lowering, node: ts.NewExpression): string {
  const { ts } = lx;
  const checker = lx.env.checker!;
  for (const property of checker.getPropertiesOfType(lx.typeAt(node))) {
    const declaration = property.valueDeclaration;
    if (!declaration || !isDataProperty(ts, declaration)) continue;
    const type = checker.getTypeOfSymbolAtLocation(property, declaration);
    if (checker.getSignaturesOfType(type, ts.SignatureKind.Call).length > 0 || shapeOf(ts, checker, type, { optional: true }, lx.resolveType)) continue;
    if (isDataType(ts, checker.getNonNullableType(type))) continue;
    return `, and '${property.name}' has type '${checker.typeToString(type)}'`;
  }
  return '';
}

/**
 * `new C(…)` for a class C declared at the top level of a module: a record of C's fields,
 * initialised in JavaScript's order — the field initialisers and the parameter properties
 * (`constructor(readonly x: number)`; which come first depends on how the program's classes
 * define their fields: `LowerEnv.definesClassFields`), then the constructor's body — with
 * `this` the record. Its methods and getters, called on it, are inlined. Its fields of strings
 * and booleans (`kind = 'point'`, `label?: string`, `active: boolean`) are data, as an object
 * literal's are (`Shape.data`).
 */
export function construct(lx: Lowering, node: ts.NewExpression): Operand {
  const { ts } = lx;
  const checker = lx.env.checker!;
  const isLibrary = lx.env.isLibrary ?? ((file: ts.SourceFile) => file.hasNoDefaultLib);
  const declaration = classOf(ts, checker, node.expression, isLibrary);
  const text = node.expression.getText();
  if (!declaration?.name)
    return fail(
      node,
      Code.Unsupported,
      `'new ${text}(…)' cannot be differentiated: differentiated code constructs local arrays (new Float64Array(n)) and instances of classes declared in the program.`,
    );
  const name = declaration.name.text;
  if (!ts.isSourceFile(declaration.parent))
    fail(node, Code.Unsupported, `'${name}' is declared inside a function: differentiated code constructs classes declared at the top level of a module.`);
  if (declaration.heritageClauses?.some((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)) {
    fail(
      node,
      Code.Unsupported,
      `'${name}' extends another class, and differentiated code constructs classes without a base class: construct it outside and pass it in as a parameter, or give '${name}' the fields it inherits.`,
    );
  }
  const shape = lx.shapeAt(node, false, { optional: true, data: true });
  if (shape?.kind !== 'object')
    return fail(
      node,
      Code.Unsupported,
      `the fields of '${name}' must be numbers, strings, booleans, arrays or objects of these to construct it in differentiated code${fieldOfOtherData(lx, node)}: construct it outside and pass it in, or keep other data out of it.`,
    );
  const classFrame = lx.env.classFrame!(declaration);
  const frame = { ...classFrame, key: `${classFrame.key}|new` };
  if (lx.inlining.some((outer) => outer.key === frame.key)) {
    fail(
      node,
      Code.Unsupported,
      `constructing '${name}' constructs another '${name}' (its constructor is inlined, which recursion does not allow): build the chain in a loop, or pass the inner instance to the constructor.`,
    );
  }
  // Accessors are computed, not stored: only fields get variables.
  const type = lx.typeAt(node);
  const fields = [...shape.fields.map((field) => field.name), ...(shape.data ?? [])].filter(
    (field) => !type.getProperty(field)?.declarations?.some((d) => ts.isGetAccessorDeclaration(d) || ts.isSetAccessorDeclaration(d)),
  );
  // Until the constructor sets them, its fields are undefined, as JavaScript reads them.
  const self = objectOf(
    lx,
    fields,
    fields.map(() => UNDEFINED),
    shape,
    node,
  );
  const record = lx.records.get((self as { name: string }).name)!;
  const assign = (field: string, value: Operand) => {
    const binding = record.get(field);
    if (binding) binding.value = value;
  };
  const members = declaration.members;
  const initialised = members.filter(
    (member): member is ts.PropertyDeclaration & { initializer: ts.Expression } =>
      ts.isPropertyDeclaration(member) && !!member.initializer && !(ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Static),
  );
  // Field initialisers see the class, not the constructor's parameters.
  const initialise = () =>
    withGiven(lx, instanceTypeArguments(lx, declaration, node), () =>
      inFrame(lx, frame, [], self, () => {
        for (const member of initialised) assign(member.name.getText(), expression(lx, member.initializer));
        return undefined;
      }),
    );
  const definedFirst = lx.env.definesClassFields ?? true;
  if (definedFirst) initialise();
  const constructor = members.find((member): member is ts.ConstructorDeclaration => ts.isConstructorDeclaration(member) && !!member.body);
  if (!constructor) {
    if (!definedFirst) initialise();
    return self;
  }
  const properties = ts.ModifierFlags.Public | ts.ModifierFlags.Private | ts.ModifierFlags.Protected | ts.ModifierFlags.Readonly;
  inlineBody(lx, constructor, frame, [], callArguments(lx, node.arguments ?? []), node, self, (values) => {
    constructor.parameters.forEach((param, k) => {
      if (ts.getCombinedModifierFlags(param) & properties && ts.isIdentifier(param.name)) assign(param.name.text, values[k]);
    });
    if (!definedFirst) initialise();
  });
  return self;
}

/** `o.len` where `len` is a getter of a class of the program: its body, inlined with `this` = o. */
export function getterRead(lx: Lowering, node: ts.PropertyAccessExpression, getter: ts.GetAccessorDeclaration): Operand {
  const { ts } = lx;
  const owner = getter.parent;
  if (!ts.isClassDeclaration(owner) || !ts.isSourceFile(owner.parent) || ts.getCombinedModifierFlags(getter) & ts.ModifierFlags.Static) {
    fail(
      node,
      Code.Unsupported,
      `'${node.getText()}' is a getter tapeless cannot inline: differentiated code reads getters of instances of classes declared at the top level of a module.`,
    );
  }
  const container = expression(lx, node.expression);
  return inlineBody(lx, getter, lx.env.classFrame!(owner), [], [], node, container);
}

/**
 * Code that a loop's analysis (loops.ts `assignedIn`) reads without lowering it: `root` (the
 * loop, or a local function it calls), whose own names are not bound yet; `lookup` finds the
 * others.
 */
export interface CodeScope {
  readonly root: ts.Node;
  readonly lookup: (name: string) => Binding | undefined;
}

/**
 * The records an expression may refer to: a variable's, `this`, a field holding one, a
 * constant declared in the code (its initialiser's). A parameter declared in the code refers
 * to what its callers pass (their arguments are looked at where they call). Where it cannot be
 * known (a `let` declared in the code, a call's result), every record the variables reach.
 */
function recordsAt(lx: Lowering, node: ts.Expression, scope: CodeScope): string[] {
  const { ts } = lx;
  const inner = skipTypeSyntax(ts, node);
  const record = (value: Operand | undefined): string[] => {
    if (value?.kind !== 'var') return [];
    // A local array of objects (lists.ts) refers to the records it holds.
    const list = lx.lists.get(value.name);
    if (list) return list.flatMap(record);
    return lx.records.has(value.name) ? [value.name] : [];
  };
  if (ts.isIdentifier(inner)) {
    const declaration = lx.env.checker?.getSymbolAtLocation(inner)?.valueDeclaration;
    if (!declaration || !isInside(declaration, scope.root)) return record(scope.lookup(inner.text)?.value);
    if (ts.isParameter(declaration)) return [];
    const constant =
      ts.isVariableDeclaration(declaration) &&
      ts.isIdentifier(declaration.name) &&
      declaration.initializer &&
      ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const;
    return constant ? recordsAt(lx, declaration.initializer!, scope) : reachableRecords(lx);
  }
  if (inner.kind === ts.SyntaxKind.ThisKeyword) return record(scope.lookup('#this')?.value);
  if (ts.isPropertyAccessExpression(inner)) {
    const field = inner.name.text;
    return recordsAt(lx, inner.expression, scope).flatMap((holder) => record(lx.records.get(holder)?.get(field)?.value));
  }
  // A new object: no record of before.
  if (ts.isObjectLiteralExpression(inner) || ts.isNewExpression(inner)) return [];
  return reachableRecords(lx);
}

/** Every record that a variable (or `this`) holds, and the records they hold. */
function reachableRecords(lx: Lowering): string[] {
  const found = new Set<string>();
  const visit = (value: Operand | undefined) => {
    const list = value?.kind === 'var' ? lx.lists.get(value.name) : undefined;
    if (list) return list.forEach(visit);
    if (value?.kind !== 'var' || !lx.records.has(value.name) || found.has(value.name)) return;
    found.add(value.name);
    for (const field of lx.records.get(value.name)!.values()) visit(field.value);
  };
  for (const binding of lx.visibleBindings()) if (!binding.field) visit(binding.value);
  return [...found];
}

/** The field variables that `target` (`o.f`) may assign, where code a loop runs assigns it. */
export function fieldAssigned(lx: Lowering, target: ts.Expression, scope: CodeScope): Binding[] {
  const { ts } = lx;
  const inner = skipTypeSyntax(ts, target);
  if (!ts.isPropertyAccessExpression(inner)) return [];
  const field = inner.name.text;
  return recordsAt(lx, inner.expression, scope).flatMap((record) => lx.records.get(record)?.get(field) ?? []);
}

/**
 * The field variables a call given `node` (or a getter read on it) may assign: those of the
 * records it may refer to and of the records they hold, of the names the function assigns.
 */
export function recordFields(lx: Lowering, node: ts.Expression, scope: CodeScope): Binding[] {
  const found: Binding[] = [];
  const visited = new Set<string>();
  const visit = (record: string) => {
    if (visited.has(record)) return;
    visited.add(record);
    for (const [field, binding] of lx.records.get(record) ?? []) {
      if (lx.writtenFields.has(field)) found.push(binding);
      if (binding.value?.kind === 'var' && lx.records.has(binding.value.name)) visit(binding.value.name);
    }
  };
  recordsAt(lx, node, scope).forEach(visit);
  return found;
}
