// Small aggregates as the numbers they hold: an array of a length known at compile time, or
// an object literal, that the function made itself. A loop carries a variable holding one as
// its numbers (a state `[x, v]` or `{ x, v }` reassigned pass after pass): each pass
// rebuilds the aggregate from them, and its numbers at the end of the pass are the next
// pass's. The IR has no loop-carried arrays (reverse mode records carried numbers), so this is
// how such loops are differentiated in every mode.
import type * as ts from 'typescript';
import { type Operand, nameOf } from '../../ir/ir';
import { NUMBER, type Shape, isDataField } from '../../ir/shapes';
import { load, newArray, objectOf } from './arrays';
import type { Lowering } from './lowering';

/** What an aggregate holds: its kind and size, and for an object the layout of each field (undefined: a number). */
export type Layout =
  | { readonly kind: 'array'; readonly container: 'Array' | 'Float64Array' | 'Float32Array'; readonly length: number }
  | { readonly kind: 'object'; readonly fields: readonly string[]; readonly shape: Shape; readonly parts: readonly (Layout | undefined)[] };

/** The layout of an aggregate the function made, where it has one known at compile time. */
export function layoutOf(lx: Lowering, operand: Operand | undefined): Layout | undefined {
  if (operand?.kind !== 'var' || lx.lengths.has(operand.name)) return undefined;
  const made = lx.created.get(operand.name);
  if (!made) return undefined;
  if (made.kind === 'array') return made.length === undefined ? undefined : { kind: 'array', container: made.container, length: made.length };
  // Fields in the order of their names: `{ pos, vel }` and `{ vel, pos }` are the same object.
  const fields = [...made.fields].sort();
  const values = lx.fieldValues(operand.name)!;
  const parts: (Layout | undefined)[] = [];
  for (const field of fields) {
    const value = values[made.fields.indexOf(field)];
    if (!lx.isAggregate(value)) {
      parts.push(undefined);
      continue;
    }
    const part = layoutOf(lx, value);
    if (!part) return undefined;
    parts.push(part);
  }
  return { kind: 'object', fields, shape: made.shape, parts };
}

export function sameLayout(a: Layout | undefined, b: Layout | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.kind === 'array' && b.kind === 'array') return a.container === b.container && a.length === b.length;
  if (a.kind === 'object' && b.kind === 'object') return a.fields.join() === b.fields.join() && a.parts.every((part, k) => sameLayout(part, b.parts[k]));
  return false;
}

/** Which of the values `leavesOf` gives are data (`Shape.data`: strings and booleans), in its order. */
export function dataLeaves(layout: Layout): boolean[] {
  if (layout.kind === 'array') return Array.from({ length: layout.length }, () => false);
  return layout.fields.flatMap((field, k) => {
    const part = layout.parts[k];
    return part ? dataLeaves(part) : [isDataField(layout.shape, field)];
  });
}

/** The numbers an aggregate of `layout` holds now, in order (reads of its entries, its fields' values). */
export function leavesOf(lx: Lowering, operand: Operand, layout: Layout, origin: ts.Node): Operand[] {
  if (layout.kind === 'array') return Array.from({ length: layout.length }, (_, k) => load(lx, operand, { kind: 'num', value: k }, NUMBER, origin));
  const made = lx.created.get(nameOf(operand));
  if (made?.kind !== 'object') throw new Error('tapeless: an object of a known layout was not made by the function');
  // A record's fields as written since it was made (objects.ts).
  const values = lx.fieldValues(nameOf(operand))!;
  return layout.parts.flatMap((part, k) => {
    const value = values[made.fields.indexOf(layout.fields[k])];
    return part ? leavesOf(lx, value, part, origin) : [value];
  });
}

/** A new aggregate of `layout` holding `leaves` (made by `leavesOf`). */
export function rebuild(lx: Lowering, layout: Layout, leaves: readonly Operand[], origin: ts.Node): Operand {
  let next = 0;
  const build = (inner: Layout): Operand => {
    if (inner.kind === 'object')
      return objectOf(
        lx,
        inner.fields,
        inner.parts.map((part) => (part ? build(part) : leaves[next++])),
        inner.shape,
        origin,
      );
    const entries = leaves.slice(next, (next += inner.length));
    if (inner.container === 'Array') return newArray(lx, origin as ts.Expression, { op: 'arrayOf', args: entries }, 'Array');
    const array = newArray(lx, origin as ts.Expression, { op: 'newArray', args: [{ kind: 'num', value: entries.length }] }, inner.container);
    entries.forEach((entry, k) => lx.store([array, { kind: 'num', value: k }, entry], origin));
    return array;
  };
  return build(layout);
}

/** How many numbers an aggregate of `layout` holds. */
export function leafCount(layout: Layout): number {
  return layout.kind === 'array' ? layout.length : layout.parts.reduce((total, part) => total + (part ? leafCount(part) : 1), 0);
}
