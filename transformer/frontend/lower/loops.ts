// Lowering of loops: `for`, `while`, `do`, `for … of` and the loops array methods become,
// with their carried variables (what a pass assigns) and the flags of jumps out of them.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { walk } from '../walk';
import { type Operand, type Role, UNSET, num, operandsRead, variable } from '../../ir/ir';
import { type Layout, layoutOf, leavesOf, rebuild, sameLayout } from './scalars';
import { type Lowering, type Binding, type JumpTarget, FALSE, TRUE, isNumberType } from './lowering';
import { arrayOperand, lengthOf, load } from './arrays';
import { branch, guarded } from './control';
import { expression } from './expressions';
import { statement, variables } from './statements';

export function whileParts(lx: Lowering, test: ts.Expression, body: ts.Statement, testFirst: boolean): LoopParts {
  return { testFirst, test: () => expression(lx, test), body: () => statement(lx, body) };
}

export function forLoop(lx: Lowering, node: ts.ForStatement, labels: readonly string[]): void {
  lx.scoped(() => {
    const { initializer } = node;
    if (initializer && lx.ts.isVariableDeclarationList(initializer)) variables(lx, initializer);
    else if (initializer) expression(lx, initializer);
    const { condition, incrementor } = node;
    loop(lx, node, labels, {
      testFirst: true,
      test: condition && (() => expression(lx, condition)),
      update: incrementor && (() => void expression(lx, incrementor)),
      body: () => statement(lx, node.statement),
      passes: countedPasses(lx, node),
    });
  });
}

/**
 * For `for (let i = a; i < b; i++)` (or `<=`, `+= 1`) where the loop assigns neither i
 * nor what b reads: at most floor(b - a) + 2 passes (the last one tests only). Reverse
 * mode sizes the loop's record with it, allocating once.
 */
export function countedPasses(lx: Lowering, statement: ts.ForStatement): Operand | undefined {
  const { ts } = lx;
  const { initializer, condition, incrementor } = statement;
  if (!initializer || !ts.isVariableDeclarationList(initializer) || initializer.declarations.length !== 1) return undefined;
  const counter = initializer.declarations[0].name;
  if (!ts.isIdentifier(counter) || !condition || !incrementor || !ts.isBinaryExpression(condition)) return undefined;
  const bound = condition.right;
  const isCounter = (node: ts.Node) => ts.isIdentifier(node) && node.text === counter.text;
  const comparison = condition.operatorToken.kind;
  if (!isCounter(condition.left) || (comparison !== ts.SyntaxKind.LessThanToken && comparison !== ts.SyntaxKind.LessThanEqualsToken)) return undefined;
  const steps =
    ((ts.isPostfixUnaryExpression(incrementor) || ts.isPrefixUnaryExpression(incrementor)) && incrementor.operator === ts.SyntaxKind.PlusPlusToken && isCounter(incrementor.operand)) ||
    (ts.isBinaryExpression(incrementor) && incrementor.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken && isCounter(incrementor.left) && ts.isNumericLiteral(incrementor.right) && incrementor.right.text === '1');
  if (!steps) return undefined;
  // The bound is lowered a second time, before the loop: only where that has no effect
  // and cannot change what it reads (no calls, which may write or be inlined; no assignments).
  const read = new Set<string>([counter.text]);
  const effectful = walk(ts, bound, (node) => {
    if (ts.isIdentifier(node)) read.add(node.text);
    const mathCall = ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression) && lx.isGlobal(node.expression.expression, 'Math') && node.expression.name.text !== 'random';
    if ((ts.isCallExpression(node) && !mathCall) || ts.isNewExpression(node) || ts.isPostfixUnaryExpression(node) || ts.isFunctionLike(node)) return 'stop';
    if (ts.isPrefixUnaryExpression(node) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) return 'stop';
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return 'stop';
    return undefined;
  });
  if (effectful) return undefined;
  const assigned = assignedIn(lx, statement.statement).map((binding) => binding.name);
  if (assigned.some((name) => read.has(name)) || !isNumberType(ts, lx.env.checker!.getTypeAtLocation(bound))) return undefined;
  const start = lx.lookup(counter.text)?.value;
  if (!start) return undefined;
  const span = lx.op('-', [expression(lx, bound), start], statement);
  return lx.op('+', [lx.op('floor', [span], statement), num(2)], statement);
}

/**
 * A loop. The variables the loop assigns are carried: they enter as phis, and their
 * values at the end of a pass are the next pass's. The body of a `while` is
 * `c = test; if (c) { body; update }`, and the loop goes on while c holds and no flag
 * (break, return, a jump to an outer loop) is set.
 */
export function loop(lx: Lowering, node: ts.Node, labels: readonly string[], parts: LoopParts): void {
  const target: JumpTarget = { kind: 'loop', labels, broke: lx.hidden('broke', FALSE, true), continued: lx.hidden('continued', FALSE, true) };
  const assigned = [...new Set([...assignedIn(lx, node), ...(parts.carried ?? [])])];
  // Variables holding small arrays or objects are carried as the numbers they hold.
  const states = scalarStates(lx, node, assigned);
  const bindings = [...assigned.filter((binding) => !states.some((state) => state.binding === binding)), ...states.flatMap((state) => state.parts)];
  const carried = bindings.map((binding) => ({ binding, init: binding.value ?? UNSET, name: lx.env.names.own(binding.name) }));
  for (const { binding, name } of carried) binding.value = variable(name);
  // Every variable the loop does not carry must leave it as it entered (a value defined in
  // the body is not in scope after it): checked below, so that a mistake of lowering is an
  // internal error at the call rather than generated code that throws.
  const carriedBindings = new Set([...bindings, ...states.map((state) => state.binding)]);
  const untouched = lx.visibleBindings().filter((binding) => !carriedBindings.has(binding)).map((binding) => [binding, binding.value] as const);
  lx.targets.push(target);
  lx.depth++;
  lx.loops++;
  let goOn: Operand = FALSE;
  const body = lx.inBlock(() => {
    // A pass starts only where no flag is set: flags carried from outside start clear.
    for (const { binding } of carried) if (binding.flag) binding.value = FALSE;
    for (const state of states) state.binding.value = rebuild(lx, state.layout, state.parts.map((part) => part.value!), node);
    target.broke.value = FALSE;
    target.continued!.value = FALSE;
    const runBody = () => {
      lx.scoped(parts.body);
      target.continued!.value = FALSE;
      if (parts.update) {
        const update = parts.update;
        if (lx.mayHaveJumped()) guarded(lx, node, update);
        else update();
      }
      // Before the loop's own test merges the states with their values at the top of the pass.
      for (const state of states) checkState(lx, node, state, states);
      for (const { binding } of carried) {
        if (lx.isAggregate(binding.value)) fail(node, Code.Unsupported, `'${binding.name}' is assigned arrays or objects in this loop but holds none as it starts: give it its first value before the loop.`);
      }
    };
    let test: Operand = TRUE;
    if (parts.testFirst) {
      if (parts.test) test = parts.test();
      branch(lx, test, node, runBody);
    } else {
      runBody();
      if (parts.test) {
        const lowerTest = parts.test;
        test = lx.mayHaveJumped() ? (branch(lx, lx.notJumped(), node, () => lx.clearingFlags(lowerTest), () => FALSE) as Operand) : lowerTest();
      }
    }
    goOn = lx.mayHaveJumped() ? lx.op('and', [test, lx.notJumped()], node) : test;
    for (const state of states) nextState(lx, node, state, states);
    if (states.length > 0) dropTrailingLiterals(lx, new Set(states.map((state) => state.binding)));
  });
  lx.loops--;
  lx.depth--;
  lx.targets.pop();
  const changed = untouched.find(([binding, value]) => binding.value !== value);
  if (changed) throw new Error(`the loop changes '${changed[0].name}', which it does not carry`);
  const loopCarried = carried.map(({ binding, init, name }) => {
    const exit = lx.env.names.own(binding.name);
    const next = binding.value ?? UNSET;
    binding.value = variable(exit);
    return { name, init, next, exit, role: (binding.hidden ? 'temp' : 'user') as Role };
  });
  lx.body.push({ kind: 'loop', carried: loopCarried, body, cond: goOn, origin: node, ...(parts.passes ? { passes: parts.passes } : {}) });
  for (const state of states) state.binding.value = rebuild(lx, state.layout, state.parts.map((part) => part.value!), node);
}

/** A variable a loop carries as the numbers of the small array or object it holds (see ./scalars.ts). */
interface ScalarState {
  readonly binding: Binding;
  readonly layout: Layout;
  /** Hidden variables, one per number, which the loop carries. */
  readonly parts: readonly Binding[];
}

/**
 * The variables the loop assigns that hold arrays or objects as it starts: each must be an
 * array of a length known at compile time or an object literal the function made, that no
 * other variable refers to (a copy of it must be what the code sees); its numbers are read
 * before the loop, into hidden variables the loop carries.
 */
function scalarStates(lx: Lowering, node: ts.Node, assigned: readonly Binding[]): ScalarState[] {
  return assigned.flatMap((binding): ScalarState[] => {
    const init = binding.value;
    if (!lx.isAggregate(init)) return [];
    const layout = layoutOf(lx, init);
    if (!layout) {
      fail(
        node,
        Code.Unsupported,
        `a loop that reassigns '${binding.name}' carries the numbers of an array or object it holds, where that is an array of a length known at compile time or an object literal the function makes ([x, v], { x, v }); '${binding.name}' holds another (a length known only at run time, or the caller's) as the loop starts. Write each pass's new values into an array made once before the loop (next[i] = …), then copy them back (for (…) cur[i] = next[i]).`,
      );
    }
    if (!lx.readOnly(init!) && lx.references(init!, new Set([binding])) > 0) fail(node, Code.Unsupported, `the array or object '${binding.name}' holds as this loop starts is also held by another variable or object, which a loop that reassigns '${binding.name}' does not allow: copy it first.`);
    const parts = leavesOf(lx, init!, layout, node).map((leaf, k) => lx.hidden(`${binding.name}_${k}`, leaf));
    return [{ binding, layout, parts }];
  });
}

/** At the end of a pass: the numbers of the state's array or object are the next pass's. */
function nextState(lx: Lowering, node: ts.Node, state: ScalarState, states: readonly ScalarState[]): void {
  const value = checkState(lx, node, state, states);
  const leaves = leavesOf(lx, value, state.layout, node);
  state.parts.forEach((part, k) => (part.value = leaves[k]));
}

/** The state's array or object here, checked to be of its layout and held by the state alone. */
function checkState(lx: Lowering, node: ts.Node, state: ScalarState, states: readonly ScalarState[]): Operand {
  const value = state.binding.value;
  const name = state.binding.name;
  if (!sameLayout(layoutOf(lx, value), state.layout)) {
    fail(node, Code.Unsupported, `a pass of this loop leaves '${name}' holding an array or object of another size or kind than it started with (or one the function did not make): a loop carries '${name}' as the numbers it holds, so every pass must leave it the same kind.`);
  }
  const others = new Set(states.map((other) => other.binding));
  const shared = lx.references(value!, others) > 0 || states.some((other) => other !== state && other.binding.value === value);
  if (shared && !lx.readOnly(value!)) {
    fail(node, Code.Unsupported, `a pass of this loop leaves the array or object of '${name}' also held by another variable or object, which a loop that reassigns '${name}' does not allow: copy it.`);
  }
  return value!;
}

/**
 * The array and object literals at the end of a pass that nothing reads (a branch's copy of
 * the state, whose numbers the loop now carries): gone, so that the pass ends with the test of
 * the loop and reverse mode sees its `while` form (a counter is then recomputed, not recorded).
 */
function dropTrailingLiterals(lx: Lowering, states: ReadonlySet<Binding>): void {
  for (let last = lx.body[lx.body.length - 1]; last?.kind === 'let' && (last.expr.op === 'arrayOf' || last.expr.op === 'objectOf'); last = lx.body[lx.body.length - 1]) {
    const name = last.name;
    const read = lx.body.some((stmt) => operandsRead(stmt).some((operand) => operand.kind === 'var' && operand.name === name));
    if (read || lx.references(variable(name), states) > 0) return;
    lx.body.pop();
  }
}

/** `for (const v of xs) body`: a loop over the indices of xs that reads `v = xs[i]` each pass. */
export function forOf(lx: Lowering, node: ts.ForOfStatement, labels: readonly string[]): void {
  const { ts } = lx;
  const declarations = node.initializer;
  if (!ts.isVariableDeclarationList(declarations) || declarations.declarations.length !== 1 || !ts.isIdentifier(declarations.declarations[0].name)) {
    fail(node.initializer, Code.Unsupported, "only 'for (const v of array)' is supported (no destructuring, no outer variable).");
  }
  if (node.awaitModifier) fail(node, Code.Unsupported, "'for await' cannot be differentiated.");
  const declaration = declarations.declarations[0];
  const name = (declaration.name as ts.Identifier).text;
  const array = arrayOperand(lx, node.expression, "'for … of'");
  const elementShape = lx.shapeAt(node.expression, true);
  overArray(lx, node, labels, array, node.expression, [], (index) => {
    lx.declare(name, load(lx, array, index, elementShape, declaration, name), false);
    statement(lx, node.statement);
  });
}

/**
 * A loop over the indices of `array`: `each` lowers one pass. Hidden bindings the passes
 * assign (an accumulator) are `carried`; `more` adds a condition to go on.
 */
export function overArray(lx: Lowering, node: ts.Node, labels: readonly string[], array: Operand, arrayNode: ts.Expression, carried: readonly Binding[], each: (index: Operand) => void, more?: () => Operand): void {
  const index = lx.hidden('i', num(0));
  lx.scoped(() => {
    // In scope (under keys no identifier has) so that branches merge their values.
    const scope = lx.scopes[lx.scopes.length - 1];
    [index, ...carried].forEach((binding, k) => scope.set(`#${k}`, binding));
    loop(lx, node, labels, {
      testFirst: true,
      carried: [index, ...carried],
      test: () => {
        const inRange = lx.op('<', [index.value!, lengthOf(lx, array, arrayNode)], node);
        return more ? lx.op('and', [inRange, more()], node) : inRange;
      },
      body: () => each(index.value!),
      update: () => void (index.value = lx.op('+', [index.value!, num(1)], node)),
    });
  });
}

/** The variables (and flags) a loop may assign, which it therefore carries. */
export function assignedIn(lx: Lowering, loop: ts.Node): Binding[] {
  const { ts } = lx;
  const found = new Set<Binding>();
  const assign = (target: ts.Expression): void => {
    let inner = target;
    while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
    // The targets of a destructuring assignment: `[a, b] = …`, `({ x, v: w } = …)`.
    if (ts.isArrayLiteralExpression(inner)) return inner.elements.forEach((element) => assign(ts.isSpreadElement(element) ? element.expression : element));
    if (ts.isObjectLiteralExpression(inner)) {
      for (const property of inner.properties) {
        if (ts.isShorthandPropertyAssignment(property)) assign(property.name);
        else if (ts.isPropertyAssignment(property)) assign(property.initializer);
      }
      return;
    }
    const binding = ts.isIdentifier(inner) ? lx.lookup(inner.text) : undefined;
    if (binding) found.add(binding);
  };
  walk(ts, loop, (node) => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) assign(node.left);
    if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) assign(node.operand);
    if (ts.isReturnStatement(node)) {
      found.add(lx.returned);
      found.add(lx.result);
    }
    // A throw ends the path like a return (the generated code throws there).
    if (ts.isThrowStatement(node)) found.add(lx.returned);
    if (ts.isCallExpression(node)) {
      // `xs.push(v)` grows xs, and so may a helper that xs is passed to (it is inlined).
      const pushedOn = ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'push' ? [node.expression.expression] : [];
      for (const array of [...pushedOn, ...node.arguments]) {
        const value = ts.isIdentifier(array) ? lx.lookup(array.text)?.value : undefined;
        if (value) for (const length of lx.grownLengths(value)) found.add(length);
      }
    }
    if (ts.isBreakStatement(node) || ts.isContinueStatement(node)) {
      const label = node.label?.text;
      const outer = label ? lx.targets.find((target) => target.labels.includes(label)) : undefined;
      if (outer) found.add(ts.isBreakStatement(node) ? outer.broke : (outer.continued ?? outer.broke));
    }
  });
  return [...found];
}

/** How a loop is lowered: its test (before or after the body), body and update. */
export interface LoopParts {
  readonly testFirst: boolean;
  readonly test?: () => Operand;
  readonly body: () => void;
  readonly update?: () => void;
  /** Variables the loop assigns that its syntax does not show (the index of `for … of`). */
  readonly carried?: readonly Binding[];
  /** An upper bound of the number of passes, known before the loop. */
  readonly passes?: Operand;
}
