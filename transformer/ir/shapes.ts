import type * as ts from 'typescript';

/**
 * The shape of a differentiable value, read from its TypeScript type: a number, an array
 * (`number[]`, readonly arrays, tuples, `Float64Array`, `Float32Array`, nested arrays) or
 * an object whose fields all have shapes. A gradient has the shape of its parameter.
 */
export type Shape =
  | { readonly kind: 'number' }
  | { readonly kind: 'array'; readonly element: Shape; readonly container: 'Array' | 'Float64Array' | 'Float32Array' }
  | {
      readonly kind: 'object';
      readonly fields: readonly { readonly name: string; readonly shape: Shape }[];
      /**
       * Of an object the function makes: its fields holding strings or booleans (a flag, a
       * `kind`), data that is read, compared and copied but never differentiated (not fields
       * of its gradient or tangent).
       */
      readonly data?: readonly string[];
    };

export const NUMBER: Shape = { kind: 'number' };

/**
 * How an object is read: `optional`, an optional field (`lr?: number`) has the shape of its
 * type without undefined, for the field then holds undefined where it is missing (of an
 * object the function makes); `data`, fields of strings and booleans are data (`Shape.data`),
 * not a reason for the object to have no shape.
 */
export interface MadeObject {
  readonly optional?: boolean;
  readonly data?: boolean;
}

/**
 * How a parameter is read: its strings and booleans are data (`name: string` of a `Body`),
 * which its gradient leaves out; an optional field stays a reason for it to have no shape,
 * as its gradient would have no number there.
 */
export const PARAMETER: MadeObject = { data: true };

/**
 * The type a type parameter stands for where the code is differentiated: inside a generic
 * helper inlined at a call, what the call gives it (`sumBy<T>(items: T[], …)` called with
 * `number[][]`: T is `number[]`); any other type as it is.
 */
export type TypeResolver = (type: ts.Type) => ts.Type;

const AS_DECLARED: TypeResolver = (type) => type;

/**
 * The shape of values of `type`, or undefined where they cannot be differentiated; `made`:
 * see MadeObject; `resolve`: what its type parameters stand for, at every depth (`T[]`,
 * `{ v: T }`).
 */
export function shapeOf(
  tsApi: typeof ts,
  checker: ts.TypeChecker,
  declared: ts.Type,
  made: MadeObject = {},
  resolve: TypeResolver = AS_DECLARED,
  within: ReadonlySet<ts.Type> = new Set(),
): Shape | undefined {
  const type = resolve(declared);
  const optional = made.optional ?? false;
  // A type that holds itself (`typeof globalThis`) has no shape.
  if (within.has(type)) return undefined;
  // A generic's type parameter (`<T extends number[]>(v: T)`): the shape of what it is constrained to.
  const constraint = type.flags & tsApi.TypeFlags.TypeParameter ? type.getConstraint() : undefined;
  if (constraint) return shapeOf(tsApi, checker, constraint, made, resolve, new Set(within).add(type));
  if (type.flags & tsApi.TypeFlags.EnumLike) return undefined;
  if (type.isUnion()) {
    if (type.types.every((member) => member.flags & tsApi.TypeFlags.NumberLike && !(member.flags & tsApi.TypeFlags.EnumLike))) return NUMBER;
    return undefined;
  }
  if (type.flags & tsApi.TypeFlags.NumberLike || isBrandedNumber(tsApi, type)) return NUMBER;
  if (!(type.flags & tsApi.TypeFlags.Object)) return undefined;
  const inner = new Set(within).add(type);
  const name = type.getSymbol()?.getName();
  if (name === 'Float64Array' || name === 'Float32Array') return { kind: 'array', element: NUMBER, container: name };
  if (isArrayOrTuple(checker, type)) {
    const elements = checker.getTypeArguments(type as ts.TypeReference).map((element) => shapeOf(tsApi, checker, element, made, resolve, inner));
    const first = elements[0];
    if (!first || elements.some((element) => !element || !sameShape(element, first))) return undefined;
    return { kind: 'array', element: first, container: 'Array' };
  }
  if (checker.getSignaturesOfType(type, tsApi.SignatureKind.Call).length > 0) return undefined;
  const fields: { name: string; shape: Shape }[] = [];
  const data: string[] = [];
  for (const property of checker.getPropertiesOfType(type)) {
    const declaration = property.valueDeclaration;
    if (declaration && !isDataProperty(tsApi, declaration)) continue;
    // A field of a spread (`{ ...base, ...o }`) has no declaration of its own.
    const declaredType = declaration ? checker.getTypeOfSymbolAtLocation(property, declaration) : checker.getTypeOfSymbol?.(property);
    const fieldType = declaredType && resolve(declaredType);
    // A field holding a function is code, like a method: not differentiated.
    if (fieldType && !fieldType.isUnion() && checker.getSignaturesOfType(fieldType, tsApi.SignatureKind.Call).length > 0) continue;
    // A number that may be missing (`last?: number`, `last: number | undefined`) is a number where it is there.
    const mayBeMissing = fieldType && (property.flags & tsApi.SymbolFlags.Optional || isNumberOrMissing(tsApi, checker, fieldType, resolve));
    const present = fieldType && optional && mayBeMissing ? checker.getNonNullableType(fieldType) : fieldType;
    // Data that may be missing (`label?: string`) is data all the same.
    if (made.data && present && isDataType(tsApi, checker.getNonNullableType(present))) {
      data.push(property.getName());
      continue;
    }
    const shape = present && shapeOf(tsApi, checker, present, made, resolve, inner);
    if (!shape) return undefined;
    fields.push({ name: property.getName(), shape });
  }
  if (data.length > 0) return { kind: 'object', fields, data };
  return fields.length > 0 ? { kind: 'object', fields } : undefined;
}

/** `number | undefined` (or `| null`): a number that may be missing. */
export function isNumberOrMissing(tsApi: typeof ts, checker: ts.TypeChecker, type: ts.Type, resolve: TypeResolver = AS_DECLARED): boolean {
  if (!type.isUnion()) return false;
  const present = checker.getNonNullableType(type);
  return present !== type && shapeOf(tsApi, checker, present, {}, resolve)?.kind === 'number';
}

/** Strings and booleans (and unions of them: `'call' | 'put'`): data, which conditions read and no derivative has. */
export function isDataType(tsApi: typeof ts, type: ts.Type): boolean {
  const data = tsApi.TypeFlags.StringLike | tsApi.TypeFlags.BooleanLike;
  return (type.flags & data) !== 0 || (type.isUnion() && type.types.every((member) => member.flags & data));
}

/** A value to write for a field of `type` in an object literal, in advice: '' for a string, false for a boolean, 0 otherwise. */
export function placeholderOf(tsApi: typeof ts, checker: ts.TypeChecker, type: ts.Type | undefined): string {
  const given = type && checker.getNonNullableType(type);
  if (given && given.flags & tsApi.TypeFlags.StringLike) return "''";
  if (given && given.flags & tsApi.TypeFlags.BooleanLike) return 'false';
  return '0';
}

/** Whether `field` of an object of `shape` is data (`Shape.data`): not a field of its gradient or tangent. */
export function isDataField(shape: Shape | undefined, field: string): boolean {
  return shape?.kind === 'object' && !!shape.data?.includes(field);
}

/** The positions of the fields (an `objectOf`'s, of `shape`) that its gradient and tangent have: all but its data. */
export function differentiatedFields(shape: Shape | undefined, fields: readonly string[]): number[] {
  return fields.flatMap((field, k) => (isDataField(shape, field) ? [] : [k]));
}

/**
 * Whether a property holds data: not a method, nor a getter or setter (computed from the
 * data, which the gradient holds instead).
 */
export function isDataProperty(tsApi: typeof ts, declaration: ts.Declaration): boolean {
  return !(
    tsApi.isMethodDeclaration(declaration) ||
    tsApi.isMethodSignature(declaration) ||
    tsApi.isGetAccessorDeclaration(declaration) ||
    tsApi.isSetAccessorDeclaration(declaration)
  );
}

export function isArrayOrTuple(checker: ts.TypeChecker, type: ts.Type): boolean {
  const api = checker as ts.TypeChecker & { isArrayType?: (t: ts.Type) => boolean; isTupleType?: (t: ts.Type) => boolean };
  if (api.isArrayType && api.isTupleType) return api.isArrayType(type) || api.isTupleType(type);
  const name = type.getSymbol()?.getName();
  return name === 'Array' || name === 'ReadonlyArray';
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'array' && b.kind === 'array') return a.container === b.container && sameShape(a.element, b.element);
  if (a.kind === 'object' && b.kind === 'object')
    return a.fields.length === b.fields.length && a.fields.every((field, i) => field.name === b.fields[i].name && sameShape(field.shape, b.fields[i].shape));
  return true;
}

/**
 * The shape of the gradient or tangent of a local array: a Float32Array rounds what the
 * function stores in it, but its derivatives are computed in float64 like any other.
 */
export function derivativeShape(shape: Shape): Shape {
  return shape.kind === 'array' && shape.container === 'Float32Array' ? { ...shape, container: 'Float64Array' } : shape;
}

/**
 * `number & {…}`: a number (a branded number such as `number & { unit: 'm' }`, or a gradient
 * selected by name, which the API types as every parameter's gradient at once: inside
 * differentiated code a generated function is differentiated with respect to numbers only).
 */
export function isBrandedNumber(tsApi: typeof ts, type: ts.Type): boolean {
  return type.isIntersection() && type.types.some((member) => member.flags & tsApi.TypeFlags.NumberLike && !(member.flags & tsApi.TypeFlags.EnumLike));
}
