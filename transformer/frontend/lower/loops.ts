// Lowering of loops: `for`, `while`, `do`, `for … of` and the loops array methods become,
// with their carried variables (what a pass assigns) and the flags of jumps out of them.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { getterOf, isInside } from '../effects';
import { walk } from '../walk';
import { type Operand, type Role, UNSET, num, sameOperand, variable } from '../../ir/ir';
import { mapOperandsRead, rewriteWithin } from '../../ir/traverse';
import { copyBack, dropTrailingLiterals, leaveBuffers, loopStates, checkState, nextState } from './loop-states';
import { copyBackRows } from './matrix-states';
import { rebuild } from './scalars';
import { type Lowering, type Binding, type JumpTarget, FALSE, TRUE } from './lowering';
import { arrayOperand, isArrayType, lengthOf, load } from './arrays';
import { branch, guarded } from './control';
import { expression } from './expressions';
import { type CodeScope, fieldAssigned, recordFields } from './objects';
import { destructure, statement, variables } from './statements';
import { skipParentheses, skipTypeSyntax } from '../type-syntax';
import { listOf } from './lists';
import { assignsAny, boundedByLength, countedIndex } from './matrices';
import { tableLength } from './tables';
import { sourceText } from '../quoting';

export function whileParts(lx: Lowering, test: ts.Expression, body: ts.Statement, testFirst: boolean): LoopParts {
  return { testFirst, test: () => expression(lx, test), body: () => statement(lx, body) };
}

export function forLoop(lx: Lowering, node: ts.ForStatement, labels: readonly string[]): void {
  lx.scoped(() => {
    const { initializer } = node;
    if (initializer && lx.ts.isVariableDeclarationList(initializer)) variables(lx, initializer);
    else if (initializer) expression(lx, initializer);
    const counted = listCounted(lx, node);
    if (counted) {
      // Over a local array of objects (lists.ts), which is never made: its passes are unrolled, the index a constant in each.
      const counter = lx.lookup(counted.index)!;
      return unrolledLoop(
        lx,
        node,
        labels,
        counted.entries,
        [],
        (index) => {
          counter.value = index;
          statement(lx, node.statement);
        },
        undefined,
        0,
      );
    }
    const { condition, incrementor } = node;
    loop(lx, node, labels, {
      testFirst: true,
      test: condition && (() => expression(lx, condition)),
      update: incrementor && (() => void expression(lx, incrementor)),
      body: () => statement(lx, node.statement),
      passes: countedPasses(lx, node),
      countsFromZero: countingFromZero(lx, node),
    });
  });
}

/** The counter of `for (let k = 0; …; k++)` whose test and body do not assign it. */
function countingFromZero(lx: Lowering, node: ts.ForStatement): string | undefined {
  const counter = countedIndex(lx.ts, node);
  if (!counter) return undefined;
  const assigned = (part: ts.Node | undefined) => part !== undefined && assignsAny(lx.ts, part, new Set([counter]));
  return assigned(node.condition) || assigned(node.statement) ? undefined : counter;
}

/**
 * The index i and the number of entries of the local array of objects (lists.ts) that
 * `for (let i = 0; i < pts.length; i++)` counts along, where the body does not assign i.
 */
function listCounted(lx: Lowering, node: ts.ForStatement): { readonly index: string; readonly entries: number } | undefined {
  const { ts } = lx;
  const index = countedIndex(ts, node);
  const bound = node.condition && ts.isBinaryExpression(node.condition) ? skipTypeSyntax(ts, node.condition.right) : undefined;
  if (!index || !bound || !ts.isPropertyAccessExpression(bound) || !ts.isIdentifier(skipTypeSyntax(ts, bound.expression))) return undefined;
  const array = lx.lookup((skipTypeSyntax(ts, bound.expression) as ts.Identifier).text)?.value;
  const list = array && listOf(lx, array);
  if (!list || !boundedByLength(ts, node.condition, index, bound.expression.getText()) || assignsAny(ts, node.statement, new Set([index]))) return undefined;
  return { index, entries: list.length };
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
  if (!countsUp(ts, incrementor, counter.text)) return undefined;
  // The bound is lowered a second time, before the loop: only where that has no effect
  // and cannot change what it reads (no calls, which may write or be inlined; no assignments).
  const read = new Set<string>([counter.text]);
  const effectful = walk(ts, bound, (node) => {
    if (ts.isIdentifier(node)) read.add(node.text);
    const mathCall =
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      ts.isIdentifier(node.expression.expression) &&
      lx.isGlobal(node.expression.expression, 'Math') &&
      node.expression.name.text !== 'random';
    if ((ts.isCallExpression(node) && !mathCall) || ts.isNewExpression(node) || ts.isPostfixUnaryExpression(node) || ts.isFunctionLike(node)) return 'stop';
    if (ts.isPrefixUnaryExpression(node) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) return 'stop';
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment)
      return 'stop';
    return undefined;
  });
  if (effectful) return undefined;
  const assigned = assignedIn(lx, statement.statement).map((binding) => binding.name);
  if (assigned.some((name) => read.has(name)) || !lx.isNumber(lx.typeAt(bound))) return undefined;
  const start = lx.lookup(counter.text)?.value;
  if (!start) return undefined;
  const span = lx.op('-', [expression(lx, bound), start], statement);
  return lx.op('+', [lx.op('floor', [span], statement), num(2)], statement);
}

/** `j++`, `++j` or `j += 1`. */
export function countsUp(tsApi: typeof ts, step: ts.Expression | undefined, name: string): boolean {
  if (!step) return false;
  const isCounter = (node: ts.Expression) => tsApi.isIdentifier(node) && node.text === name;
  if ((tsApi.isPostfixUnaryExpression(step) || tsApi.isPrefixUnaryExpression(step)) && step.operator === tsApi.SyntaxKind.PlusPlusToken)
    return isCounter(step.operand);
  return (
    tsApi.isBinaryExpression(step) &&
    step.operatorToken.kind === tsApi.SyntaxKind.PlusEqualsToken &&
    isCounter(step.left) &&
    tsApi.isNumericLiteral(step.right) &&
    Number(step.right.text) === 1
  );
}

/**
 * A loop. The variables the loop assigns are carried: they enter as phis, and their
 * values at the end of a pass are the next pass's. The body of a `while` is
 * `c = test; if (c) { body; update }`, and the loop goes on while c holds and no flag
 * (break, return, a jump to an outer loop) is set.
 */
export function loop(lx: Lowering, node: ts.Node, labels: readonly string[], parts: LoopParts): void {
  const target: JumpTarget = { kind: 'loop', labels, broke: lx.hidden('broke', FALSE, true), continued: lx.hidden('continued', FALSE, true) };
  const assigned = [...new Set([...(parts.syntaxAssigns === false ? [] : assignedIn(lx, node)), ...(parts.carried ?? [])])];
  // Variables holding small arrays or objects are carried as the numbers they hold; those
  // holding arrays of a length known only at run time are kept in one array each.
  const { states, buffers, matrices } = loopStates(lx, node, assigned);
  const held = new Set([...states, ...buffers, ...matrices].map((state) => state.binding));
  const lengths = [...buffers.flatMap((buffer) => (buffer.length ? [buffer.length] : [])), ...matrices.map((matrix) => matrix.rows)];
  const bindings = [...assigned.filter((binding) => !held.has(binding)), ...states.flatMap((state) => state.parts), ...lengths];
  const carried = bindings.map((binding) => ({ binding, init: binding.value ?? UNSET, name: lx.env.names.own(binding.name) }));
  for (const { binding, name } of carried) binding.value = variable(name);
  // Every variable the loop does not carry must leave it as it entered (a value defined in
  // the body is not in scope after it): checked below, so that a mistake of lowering is an
  // internal error at the call rather than generated code that throws.
  const carriedBindings = new Set([...bindings, ...held]);
  const untouched = lx
    .visibleBindings()
    .filter((binding) => !carriedBindings.has(binding))
    .map((binding) => [binding, binding.value] as const);
  lx.targets.push(target);
  lx.loops++;
  let goOn: Operand = FALSE;
  const body = lx.inBlock(() => {
    // A pass starts only where no flag is set: flags carried from outside start clear.
    for (const { binding } of carried) if (binding.flag) binding.value = FALSE;
    for (const state of states)
      state.binding.value = rebuild(
        lx,
        state.layout,
        state.parts.map((part) => part.value!),
        node,
      );
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
      copyBack(lx, node, buffers);
      copyBackRows(lx, node, matrices);
      for (const { binding } of carried) {
        if (lx.isAggregate(binding.value))
          fail(
            node,
            Code.Unsupported,
            `'${binding.name}' is assigned arrays or objects in this loop but holds none as it starts: give it its first value before the loop.`,
          );
      }
    };
    let test: Operand = TRUE;
    if (parts.testFirst) {
      if (parts.test) test = parts.test();
      const counter = parts.countsFromZero ? lx.lookup(parts.countsFromZero)?.value : undefined;
      branch(lx, test, node, lx.holding(test, runBody, counter));
    } else {
      runBody();
      if (parts.test) {
        const lowerTest = parts.test;
        test = lx.mayHaveJumped()
          ? (branch(
              lx,
              lx.notJumped(),
              node,
              () => lx.clearingFlags(lowerTest),
              () => FALSE,
            ) as Operand)
          : lowerTest();
      }
    }
    goOn = lx.mayHaveJumped() ? lx.op('and', [test, lx.notJumped()], node) : test;
    for (const state of states) nextState(lx, node, state, states);
    if (states.length > 0) dropTrailingLiterals(lx, new Set(states.map((state) => state.binding)));
  });
  lx.loops--;
  lx.targets.pop();
  const changed = untouched.find(([binding, value]) => binding.value !== value);
  if (changed) throw new Error(`the loop changes '${changed[0].name}', which it does not carry`);
  // Fields that a call in the loop might have written but did not (which fields a call writes
  // is known only once it is inlined) keep their values: not carried. So do flags clear as the
  // loop starts that no pass leaves set (a throw in the loop ends its path: its branch takes
  // the other side's flags).
  const unchanged = ({ binding, name, init }: (typeof carried)[number]) =>
    binding.flag
      ? sameOperand(init, FALSE) && binding.value !== undefined && sameOperand(binding.value, FALSE)
      : binding.field && binding.value?.kind === 'var' && binding.value.name === name;
  const kept = new Map(carried.filter(unchanged).map((c) => [c.name, c]));
  let block = body;
  if (kept.size > 0) {
    const read = (operand: Operand): Operand => (operand.kind === 'var' && kept.has(operand.name) ? kept.get(operand.name)!.init : operand);
    block = rewriteWithin(body, 'skip', (stmt) => mapOperandsRead(stmt, read));
    goOn = read(goOn);
    for (const { binding, init } of kept.values()) binding.value = init;
  }
  const loopCarried = carried
    .filter((c) => !kept.has(c.name))
    .map(({ binding, init, name }) => {
      const exit = lx.env.names.own(binding.name);
      const next = binding.value ?? UNSET;
      binding.value = variable(exit);
      return {
        name,
        init,
        next: kept.size > 0 && next.kind === 'var' && kept.has(next.name) ? kept.get(next.name)!.init : next,
        exit,
        role: (binding.hidden ? 'temp' : 'user') as Role,
        ...(binding.data ? { data: true } : {}),
      };
    });
  lx.body.push({ kind: 'loop', carried: loopCarried, body: block, cond: goOn, origin: node, ...(parts.passes ? { passes: parts.passes } : {}) });
  for (const state of states)
    state.binding.value = rebuild(
      lx,
      state.layout,
      state.parts.map((part) => part.value!),
      node,
    );
  leaveBuffers(lx, node, buffers);
}

/**
 * `for (const v of xs) body`, `for (const [a, b] of pairs)`, `for (v of xs)` with `v` declared
 * before: a loop over the indices of xs that reads `v = xs[i]` each pass.
 */
export function forOf(lx: Lowering, node: ts.ForOfStatement, labels: readonly string[]): void {
  const { ts } = lx;
  const declarations = node.initializer;
  const declared = ts.isVariableDeclarationList(declarations) && declarations.declarations.length === 1 ? declarations.declarations[0] : undefined;
  const outer = ts.isIdentifier(declarations) ? declarations : undefined;
  if (!declared && !outer)
    fail(
      node.initializer,
      Code.Unsupported,
      `only 'for (const v of ${sourceText(node.expression)})', 'for (const [a, b] of ${sourceText(node.expression)})' and a variable declared before the loop, 'for (… of ${sourceText(node.expression)})', are supported: destructure in the loop's body instead.`,
    );
  if (node.awaitModifier) fail(node, Code.Unsupported, "'for await' cannot be differentiated.");
  const iterated = iteration(lx, node.expression);
  const arrayNode = iterated?.array ?? node.expression;
  const array = arrayOperand(lx, arrayNode, "'for … of'");
  const elementShape = lx.shapeAt(arrayNode, true);
  overArray(lx, node, labels, array, arrayNode, [], (index) => {
    if (iterated) iterationPass(lx, node, iterated.method, index, () => load(lx, array, index, elementShape, declared!));
    else if (outer) {
      const binding = lx.assignable(outer);
      const start = lx.body.length;
      lx.assign(binding, load(lx, array, index, elementShape, outer), outer, start);
    } else {
      const name = ts.isIdentifier(declared!.name) ? declared!.name.text : undefined;
      destructure(lx, declared!.name, load(lx, array, index, elementShape, declared!, name), (declarations.flags & ts.NodeFlags.Let) !== 0);
    }
    statement(lx, node.statement);
  });
}

/** `xs.entries()`, `xs.keys()`, `xs.values()` of an array: the array, and what each pass gives. */
function iteration(lx: Lowering, node: ts.Expression): { array: ts.Expression; method: 'entries' | 'keys' | 'values' } | undefined {
  const { ts } = lx;
  if (!ts.isCallExpression(node) || node.arguments.length > 0 || !ts.isPropertyAccessExpression(node.expression)) return undefined;
  const method = node.expression.name.text;
  if (method !== 'entries' && method !== 'keys' && method !== 'values') return undefined;
  return isArrayType(lx, node.expression.expression) ? { array: node.expression.expression, method } : undefined;
}

/** Binds what a pass over `xs.entries()` (`[i, v]`), `xs.keys()` (`i`) or `xs.values()` (`v`) gives. */
function iterationPass(lx: Lowering, node: ts.ForOfStatement, method: 'entries' | 'keys' | 'values', index: Operand, element: () => Operand): void {
  const { ts } = lx;
  const declarations = node.initializer;
  const pattern = ts.isVariableDeclarationList(declarations) ? declarations.declarations[0].name : undefined;
  const mutable = (declarations.flags & ts.NodeFlags.Let) !== 0;
  const entry = pattern && ts.isArrayBindingPattern(pattern) && pattern.elements.length <= 2 ? pattern.elements : undefined;
  const plain = entry?.every((part) => ts.isOmittedExpression(part) || (!part.dotDotDotToken && !part.initializer));
  if (!pattern || (method === 'entries' && !plain)) {
    fail(
      node.initializer,
      Code.Unsupported,
      `declare the loop's variables in its head: 'for (const ${method === 'entries' ? '[i, v]' : method === 'keys' ? 'i' : 'v'} of ${sourceText(node.expression)})'.`,
    );
  }
  if (method === 'keys') return destructure(lx, pattern, index, mutable);
  if (method === 'values') return destructure(lx, pattern, element(), mutable);
  const [first, second] = entry!;
  if (first && !ts.isOmittedExpression(first)) destructure(lx, first.name, index, mutable);
  if (second && !ts.isOmittedExpression(second)) destructure(lx, second.name, element(), mutable);
}

/**
 * A loop over the indices of `array`: `each` lowers one pass. Hidden bindings the passes
 * assign (an accumulator) are `carried`; `more` adds a condition to go on; the passes start at
 * index `from`.
 */
export function overArray(
  lx: Lowering,
  node: ts.Node,
  labels: readonly string[],
  array: Operand,
  arrayNode: ts.Expression,
  carried: readonly Binding[],
  each: (index: Operand) => void,
  more?: () => Operand,
  from = 0,
): void {
  // A local array of objects (lists.ts) or a table of functions (tables.ts) is never made: its passes are unrolled.
  const entries = listOf(lx, array)?.length ?? tableLength(lx, array);
  if (entries !== undefined) return unrolledLoop(lx, node, labels, entries, carried, each, more, from);
  countedLoop(lx, node, 'i', () => lengthOf(lx, array, arrayNode), each, { labels, carried, more, from });
}

/**
 * A loop of `entries` passes, unrolled: `each` lowers the pass of each index in turn from `from`,
 * where no `break` (nor `return`) has happened before it and `more` (if given) holds; it stops
 * where one surely has. `continue` ends a pass; the `carried` bindings (an accumulator) are
 * merged by the branches around the passes like variables.
 */
function unrolledLoop(
  lx: Lowering,
  node: ts.Node,
  labels: readonly string[],
  entries: number,
  carried: readonly Binding[],
  each: (index: Operand) => void,
  more: (() => Operand) | undefined,
  from: number,
): void {
  const target: JumpTarget = { kind: 'loop', labels, broke: lx.hidden('broke', FALSE, true), continued: lx.hidden('continued', FALSE, true) };
  lx.targets.push(target);
  lx.scoped(() => {
    // In scope (under keys no identifier has) so that the branches around passes merge them.
    const scope = lx.scopes[lx.scopes.length - 1];
    carried.forEach((binding, k) => scope.set(`#${k}`, binding));
    for (let k = from; k < entries && !lx.hasJumped(); k++) {
      const pass = () => lx.clearingFlags(() => lx.scoped(() => each(num(k))));
      const goOn = more?.();
      const guard = lx.mayHaveJumped() ? lx.notJumped() : undefined;
      const cond = guard && goOn ? lx.op('and', [guard, goOn], node) : (guard ?? goOn);
      if (cond) branch(lx, cond, node, pass);
      else pass();
      target.continued!.value = FALSE;
    }
  });
  lx.targets.pop();
}

/**
 * A loop of an index (a hidden variable named after `index`) from `from` (0 unless given) while
 * it is below `length` (read before each pass). `syntaxAssigns: false` for a loop lowering made
 * up (a copy), which carries its index and `carried` only, not what `node`'s code assigns.
 */
export function countedLoop(
  lx: Lowering,
  node: ts.Node,
  index: string,
  length: () => Operand,
  each: (index: Operand) => void,
  {
    labels = [],
    carried = [],
    more,
    syntaxAssigns = true,
    from = 0,
  }: { labels?: readonly string[]; carried?: readonly Binding[]; more?: () => Operand; syntaxAssigns?: boolean; from?: number },
): void {
  const counter = lx.hidden(index, num(from));
  lx.scoped(() => {
    // In scope (under keys no identifier has) so that branches merge their values.
    const scope = lx.scopes[lx.scopes.length - 1];
    [counter, ...carried].forEach((binding, k) => scope.set(`#${k}`, binding));
    loop(lx, node, labels, {
      testFirst: true,
      carried: [counter, ...carried],
      syntaxAssigns,
      test: () => {
        const inRange = lx.op('<', [counter.value!, length()], node);
        return more ? lx.op('and', [inRange, more()], node) : inRange;
      },
      body: () => each(counter.value!),
      update: () => void (counter.value = lx.op('+', [counter.value!, num(1)], node)),
    });
  });
}

/**
 * The variables (and flags) a loop may assign, which it therefore carries: assigned in its
 * code, or by the local functions it calls (which may assign the variables they capture).
 */
export function assignedIn(lx: Lowering, loop: ts.Node): Binding[] {
  const { ts } = lx;
  const found = new Set<Binding>();
  const visited = new Set<ts.Node>();
  // `lookup` finds a name where `root` is; `own` is a local function whose own names (parameters, locals) assign nothing outside.
  const visit = (root: ts.Node, lookup: (name: string) => Binding | undefined, own?: ts.Node): void => {
    const bindingOf = (identifier: ts.Identifier): Binding | undefined => {
      const declaration = lx.env.checker?.getSymbolAtLocation(identifier)?.valueDeclaration;
      if (own && declaration && isInside(declaration, own)) return undefined;
      return lookup(identifier.text);
    };
    const code: CodeScope = { root: own ?? root, lookup };
    const assign = (target: ts.Expression): void => {
      const inner = skipParentheses(ts, target);
      // The targets of a destructuring assignment: `[a, b] = …`, `({ x, v: w } = …)`.
      if (ts.isArrayLiteralExpression(inner)) return inner.elements.forEach((element) => assign(ts.isSpreadElement(element) ? element.expression : element));
      if (ts.isObjectLiteralExpression(inner)) {
        for (const property of inner.properties) {
          if (ts.isShorthandPropertyAssignment(property)) assign(property.name);
          else if (ts.isPropertyAssignment(property)) assign(property.initializer);
        }
        return;
      }
      // A variable, or a field of an object the function made (objects.ts).
      const bindings = ts.isIdentifier(inner) ? [bindingOf(inner)] : fieldAssigned(lx, inner, code);
      for (const binding of bindings) if (binding) found.add(binding);
      // An entry of an array created empty (or grown by push), which a write at or past its end lengthens (`out[i] = v`).
      if (ts.isElementAccessExpression(inner)) grown(inner.expression);
    };
    const grown = (array: ts.Expression): void => {
      const root = rootOf(ts, array);
      const binding = root && (ts.isIdentifier(root) ? bindingOf(root) : lookup('#this'));
      if (binding?.value) for (const length of lx.grownLengths(binding.value)) found.add(length);
    };
    walk(ts, root, (node) => {
      if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment)
        assign(node.left);
      if (
        (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
        (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
      )
        assign(node.operand);
      // `for (v of xs)`: each pass assigns v.
      if (ts.isForOfStatement(node) && !ts.isVariableDeclarationList(node.initializer)) assign(node.initializer);
      // Not the return of a callback written in the loop (`xs.map((e) => { …; return v; })`): that one returns from the callback.
      if (ts.isReturnStatement(node) && !own && !insideFunction(ts, node, root)) {
        found.add(lx.returned);
        found.add(lx.result);
      }
      // A throw ends the path; at the top of the loop's body it sets the returned flag (in a branch, the
      // branch takes the other side's flags, and the loop then keeps the flag rather than carrying it).
      if (ts.isThrowStatement(node) && !own && !insideFunction(ts, node, root)) found.add(lx.returned);
      if (ts.isIdentifier(node)) {
        // A local function named here may be called here: what it assigns, the loop may.
        const fn = bindingOf(node)?.fn;
        const code = fn && !fn.callee ? fn.node : undefined;
        if (fn && code && !visited.has(code)) {
          visited.add(code);
          const scopes = fn.scopes;
          visit(code, (name) => lookupIn(scopes, name), code);
        }
      }
      if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
        // A call given an object the function made (or called on one) may write its fields: it is inlined.
        const receiver = ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) ? [node.expression.expression] : [];
        for (const arg of [...receiver, ...(node.arguments ?? [])]) for (const field of recordFields(lx, arg, code)) found.add(field);
      }
      if (ts.isPropertyAccessExpression(node) && lx.env.checker && getterOf(ts, lx.env.checker, node)) {
        // So may a getter read on it (inlined too).
        for (const field of recordFields(lx, node.expression, code)) found.add(field);
      }
      if (ts.isCallExpression(node)) {
        // `xs.push(v)` grows xs, and so may a helper that xs is passed to and a method called
        // on an object holding it (they are inlined): `o.h.push(v)`, `hist.add(v)` pushing
        // onto `this.h`, grow what `o` and `hist` hold.
        const calledOn = ts.isPropertyAccessExpression(node.expression) ? [node.expression.expression] : [];
        for (const array of [...calledOn, ...node.arguments]) grown(array);
      }
      if ((ts.isBreakStatement(node) || ts.isContinueStatement(node)) && !own) {
        const label = node.label?.text;
        const outer = label ? lx.targets.find((target) => target.labels.includes(label)) : undefined;
        if (outer) found.add(ts.isBreakStatement(node) ? outer.broke : (outer.continued ?? outer.broke));
      }
    });
  };
  visit(loop, (name) => lx.lookup(name));
  return [...found];
}

/** The variable (or `this`) that a chain of reads starts from: `o` of `o.h`, `(o.rows[0] as number[])`. */
function rootOf(tsApi: typeof ts, node: ts.Expression): ts.Identifier | ts.ThisExpression | undefined {
  const inner = skipTypeSyntax(tsApi, node);
  if (tsApi.isIdentifier(inner) || inner.kind === tsApi.SyntaxKind.ThisKeyword) return inner as ts.Identifier | ts.ThisExpression;
  if (tsApi.isPropertyAccessExpression(inner) || tsApi.isElementAccessExpression(inner)) return rootOf(tsApi, inner.expression);
  return undefined;
}

/** Whether a function (an arrow, a function expression, a method) written inside `root` holds `node`. */
function insideFunction(tsApi: typeof ts, node: ts.Node, root: ts.Node): boolean {
  for (let at = node.parent; at && at !== root; at = at.parent) if (tsApi.isFunctionLike(at)) return true;
  return false;
}

function lookupIn(scopes: readonly Map<string, Binding>[], name: string): Binding | undefined {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const binding = scopes[i].get(name);
    if (binding) return binding;
  }
  return undefined;
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
  /** A counter that counts up from 0 (`for (let k = 0; …; k++)`, the body not assigning it): never negative. */
  readonly countsFromZero?: string;
  /** false: the loop carries `carried` only, not what its node's code assigns (a loop lowering makes up). */
  readonly syntaxAssigns?: boolean;
}
