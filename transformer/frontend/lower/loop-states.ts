// The arrays and objects a loop reassigns (`s = step(s, dt)`, `p = p.map(…)`): how a loop
// carries them, since the IR's loops carry numbers only. A small array or object (a length
// known at compile time, an object literal) is carried as the numbers it holds (./scalars.ts);
// an array of a length known only at run time is kept in one array, its buffer, into which the
// array each pass leaves is copied at the end of the pass. Where a pass leaves an array of
// another length (a network's layers of different widths), the buffer is one that grows, and
// the loop carries its length.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Operand, nameOf, num, operandsRead, sameOperand, variable } from '../../ir/ir';
import { NUMBER, type Shape } from '../../ir/shapes';
import { fieldLoad, lengthOf, loadWithin, newArray, objectOf } from './arrays';
import { walk } from '../walk';
import { skipParentheses } from '../type-syntax';
import type { Binding, Lowering } from './lowering';
import { countedLoop } from './loops';
import { type MatrixState, holdsRows, matrixState } from './matrix-states';
import { type Layout, dataLeaves, layoutOf, leavesOf, sameLayout } from './scalars';

/** The states of a loop: variables it reassigns that hold arrays or objects as it starts. */
export function loopStates(
  lx: Lowering,
  node: ts.Node,
  assigned: readonly Binding[],
): { states: ScalarState[]; buffers: BufferState[]; matrices: MatrixState[] } {
  const states: ScalarState[] = [];
  const buffers: BufferState[] = [];
  const matrices: MatrixState[] = [];
  for (const binding of assigned) {
    if (lx.resizing.get(node)?.has(binding.name)) {
      buffers.push(resizingBuffer(lx, node, binding));
      continue;
    }
    const copy = binding.value && copyOnEntry(lx, node, binding);
    if (copy) binding.value = copy;
    const init = binding.value;
    const objects = init?.kind === 'var' ? lx.matrices.get(init.name)?.fields : undefined;
    if (objects)
      fail(
        node,
        Code.Unsupported,
        `a loop that reassigns '${binding.name}', an array of objects that map or Array.from builds, is not supported: update its entries in place ('${binding.name}[…].${objects[0]} = …'), reading what a pass needs of the old values from a copy made first by a map of spreads ('({ ...… })').`,
      );
    if (init && holdsRows(lx, init)) {
      matrices.push(matrixState(lx, node, binding, init));
      continue;
    }
    if (!lx.isAggregate(init)) continue;
    if (init!.kind === 'var' && lx.rows.get(init!.name)?.matrix.fields)
      fail(
        node,
        Code.Unsupported,
        `a loop that reassigns '${binding.name}', which holds an entry of an array of objects that map or Array.from builds, is not supported: keep the index of the entry, or copy it ('{ ...${binding.name} }').`,
      );
    if (init!.kind === 'var' && lx.rows.has(init!.name)) {
      fail(
        node,
        Code.Unsupported,
        `a loop that reassigns '${binding.name}', which holds a row of an array of arrays the function builds, is not supported: keep the index of the row, or copy it ([...row]).`,
      );
    }
    const shared = lx.references(init!, new Set([binding])) > 0;
    if (shared && !lx.readOnly(init!))
      fail(
        node,
        Code.Unsupported,
        `the array or object '${binding.name}' holds as this loop starts is also held by another variable or object, which a loop that reassigns '${binding.name}' does not allow${lx.sharedWriteNote()}: copy it first ('[...…]', '{ ...… }').`,
      );
    // An array a pass may shorten is kept in a buffer, whatever its length as the loop starts (`let p = [a, b, c]`).
    const shortens = mayShorten(lx, node, binding.name);
    const layout = shortens && init!.kind === 'var' && lx.created.get(init!.name)?.kind === 'array' ? undefined : layoutOf(lx, init);
    const made = layout ? undefined : bufferOf(lx, init!);
    // The array another name holds too stays as it is: the loop writes a copy of it.
    const buffer = made && shared ? ownBuffer(lx, node, binding, made) : made;
    if (layout) states.push(scalarState(lx, node, binding, init!, layout));
    else if (buffer) buffers.push({ binding, ...buffer, ...(shortens ? { length: lengthVariable(lx, node, binding, buffer) } : {}) });
    else {
      objectOfRuntimeArrays(lx, node, binding.name, init!);
      fail(
        node,
        Code.Unsupported,
        `a loop that reassigns '${binding.name}' keeps the array or object it holds in one place of its own, which must be one the function made (an array or object literal, new Float64Array(n), a map, a copy made by a spread) and that push does not grow; '${binding.name}' holds another as the loop starts (the caller's, or an object holding an array of a length known only at run time). Copy it into such an array where '${binding.name}' gets its first value ('let ${binding.name} = [...…]').`,
      );
    }
  }
  return { states, buffers, matrices };
}

/**
 * The diagnostic of an object the function made whose arrays have a length known only at run
 * time (`{ pos: [...init], vel: init.map(…) }`), where a loop reassigns the variable holding
 * it: the loop carries an object's fields in variables of their own, which an array of
 * unknown length cannot be, so each such array goes in a variable the loop reassigns.
 */
function objectOfRuntimeArrays(lx: Lowering, node: ts.Node, name: string, init: Operand): void {
  const made = init.kind === 'var' ? lx.created.get(init.name) : undefined;
  if (made?.kind !== 'object') return;
  const runtimeLength = (value: Operand) => {
    const array = value.kind === 'var' ? lx.created.get(value.name) : undefined;
    return array?.kind === 'array' && array.length === undefined;
  };
  const arrays = made.fields.filter((_, i) => runtimeLength(made.values[i]));
  if (arrays.length === 0) return;
  const [first] = arrays;
  fail(
    node,
    Code.Unsupported,
    `a loop that reassigns '${name}' carries an object only when the arrays it holds have a length known at compile time (array literals: '{ ${first}: […, …] }'), and '${name}.${first}' starts with a length known only at run time: keep ${arrays.length > 1 ? 'each such array' : 'it'} in a variable of its own that the loop reassigns (${arrays.map((field) => `'let ${field} = …'`).join(', ')}), give the object where it is needed ('{ ${arrays.join(', ')} }') and read its fields back ('${first} = ….${first}').`,
  );
}

/**
 * The caller's array or object (or a module's constant: `let pose = ORIGIN`) that a variable
 * the loop reassigns holds as the loop starts, copied into one the function makes, which the
 * loop may then carry: differentiated code never writes the caller's data, so the copy is the
 * same value. Undefined where the value is not one (or is an array of arrays: not copied).
 */
function copyOnEntry(lx: Lowering, node: ts.Node, binding: Binding): Operand | undefined {
  const value = binding.value!;
  const input = value.kind === 'var' && !lx.created.has(value.name) && !lx.holdsLocal(value) ? lx.inputShapes.get(value.name) : undefined;
  const constant = value.kind === 'ref' && value.origin ? lx.shapeAt(value.origin, false) : undefined;
  const shape = input ?? constant;
  // A tuple's copy has its length, so that the loop carries its numbers (`let s = s0` with `s0: [number, number]`).
  const tupleLength =
    value.kind === 'var' ? lx.tupleLengths.get(value.name) : value.kind === 'ref' && value.origin ? lx.tupleLengthAt(value.origin) : undefined;
  return shape && shape.kind !== 'number' ? copyOf(lx, node, value, shape, tupleLength) : undefined;
}

/**
 * A copy of an array or object of numbers (or of flat arrays and such objects) that the function
 * made, `length` long where that is known; undefined for arrays of arrays.
 */
export function copyOf(lx: Lowering, node: ts.Node, value: Operand, shape: Shape, length?: number): Operand | undefined {
  if (shape.kind === 'number') return value;
  if (shape.kind === 'array') {
    if (shape.element.kind !== 'number') return undefined;
    const size = length !== undefined ? num(length) : lengthOf(lx, value, node);
    const copy = newArray(lx, node as ts.Expression, { op: 'newArray', args: shape.container === 'Array' ? [size, num(0)] : [size] }, shape.container);
    copyInto(lx, node, copy, value, size);
    return copy;
  }
  const values: Operand[] = [];
  for (const field of shape.fields) {
    const copied = copyOf(lx, node, fieldLoad(lx, value, field.name, field.shape, node), field.shape);
    if (!copied) return undefined;
    values.push(copied);
  }
  return objectOf(
    lx,
    shape.fields.map((field) => field.name),
    values,
    shape,
    node,
  );
}

/** A variable a loop reassigns holding an array of a length known only at run time, kept in one array. */
export interface BufferState {
  readonly binding: Binding;
  /** The array the variable holds as the loop starts, which holds its values from pass to pass. */
  readonly array: Operand;
  readonly size: Operand;
  readonly container: 'Array' | 'Float64Array' | 'Float32Array';
  /** Where passes may shorten it: its length, which the loop carries (at most `size`). */
  readonly length?: Binding;
  /** Passes may leave it longer too: the buffer grows (an array created empty), and `length` is any. */
  readonly resizes?: true;
}

/**
 * Thrown where a pass leaves a buffer state holding an array the function made of another
 * length than the one the pass started with: lowerFunction lowers the function again, with
 * the state in a buffer that grows (resizingBuffer).
 */
export class LengthChanges extends Error {
  constructor(
    readonly loop: ts.Node,
    readonly name: string,
  ) {
    super(`the array of '${name}' changes length from pass to pass`);
  }
}

/**
 * A state whose passes change its length: a buffer created empty (whose gradient and tangent
 * grow with it), into which its value as the loop starts is copied, and its length, which the
 * loop carries. Its entries past the length are stale: reads there are NaN (arrays.ts `load`).
 */
function resizingBuffer(lx: Lowering, node: ts.Node, binding: Binding): BufferState {
  const init = binding.value!;
  const array = newArray(lx, node as ts.Expression, { op: 'arrayOf', args: [] }, 'Array');
  const size = lengthOf(lx, init, node);
  copyInto(lx, node, array, init, size);
  const name = nameOf(array);
  const length = besideState(lx, binding, `#length ${name}`, `${binding.name}_length`, size);
  lx.lengths.set(name, length);
  lx.shortened.add(name);
  binding.value = array;
  return { binding, array, size, container: 'Array', length, resizes: true };
}

/**
 * Whether a pass may leave a state shorter than it started: the loop assigns it what a call of
 * slice or filter makes (`points = previous.slice(1).map(…)`, `active = active.filter(…)`), or
 * another variable that it may leave shorter (`previous = points`). It then has a length of
 * its own, which the loop carries.
 */
function mayShorten(lx: Lowering, node: ts.Node, name: string, seen: ReadonlySet<string> = new Set()): boolean {
  const { ts } = lx;
  const shortens = (inner: ts.Node) =>
    ts.isCallExpression(inner) && ts.isPropertyAccessExpression(inner.expression) && ['slice', 'filter'].includes(inner.expression.name.text);
  const within = new Set([...seen, name]);
  return assignmentsTo(lx, node, name).some((assignment) => {
    const right = skipParentheses(ts, assignment.right);
    if (ts.isIdentifier(right)) return !within.has(right.text) && mayShorten(lx, node, right.text, within);
    return walk(ts, right, (part) => (shortens(part) ? 'stop' : undefined));
  });
}

/** The assignments `name = …` in a loop, in source order. */
export function assignmentsTo(lx: Lowering, node: ts.Node, name: string): ts.BinaryExpression[] {
  const { ts } = lx;
  const found: ts.BinaryExpression[] = [];
  walk(ts, node, (inner) => {
    if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(inner.left) && inner.left.text === name) {
      found.push(inner);
    }
  });
  return found;
}

/**
 * The length of a buffer whose passes may shorten it (never lengthen: checked at the end of
 * each pass), a variable in the scope of the state's variable, which reads of its length read
 * after the loop too. A typed array is a diagnostic: the entries past its length would read as
 * numbers, where JavaScript reads undefined.
 */
function lengthVariable(lx: Lowering, node: ts.Node, binding: Binding, buffer: Omit<BufferState, 'binding'>): Binding {
  if (buffer.container !== 'Array') {
    fail(
      node,
      Code.Unsupported,
      `a loop that may shorten '${binding.name}' (slice, filter) keeps it in one array, which must be a number[] here, not a ${buffer.container}: copy it into one first (let ${binding.name} = Array.from(…)).`,
    );
  }
  const name = nameOf(buffer.array);
  const length = besideState(lx, binding, `#length ${name}`, `${binding.name}_length`, buffer.size);
  lx.lengths.set(name, length);
  lx.shortened.add(name);
  return length;
}

/**
 * A hidden variable of a state (its length), in the scope of the state's variable under `key`:
 * branches merge it, and code after the loop reads it.
 */
export function besideState(lx: Lowering, binding: Binding, key: string, name: string, value: Operand): Binding {
  const hidden = lx.hidden(name, value);
  const scope = [...lx.scopes].reverse().find((candidate) => [...candidate.values()].includes(binding)) ?? lx.scopes[lx.scopes.length - 1];
  scope.set(key, hidden);
  return hidden;
}

/** A new buffer for a state, holding a copy of what `made` holds: the state's value as the loop starts. */
function ownBuffer(lx: Lowering, node: ts.Node, binding: Binding, made: Omit<BufferState, 'binding'>): Omit<BufferState, 'binding'> {
  const array = newArray(lx, node as ts.Expression, { op: 'newArray', args: made.container === 'Array' ? [made.size, num(0)] : [made.size] }, made.container);
  copyInto(lx, node, array, made.array, made.size);
  binding.value = array;
  return { ...made, array };
}

/** What an array the function made (not grown by push) is, as a loop's buffer. */
function bufferOf(lx: Lowering, array: Operand): Omit<BufferState, 'binding'> | undefined {
  if (array.kind !== 'var' || lx.lengths.has(array.name)) return undefined;
  const made = lx.created.get(array.name);
  return made?.kind === 'array' ? { array, size: made.size, container: made.container } : undefined;
}

/**
 * At the end of a pass, the array each buffer state holds is copied into its buffer (all
 * reads before any write, so that states that swapped their arrays keep each other's values),
 * and the variables hold their buffers again.
 */
export function copyBack(lx: Lowering, node: ts.Node, buffers: readonly BufferState[]): void {
  const moved = buffers.filter((state) => !sameOperand(state.binding.value!, state.array));
  const lengths = moved.map((state) => (state.length ? shorterLength(lx, state) : state.size));
  const sources = moved.map((state, k) => {
    const value = state.binding.value!;
    const made = state.length ? undefined : bufferOf(lx, value);
    const name = state.binding.name;
    if (!lengths[k] || (!state.length && (!made || !lx.sameLength(made.size, state.size) || made.container !== state.container))) {
      if (!state.resizes && resizable(lx, state, value)) throw new LengthChanges(node, name);
      fail(
        node,
        Code.Unsupported,
        `a pass of this loop leaves '${name}' holding an array the loop cannot copy into the one it keeps '${name}' in (each pass copies the array it leaves into it): it must be an array the function made (${name}.map(…), [...…], Array.from(…)), and a typed array must be as long as the one '${name}' starts with and of its kind. Where the length changes from pass to pass, make both number[]s ('let ${name} = Array.from(…)').`,
      );
    }
    if (heldElsewhere(lx, value, state, buffers) && !lx.readOnly(value)) {
      fail(
        lastAssignment(lx, node, name),
        Code.Unsupported,
        `a pass of this loop leaves the array of '${name}' also held by another variable or object, which a loop that reassigns '${name}' does not allow${lx.sharedWriteNote()}: copy it ('[...…]', '{ ...… }').`,
      );
    }
    // Another state's buffer is written below: what it holds now is copied first.
    if (!buffers.some((other) => sameOperand(other.array, value))) return value;
    const copy = newArray(
      lx,
      node as ts.Expression,
      { op: 'newArray', args: state.container === 'Array' ? [lengths[k]!, num(0)] : [lengths[k]!] },
      state.container,
    );
    copyInto(lx, node, copy, value, lengths[k]!);
    return copy;
  });
  moved.forEach((state, k) => {
    copyInto(lx, node, state.array, sources[k], lengths[k]!);
    state.binding.value = state.array;
    if (state.length) state.length.value = lengths[k];
  });
}

/** Whether a state of number[] that a pass leaves holding `value`, a number[] the function made, may be kept in a buffer that grows. */
function resizable(lx: Lowering, state: BufferState, value: Operand): boolean {
  const made = value.kind === 'var' && lx.localArrays.has(value.name) ? lx.created.get(value.name) : undefined;
  return state.container === 'Array' && made?.kind === 'array' && made.container === 'Array';
}

/**
 * The length of the array a pass leaves in a state that passes may shorten, where it is known
 * to be no longer than the state's as the pass started (so that it fits in its buffer): a map
 * of it, a slice or filter of it (or of a map of it, and so on); else undefined. A buffer that
 * grows takes an array the function made of any length.
 */
function shorterLength(lx: Lowering, state: BufferState): Operand | undefined {
  const value = state.binding.value!;
  if (value.kind !== 'var' || !lx.localArrays.has(value.name)) return undefined;
  const made = lx.created.get(value.name);
  if (made?.kind !== 'array' || made.container !== state.container) return undefined;
  const length = lx.lengths.get(value.name)?.value ?? made.size;
  return state.resizes || lx.notLonger(length, state.length!.value!) ? length : undefined;
}

/**
 * After the loop, the variables hold their buffers; one that passes may have shortened holds a
 * copy of as many entries as its length (the buffer is longer), which is what code after the
 * loop reads, measures and returns.
 */
export function leaveBuffers(lx: Lowering, node: ts.Node, buffers: readonly BufferState[]): void {
  for (const state of buffers) {
    state.binding.value = state.array;
    if (!state.length) continue;
    const length = state.length.value!;
    const copy = newArray(lx, node as ts.Expression, { op: 'newArray', args: [length, num(0)] }, state.container);
    copyInto(lx, node, copy, state.array, length);
    state.binding.value = copy;
  }
}

/** Copies `size` entries of `source` into `target`, whatever the flags (code lowering makes up). */
export function copyInto(lx: Lowering, node: ts.Node, target: Operand, source: Operand, size: Operand): void {
  lx.whateverTheFlags(() =>
    countedLoop(
      lx,
      node,
      'k',
      () => size,
      (index) => lx.store([target, index, loadWithin(lx, source, index, NUMBER, node)], node),
      { syntaxAssigns: false },
    ),
  );
}

/**
 * Where a loop last assigns `name` (`h = s.h`, `[h, c] = cell(h, c, x)`), in source order: where
 * a diagnostic about what a pass leaves in it points. The loop itself where it has none.
 */
function lastAssignment(lx: Lowering, loop: ts.Node, name: string): ts.Node {
  const { ts } = lx;
  const names = (target: ts.Node): boolean => {
    if (ts.isIdentifier(target)) return target.text === name;
    if (ts.isParenthesizedExpression(target) || ts.isSpreadElement(target) || ts.isSpreadAssignment(target)) return names(target.expression);
    if (ts.isShorthandPropertyAssignment(target)) return target.name.text === name;
    if (ts.isPropertyAssignment(target)) return names(target.initializer);
    if (ts.isArrayLiteralExpression(target)) return target.elements.some(names);
    if (ts.isObjectLiteralExpression(target)) return target.properties.some(names);
    return false;
  };
  let last: ts.Node = loop;
  walk(ts, loop, (node) => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && names(node.left)) last = node;
  });
  return last;
}

/**
 * Whether, at the end of a pass, a variable or object other than the state's own holds the
 * state's array or object (another state of the loop included). An object that nothing in
 * scope reaches any more (`const s = cell(h, c); h = s.h;` in the pass) holds it no longer.
 */
function heldElsewhere(lx: Lowering, value: Operand, state: { readonly binding: Binding }, states: readonly { readonly binding: Binding }[]): boolean {
  const others = new Set(states.map((other) => other.binding));
  return lx.references(value, others, lx.unreachableHolders()) > 0 || states.some((other) => other !== state && sameOperand(other.binding.value!, value));
}

/** A variable a loop carries as the numbers of the small array or object it holds (see ./scalars.ts). */
export interface ScalarState {
  readonly binding: Binding;
  readonly layout: Layout;
  /** Hidden variables, one per number, which the loop carries. */
  readonly parts: readonly Binding[];
}

/** A small state's numbers, read before the loop into hidden variables the loop carries. */
function scalarState(lx: Lowering, node: ts.Node, binding: Binding, init: Operand, layout: Layout): ScalarState {
  const data = dataLeaves(layout);
  const parts = leavesOf(lx, init, layout, node).map((leaf, k) => lx.hidden(`${binding.name}_${k}`, leaf, false, data[k]));
  return { binding, layout, parts };
}

/** At the end of a pass: the numbers of the state's array or object are the next pass's. */
export function nextState(lx: Lowering, node: ts.Node, state: ScalarState, states: readonly ScalarState[]): void {
  const value = checkState(lx, node, state, states);
  const leaves = leavesOf(lx, value, state.layout, node);
  state.parts.forEach((part, k) => (part.value = leaves[k]));
}

/** The state's array or object here, checked to be of its layout and held by the state alone. */
export function checkState(lx: Lowering, node: ts.Node, state: ScalarState, states: readonly ScalarState[]): Operand {
  const value = state.binding.value;
  const name = state.binding.name;
  if (!sameLayout(layoutOf(lx, value), state.layout)) {
    fail(
      node,
      Code.Unsupported,
      `a pass of this loop leaves '${name}' holding an array or object of another size or kind than it started with (or one the function did not make): a loop carries '${name}' as the numbers it holds, so every pass must leave it the same kind.`,
    );
  }
  if (heldElsewhere(lx, value!, state, states) && !lx.readOnly(value!)) {
    fail(
      lastAssignment(lx, node, name),
      Code.Unsupported,
      `a pass of this loop leaves the array or object of '${name}' also held by another variable or object, which a loop that reassigns '${name}' does not allow${lx.sharedWriteNote()}: copy it ('[...…]', '{ ...… }').`,
    );
  }
  return value!;
}

/**
 * The array and object literals at the end of a pass that nothing reads (a branch's copy of
 * the state, whose numbers the loop now carries): gone, so that the pass ends with the test of
 * the loop and reverse mode sees its `while` form (a counter is then recomputed, not recorded).
 */
export function dropTrailingLiterals(lx: Lowering, states: ReadonlySet<Binding>): void {
  for (
    let last = lx.body[lx.body.length - 1];
    last?.kind === 'let' && (last.expr.op === 'arrayOf' || last.expr.op === 'objectOf');
    last = lx.body[lx.body.length - 1]
  ) {
    const name = last.name;
    const read = lx.body.some((stmt) => operandsRead(stmt).some((operand) => operand.kind === 'var' && operand.name === name));
    if (read || lx.references(variable(name), states) > 0) return;
    lx.body.pop();
  }
}
