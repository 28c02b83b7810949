// Lowering of branches: `if`, `?:`, `&&`, `||` and `switch` become `if` statements with phis;
// code after a possible jump (break, continue, return) is guarded by the flags it sets; after
// a side that surely throws, the code goes on with the other side's values.
import type * as ts from 'typescript';
import { type Operand, type Phi, type Stmt, UNDEFINED, UNSET, isUnset, num, sameOperand, variable } from '../../ir/ir';
import { namesDefinedWithin } from '../../ir/definitions';
import { NUMBER } from '../../ir/shapes';
import { AggregateMerges, type MergeHost, RESULT, VALUE } from './merge';
import { type Lowering, type Binding, type JumpTarget, FALSE, TRUE } from './lowering';
import { isArrayType, load, newArray, objectOf } from './arrays';
import { expression } from './expressions';
import { statements } from './statements';
import { listOf, listOfValues } from './lists';
import { copyInto, copyOf } from './loop-states';
import { skipParentheses, skipTypeSyntax } from '../type-syntax';
import { sourceText } from '../quoting';

/**
 * `if (cond) whenTrue else whenFalse`: each side sees the variables as they were before,
 * and every variable that the sides leave different gets a phi. When both sides produce a
 * value (for `?:`, `&&`, `||`), the value is merged too and returned.
 */
export function branch(
  lx: Lowering,
  cond: Operand,
  origin: ts.Node,
  whenTrue: () => Operand | void,
  whenFalse?: () => Operand | void,
  endsScope = false,
): Operand | undefined {
  const bindings = lx.visibleBindings();
  const before = new Map(bindings.map((binding) => [binding, binding.value]));
  const threwBefore = lx.threw;
  const scope = lx.scopes[lx.scopes.length - 1];
  let thenValue: Operand | undefined;
  let elseValue: Operand | undefined;
  const thenBlock = lx.inBlock(() => (thenValue = whenTrue() ?? undefined));
  const afterThen = new Map(bindings.map((binding) => [binding, binding.value]));
  const thenThrew = lx.threw;
  for (const binding of bindings) binding.value = before.get(binding);
  lx.threw = threwBefore;
  const elseBlock = lx.inBlock(() => (elseValue = whenFalse?.() ?? undefined));
  const afterElse = new Map(bindings.map((binding) => [binding, binding.value]));
  const elseThrew = lx.threw;
  if (thenThrew !== elseThrew) {
    lx.threw = threwBefore;
    const dead = thenThrew ? { block: thenBlock, when: cond } : { block: elseBlock, when: lx.op('not', [cond], origin) };
    const live = thenThrew ? { block: elseBlock, values: afterElse, value: elseValue } : { block: thenBlock, values: afterThen, value: thenValue };
    return survivingSide(lx, origin, dead, live);
  }
  const phis: Phi[] = [];
  const merged = new Set<Binding>();
  const unseen = declaredUnseen(lx, scope, before, endsScope);
  const returned = (side: ReadonlyMap<Binding, Operand | undefined>) => sameOperand(side.get(lx.returned) ?? FALSE, TRUE);
  const returnedOn = { then: returned(afterThen), else: returned(afterElse) };
  const own = new Set(returnedOn.then || returnedOn.else ? ownVariables(lx) : []);
  // Other variables and objects that still refer to an array after the branch: a copy of it
  // would not be what they see. An object neither a variable nor the side's value reaches on
  // that side (a `const` of its block) refers to nothing any more.
  const dead: Partial<Record<'then' | 'else', Set<string>>> = {};
  const references = (operand: Operand, copied: ReadonlySet<string>, side: 'then' | 'else') => {
    dead[side] ??= lx.unreachableHolders(side === 'then' ? [...afterThen.values(), thenValue] : [...afterElse.values(), elseValue]);
    return lx.references(operand, new Set([...merged, ...(returnedOn[side] ? own : unseen)]), new Set([...copied, ...dead[side]]));
  };
  const merges = new AggregateMerges(mergeHost(lx, { then: afterThen, else: afterElse }), origin, thenBlock, elseBlock, phis, references);
  const listsMerged: (() => void)[] = [];
  for (const binding of bindings) {
    const whenThen = afterThen.get(binding);
    const whenElse = binding.value;
    if (whenThen === whenElse || (whenThen && whenElse && sameOperand(whenThen, whenElse))) continue;
    const lists = mergeableLists(lx, whenThen, whenElse);
    if (lists) {
      merged.add(binding);
      const what = binding === lx.result ? RESULT : binding.hidden ? VALUE : binding.name;
      const list = mergeList(lx, merges, phis, what, lists);
      listsMerged.push(() => (binding.value = list()));
      continue;
    }
    if ([whenThen, whenElse].some((value) => lx.isAggregate(value))) {
      // The function's own variable, on a side that returned, is never read again there: it keeps what the other side left it, if that side left it as it was (no copy).
      if (own.has(binding) && returnedOn.then && whenElse === before.get(binding)) continue;
      if (own.has(binding) && returnedOn.else && whenThen === before.get(binding)) {
        binding.value = whenThen;
        continue;
      }
      merged.add(binding);
      const what = binding === lx.result ? RESULT : binding.hidden ? VALUE : binding.name;
      merges.add(what, whenThen, whenElse, (value) => (binding.value = value), before.get(binding));
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
  for (const assign of listsMerged) assign();
  return value;
}

/** The entries of a list on each side of a branch (undefined: a side that did not assign it). */
type ListSides = readonly [readonly Operand[] | undefined, readonly Operand[] | undefined];

/**
 * The entries of two values of a variable after a branch where one is a list (lists.ts: what
 * a helper returns to a destructuring, `return [h2, c2]` on two paths) and the other a list
 * as long, or nothing (a side that did not assign it); undefined otherwise.
 */
function mergeableLists(lx: Lowering, then: Operand | undefined, otherwise: Operand | undefined): ListSides | undefined {
  const [a, b] = [then && listOf(lx, then), otherwise && listOf(lx, otherwise)];
  const unassigned = (value: Operand | undefined) => !value || isUnset(value);
  if (a && b) return a.length === b.length ? [a, b] : undefined;
  if (a && unassigned(otherwise)) return [a, undefined];
  if (b && unassigned(then)) return [undefined, b];
  return undefined;
}

/**
 * Two lists merged entry by entry: an array or object as a variable's (merge.ts), a number by
 * a phi. Returns the list of the merged entries, once the merges are built.
 */
function mergeList(lx: Lowering, merges: AggregateMerges, phis: Phi[], what: string, [then, otherwise]: ListSides): () => Operand {
  const length = (then ?? otherwise)!.length;
  const entries: (() => Operand)[] = Array.from({ length }, (_, k) => {
    const [a, b] = [then?.[k], otherwise?.[k]];
    if (a && b && sameOperand(a, b)) return () => a;
    const lists = mergeableLists(lx, a, b);
    if (lists) return mergeList(lx, merges, phis, what, lists);
    if ([a, b].some((side) => lx.isAggregate(side))) {
      let chosen: Operand = UNSET;
      merges.add(what, a, b, (value) => (chosen = value));
      return () => chosen;
    }
    const name = lx.env.names.fresh('t');
    phis.push({ name, then: a ?? UNSET, else: b ?? UNSET, role: 'temp' });
    return () => variable(name);
  });
  return () =>
    listOfValues(
      lx,
      entries.map((entry) => entry()),
    );
}

/**
 * A branch one side of which surely threw: that side's code runs where its condition holds
 * and throws, so the code after the branch runs only after the other side, whose values
 * every variable takes (no phi; an array it holds is not merged with the thrown side's). The
 * surviving side's code follows the throwing one's: `if (bad) { throw … }` then the rest.
 */
function survivingSide(
  lx: Lowering,
  origin: ts.Node,
  dead: { block: Stmt[]; when: Operand },
  live: { block: Stmt[]; values: ReadonlyMap<Binding, Operand | undefined>; value: Operand | undefined },
): Operand | undefined {
  lx.body.push({ kind: 'if', cond: dead.when, then: dead.block, else: [], phis: [], origin });
  lx.body.push(...live.block);
  for (const [binding, value] of live.values) binding.value = value;
  return live.value;
}

/**
 * The variables of the scope around a branch that no code after the branch reads. A side
 * declares there only when it holds the rest of a statement list (the code after a possible
 * `return`, `throw`, `break` or `continue`, lowered inside `if (!flags)`), whose block ends
 * with it: so an array the function returns (`const out = […]; …; return out;` after an early
 * exit) is held by nothing else once the branch is over, and the merge may copy it. Where the
 * branch is that rest, or an `if` that is the last statement of its list (`endsScope`), the
 * variables declared before it are not read after it either: `const next = p.map(…); if (bad)
 * continue; p = next;` leaves `next`'s array held by `p` alone once the pass goes on. Not in a
 * switch, whose later clauses see what an earlier clause declared.
 */
function declaredUnseen(lx: Lowering, scope: ReadonlyMap<string, Binding>, before: ReadonlyMap<Binding, unknown>, endsScope: boolean): Binding[] {
  if (lx.clauseScopes.has(scope)) return [];
  // The user's variables only: lowering's own (keys starting with '#': a record's fields, the length of an array grown by push) stay counted.
  return [...scope].flatMap(([key, binding]) => (key.startsWith('#') || (before.has(binding) && !endsScope) ? [] : [binding]));
}

/**
 * The variables of the function being lowered (or of the inlined helper), which no code reads
 * once it has returned: on a side of a branch that surely returned (or threw), an array they
 * hold (`const out = […]; if (done) return out;`) is held by the result alone, and their
 * values there do not matter.
 */
function ownVariables(lx: Lowering): Binding[] {
  return lx.scopes.slice(lx.frameBase).flatMap((scope) => [...scope].flatMap(([key, binding]) => (key.startsWith('#') ? [] : [binding])));
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
    instead: (origin) => choiceAdvice(lx, origin),
  };
}

/**
 * `c ? z : z.map(relu)` (a layer's activation skipped on the last layer) as one map choosing
 * each number: `z.map((v) => (c ? v : relu(v)))`; `mapFirst` where the map is the first side.
 */
function mapChoice(lx: Lowering, test: string, array: ts.Expression, map: ts.Expression, mapFirst: boolean): string | undefined {
  const { ts } = lx;
  if (!ts.isCallExpression(map) || !ts.isPropertyAccessExpression(map.expression) || map.expression.name.text !== 'map') return undefined;
  if (map.expression.expression.getText() !== array.getText() || map.arguments.length !== 1) return undefined;
  const callback = map.arguments[0];
  let entry = 'v';
  let mapped: string;
  if (ts.isIdentifier(callback) || ts.isPropertyAccessExpression(callback)) mapped = `${callback.getText()}(v)`;
  else if (ts.isArrowFunction(callback) && !ts.isBlock(callback.body) && callback.parameters.length === 1 && ts.isIdentifier(callback.parameters[0].name)) {
    entry = callback.parameters[0].name.text;
    mapped = sourceText(callback.body);
  } else return undefined;
  const [first, second] = mapFirst ? [mapped, entry] : [entry, mapped];
  return `${sourceText(array)}.map((${entry}) => (${test} ? ${first} : ${second}))`;
}

/**
 * What to write instead of a branch that cannot choose between its arrays or objects, in the
 * user's terms: for `c ? new A(x, k) : new A(y, k)` whose arguments differ in numbers, the
 * numbers given to one constructor (`new A(c ? x : y, k)`); else numbers read from the arrays
 * or objects, or one array written on both sides.
 */
function choiceAdvice(lx: Lowering, origin: ts.Node): string {
  const { ts } = lx;
  const choice = ts.isConditionalExpression(origin) ? origin : undefined;
  const condition = choice?.condition ?? (ts.isIfStatement(origin) ? origin.expression : undefined);
  const test = condition ? sourceText(condition) : '…';
  const [a, b] = choice ? [skipTypeSyntax(ts, choice.whenTrue), skipTypeSyntax(ts, choice.whenFalse)] : [];
  if (a && b && ts.isNewExpression(a) && ts.isNewExpression(b) && a.expression.getText() === b.expression.getText()) {
    const [x, y] = [a.arguments ?? [], b.arguments ?? []];
    const differ = x.flatMap((arg, k) => (arg.getText() === y[k]?.getText() ? [] : [k]));
    const isNumber = (arg: ts.Expression) => lx.isNumber(lx.typeAt(arg));
    if (x.length === y.length && differ.length > 0 && differ.every((k) => isNumber(x[k]) && isNumber(y[k]))) {
      const args = x.map((arg, k) => (differ.includes(k) ? `${test} ? ${sourceText(arg)} : ${sourceText(y[k])}` : sourceText(arg)));
      return `Choose the arguments instead of the instances ('new ${sourceText(a.expression)}(${args.join(', ')})').`;
    }
  }
  const index = indexChoice(lx, origin);
  if (index) return `Choose the index instead of the entries ('${index}').`;
  const kept = choice && keptOrAssigned(lx, choice);
  if (kept) return `Assign only where it changes, as the last statement of its block ('${kept}').`;
  const mapped = a && b && (mapChoice(lx, test, a, b, false) ?? mapChoice(lx, test, b, a, true));
  if (mapped) return `Choose the numbers in one map instead of the arrays ('${mapped}').`;
  // Arrays written as names or fields (`w`, `o.v`) are read by index as written.
  const named = (side: ts.Expression | undefined) => side && /^[\w$.]+$/.test(side.getText()) && isArrayType(lx, side);
  // Of arrays of arrays, one new array of the chosen numbers (a row is an array too).
  const shape = a && lx.shapeAt(a, false);
  const rows = shape?.kind === 'array' && shape.element.kind === 'array';
  // The names the suggestion declares must not hide the condition's or the other side's.
  const hides = /(?<![\w$.])(row|v|i|j)(?![\w$])/.test(`${test} ${b?.getText()}`);
  if (a && b && named(a) && named(b) && rows && !hides)
    return `Choose the numbers instead of the arrays ('${a.getText()}.map((row, i) => row.map((v, j) => (${test} ? v : ${b.getText()}[i][j])))'), or write into one array made before the branch.`;
  const example = a && b && named(a) && named(b) ? ` ('${test} ? ${a.getText()}[0] : ${b.getText()}[0]', for the first entry)` : '';
  return `Choose the numbers instead of the arrays or objects${example}, or write into one array made before the branch.`;
}

/**
 * `p = c ? p : next` (a state kept, or replaced): the assignment made on one side only,
 * `if (!(c)) p = next;`, which the merge of a loop's state copies into its array.
 */
function keptOrAssigned(lx: Lowering, choice: ts.ConditionalExpression): string | undefined {
  const { ts } = lx;
  let assignment: ts.Node = choice;
  while (ts.isParenthesizedExpression(assignment.parent)) assignment = assignment.parent;
  const parent = assignment.parent;
  if (!ts.isBinaryExpression(parent) || parent.operatorToken.kind !== ts.SyntaxKind.EqualsToken || parent.right !== assignment) return undefined;
  if (!ts.isIdentifier(parent.left)) return undefined;
  const target = parent.left.text;
  const [a, b] = [skipParentheses(ts, choice.whenTrue), skipParentheses(ts, choice.whenFalse)];
  const keeps = (side: ts.Expression) => ts.isIdentifier(side) && side.text === target;
  if (keeps(a) === keeps(b)) return undefined;
  const test = sourceText(choice.condition);
  return keeps(a) ? `if (!(${test})) ${target} = ${sourceText(b)};` : `if (${test}) ${target} = ${sourceText(a)};`;
}

/**
 * `points[i + 1] ?? points[0]` (or `||`), entries of one array: the same choice made on the
 * index, `points[(i + 1) % points.length]` (the entry past the end wraps to the first), else
 * `points[j >= 0 && j < points.length ? j : k]`.
 */
function indexChoice(lx: Lowering, origin: ts.Node): string | undefined {
  const { ts } = lx;
  if (!ts.isBinaryExpression(origin) || ![ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(origin.operatorToken.kind)) return undefined;
  const [a, b] = [skipTypeSyntax(ts, origin.left), skipTypeSyntax(ts, origin.right)];
  if (!ts.isElementAccessExpression(a) || !ts.isElementAccessExpression(b) || a.expression.getText() !== b.expression.getText()) return undefined;
  const array = sourceText(a.expression);
  const [first, other] = [sourceText(a.argumentExpression), sourceText(b.argumentExpression)];
  // The next entry, `i + 1`, is never negative, and past the end only at the length itself.
  const index = skipParentheses(ts, a.argumentExpression);
  const next = ts.isBinaryExpression(index) && index.operatorToken.kind === ts.SyntaxKind.PlusToken && index.right.getText() === '1';
  if (next && other === '0') return `${array}[(${first}) % ${array}.length]`;
  return `${array}[${next ? '' : `${first} >= 0 && `}${first} < ${array}.length ? ${first} : ${other}]`;
}

/**
 * `a && b`, `a || b`: JavaScript's values — a && b is b where a is truthy, else a (and b is
 * not evaluated). Where only its truth is used (an `if`, a loop's test, `?:`'s condition,
 * `!`) and a side may be an object or array (an optional one: `if (l && day >= l.start)`),
 * each side stands for its truth, so that the value is a number and not an object on one
 * side and a number on the other. `and` says which (`a &&= b` and `a ||= b` assign the same values).
 */
export function logical(lx: Lowering, node: ts.BinaryExpression, and: boolean): Operand {
  if (tested(lx.ts, node) && [node.left, node.right].some((side) => mayBeObject(lx, side))) {
    const left = truth(lx, expression(lx, node.left));
    const right = () => truth(lx, expression(lx, node.right));
    return (and ? branch(lx, left, node, right, () => FALSE) : branch(lx, left, node, () => TRUE, right)) as Operand;
  }
  const left = expression(lx, node.left);
  const right = () => expression(lx, node.right);
  return (and ? branch(lx, left, node, right, () => left) : branch(lx, left, node, () => left, right)) as Operand;
}

/** Whether only the truth of `node`'s value is used: it is the test of an `if`, a loop, `?:` or `!`, or a side of `&&` or `||` that is. */
function tested(tsApi: typeof ts, node: ts.Expression): boolean {
  const parent = node.parent;
  if (tsApi.isParenthesizedExpression(parent)) return tested(tsApi, parent);
  if (tsApi.isIfStatement(parent) || tsApi.isWhileStatement(parent) || tsApi.isDoStatement(parent)) return parent.expression === node;
  if (tsApi.isForStatement(parent)) return parent.condition === node;
  if (tsApi.isConditionalExpression(parent)) return parent.condition === node;
  if (tsApi.isPrefixUnaryExpression(parent)) return parent.operator === tsApi.SyntaxKind.ExclamationToken;
  const logicalParent =
    tsApi.isBinaryExpression(parent) &&
    (parent.operatorToken.kind === tsApi.SyntaxKind.AmpersandAmpersandToken || parent.operatorToken.kind === tsApi.SyntaxKind.BarBarToken);
  return logicalParent && tested(tsApi, parent);
}

/** Whether the type of `node` has an object (an array, an object, or one that may be undefined). */
function mayBeObject(lx: Lowering, node: ts.Expression): boolean {
  const type = lx.env.checker && lx.typeAt(node);
  const members = type?.isUnion() ? type.types : type ? [type] : [];
  return members.some((member) => member.flags & lx.ts.TypeFlags.Object);
}

/**
 * The truth of a value: undefined (an optional object left out) is false, an array or object
 * the function made is true, other values are tested where the code runs.
 */
function truth(lx: Lowering, value: Operand): Operand {
  if (sameOperand(value, UNDEFINED)) return FALSE;
  if (value.kind === 'var' && lx.created.has(value.name)) return TRUE;
  return lx.isAggregate(value) || value.kind === 'ref' ? lx.op('not', [lx.op('not', [value], undefined)], undefined) : value;
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
  // A discriminant known at compile time (the kind of a table's entry: tables.ts) enters one clause, lowered alone with those after it.
  const known = tests.every((test) => !test || test.kind === 'num') ? tests.findIndex((test) => test?.kind === 'num' && test.value) : undefined;
  const first = known === undefined ? undefined : known < 0 ? defaultIndex : known;
  let entered: Operand = FALSE;
  lx.scoped(() => {
    lx.clauseScopes.add(lx.scopes[lx.scopes.length - 1]);
    clauses.forEach((clause, k) => {
      if (first !== undefined) {
        const lower = () => statements(lx, clause.statements);
        if (first < 0 || k < first || lx.hasJumped()) return;
        if (lx.mayHaveJumped()) guarded(lx, clause, lower);
        else lower();
        return;
      }
      entered = lx.op('or', [entered, lx.op('===', [chosen, num(k)], clause)], clause);
      const guard = lx.mayHaveJumped() ? lx.op('and', [entered, lx.notJumped()], clause) : entered;
      branch(lx, guard, clause, () => lx.clearingFlags(() => statements(lx, clause.statements)));
    });
  });
  lx.targets.pop();
}

/**
 * Runs `lower` where no flag is set: inside, every flag is known to be clear. `endsScope`: it
 * lowers the rest of a statement list, after which nothing reads the variables of its scope.
 */
export function guarded(lx: Lowering, origin: ts.Node, lower: () => void, endsScope = false): void {
  branch(lx, lx.notJumped(), origin, () => lx.clearingFlags(lower), undefined, endsScope);
}
