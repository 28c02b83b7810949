// The class instances in the value of `vjp(f)` and `jvp(f)`. Generated code keeps an
// instance as its fields (each a variable) and builds it as an object of them where it is
// returned, without the class's prototype: its getters and methods would be missing from
// the value the caller gets, which its declared type promises. The value is therefore
// returned through the `instances` driver (runtime/drivers.ts), given where its type
// declares instances of classes the generated code can reach.
import type * as ts from 'typescript';
import type { Func, Let, Operand, Ref, Result } from '../ir/ir';
import { variable } from '../ir/ir';
import type { NameAllocator } from '../ir/names';
import { isArrayOrTuple, isDataProperty } from '../ir/shapes';

/** Where a value's type declares class instances: its own class, and the fields holding instances. */
export interface InstancePlan {
  /** How generated code reads the class (its prototype is that of the value). */
  readonly classRef?: Ref;
  readonly fields: readonly { readonly name: string; readonly plan: InstancePlan }[];
}

/**
 * Where values of `type` hold instances of classes that `reach` (how generated code reads a
 * class, where it can) reaches; undefined where they hold none. Arrays are not looked into:
 * a function returning objects in arrays is not differentiated.
 */
export function instancesOf(
  tsApi: typeof ts,
  checker: ts.TypeChecker,
  type: ts.Type,
  reach: (declaration: ts.ClassDeclaration) => Ref | undefined,
  within: ReadonlySet<ts.Type> = new Set(),
): InstancePlan | undefined {
  if (!(type.flags & tsApi.TypeFlags.Object) || within.has(type) || isArrayOrTuple(checker, type)) return undefined;
  const declaration = type.getSymbol()?.valueDeclaration;
  // The standard library's types (Float64Array) are not classes of the program.
  if (declaration?.getSourceFile().hasNoDefaultLib) return undefined;
  // Not a class with #private fields: no object but its instances can hold them, and its methods reading them would throw.
  const classRef =
    declaration && tsApi.isClassDeclaration(declaration) && !declaration.members.some((member) => member.name && tsApi.isPrivateIdentifier(member.name))
      ? reach(declaration)
      : undefined;
  const inner = new Set(within).add(type);
  const fields = checker.getPropertiesOfType(type).flatMap((property) => {
    const field = property.valueDeclaration;
    if (!field || !isDataProperty(tsApi, field)) return [];
    const plan = instancesOf(tsApi, checker, checker.getTypeOfSymbolAtLocation(property, field), reach, inner);
    return plan ? [{ name: property.getName(), plan }] : [];
  });
  return classRef || fields.length > 0 ? { ...(classRef ? { classRef } : {}), fields } : undefined;
}

/**
 * `func` returning its value through the driver `driver` (the name this file calls `instances`
 * by): `instances(value, { prototype: Point.prototype, fields: { … } })`. The value is the
 * result, or its first entry where the result is a list (jvp's `[value, tangent]`).
 */
export function withInstances(func: Func, plan: InstancePlan, driver: string, names: NameAllocator): Func {
  const stmts: Let[] = [];
  const literal = (fields: readonly string[], args: readonly Operand[], base = 't'): Operand => {
    const name = names.fresh(base);
    stmts.push({ kind: 'let', name, expr: { op: 'objectOf', args, fields }, role: 'temp' });
    return variable(name);
  };
  const planOf = ({ classRef, fields }: InstancePlan, base?: string): Operand => {
    const entries: [string, Operand][] = [];
    if (classRef) entries.push(['prototype', { kind: 'ref', path: [...classRef.path, 'prototype'] }]);
    if (fields.length > 0)
      entries.push([
        'fields',
        literal(
          fields.map((field) => field.name),
          fields.map((field) => planOf(field.plan)),
        ),
      ]);
    return literal(
      entries.map(([key]) => key),
      entries.map(([, value]) => value),
      base,
    );
  };
  const results: readonly Result[] = Array.isArray(func.result) ? func.result : [func.result];
  const returned = results[0];
  // A list of numbers (a tuple the function returns) holds no instance.
  if (Array.isArray(returned)) return func;
  const planned = planOf(plan, 'classes');
  const given = names.fresh('t');
  stmts.push({
    kind: 'let',
    name: given,
    expr: { op: 'call', args: [returned as Operand, planned], callee: { key: `driver:${driver}`, name: driver, ref: { kind: 'ref', path: [driver] } } },
    role: 'temp',
  });
  const value = variable(given);
  return { ...func, body: [...func.body, ...stmts], result: Array.isArray(func.result) ? [value, ...results.slice(1)] : value };
}
