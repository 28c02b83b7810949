import type * as ts from 'typescript';
import { Code, fail } from './diagnostics';
import { type Callee, type Expr, type Func, type Let, type Operand, type Param, type Phi, type Result, type Role, type Stmt, UNSET, num, sameOperand, variable } from './ir';
import { AggregateMerges, type Creation, type MergeHost, VALUE } from './merge';
import type { NameAllocator } from './names';
import { NUMBER, type Shape, shapeOf } from './shapes';
import { walk } from './walk';
import { ARITHMETIC_OPERATORS, type ArithmeticOperator, COMPARISON_OPERATORS, type ComparisonOperator, MATH_CONSTANTS, MATH_FUNCTIONS, type MathFunction, type OpName, VARIADIC_MATH_FUNCTIONS } from './ops';

/** What lowering needs to know about the world outside the function. */
export interface LowerEnv {
  readonly ts: typeof ts;
  /** Absent when lowering the derivative rules, which are parsed without a program. */
  readonly checker?: ts.TypeChecker;
  readonly names: NameAllocator;
  /** A value read from outside the function (or the inlined helper `within`): a constant, or a diagnostic. */
  readonly outer: (identifier: ts.Identifier, within?: Callee) => Operand;
  /** The tapeless API function that a callee names, if it names one. */
  readonly apiName: (callee: ts.Expression) => string | undefined;
  /** Whether a file is one of TypeScript's default libraries (where globals such as Math live). */
  readonly isLibrary?: (file: ts.SourceFile) => boolean;
  /** The function of the program a call (in the inlined helper `within`) calls, if it is one tapeless can differentiate. */
  readonly callee?: (call: ts.CallExpression, within?: Callee) => Callee | undefined;
  /** Rules may use `?:` (both branches are evaluated) and return an array of partials. */
  readonly rule?: boolean;
  /** The function may return an array of numbers (`number[]`, a tuple, a typed array): for jacobian and forward mode. */
  readonly arrayResult?: boolean;
}

export type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration;

/** A variable of the user's code (or a flag of lowering) and its current SSA value. */
interface Binding {
  value: Operand | undefined;
  readonly mutable: boolean;
  readonly name: string;
  /** A flag or result that lowering made: not the user's variable. */
  readonly hidden?: boolean;
  /** A flag (break, continue, return): clear wherever a loop pass starts. */
  readonly flag?: boolean;
}

/** Where `break` and `continue` go: lowering turns them into flags the code after them tests. */
interface JumpTarget {
  readonly kind: 'loop' | 'switch';
  readonly labels: readonly string[];
  readonly broke: Binding;
  readonly continued?: Binding;
}

/** Array methods lowered to loops (with their callback written in place). */
const ARRAY_METHODS = ['reduce', 'forEach', 'every', 'some', 'map', 'filter', 'find', 'findIndex', 'reduceRight', 'flatMap'];

/** How a loop is lowered: its test (before or after the body), body and update. */
interface LoopParts {
  readonly testFirst: boolean;
  readonly test?: () => Operand;
  readonly body: () => void;
  readonly update?: () => void;
  /** Variables the loop assigns that its syntax does not show (the index of `for … of`). */
  readonly carried?: readonly Binding[];
  /** An upper bound of the number of passes, known before the loop. */
  readonly passes?: Operand;
}

const FALSE = num(0);
const TRUE = num(1);

const COMPOUND_ASSIGNMENTS: Partial<Record<string, ArithmeticOperator>> = {
  '+=': '+', '-=': '-', '*=': '*', '/=': '/', '%=': '%', '**=': '**',
};

/** Lowers a function of numbers to the IR, or throws a located TapelessError. */
export function lowerFunction(fn: FunctionNode, env: LowerEnv, name: string): Func {
  return new Lowerer(env).lower(fn, name);
}

/**
 * TypeScript AST -> IR. Variables become SSA values; `if`, `?:`, `&&`, `||` become `if`
 * statements with phis; loops become `loop` statements with carried variables; `break`,
 * `continue` and early `return` become flags that guard the code after them, so the IR
 * has structured control flow only.
 */
class Lowerer {
  private readonly ts: typeof ts;
  private body: Stmt[] = [];
  /** The variables in scope, innermost last; an inlined helper sees only its own. */
  private readonly scopes: Map<string, Binding>[] = [new Map()];
  private readonly targets: JumpTarget[] = [];
  /** The helpers being inlined (see `inlineCall`), innermost last. */
  private readonly inlining: Callee[] = [];
  private returned!: Binding;
  private result!: Binding;
  /** Nesting of branches and loops: Math.random() is only allowed outside them. */
  private depth = 0;
  /** Variables that hold arrays or objects to differentiate (parameters and what is read from them). */
  private readonly aggregates = new Set<string>();
  /** Arrays the function creates (and may write). */
  private readonly localArrays = new Set<string>();
  /** The length of each array created empty (`[]`) and grown by `push`: a variable of its own. */
  private readonly lengths = new Map<string, Binding>();
  /** The fields of object literals that hold local arrays (or such objects): reading them reads the array itself. */
  private readonly heldLocals = new Map<string, Map<string, Operand>>();
  /** The arrays and object literals the function made, as a branch that chooses between them must know them. */
  private readonly created = new Map<string, Creation>();

  constructor(private readonly env: LowerEnv) {
    this.ts = env.ts;
  }

  lower(fn: FunctionNode, name: string): Func {
    const { ts } = this;
    this.requireBody(fn);
    const params = [...(ts.isMethodDeclaration(fn) ? [this.receiver(fn)] : []), ...fn.parameters.map((param) => this.lowerParam(param))];
    this.returned = this.hidden('returned', FALSE, true);
    this.result = this.hidden('result', undefined);
    let result: Result;
    if (ts.isBlock(fn.body)) {
      this.statements(fn.body.statements);
      if (!this.result.value || this.result.value === UNSET) fail(fn, Code.BadTarget, "the function must end with 'return <number>' on every path.");
      result = this.result.value;
    } else {
      result = this.returnValue(fn.body);
    }
    return { name, params, body: this.body, result, origin: fn };
  }

  private requireBody(fn: FunctionNode): asserts fn is FunctionNode & { body: ts.ConciseBody } {
    if (!fn.body) fail(fn, Code.BadTarget, 'the function has no body to differentiate.');
    if (fn.asteriskToken) fail(fn, Code.Unsupported, 'generator functions cannot be differentiated.');
    if (this.ts.getCombinedModifierFlags(fn) & this.ts.ModifierFlags.Async) fail(fn, Code.Unsupported, 'async functions cannot be differentiated.');
  }

  private requirePlainParam(param: ts.ParameterDeclaration): void {
    if (param.dotDotDotToken) fail(param, Code.Unsupported, 'rest parameters are not supported yet.');
    if (param.initializer) fail(param.initializer, Code.Unsupported, 'default parameter values are not supported yet.');
  }

  private lowerParam(param: ts.ParameterDeclaration): Param {
    const { ts } = this;
    this.requirePlainParam(param);
    const name = ts.isIdentifier(param.name) ? this.env.names.own(param.name.text) : this.env.names.fresh('param');
    const shape = this.shapeAt(param, false);
    const aggregate = shape && shape.kind !== 'number' ? shape : undefined;
    if (aggregate) this.aggregates.add(name);
    this.destructure(param.name, variable(name), true);
    return aggregate ? { name, origin: param, shape: aggregate } : { name, origin: param };
  }

  /** A method's `this`, its first parameter (`self`). */
  private receiver(fn: ts.MethodDeclaration): Param {
    const name = this.env.names.fresh('self');
    const shape = this.shapeAt(fn.parent, false);
    this.scopes[this.scopes.length - 1].set('#this', { value: variable(name), mutable: false, name: 'self' });
    if (shape && shape.kind !== 'number') {
      this.aggregates.add(name);
      return { name, origin: fn, shape };
    }
    return { name, origin: fn };
  }

  private returnValue(expression: ts.Expression): Result {
    const { ts } = this;
    let inner = expression;
    while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
    if (this.env.rule && ts.isArrayLiteralExpression(inner)) return inner.elements.map((element) => this.expression(element));
    this.requireResult(expression);
    return this.expression(expression);
  }

  // ---- statements ------------------------------------------------------------------------

  /**
   * A statement list. Once a statement may have jumped (break, continue, return), the rest
   * of the list runs only where no flag is set: it is wrapped in `if (!flags)`.
   */
  private statements(list: readonly ts.Statement[]): void {
    for (let i = 0; i < list.length; i++) {
      this.statement(list[i]);
      if (!this.mayHaveJumped()) continue;
      const rest = list.slice(i + 1);
      if (rest.length > 0 && !this.hasJumped()) this.guarded(list[i + 1], () => this.statements(rest));
      return;
    }
  }

  private statement(statement: ts.Statement): void {
    const { ts } = this;
    if (ts.isVariableStatement(statement)) return this.variables(statement.declarationList);
    if (ts.isExpressionStatement(statement)) {
      this.expression(statement.expression);
      return;
    }
    if (ts.isBlock(statement)) return this.scoped(() => this.statements(statement.statements));
    if (ts.isEmptyStatement(statement) || ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement)) return;
    if (ts.isReturnStatement(statement)) {
      // An inlined helper may return nothing (TypeScript checks that its type allows it).
      if (!statement.expression && this.inlining.length === 0) fail(statement, Code.BadTarget, "the function must return a number, but this 'return' has no value.");
      if (statement.expression) {
        if (this.inlining.length === 0) this.requireResult(statement.expression);
        this.result.value = this.expression(statement.expression);
      }
      this.returned.value = TRUE;
      return;
    }
    if (ts.isIfStatement(statement)) {
      const cond = this.expression(statement.expression);
      const otherwise = statement.elseStatement;
      this.branch(cond, statement, () => this.scoped(() => this.statement(statement.thenStatement)), otherwise && (() => this.scoped(() => this.statement(otherwise))));
      return;
    }
    if (ts.isForStatement(statement)) return this.forLoop(statement, []);
    if (ts.isWhileStatement(statement)) return this.loop(statement, [], this.whileParts(statement.expression, statement.statement, true));
    if (ts.isDoStatement(statement)) return this.loop(statement, [], this.whileParts(statement.expression, statement.statement, false));
    if (ts.isForOfStatement(statement)) return this.forOf(statement, []);
    if (ts.isSwitchStatement(statement)) return this.switchStatement(statement, []);
    if (ts.isLabeledStatement(statement)) return this.labelled(statement, []);
    if (ts.isBreakStatement(statement) || ts.isContinueStatement(statement)) return this.jump(statement);
    fail(statement, Code.Unsupported, `${describeStatement(ts, statement)} cannot be differentiated yet (see README, "What can be differentiated").`);
  }

  private variables(list: ts.VariableDeclarationList): void {
    const { ts } = this;
    const mutable = (list.flags & ts.NodeFlags.Let) !== 0;
    if (!mutable && (list.flags & ts.NodeFlags.Const) === 0) fail(list, Code.Unsupported, "'var' declarations are not supported: use 'let' or 'const'.");
    for (const declaration of list.declarations) {
      const { name, initializer } = declaration;
      if (ts.isIdentifier(name)) {
        this.declare(name.text, initializer ? this.named(initializer, name.text, declaration) : undefined, mutable);
      } else {
        if (!initializer) fail(declaration, Code.Unsupported, 'a destructuring declaration needs a value.');
        this.destructure(name, this.expression(initializer), mutable);
      }
    }
  }

  /** Binds the names of a pattern (`{ w, b }`, `[x, y]`, nested) to reads of `value`'s parts. */
  private destructure(pattern: ts.BindingName, value: Operand, mutable: boolean): void {
    const { ts } = this;
    if (ts.isIdentifier(pattern)) return this.declare(pattern.text, value, mutable);
    pattern.elements.forEach((element: ts.ArrayBindingElement, k: number) => {
      if (ts.isOmittedExpression(element)) return;
      if (element.dotDotDotToken) fail(element, Code.Unsupported, 'rest elements in destructuring are not supported yet.');
      if (element.initializer) fail(element.initializer, Code.Unsupported, 'default values in destructuring are not supported yet.');
      const userName = ts.isIdentifier(element.name) ? element.name.text : undefined;
      const shape = this.shapeAt(element, false);
      let part: Operand;
      if (ts.isObjectBindingPattern(pattern)) {
        const key = element.propertyName ?? element.name;
        if (!ts.isIdentifier(key)) fail(key, Code.Unsupported, 'computed names in destructuring are not supported.');
        part = this.fieldLoad(value, key.text, shape, element, userName);
      } else {
        part = this.load(value, num(k), shape, element, userName);
      }
      this.destructure(element.name, part, mutable);
    });
  }

  private labelled(statement: ts.LabeledStatement, labels: readonly string[]): void {
    const { ts } = this;
    const all = [...labels, statement.label.text];
    const inner = statement.statement;
    if (ts.isLabeledStatement(inner)) return this.labelled(inner, all);
    if (ts.isForStatement(inner)) return this.forLoop(inner, all);
    if (ts.isWhileStatement(inner)) return this.loop(inner, all, this.whileParts(inner.expression, inner.statement, true));
    if (ts.isDoStatement(inner)) return this.loop(inner, all, this.whileParts(inner.expression, inner.statement, false));
    if (ts.isForOfStatement(inner)) return this.forOf(inner, all);
    if (ts.isSwitchStatement(inner)) return this.switchStatement(inner, all);
    fail(statement, Code.Unsupported, 'only loops and switch statements can be labelled.');
  }

  private jump(statement: ts.BreakStatement | ts.ContinueStatement): void {
    const { ts } = this;
    const label = statement.label?.text;
    const isBreak = ts.isBreakStatement(statement);
    const target = [...this.targets].reverse().find((candidate) => (label ? candidate.labels.includes(label) : isBreak || candidate.kind === 'loop'));
    if (!target || (!isBreak && !target.continued)) fail(statement, Code.Unsupported, `this '${isBreak ? 'break' : 'continue'}' has no target tapeless can see.`);
    (isBreak ? target.broke : target.continued!).value = TRUE;
  }

  // ---- control flow ----------------------------------------------------------------------

  /**
   * `if (cond) whenTrue else whenFalse`: each side sees the variables as they were before,
   * and every variable that the sides leave different gets a phi. When both sides produce a
   * value (for `?:`, `&&`, `||`), the value is merged too and returned.
   */
  private branch(cond: Operand, origin: ts.Node, whenTrue: () => Operand | void, whenFalse?: () => Operand | void): Operand | undefined {
    const bindings = this.visibleBindings();
    const before = new Map(bindings.map((binding) => [binding, binding.value]));
    this.depth++;
    let thenValue: Operand | undefined;
    let elseValue: Operand | undefined;
    const thenBlock = this.inBlock(() => (thenValue = whenTrue() ?? undefined));
    const afterThen = new Map(bindings.map((binding) => [binding, binding.value]));
    for (const binding of bindings) binding.value = before.get(binding);
    const elseBlock = this.inBlock(() => (elseValue = whenFalse?.() ?? undefined));
    this.depth--;
    const phis: Phi[] = [];
    const merged = new Set<Binding>();
    // Other variables and objects that still refer to an array after the branch: a copy of it would not be what they see.
    const references = (operand: Operand, copied: ReadonlySet<string>) =>
      bindings.filter((binding) => !merged.has(binding) && binding.value && sameOperand(binding.value, operand)).length +
      [...this.heldLocals].filter(([holder, held]) => !copied.has(holder) && [...held.values()].some((value) => sameOperand(value, operand))).length;
    const merges = new AggregateMerges(this.mergeHost(), origin, thenBlock, elseBlock, phis, references);
    for (const binding of bindings) {
      const whenThen = afterThen.get(binding);
      const whenElse = binding.value;
      if (whenThen === whenElse || (whenThen && whenElse && sameOperand(whenThen, whenElse))) continue;
      if ([whenThen, whenElse].some((value) => this.isAggregate(value))) {
        merged.add(binding);
        merges.add(binding.name, whenThen, whenElse, (value) => (binding.value = value));
        continue;
      }
      const name = this.env.names.own(binding.name);
      phis.push({ name, then: whenThen ?? UNSET, else: whenElse ?? UNSET, role: binding.hidden ? 'temp' : 'user' });
      binding.value = variable(name);
    }
    let value: Operand | undefined;
    if (thenValue && elseValue && [thenValue, elseValue].some((side) => this.isAggregate(side))) {
      merges.add(VALUE, thenValue, elseValue, (chosen) => (value = chosen));
    } else if (thenValue && elseValue) {
      const name = this.env.names.fresh('t');
      phis.push({ name, then: thenValue, else: elseValue, role: 'temp' });
      value = variable(name);
    }
    merges.readSides();
    this.body.push({ kind: 'if', cond, then: thenBlock, else: elseBlock, phis, origin });
    merges.build();
    return value;
  }

  private isAggregate(value: Operand | undefined): boolean {
    return value?.kind === 'var' && this.aggregates.has(value.name);
  }

  /** What merging arrays and objects at a branch needs (see transformer/merge.ts). */
  private mergeHost(): MergeHost {
    return {
      names: this.env.names,
      creation: (name) => (this.lengths.has(name) ? undefined : this.created.get(name)),
      isAggregate: (operand) => this.isAggregate(operand),
      readEntry: (block, array, index, origin) => {
        const outer = this.body;
        this.body = block;
        const value = this.load(array, num(index), NUMBER, origin);
        this.body = outer;
        return value;
      },
      makeArray: (elements, container, origin) => {
        if (container === 'Array') return this.newArray(origin as ts.Expression, { op: 'arrayOf', args: elements }, 'Array');
        const array = this.newArray(origin as ts.Expression, { op: 'newArray', args: [num(elements.length)] }, container);
        elements.forEach((element, k) => this.body.push({ kind: 'let', name: this.env.names.fresh('t'), expr: { op: 'store', args: [array, num(k), element] }, role: 'temp', origin }));
        return array;
      },
      makeObject: (fields, values, shape, origin) => this.objectOf(fields, values, shape, origin),
    };
  }

  private whileParts(test: ts.Expression, body: ts.Statement, testFirst: boolean): LoopParts {
    return { testFirst, test: () => this.expression(test), body: () => this.statement(body) };
  }

  private forLoop(statement: ts.ForStatement, labels: readonly string[]): void {
    this.scoped(() => {
      const { initializer } = statement;
      if (initializer && this.ts.isVariableDeclarationList(initializer)) this.variables(initializer);
      else if (initializer) this.expression(initializer);
      const { condition, incrementor } = statement;
      this.loop(statement, labels, {
        testFirst: true,
        test: condition && (() => this.expression(condition)),
        update: incrementor && (() => void this.expression(incrementor)),
        body: () => this.statement(statement.statement),
        passes: this.countedPasses(statement),
      });
    });
  }

  /**
   * For `for (let i = a; i < b; i++)` (or `<=`, `+= 1`) where the loop assigns neither i
   * nor what b reads: at most floor(b - a) + 2 passes (the last one tests only). Reverse
   * mode sizes the loop's record with it, allocating once.
   */
  private countedPasses(statement: ts.ForStatement): Operand | undefined {
    const { ts } = this;
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
      const mathCall = ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression) && this.isGlobal(node.expression.expression, 'Math') && node.expression.name.text !== 'random';
      if ((ts.isCallExpression(node) && !mathCall) || ts.isNewExpression(node) || ts.isPostfixUnaryExpression(node) || ts.isFunctionLike(node)) return 'stop';
      if (ts.isPrefixUnaryExpression(node) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) return 'stop';
      if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return 'stop';
      return undefined;
    });
    if (effectful) return undefined;
    const assigned = this.assignedIn(statement.statement).map((binding) => binding.name);
    if (assigned.some((name) => read.has(name)) || !isNumberType(ts, this.env.checker!.getTypeAtLocation(bound))) return undefined;
    const start = this.lookup(counter.text)?.value;
    if (!start) return undefined;
    const span = this.op('-', [this.expression(bound), start], statement);
    return this.op('+', [this.op('floor', [span], statement), num(2)], statement);
  }

  /**
   * A loop. The variables the loop assigns are carried: they enter as phis, and their
   * values at the end of a pass are the next pass's. The body of a `while` is
   * `c = test; if (c) { body; update }`, and the loop goes on while c holds and no flag
   * (break, return, a jump to an outer loop) is set.
   */
  private loop(node: ts.Node, labels: readonly string[], parts: LoopParts): void {
    const target: JumpTarget = { kind: 'loop', labels, broke: this.hidden('broke', FALSE, true), continued: this.hidden('continued', FALSE, true) };
    const bindings = [...new Set([...this.assignedIn(node), ...(parts.carried ?? [])])];
    const carried = bindings.map((binding) => ({ binding, init: binding.value ?? UNSET, name: this.env.names.own(binding.name) }));
    for (const { binding, init } of carried) {
      if (init.kind === 'var' && this.aggregates.has(init.name)) fail(node, Code.Unsupported, `a loop that reassigns the array or object variable '${binding.name}' is not supported yet.`);
    }
    for (const { binding, name } of carried) binding.value = variable(name);
    // Every variable the loop does not carry must leave it as it entered (a value defined in
    // the body is not in scope after it): checked below, so that a mistake of lowering is an
    // internal error at the call rather than generated code that throws.
    const carriedBindings = new Set(bindings);
    const untouched = this.visibleBindings().filter((binding) => !carriedBindings.has(binding)).map((binding) => [binding, binding.value] as const);
    this.targets.push(target);
    this.depth++;
    let goOn: Operand = FALSE;
    const body = this.inBlock(() => {
      // A pass starts only where no flag is set: flags carried from outside start clear.
      for (const { binding } of carried) if (binding.flag) binding.value = FALSE;
      target.broke.value = FALSE;
      target.continued!.value = FALSE;
      const runBody = () => {
        this.scoped(parts.body);
        target.continued!.value = FALSE;
        if (parts.update) {
          const update = parts.update;
          if (this.mayHaveJumped()) this.guarded(node, update);
          else update();
        }
      };
      let test: Operand = TRUE;
      if (parts.testFirst) {
        if (parts.test) test = parts.test();
        this.branch(test, node, runBody);
      } else {
        runBody();
        if (parts.test) {
          const lowerTest = parts.test;
          test = this.mayHaveJumped() ? (this.branch(this.notJumped(), node, () => this.clearingFlags(lowerTest), () => FALSE) as Operand) : lowerTest();
        }
      }
      goOn = this.mayHaveJumped() ? this.op('and', [test, this.notJumped()], node) : test;
    });
    this.depth--;
    this.targets.pop();
    const changed = untouched.find(([binding, value]) => binding.value !== value);
    if (changed) throw new Error(`the loop changes '${changed[0].name}', which it does not carry`);
    const loopCarried = carried.map(({ binding, init, name }) => {
      const exit = this.env.names.own(binding.name);
      const next = binding.value ?? UNSET;
      if (next.kind === 'var' && this.aggregates.has(next.name)) fail(node, Code.Unsupported, `a loop that reassigns the array or object variable '${binding.name}' is not supported yet.`);
      binding.value = variable(exit);
      return { name, init, next, exit, role: (binding.hidden ? 'temp' : 'user') as Role };
    });
    this.body.push({ kind: 'loop', carried: loopCarried, body, cond: goOn, origin: node, ...(parts.passes ? { passes: parts.passes } : {}) });
  }

  /** `for (const v of xs) body`: a loop over the indices of xs that reads `v = xs[i]` each pass. */
  private forOf(statement: ts.ForOfStatement, labels: readonly string[]): void {
    const { ts } = this;
    const declarations = statement.initializer;
    if (!ts.isVariableDeclarationList(declarations) || declarations.declarations.length !== 1 || !ts.isIdentifier(declarations.declarations[0].name)) {
      fail(statement.initializer, Code.Unsupported, "only 'for (const v of array)' is supported (no destructuring, no outer variable).");
    }
    if (statement.awaitModifier) fail(statement, Code.Unsupported, "'for await' cannot be differentiated.");
    const declaration = declarations.declarations[0];
    const name = (declaration.name as ts.Identifier).text;
    const array = this.arrayOperand(statement.expression, "'for … of'");
    const elementShape = this.shapeAt(statement.expression, true);
    this.overArray(statement, labels, array, statement.expression, [], (index) => {
      this.declare(name, this.load(array, index, elementShape, declaration, name), false);
      this.statement(statement.statement);
    });
  }

  /**
   * A loop over the indices of `array`: `each` lowers one pass. Hidden bindings the passes
   * assign (an accumulator) are `carried`; `more` adds a condition to go on.
   */
  private overArray(node: ts.Node, labels: readonly string[], array: Operand, arrayNode: ts.Expression, carried: readonly Binding[], each: (index: Operand) => void, more?: () => Operand): void {
    const index = this.hidden('i', num(0));
    this.scoped(() => {
      // In scope (under keys no identifier has) so that branches merge their values.
      const scope = this.scopes[this.scopes.length - 1];
      [index, ...carried].forEach((binding, k) => scope.set(`#${k}`, binding));
      this.loop(node, labels, {
        testFirst: true,
        carried: [index, ...carried],
        test: () => {
          const inRange = this.op('<', [index.value!, this.lengthOf(array, arrayNode)], node);
          return more ? this.op('and', [inRange, more()], node) : inRange;
        },
        body: () => each(index.value!),
        update: () => void (index.value = this.op('+', [index.value!, num(1)], node)),
      });
    });
  }

  /** An array that a loop or an array method walks over. */
  private arrayOperand(node: ts.Expression, what: string): Operand {
    const checker = this.env.checker;
    const type = checker?.getTypeAtLocation(node);
    const isArray = type && checker && (checker.isArrayType(type) || checker.isTupleType(type) || ['Float64Array', 'Float32Array'].includes(type.getSymbol()?.getName() ?? ''));
    if (!isArray) fail(node, Code.Unsupported, `${what} is supported over arrays only.`);
    return this.expression(node);
  }

  /**
   * `xs.map(f)`, `xs.reduce(f, init)`, `xs.forEach(f)`, `xs.every(p)`, `xs.some(p)` with
   * the callback written in place: loops over xs whose pass is the callback's body.
   */
  private arrayMethod(node: ts.CallExpression, method: string, arrayNode: ts.Expression): Operand {
    const { ts } = this;
    const [callback, initial] = node.arguments;
    if (!callback || !(ts.isArrowFunction(callback) || ts.isFunctionExpression(callback))) fail(callback ?? node, Code.Unsupported, `the callback of ${method} must be an arrow or function expression written in place.`);
    const array = this.arrayOperand(arrayNode, `.${method}()`);
    const elementShape = this.shapeAt(arrayNode, true);
    const element = (index: Operand) => this.load(array, index, elementShape, node);
    switch (method) {
      case 'reduce': {
        if (!initial || node.arguments.length !== 2) fail(node, Code.Unsupported, 'reduce needs an initial value here (its second argument).');
        const accumulator = this.hidden('acc', this.expression(initial));
        this.overArray(node, [], array, arrayNode, [accumulator], (index) => {
          accumulator.value = this.inline(callback, [accumulator.value!, element(index), index], true);
        });
        return accumulator.value!;
      }
      case 'forEach':
        this.overArray(node, [], array, arrayNode, [], (index) => void this.inline(callback, [element(index), index], false));
        return UNSET;
      case 'every':
      case 'some': {
        const every = method === 'every';
        const result = this.hidden(every ? 'all' : 'any', every ? TRUE : FALSE);
        const more = () => (every ? result.value! : this.op('not', [result.value!], node));
        this.overArray(node, [], array, arrayNode, [result], (index) => {
          result.value = this.inline(callback, [element(index), index], true);
        }, more);
        return result.value!;
      }
      case 'map': {
        // A new local array of the same kind (a typed array maps to its own type), filled in a loop.
        const checker = this.env.checker!;
        const container = checker.getTypeAtLocation(arrayNode).getSymbol()?.getName();
        const kind = container === 'Float64Array' || container === 'Float32Array' ? container : 'Array';
        const length = this.lengthOf(array, node);
        if (!isNumberType(ts, checker.getTypeAtLocation(node).getNumberIndexType() ?? checker.getTypeAtLocation(node))) {
          fail(callback, Code.Unsupported, 'map must build an array of numbers here.');
        }
        const mapped = this.newArray(node, { op: 'newArray', args: kind === 'Array' ? [length, num(0)] : [length] }, kind);
        this.overArray(node, [], array, arrayNode, [], (index) => {
          const value = this.inline(callback, [element(index), index], true);
          this.body.push({ kind: 'let', name: this.env.names.fresh('t'), expr: { op: 'store', args: [mapped, index, value] }, role: 'temp', origin: node });
        });
        return mapped;
      }
      default:
        return fail(node, Code.Unsupported, `.${method}() is not supported: use map, reduce, forEach, every, some or a loop.`);
    }
  }

  /** The body of a callback written in place, its parameters bound to `args`; its result where it has one. */
  private inline(fn: ts.ArrowFunction | ts.FunctionExpression, args: readonly Operand[], needsValue: true): Operand;
  private inline(fn: ts.ArrowFunction | ts.FunctionExpression, args: readonly Operand[], needsValue: false): Operand | undefined;
  private inline(fn: ts.ArrowFunction | ts.FunctionExpression, args: readonly Operand[], needsValue: boolean): Operand | undefined {
    const { ts } = this;
    if (fn.parameters.length > args.length) fail(fn.parameters[args.length], Code.Unsupported, `this callback takes at most ${args.length} parameters here.`);
    let value: Operand | undefined;
    this.scoped(() => {
      fn.parameters.forEach((param, k) => {
        if (!ts.isIdentifier(param.name) || param.initializer || param.dotDotDotToken) fail(param, Code.Unsupported, 'callback parameters must be plain names.');
        this.declare(param.name.text, args[k], false);
      });
      if (!ts.isBlock(fn.body)) {
        value = this.expression(fn.body);
        return;
      }
      const statements = fn.body.statements;
      const last = statements[statements.length - 1];
      const returns = (node: ts.Node): boolean => walk(ts, node, (inner) => (ts.isReturnStatement(inner) ? 'stop' : ts.isFunctionLike(inner) ? 'skip' : undefined));
      const early = statements.slice(0, -1).find(returns) ?? (last && !ts.isReturnStatement(last) && returns(last) ? last : undefined);
      if (early) fail(early, Code.Unsupported, "a callback may only 'return' at its end.");
      this.statements(last && ts.isReturnStatement(last) ? statements.slice(0, -1) : statements);
      if (last && ts.isReturnStatement(last) && last.expression) value = this.expression(last.expression);
    });
    if (needsValue && !value) fail(fn, Code.Unsupported, 'this callback must return a value.');
    return value;
  }

  /**
   * `switch`: the index of the first matching case (or of `default`) is computed first;
   * then each clause runs when the switch has entered it (matched it or fallen through to
   * it) and no break has happened.
   */
  private switchStatement(statement: ts.SwitchStatement, labels: readonly string[]): void {
    const { ts } = this;
    const discriminant = this.expression(statement.expression);
    const clauses = statement.caseBlock.clauses;
    const defaultIndex = clauses.findIndex((clause) => ts.isDefaultClause(clause));
    const tests = clauses.map((clause) => (ts.isCaseClause(clause) ? this.op('===', [discriminant, this.expression(clause.expression)], clause) : undefined));
    let chosen: Operand = num(defaultIndex);
    for (let k = clauses.length - 1; k >= 0; k--) {
      const test = tests[k];
      if (test) chosen = this.op('select', [test, num(k), chosen], clauses[k]);
    }
    const target: JumpTarget = { kind: 'switch', labels, broke: this.hidden('broke', FALSE, true) };
    this.targets.push(target);
    let entered: Operand = FALSE;
    this.scoped(() => {
      clauses.forEach((clause, k) => {
        entered = this.op('or', [entered, this.op('===', [chosen, num(k)], clause)], clause);
        const guard = this.mayHaveJumped() ? this.op('and', [entered, this.notJumped()], clause) : entered;
        this.branch(guard, clause, () => this.clearingFlags(() => this.statements(clause.statements)));
      });
    });
    this.targets.pop();
  }

  /** Runs `lower` where no flag is set: inside, every flag is known to be clear. */
  private guarded(origin: ts.Node, lower: () => void): void {
    this.branch(this.notJumped(), origin, () => this.clearingFlags(lower));
  }

  /**
   * Lowers code that runs only where no flag is set (its guard tests them all), knowing them
   * clear: a loop inside must never see a flag that it does not carry change its value.
   */
  private clearingFlags<T>(lower: () => T): T {
    for (const flag of this.flags()) flag.value = FALSE;
    return lower();
  }

  /** Whether some flag may be set here (the code that follows must be guarded). */
  private mayHaveJumped(): boolean {
    return this.flags().some((flag) => !(flag.value?.kind === 'num' && flag.value.value === 0));
  }

  /** Whether some flag is surely set here (the code that follows cannot run). */
  private hasJumped(): boolean {
    return this.flags().some((flag) => flag.value?.kind === 'num' && flag.value.value === 1);
  }

  /** True where no flag is set. */
  private notJumped(): Operand {
    const set = this.flags().filter((flag) => !(flag.value?.kind === 'num' && flag.value.value === 0));
    if (set.length === 0) return TRUE;
    const any = set.map((flag) => flag.value as Operand).reduce((a, b) => this.op('or', [a, b], undefined));
    return this.op('not', [any], undefined);
  }

  private flags(): Binding[] {
    return [this.returned, ...this.targets.flatMap((target) => (target.continued ? [target.broke, target.continued] : [target.broke]))];
  }

  /** The variables (and flags) a loop may assign, which it therefore carries. */
  private assignedIn(loop: ts.Node): Binding[] {
    const { ts } = this;
    const found = new Set<Binding>();
    const assign = (target: ts.Expression) => {
      let inner = target;
      while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
      const binding = ts.isIdentifier(inner) ? this.lookup(inner.text) : undefined;
      if (binding) found.add(binding);
    };
    walk(ts, loop, (node) => {
      if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) assign(node.left);
      if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) assign(node.operand);
      if (ts.isReturnStatement(node)) {
        found.add(this.returned);
        found.add(this.result);
      }
      if (ts.isCallExpression(node)) {
        // `xs.push(v)` grows xs, and so may a helper that xs is passed to (it is inlined).
        const pushedOn = ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'push' ? [node.expression.expression] : [];
        for (const array of [...pushedOn, ...node.arguments]) {
          const value = ts.isIdentifier(array) ? this.lookup(array.text)?.value : undefined;
          if (value) for (const length of this.grownLengths(value)) found.add(length);
        }
      }
      if (ts.isBreakStatement(node) || ts.isContinueStatement(node)) {
        const label = node.label?.text;
        const outer = label ? this.targets.find((target) => target.labels.includes(label)) : undefined;
        if (outer) found.add(ts.isBreakStatement(node) ? outer.broke : (outer.continued ?? outer.broke));
      }
    });
    return [...found];
  }

  // ---- expressions -----------------------------------------------------------------------

  /** Lowers `expression` so that the value gets the user's variable name where it is new. */
  private named(expression: ts.Expression, userName: string, origin: ts.Node): Operand {
    const start = this.body.length;
    const value = this.expression(expression);
    const last = this.body[this.body.length - 1];
    if (this.body.length > start && value.kind === 'var' && last.kind === 'let' && last.name === value.name && last.role === 'temp') {
      const name = this.env.names.own(userName);
      this.renameLast(last, name, origin);
      return variable(name);
    }
    return value;
  }

  /** The last statement, a temporary, takes the user's name (and what is known of it). */
  private renameLast(last: Let, name: string, origin: ts.Node): void {
    this.body[this.body.length - 1] = { ...last, name, role: 'user', origin };
    for (const set of [this.aggregates, this.localArrays]) if (set.delete(last.name)) set.add(name);
    for (const map of [this.lengths, this.heldLocals, this.created] as Map<string, unknown>[]) {
      const known = map.get(last.name);
      if (!known) continue;
      map.delete(last.name);
      map.set(name, known);
    }
  }

  private op(op: OpName, args: readonly Operand[], origin: ts.Node | undefined, role: Role = 'temp'): Operand {
    const name = this.env.names.fresh('t');
    this.body.push({ kind: 'let', name, expr: { op, args }, role, origin });
    return variable(name);
  }

  private expression(node: ts.Expression): Operand {
    const { ts } = this;
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isTypeAssertionExpression(node) || ts.isNonNullExpression(node) || ts.isSatisfiesExpression(node)) {
      return this.expression(node.expression);
    }
    if (ts.isNumericLiteral(node)) return num(Number(node.text.replace(/_/g, '')));
    if (node.kind === ts.SyntaxKind.TrueKeyword) return num(1, 'true');
    if (node.kind === ts.SyntaxKind.FalseKeyword) return num(0, 'false');
    if (ts.isIdentifier(node)) return this.read(node);
    if (node.kind === ts.SyntaxKind.ThisKeyword && this.lookup('#this')) return this.lookup('#this')!.value!;
    if (ts.isPropertyAccessExpression(node)) return this.property(node);
    if (ts.isElementAccessExpression(node)) {
      const container = this.expression(node.expression);
      this.requireNumber(node.argumentExpression, 'an index must be a number');
      return this.load(container, this.expression(node.argumentExpression), this.shapeAt(node, false), node);
    }
    if (ts.isCallExpression(node)) return this.call(node);
    if (ts.isPrefixUnaryExpression(node)) return this.prefix(node);
    if (ts.isPostfixUnaryExpression(node)) return this.step(node, node.operand, node.operator === ts.SyntaxKind.PlusPlusToken ? '+' : '-', false);
    if (ts.isBinaryExpression(node)) return this.binary(node);
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && ['Float64Array', 'Float32Array'].includes(node.expression.text) && node.arguments?.length === 1) {
      this.requireNumber(node.arguments[0], 'the length of an array must be a number');
      return this.newArray(node, { op: 'newArray', args: [this.expression(node.arguments[0])] }, node.expression.text as 'Float64Array' | 'Float32Array');
    }
    if (ts.isArrayLiteralExpression(node) && !this.env.rule) {
      for (const element of node.elements) {
        if (ts.isOmittedExpression(element)) fail(element, Code.Unsupported, 'array literals with holes are not supported.');
        if (!ts.isSpreadElement(element)) this.requireNumber(element, 'local arrays hold numbers');
      }
      if (node.elements.some(ts.isSpreadElement)) return this.spreadLiteral(node);
      const array = this.newArray(node, { op: 'arrayOf', args: node.elements.map((element) => this.expression(element)) }, 'Array');
      if (node.elements.length === 0) {
        // Grown by push: its length is a variable (in scope, so branches and loops carry it).
        const length = this.hidden('length', num(0));
        this.scopes[this.scopes.length - 1].set(`#length ${(array as { name: string }).name}`, length);
        this.lengths.set((array as { name: string }).name, length);
      }
      return array;
    }
    if (ts.isObjectLiteralExpression(node) && !this.env.rule) return this.objectLiteral(node);
    if (ts.isConditionalExpression(node)) {
      const condition = this.expression(node.condition);
      // Rules are expressions of cheap, total functions: both sides are evaluated.
      if (this.env.rule) return this.op('select', [condition, this.expression(node.whenTrue), this.expression(node.whenFalse)], node);
      return this.branch(condition, node, () => this.expression(node.whenTrue), () => this.expression(node.whenFalse)) as Operand;
    }
    return fail(node, Code.Unsupported, `${describeExpression(ts, node)} cannot be differentiated yet (see README, "What can be differentiated").`);
  }

  private read(identifier: ts.Identifier): Operand {
    const binding = this.lookup(identifier.text);
    if (binding) return this.current(binding, identifier);
    if (this.isGlobal(identifier, 'NaN')) return num(NaN);
    if (this.isGlobal(identifier, 'Infinity')) return num(Infinity);
    return this.env.outer(identifier, this.inlining[this.inlining.length - 1]);
  }

  private property(node: ts.PropertyAccessExpression): Operand {
    const { ts } = this;
    if (ts.isIdentifier(node.expression) && this.isGlobal(node.expression, 'Math') && (MATH_CONSTANTS as readonly string[]).includes(node.name.text)) {
      return num(Math[node.name.text as (typeof MATH_CONSTANTS)[number]], `Math.${node.name.text}`);
    }
    const member = this.env.checker?.getSymbolAtLocation(node)?.valueDeclaration;
    const enumValue = member && ts.isEnumMember(member) ? this.env.checker!.getConstantValue(member) : undefined;
    if (typeof enumValue === 'number') return num(enumValue);
    if (typeof enumValue === 'string') fail(node, Code.Unsupported, `the string enum member '${node.getText()}' cannot be used in differentiated code: use a numeric enum.`);
    if (!this.env.checker) return fail(node, Code.Unsupported, `the property access '${node.getText()}' cannot be used in a rule.`);
    const declaration = this.env.checker.getSymbolAtLocation(node)?.valueDeclaration;
    if (declaration && (ts.isGetAccessorDeclaration(declaration) || ts.isSetAccessorDeclaration(declaration))) {
      fail(node, Code.Unsupported, `'${node.getText()}' is a getter: tapeless reads fields only (a getter may have effects, and would run again when the reverse sweep recomputes).`);
    }
    const container = this.expression(node.expression);
    return this.fieldLoad(container, node.name.text, this.shapeAt(node, false), node);
  }


  /** `container[index]`: a number, or an array or object of the container (then tracked). */
  private load(container: Operand, index: Operand, shape: Shape | undefined, origin: ts.Node, userName?: string): Operand {
    const local = container.kind === 'var' && this.localArrays.has(container.name);
    return this.part({ op: local ? 'localElement' : 'element', args: [container, index] }, shape, origin, userName);
  }

  /** `a[i] = v` or `a[i] op= v` into a local array: the stored value is the expression's. */
  private storeElement(target: ts.ElementAccessExpression, value: (old: () => Operand) => Operand, origin: ts.Node): Operand {
    const container = this.expression(target.expression);
    if (container.kind !== 'var' || !this.localArrays.has(container.name)) {
      const helper = this.inlining[this.inlining.length - 1];
      const through = helper ? ` The helper '${helper.name}' is called with an array the differentiated function did not create.` : '';
      fail(target, Code.Unsupported, `writing to '${target.getText()}' is not supported: differentiated code may write only into arrays it creates itself (never into its caller's data).${through}`);
    }
    this.requireNumber(target.argumentExpression, 'an index must be a number');
    const index = this.expression(target.argumentExpression);
    const stored = value(() => this.load(container, index, NUMBER, target));
    const name = this.env.names.fresh('t');
    this.body.push({ kind: 'let', name, expr: { op: 'store', args: [container, index, stored] }, role: 'temp', origin });
    return stored;
  }

  /** `xs.push(a, b)` on an array created empty: a write at its length, which grows. */
  private push(node: ts.CallExpression, callee: ts.PropertyAccessExpression): Operand {
    const array = this.expression(callee.expression);
    const length = array.kind === 'var' ? this.lengths.get(array.name) : undefined;
    if (!length) fail(node, Code.Unsupported, "push is supported on arrays the function creates empty ('const xs: number[] = []'); for others use new Array<number>(n).fill(0).");
    for (const arg of node.arguments) {
      if (this.ts.isSpreadElement(arg)) fail(arg, Code.Unsupported, 'push takes plain values here, not spreads.');
      this.requireNumber(arg, 'local arrays hold numbers');
      const value = this.expression(arg);
      const index = length.value!;
      this.body.push({ kind: 'let', name: this.env.names.fresh('t'), expr: { op: 'store', args: [array, index, value] }, role: 'temp', origin: node });
      length.value = this.op('+', [index, num(1)], node);
    }
    return length.value!;
  }

  /** An array's length: its own variable for an array grown by push. */
  private lengthOf(array: Operand, origin: ts.Node): Operand {
    const length = array.kind === 'var' ? this.lengths.get(array.name) : undefined;
    return length ? length.value! : this.op('length', [array], origin);
  }

  /** `[a, ...xs, b]`: a local array as long as all parts, filled part by part (a loop per spread). */
  private spreadLiteral(node: ts.ArrayLiteralExpression): Operand {
    const { ts } = this;
    const parts = node.elements.map((element) =>
      ts.isSpreadElement(element) ? { spread: this.arrayOperand(element.expression, 'spreading'), node: element.expression } : { value: this.expression(element) },
    );
    const length = parts.reduce<Operand>((total, part) => this.op('+', [total, 'spread' in part ? this.lengthOf(part.spread!, node) : num(1)], node), num(0));
    const array = this.newArray(node, { op: 'newArray', args: [length, num(0)] }, 'Array');
    const store = (index: Operand, value: Operand) => this.body.push({ kind: 'let', name: this.env.names.fresh('t'), expr: { op: 'store', args: [array, index, value] }, role: 'temp', origin: node });
    let position: Operand = num(0);
    for (const part of parts) {
      if (!('spread' in part)) {
        store(position, part.value!);
        position = this.op('+', [position, num(1)], node);
        continue;
      }
      const start = position;
      const source = part.spread!;
      const shape = this.shapeAt(part.node!, true);
      this.overArray(node, [], source, part.node!, [], (index) => store(this.op('+', [start, index], node), this.load(source, index, shape, node)));
      position = this.op('+', [start, this.lengthOf(source, node)], node);
    }
    return array;
  }

  /** `{ w, b: 2 * x }`: an object the function creates and only reads. */
  private objectLiteral(node: ts.ObjectLiteralExpression): Operand {
    const { ts } = this;
    const shape = this.shapeAt(node, false);
    if (!shape || shape.kind !== 'object') fail(node, Code.Unsupported, 'an object literal must have fields of numbers, arrays or objects of numbers.');
    const fields: string[] = [];
    const args: Operand[] = [];
    for (const property of node.properties) {
      if (ts.isShorthandPropertyAssignment(property)) {
        fields.push(property.name.text);
        args.push(this.read(property.name));
      } else if (ts.isPropertyAssignment(property) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) {
        fields.push(property.name.text);
        args.push(this.expression(property.initializer));
      } else {
        fail(property, Code.Unsupported, 'object literals may only have plain fields (no spreads, methods, accessors or computed names).');
      }
    }
    return this.objectOf(fields, args, shape, node);
  }

  /** An object literal of `values`, one per field: read-only, its fields' arrays held as they are. */
  private objectOf(fields: readonly string[], values: readonly Operand[], shape: Shape, origin: ts.Node): Operand {
    const name = this.env.names.fresh('t');
    this.body.push({ kind: 'let', name, expr: { op: 'objectOf', args: values, fields, shape }, role: 'temp', origin, shape });
    this.aggregates.add(name);
    this.created.set(name, { kind: 'object', fields, values, shape });
    const held = fields.flatMap((field, k): [string, Operand][] => (this.holdsLocal(values[k]) ? [[field, values[k]]] : []));
    if (held.length > 0) this.heldLocals.set(name, new Map(held));
    return variable(name);
  }

  /** `new Float64Array(n)`, `new Float32Array(n)`, `new Array(n).fill(c)`, `[a, b, c]`: a local array. */
  private newArray(node: ts.Expression, expr: Expr, container: 'Array' | 'Float64Array' | 'Float32Array'): Operand {
    const shape: Shape = { kind: 'array', element: NUMBER, container };
    const name = this.env.names.fresh('t');
    this.body.push({ kind: 'let', name, expr: { ...expr, shape }, role: 'temp', origin: node, shape });
    this.aggregates.add(name);
    this.localArrays.add(name);
    const length = expr.op === 'arrayOf' ? expr.args.length : expr.args[0]?.kind === 'num' ? expr.args[0].value : undefined;
    this.created.set(name, { kind: 'array', container, length });
    return variable(name);
  }

  /** `container.field`, likewise. */
  private fieldLoad(container: Operand, field: string, shape: Shape | undefined, origin: ts.Node, userName?: string): Operand {
    // A local array held by an object literal is read (and written) as itself, so its reads are recorded.
    const held = container.kind === 'var' ? this.heldLocals.get(container.name)?.get(field) : undefined;
    if (held) return held;
    const grown = container.kind === 'var' ? this.lengths.get(container.name) : undefined;
    if (field === 'length' && grown) return grown.value!;
    if (field === 'length') return this.part({ op: 'length', args: [container] }, undefined, origin, userName);
    return this.part({ op: 'field', args: [container], field }, shape, origin, userName);
  }

  private part(expr: Expr, shape: Shape | undefined, origin: ts.Node, userName?: string): Operand {
    const aggregate = shape && shape.kind !== 'number' ? shape : undefined;
    const name = userName ? this.env.names.own(userName) : this.env.names.fresh('t');
    this.body.push({ kind: 'let', name, expr, role: userName ? 'user' : 'temp', origin, ...(aggregate ? { shape: aggregate } : {}) });
    if (aggregate) this.aggregates.add(name);
    return variable(name);
  }

  /** The shape of a node's type (or of its elements), where it can be differentiated. */
  private shapeAt(node: ts.Node, element: boolean): Shape | undefined {
    const checker = this.env.checker;
    if (!checker) return NUMBER;
    const shape = shapeOf(this.ts, checker, checker.getTypeAtLocation(node));
    if (!element) return shape;
    return shape?.kind === 'array' ? shape.element : undefined;
  }

  private call(node: ts.CallExpression): Operand {
    const { ts } = this;
    const callee = node.expression;
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && this.isGlobal(callee.expression, 'Math')) {
      return this.mathCall(node, callee.name.text);
    }
    for (const arg of node.arguments) if (ts.isSpreadElement(arg)) fail(arg, Code.Unsupported, 'spread arguments are supported in Math.max and Math.min only.');
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'push') return this.push(node, callee);
    // new Array(n).fill(c)
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'fill' && ts.isNewExpression(callee.expression) && ts.isIdentifier(callee.expression.expression) && callee.expression.expression.text === 'Array' && callee.expression.arguments?.length === 1 && node.arguments.length === 1) {
      const length = this.expression(callee.expression.arguments[0]);
      this.requireNumber(node.arguments[0], 'local arrays hold numbers');
      const value = this.expression(node.arguments[0]);
      if (value.kind === 'num') return this.newArray(node, { op: 'newArray', args: [length, value] }, 'Array');
      // A value that may depend on the inputs is stored entry by entry, so that the gradient
      // of every entry flows back to it (the fill itself has derivative zero).
      const array = this.newArray(node, { op: 'newArray', args: [length, num(0)] }, 'Array');
      this.overArray(node, [], array, node, [], (index) => this.body.push({ kind: 'let', name: this.env.names.fresh('t'), expr: { op: 'store', args: [array, index, value] }, role: 'temp', origin: node }));
      return array;
    }
    if (ts.isPropertyAccessExpression(callee) && this.env.checker && ARRAY_METHODS.includes(callee.name.text)) {
      const type = this.env.checker.getTypeAtLocation(callee.expression);
      if (this.env.checker.isArrayType(type) || this.env.checker.isTupleType(type) || ['Float64Array', 'Float32Array'].includes(type.getSymbol()?.getName() ?? '')) {
        return this.arrayMethod(node, callee.name.text, callee.expression);
      }
    }
    const api = this.env.apiName(callee);
    if (api === 'stopGradient') {
      if (node.arguments.length !== 1) fail(node, Code.Unsupported, 'stopGradient takes exactly one argument.');
      return this.op('stopGradient', [this.expression(node.arguments[0])], node);
    }
    if (api) fail(node, Code.Unsupported, `${api}() inside a differentiated function is not supported yet.`);
    const target = this.env.callee?.(node, this.inlining[this.inlining.length - 1]);
    if (target) {
      const receiver = target.method ? [this.expression((callee as ts.PropertyAccessExpression).expression)] : [];
      const args = [...receiver, ...node.arguments.map((arg) => this.expression(arg))];
      // A helper returning an array or object is inlined too: its result is then a local
      // array or object literal of this function, read and differentiated like one.
      const returnsNumber = isNumberType(ts, this.env.checker!.getTypeAtLocation(node));
      if (target.writes || !returnsNumber || args.some((arg) => this.holdsLocal(arg))) return this.inlineCall(node, target, args);
      const name = this.env.names.fresh('t');
      this.body.push({ kind: 'let', name, expr: { op: 'call', args, callee: target }, role: 'temp', origin: node });
      return variable(name);
    }
    const name = ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee) ? callee.getText() : 'this function';
    return fail(node, Code.Unsupported, `cannot differentiate the call to '${name}': tapeless differentiates calls to Math functions and to functions of the program written in TypeScript. Wrap a value that should be treated as a constant in stopGradient(...).`);
  }

  /** The lengths of the arrays grown by push that a value is or holds (in an object literal). */
  private grownLengths(value: Operand): Binding[] {
    if (value.kind !== 'var') return [];
    const length = this.lengths.get(value.name);
    return length ? [length] : [...(this.heldLocals.get(value.name)?.values() ?? [])].flatMap((held) => this.grownLengths(held));
  }

  /** Whether a value is an array the function creates, or an object literal holding one. */
  private holdsLocal(operand: Operand): boolean {
    return operand.kind === 'var' && (this.localArrays.has(operand.name) || this.heldLocals.has(operand.name));
  }

  /**
   * `h(a, b)` where an argument is an array the function creates (or an object holding
   * one), or where h may write into what it is given: h's body is lowered in place, its
   * parameters bound to the arguments, so that its reads and writes of the array are the
   * function's own — recorded, replayed and differentiated like them — where a pullback
   * would see the array as it is at the end. h sees its own variables only, and its
   * `return` ends the inlined body. A write into an array the function did not create
   * stays a diagnostic, at the write.
   */
  private inlineCall(node: ts.CallExpression, callee: Callee, args: readonly Operand[]): Operand {
    const { ts } = this;
    const fn = callee.target!.node as FunctionNode;
    if (this.inlining.some((outer) => outer.key === callee.key)) {
      const why = callee.writes ? 'writes into the arrays it is given' : 'receives an array the differentiated function creates, or returns an array or object,';
      fail(node, Code.Unsupported, `'${callee.name}' ${why} and calls itself: its calls are inlined, which recursion does not allow. Write the recursion as a loop.`);
    }
    this.requireBody(fn);
    const outer = { scopes: this.scopes.splice(0), targets: this.targets.splice(0), returned: this.returned, result: this.result };
    // The lengths of arrays grown by push stay in scope (under keys no identifier has): the helper may push.
    const own = new Map(outer.scopes.flatMap((scope) => [...scope].filter(([key]) => key.startsWith('#length '))));
    if (ts.isMethodDeclaration(fn)) own.set('#this', { value: args[0], mutable: false, name: 'self' });
    this.scopes.push(own);
    this.returned = this.hidden('returned', FALSE, true);
    this.result = this.hidden('result', undefined);
    this.inlining.push(callee);
    const self = ts.isMethodDeclaration(fn) ? 1 : 0;
    fn.parameters.forEach((param, k) => {
      this.requirePlainParam(param);
      this.destructure(param.name, args[self + k], true);
    });
    let value: Operand | undefined;
    if (ts.isBlock(fn.body)) {
      this.statements(fn.body.statements);
      value = this.result.value;
    } else {
      value = this.expression(fn.body);
    }
    this.inlining.pop();
    this.scopes.splice(0, this.scopes.length, ...outer.scopes);
    this.targets.push(...outer.targets);
    this.returned = outer.returned;
    this.result = outer.result;
    return value ?? UNSET;
  }

  private mathCall(node: ts.CallExpression, fn: string): Operand {
    const { ts } = this;
    if ((fn === 'max' || fn === 'min') && node.arguments.some(ts.isSpreadElement)) return this.spreadExtremum(node, fn);
    for (const arg of node.arguments) if (ts.isSpreadElement(arg)) fail(arg, Code.Unsupported, 'spread arguments are supported in Math.max and Math.min only.');
    const args = node.arguments.map((arg) => {
      this.requireNumber(arg, `Math.${fn} needs number arguments`);
      return this.expression(arg);
    });
    if (fn === 'random') {
      if (this.depth > 0) fail(node, Code.Unsupported, 'Math.random() inside a branch or loop is not supported yet: draw the random numbers before it.');
      return this.op('random', [], node);
    }
    if ((VARIADIC_MATH_FUNCTIONS as readonly string[]).includes(fn)) return args.length === 0 ? num(0) : this.op(fn as OpName, args, node);
    if (fn === 'max' || fn === 'min') {
      // Nested pairs give exactly Math.max's value, and the first of tied arguments wins.
      if (args.length === 0) return num(fn === 'max' ? -Infinity : Infinity);
      return args.reduce((left, right) => this.op(fn, [left, right], node));
    }
    if (!(MATH_FUNCTIONS as readonly string[]).includes(fn)) {
      return fail(node.expression, Code.Unsupported, `Math.${fn} is not a differentiable Math function.`);
    }
    const arity = fn === 'atan2' || fn === 'pow' ? 2 : 1;
    if (args.length !== arity) fail(node, Code.Unsupported, `Math.${fn} takes ${arity} argument${arity > 1 ? 's' : ''} here, not ${args.length}.`);
    return this.op(fn as MathFunction, args, node);
  }

  /** `Math.max(a, ...xs, b)`: pairs from left to right, with a loop over each spread array. */
  private spreadExtremum(node: ts.CallExpression, fn: 'max' | 'min'): Operand {
    const { ts } = this;
    const extremum = this.hidden(fn, num(fn === 'max' ? -Infinity : Infinity));
    for (const arg of node.arguments) {
      if (!ts.isSpreadElement(arg)) {
        this.requireNumber(arg, `Math.${fn} needs number arguments`);
        extremum.value = this.op(fn, [extremum.value!, this.expression(arg)], node);
        continue;
      }
      const array = this.arrayOperand(arg.expression, 'spreading');
      const shape = this.shapeAt(arg.expression, true);
      this.overArray(node, [], array, arg.expression, [extremum], (index) => {
        extremum.value = this.op(fn, [extremum.value!, this.load(array, index, shape, arg)], node);
      });
    }
    return extremum.value!;
  }

  private prefix(node: ts.PrefixUnaryExpression): Operand {
    const { ts } = this;
    switch (node.operator) {
      case ts.SyntaxKind.MinusToken:
        this.requireNumber(node.operand, "unary '-' needs a number");
        return this.op('negate', [this.expression(node.operand)], node);
      case ts.SyntaxKind.PlusToken:
        this.requireNumber(node.operand, "unary '+' is supported on numbers only");
        return this.expression(node.operand);
      case ts.SyntaxKind.ExclamationToken:
        return this.op('not', [this.expression(node.operand)], node);
      case ts.SyntaxKind.PlusPlusToken:
        return this.step(node, node.operand, '+', true);
      case ts.SyntaxKind.MinusMinusToken:
        return this.step(node, node.operand, '-', true);
      default:
        return fail(node, Code.Unsupported, `the operator '${ts.tokenToString(node.operator)}' cannot be differentiated yet.`);
    }
  }

  /** `++x`, `x--` and friends: the new value is stored, the prefix or old value returned. */
  private step(node: ts.Expression, target: ts.Expression, op: '+' | '-', prefix: boolean): Operand {
    const element = skip(this.ts, target);
    if (this.ts.isElementAccessExpression(element)) {
      let old: Operand = num(0);
      const stored = this.storeElement(element, (load) => this.op(op, [(old = load()), num(1)], node), node);
      return prefix ? stored : old;
    }
    const binding = this.assignable(target);
    const old = this.current(binding, target);
    const start = this.body.length;
    const stored = this.assign(binding, this.op(op, [old, num(1)], node), node, start);
    return prefix ? stored : old;
  }

  private binary(node: ts.BinaryExpression): Operand {
    const { ts } = this;
    const kind = node.operatorToken.kind;
    const operator = ts.tokenToString(kind) ?? '';
    if (kind === ts.SyntaxKind.CommaToken) {
      this.expression(node.left);
      return this.expression(node.right);
    }
    const target = skip(ts, node.left);
    if (ts.isElementAccessExpression(target) && (kind === ts.SyntaxKind.EqualsToken || COMPOUND_ASSIGNMENTS[operator])) {
      const compoundOp = COMPOUND_ASSIGNMENTS[operator];
      this.requireNumber(node.right, `'${operator}' needs a number on the right`);
      return this.storeElement(target, (old) => (compoundOp ? this.op(compoundOp, [old(), this.expression(node.right)], node) : this.expression(node.right)), node);
    }
    if (kind === ts.SyntaxKind.EqualsToken) {
      const binding = this.assignable(node.left);
      const start = this.body.length;
      return this.assign(binding, this.named(node.right, binding.name, node), node, start);
    }
    const compound = COMPOUND_ASSIGNMENTS[operator];
    if (compound) {
      const binding = this.assignable(node.left);
      this.requireNumber(node.right, `'${operator}' needs a number on the right`);
      const old = this.current(binding, node.left);
      const right = this.expression(node.right);
      const start = this.body.length;
      return this.assign(binding, this.op(compound, [old, right], node), node, start);
    }
    if (kind === ts.SyntaxKind.AmpersandAmpersandToken || kind === ts.SyntaxKind.BarBarToken) {
      // JavaScript's values: a && b is b where a is truthy, else a (and b is not evaluated).
      const left = this.expression(node.left);
      const right = () => this.expression(node.right);
      return (kind === ts.SyntaxKind.AmpersandAmpersandToken ? this.branch(left, node, right, () => left) : this.branch(left, node, () => left, right)) as Operand;
    }
    if (kind === ts.SyntaxKind.QuestionQuestionToken) {
      const type = this.env.checker?.getTypeAtLocation(node.left);
      if (type && type.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Any | ts.TypeFlags.Unknown)) fail(node, Code.Unsupported, "'??' on a value that may be null or undefined cannot be differentiated yet.");
      if (type?.isUnion() && type.types.some((member) => member.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined))) fail(node, Code.Unsupported, "'??' on a value that may be null or undefined cannot be differentiated yet.");
      return this.expression(node.left);
    }
    const comparison = kind === ts.SyntaxKind.EqualsEqualsToken ? '===' : kind === ts.SyntaxKind.ExclamationEqualsToken ? '!==' : operator;
    if ((COMPARISON_OPERATORS as readonly string[]).includes(comparison)) {
      const left = this.expression(node.left);
      return this.op(comparison as ComparisonOperator, [left, this.expression(node.right)], node);
    }
    if (!(ARITHMETIC_OPERATORS as readonly string[]).includes(operator)) {
      return fail(node.operatorToken, Code.Unsupported, `the operator '${operator}' cannot be differentiated yet.`);
    }
    return this.arithmetic(node);
  }

  /**
   * `a + b - c * d …`: the chain down the left operands is lowered from the innermost up, in
   * a loop, so that a sum of thousands of terms does not exhaust the stack. An operand that
   * is itself arithmetic checks its own operands when lowered: asking the checker for the
   * type of every prefix of a long chain costs O(n²) or more.
   */
  private arithmetic(node: ts.BinaryExpression): Operand {
    const { ts } = this;
    const isArithmetic = (expression: ts.Expression): expression is ts.BinaryExpression =>
      ts.isBinaryExpression(expression) && (ARITHMETIC_OPERATORS as readonly string[]).includes(ts.tokenToString(expression.operatorToken.kind) ?? '');
    const chain: ts.BinaryExpression[] = [node];
    for (let left = skip(ts, node.left); isArithmetic(left); left = skip(ts, left.left)) chain.push(left);
    chain.reverse();
    const operatorOf = (link: ts.BinaryExpression) => ts.tokenToString(link.operatorToken.kind) as ArithmeticOperator;
    const checked = (operand: ts.Expression, link: ts.BinaryExpression) => {
      if (!isArithmetic(skip(ts, operand))) this.requireNumber(operand, `'${operatorOf(link)}' is differentiable on numbers only`);
      return this.expression(operand);
    };
    let value = checked(chain[0].left, chain[0]);
    for (const link of chain) value = this.op(operatorOf(link), [value, checked(link.right, link)], link);
    return value;
  }

  // ---- bindings --------------------------------------------------------------------------

  private declare(name: string, value: Operand | undefined, mutable: boolean): void {
    this.scopes[this.scopes.length - 1].set(name, { value, mutable, name });
  }

  private hidden(name: string, value: Operand | undefined, flag = false): Binding {
    return { value, mutable: true, name, hidden: true, flag };
  }

  private scoped(lower: () => void): void {
    this.scopes.push(new Map());
    lower();
    this.scopes.pop();
  }

  private inBlock(lower: () => void): Stmt[] {
    const outer = this.body;
    this.body = [];
    lower();
    const block = this.body;
    this.body = outer;
    return block;
  }

  private visibleBindings(): Binding[] {
    const seen = new Set<Binding>();
    for (const scope of this.scopes) for (const binding of scope.values()) seen.add(binding);
    for (const flag of [this.result, ...this.flags()]) seen.add(flag);
    return [...seen];
  }

  private lookup(name: string): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const binding = this.scopes[i].get(name);
      if (binding) return binding;
    }
    return undefined;
  }

  private assignable(target: ts.Expression): Binding {
    const { ts } = this;
    let inner = target;
    while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
    if (ts.isElementAccessExpression(inner) || ts.isPropertyAccessExpression(inner)) {
      fail(target, Code.Unsupported, `writing to '${target.getText()}' is not supported yet: differentiated code reads arrays and objects but does not modify them (and must never modify its caller's). Compute new values in local variables.`);
    }
    if (!ts.isIdentifier(inner)) fail(target, Code.Unsupported, `assigning to '${target.getText()}' is not supported yet: only local variables can be assigned.`);
    const binding = this.lookup(inner.text);
    if (!binding) fail(target, Code.OuterWrite, `'${inner.text}' is declared outside the differentiated function, which must not write to outer variables. Copy it into a local variable first.`);
    if (!binding.mutable) fail(target, Code.Unsupported, `'${inner.text}' is a constant.`);
    return binding;
  }

  private current(binding: Binding, node: ts.Node): Operand {
    if (!binding.value || binding.value === UNSET) fail(node, Code.Unsupported, `'${binding.name}' is read before it is assigned a value.`);
    return binding.value;
  }

  /** Stores a new value in a variable and returns it (the value of the assignment). */
  private assign(binding: Binding, value: Operand, origin: ts.Node, start: number): Operand {
    // A new SSA version keeps the user's name (s, s_1, s_2 ...) where the value is new: computed
    // by statements added since `start` (an older temporary, such as the length of an array
    // grown by push, may still be in use under its own name).
    const last = this.body[this.body.length - 1];
    if (this.body.length > start && value.kind === 'var' && last?.kind === 'let' && last.name === value.name && last.role === 'temp') {
      const name = this.env.names.own(binding.name);
      this.renameLast(last, name, origin);
      binding.value = variable(name);
    } else {
      binding.value = value;
    }
    return binding.value;
  }

  // ---- checks ----------------------------------------------------------------------------

  private isGlobal(identifier: ts.Identifier, name: string): boolean {
    if (identifier.text !== name || this.lookup(name)) return false;
    const checker = this.env.checker;
    if (!checker) return true;
    const symbol = checker.getSymbolAtLocation(identifier);
    const isLibrary = this.env.isLibrary ?? ((file: ts.SourceFile) => file.hasNoDefaultLib);
    return symbol?.declarations?.every((declaration) => isLibrary(declaration.getSourceFile())) ?? false;
  }

  /** A returned value: a number, or (where the request allows) a flat array of numbers. */
  private requireResult(node: ts.Expression): void {
    const shape = this.env.arrayResult ? this.shapeAt(node, false) : undefined;
    if (shape?.kind === 'array' && shape.element.kind === 'number') return;
    this.requireNumber(node, this.env.arrayResult ? 'the function must return a number or an array of numbers' : 'the function must return a number');
  }

  private requireNumber(node: ts.Expression, what: string): void {
    const checker = this.env.checker;
    if (!checker) return;
    const type = checker.getTypeAtLocation(node);
    // 'never': TypeScript found the code unreachable (narrowed away), where any type is fine.
    if (!isNumberType(this.ts, type) && !(type.flags & this.ts.TypeFlags.Never)) {
      fail(node, Code.BadType, `${what}, but this has type '${checker.typeToString(type)}'.`);
    }
  }
}

export function isNumberType(tsApi: typeof ts, type: ts.Type): boolean {
  if (type.isUnion()) return type.types.every((member) => isNumberType(tsApi, member));
  return (type.flags & tsApi.TypeFlags.NumberLike) !== 0;
}

function describeStatement(tsApi: typeof ts, statement: ts.Statement): string {
  const names: Partial<Record<ts.SyntaxKind, string>> = {
    [tsApi.SyntaxKind.ForOfStatement]: "a 'for…of' loop",
    [tsApi.SyntaxKind.ForInStatement]: "a 'for…in' loop",
    [tsApi.SyntaxKind.TryStatement]: "a 'try' statement",
    [tsApi.SyntaxKind.ThrowStatement]: "a 'throw' statement",
    [tsApi.SyntaxKind.FunctionDeclaration]: 'a nested function declaration',
    [tsApi.SyntaxKind.ClassDeclaration]: 'a class declaration',
    [tsApi.SyntaxKind.WithStatement]: "a 'with' statement",
    [tsApi.SyntaxKind.DebuggerStatement]: "a 'debugger' statement",
  };
  return names[statement.kind] ?? `the statement '${tsApi.SyntaxKind[statement.kind]}'`;
}

function describeExpression(tsApi: typeof ts, node: ts.Expression): string {
  const k = tsApi.SyntaxKind;
  const names: Partial<Record<ts.SyntaxKind, string>> = {
    [k.StringLiteral]: 'a string',
    [k.NoSubstitutionTemplateLiteral]: 'a template string',
    [k.TemplateExpression]: 'a template string',
    [k.ArrowFunction]: 'a nested function',
    [k.FunctionExpression]: 'a nested function',
    [k.NewExpression]: "a 'new' expression",
    [k.BigIntLiteral]: 'a bigint',
    [k.NullKeyword]: "'null'",
    [k.AwaitExpression]: "'await'",
    [k.YieldExpression]: "'yield'",
    [k.TypeOfExpression]: "'typeof'",
    [k.DeleteExpression]: "'delete'",
    [k.VoidExpression]: "'void'",
    [k.ThisKeyword]: "'this'",
    [k.TaggedTemplateExpression]: 'a tagged template',
    [k.ClassExpression]: 'a class expression',
  };
  return names[node.kind] ?? `the expression '${node.getText()}'`;
}

function skip(tsApi: typeof ts, node: ts.Expression): ts.Expression {
  while (tsApi.isParenthesizedExpression(node)) node = node.expression;
  return node;
}
