// Lowering of branches: `if`, `?:`, `&&`, `||` and `switch` become `if` statements with phis;
// code after a possible jump (break, continue, return) is guarded by the flags it sets.
import type * as ts from 'typescript';
import { type Operand, type Phi, UNSET, num, sameOperand, variable } from '../../ir/ir';
import { namesDefinedWithin } from '../../ir/definitions';
import { NUMBER } from '../../ir/shapes';
import { AggregateMerges, type MergeHost, VALUE } from './merge';
import { type Lowering, type Binding, type JumpTarget, FALSE } from './lowering';
import { load, newArray, objectOf } from './arrays';
import { expression } from './expressions';
import { statements } from './statements';
import { copyInto, copyOf } from './loop-states';

/**
 * `if (cond) whenTrue else whenFalse`: each side sees the variables as they were before,
 * and every variable that the sides leave different gets a phi. When both sides produce a
 * value (for `?:`, `&&`, `||`), the value is merged too and returned.
 */
export function branch(lx: Lowering, cond: Operand, origin: ts.Node, whenTrue: () => Operand | void, whenFalse?: () => Operand | void): Operand | undefined {
  const bindings = lx.visibleBindings();
  const before = new Map(bindings.map((binding) => [binding, binding.value]));
  let thenValue: Operand | undefined;
  let elseValue: Operand | undefined;
  const thenBlock = lx.inBlock(() => (thenValue = whenTrue() ?? undefined));
  const afterThen = new Map(bindings.map((binding) => [binding, binding.value]));
  for (const binding of bindings) binding.value = before.get(binding);
  const elseBlock = lx.inBlock(() => (elseValue = whenFalse?.() ?? undefined));
  const afterElse = new Map(bindings.map((binding) => [binding, binding.value]));
  const phis: Phi[] = [];
  const merged = new Set<Binding>();
  // Other variables and objects that still refer to an array after the branch: a copy of it would not be what they see.
  const references = (operand: Operand, copied: ReadonlySet<string>) => lx.references(operand, merged, copied);
  const merges = new AggregateMerges(mergeHost(lx, { then: afterThen, else: afterElse }), origin, thenBlock, elseBlock, phis, references);
  for (const binding of bindings) {
    const whenThen = afterThen.get(binding);
    const whenElse = binding.value;
    if (whenThen === whenElse || (whenThen && whenElse && sameOperand(whenThen, whenElse))) continue;
    if ([whenThen, whenElse].some((value) => lx.isAggregate(value))) {
      merged.add(binding);
      merges.add(binding.name, whenThen, whenElse, (value) => (binding.value = value));
      continue;
    }
    const name = lx.env.names.own(binding.name);
    phis.push({ name, then: whenThen ?? UNSET, else: whenElse ?? UNSET, role: binding.hidden ? 'temp' : 'user' });
    binding.value = variable(name);
  }
  let value: Operand | undefined;
  if (thenValue && elseValue && [thenValue, elseValue].some((side) => lx.isAggregate(side))) {
    merges.add(VALUE, thenValue, elseValue, (chosen) => (value = chosen));
  } else if (thenValue && elseValue) {
    const name = lx.env.names.fresh('t');
    phis.push({ name, then: thenValue, else: elseValue, role: 'temp' });
    value = variable(name);
  }
  merges.readSides();
  lx.body.push({ kind: 'if', cond, then: thenBlock, else: elseBlock, phis, origin });
  merges.build();
  return value;
}

/** What merging arrays and objects at a branch needs (see ./merge.ts). */
export function mergeHost(lx: Lowering, sides: Record<'then' | 'else', ReadonlyMap<Binding, Operand | undefined>>): MergeHost {
  return {
    names: lx.env.names,
    creation: (name, side) => {
      const made = lx.lengths.has(name) ? undefined : lx.created.get(name);
      const record = lx.records.get(name);
      if (made?.kind !== 'object' || !record) return made;
      // The fields of an object written since it was made, as the side left them.
      const value = (field: string, k: number) => {
        const binding = record.get(field);
        const current = binding && side && sides[side].has(binding) ? sides[side].get(binding) : binding?.value;
        return current ?? made.values[k];
      };
      return { ...made, values: made.fields.map(value) };
    },
    isAggregate: (operand) => lx.isAggregate(operand),
    readOnly: (operand) => lx.readOnly(operand),
    readEntry: (block, array, index, origin) => {
      const outer = lx.body;
      lx.body = block;
      const value = load(lx, array, num(index), NUMBER, origin);
      lx.body = outer;
      return value;
    },
    makeArray: (elements, container, origin) => {
      if (container === 'Array') return newArray(lx, origin as ts.Expression, { op: 'arrayOf', args: elements }, 'Array');
      const array = newArray(lx, origin as ts.Expression, { op: 'newArray', args: [num(elements.length)] }, container);
      elements.forEach((element, k) => lx.store([array, num(k), element], origin));
      return array;
    },
    makeObject: (fields, values, shape, origin) => objectOf(lx, fields, values, shape, origin),
    sameLength: (a, b) => lx.sameLength(a, b),
    lengthBefore: (size, blocks, origin) => {
      const from = lx.lengthOrigin(size);
      const inside = new Set(blocks.flatMap((block) => namesDefinedWithin(block)));
      if (from.operand.kind === 'var' && inside.has(from.operand.name)) return undefined;
      return from.measured ? lx.op('length', [from.operand], origin) : from.operand;
    },
    makeBuffer: (size, container, origin) =>
      newArray(lx, origin as ts.Expression, { op: 'newArray', args: container === 'Array' ? [size, num(0)] : [size] }, container),
    copyConstant: (block, operand, origin) => {
      const shape = operand.kind === 'ref' && operand.origin ? lx.shapeAt(operand.origin, false) : undefined;
      // Objects only: two constant arrays chosen by a branch outside loops are read where they are (a copy would need their lengths to agree).
      if (shape?.kind !== 'object') return operand;
      const outer = lx.body;
      lx.body = block;
      const copy = copyOf(lx, origin, operand, shape);
      lx.body = outer;
      return copy ?? operand;
    },
    copyInto: (block, target, source, size, origin) => {
      const outer = lx.body;
      lx.body = block;
      copyInto(lx, origin, target, source, size);
      lx.body = outer;
    },
  };
}

/**
 * `switch`: the index of the first matching case (or of `default`) is computed first;
 * then each clause runs when the switch has entered it (matched it or fallen through to
 * it) and no break has happened.
 */
export function switchStatement(lx: Lowering, statement: ts.SwitchStatement, labels: readonly string[]): void {
  const { ts } = lx;
  const discriminant = expression(lx, statement.expression);
  const clauses = statement.caseBlock.clauses;
  const defaultIndex = clauses.findIndex((clause) => ts.isDefaultClause(clause));
  const tests = clauses.map((clause) => (ts.isCaseClause(clause) ? lx.op('===', [discriminant, expression(lx, clause.expression)], clause) : undefined));
  let chosen: Operand = num(defaultIndex);
  for (let k = clauses.length - 1; k >= 0; k--) {
    const test = tests[k];
    if (test) chosen = lx.op('select', [test, num(k), chosen], clauses[k]);
  }
  const target: JumpTarget = { kind: 'switch', labels, broke: lx.hidden('broke', FALSE, true) };
  lx.targets.push(target);
  let entered: Operand = FALSE;
  lx.scoped(() => {
    clauses.forEach((clause, k) => {
      entered = lx.op('or', [entered, lx.op('===', [chosen, num(k)], clause)], clause);
      const guard = lx.mayHaveJumped() ? lx.op('and', [entered, lx.notJumped()], clause) : entered;
      branch(lx, guard, clause, () => lx.clearingFlags(() => statements(lx, clause.statements)));
    });
  });
  lx.targets.pop();
}

/** Runs `lower` where no flag is set: inside, every flag is known to be clear. */
export function guarded(lx: Lowering, origin: ts.Node, lower: () => void): void {
  branch(lx, lx.notJumped(), origin, () => lx.clearingFlags(lower));
}
