import type * as ts from 'typescript';
import {
  type Block,
  type Effect,
  type Expr,
  type Func,
  type If,
  type Let,
  type LoadStream,
  type Loop,
  type LoopRecord,
  type Operand,
  type Param,
  type Result,
  type ReverseLoop,
  type Stmt,
  isUnset,
  isNum,
  isResultList,
  required,
} from '../ir/ir';
import { appendedEveryPass, loopGuard } from '../ir/loop-forms';
import { opInfo } from '../ops/registry';
import type { Shape } from '../ir/shapes';
import { sortOrder, zeros } from './builtins';
import { planInlining } from './inlining';
import { type RecordLayout, recordLayouts } from './records';
import { Syntax, detachedCopy, infixToken, path, prefixToken } from './syntax';

export interface EmitContext {
  readonly ts: typeof ts;
  readonly factory: ts.NodeFactory;
  /** The file the generated code goes into: source map ranges in other files name their source. */
  readonly file: ts.SourceFile;
}

/** Passes a loop record holds before it first grows (it doubles when full). */
const INITIAL_PASSES = 64;

/**
 * IR -> TypeScript AST. Temporaries read once in the block that defines them are inlined
 * back into expressions, so the output reads like the hand derivation: one `const` per user
 * variable and per adjoint. Every statement maps (source maps) to the user code it comes from.
 */
export function emitFunctionDeclaration(func: Func, name: string, context: EmitContext, convention = false): ts.FunctionDeclaration {
  const { factory } = context;
  const emitter = new Emitter(func, context);
  const declaration = factory.createFunctionDeclaration(
    undefined,
    undefined,
    name,
    undefined,
    emitter.parameters(convention),
    undefined,
    emitter.functionBody(name),
  );
  return emitter.mapped(declaration, func.origin);
}

/** `convention`: the function users call, which keeps the differentiated function's rest parameter and default values. */
export function emitArrowFunction(func: Func, context: EmitContext, convention = false): ts.ArrowFunction {
  const { factory, ts } = context;
  const emitter = new Emitter(func, context);
  const arrow = factory.createArrowFunction(
    undefined,
    undefined,
    emitter.parameters(convention),
    undefined,
    factory.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
    emitter.functionBody(),
  );
  return emitter.mapped(arrow, func.origin);
}

/**
 * The parameters of a function users call in place of the differentiated function, with
 * its rest parameter and default values (`params`: those of its first parameters).
 */
export function emitParameters(params: readonly Param[], context: EmitContext): ts.ParameterDeclaration[] {
  return new Emitter({ name: '', params, body: [], result: [] }, context).parameters(true);
}

class Emitter extends Syntax {
  private readonly inlined: ReadonlyMap<string, Let>;
  private readonly read: ReadonlySet<string>;
  /** How many times each name is read. */
  private readonly uses: ReadonlyMap<string, number>;
  /** Where each loop record keeps the values of a pass. */
  private readonly layout: (record: LoopRecord) => RecordLayout;
  private readonly sources = new Map<ts.SourceFile, ts.SourceMapSource>();

  constructor(
    private readonly func: Func,
    private readonly context: EmitContext,
  ) {
    super(context);
    ({ inlined: this.inlined, read: this.read, uses: this.uses } = planInlining(func));
    this.layout = recordLayouts(func, this.read);
  }

  /** The load stream, which a function has wherever it records or replays loads. */
  private get stream(): LoadStream {
    if (!this.func.stream) throw new Error('tapeless: an operation on the load stream in a function without one');
    return this.func.stream;
  }

  parameters(convention: boolean): ts.ParameterDeclaration[] {
    const { factory, ts } = this;
    return this.func.params.map((param) => {
      const rest = convention && param.rest ? factory.createToken(ts.SyntaxKind.DotDotDotToken) : undefined;
      const fallback = convention && param.fallback ? this.fallback(param.fallback) : undefined;
      return this.mapped(factory.createParameterDeclaration(undefined, rest, param.name, undefined, undefined, fallback), param.origin);
    });
  }

  /** A default value: its expression, or where it takes statements, `(() => { …; return v; })()`. */
  private fallback({ body, value }: NonNullable<Param['fallback']>): ts.Expression {
    const { factory, ts } = this;
    const emitter = new Emitter({ name: '', params: this.func.params, body, result: value }, this.context);
    const statements = emitter.block(body);
    if (statements.length === 0) return emitter.operand(value);
    const arrow = factory.createArrowFunction(
      undefined,
      undefined,
      [],
      undefined,
      factory.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
      factory.createBlock([...statements, factory.createReturnStatement(emitter.operand(value))], true),
    );
    return factory.createCallExpression(factory.createParenthesizedExpression(arrow), undefined, []);
  }

  /**
   * The body. A function declaration (`name`) keeps its loop records and load stream on
   * itself between calls (`name.buffers`), so that a call allocates only its result: a call
   * takes them, and puts its own back as it returns; a call made while another holds them
   * (recursion) allocates its own.
   */
  functionBody(name?: string): ts.Block {
    const { factory } = this;
    const stream = this.func.stream;
    const buffers = [
      ...(this.func.records ?? []).flatMap((record) => (this.layout(record).stride > 0 ? [record.array] : [])),
      ...(stream ? [stream.array] : []),
    ];
    const kept = name && buffers.length > 0 ? factory.createUniqueName('kept') : undefined;
    const property = () => factory.createPropertyAccessExpression(factory.createIdentifier(name!), 'buffers');
    const fresh = (array: string, length: number): ts.Expression => {
      const allocated = factory.createNewExpression(factory.createIdentifier('Float64Array'), undefined, [this.number(length)]);
      const index = buffers.indexOf(array);
      return kept ? factory.createConditionalExpression(kept, undefined, factory.createElementAccessExpression(kept, index), undefined, allocated) : allocated;
    };
    const declarations: ts.Statement[] = kept
      ? [this.declare(kept, property(), true), factory.createExpressionStatement(factory.createAssignment(property(), factory.createIdentifier('undefined')))]
      : [];
    declarations.push(...(this.func.records ?? []).flatMap((record) => this.recordDeclarations(record, fresh)));
    if (stream)
      declarations.push(
        this.declare(stream.array, fresh(stream.array, INITIAL_PASSES * 16), false),
        this.declare(stream.count, this.number(0), false),
        this.declare(stream.cursor, this.number(0), false),
      );
    const keep = kept
      ? [
          factory.createExpressionStatement(
            factory.createAssignment(property(), factory.createArrayLiteralExpression(buffers.map((array) => factory.createIdentifier(array)))),
          ),
        ]
      : [];
    const result = this.mapped(factory.createReturnStatement(this.result(this.func.result)), this.returnOrigin());
    return factory.createBlock([...declarations, ...this.block(this.func.body), ...keep, result], true);
  }

  /** The user's last `return` (or the arrow's body): where the generated return maps to. */
  private returnOrigin(): ts.Node | undefined {
    const { ts } = this;
    const origin = this.func.origin;
    if (!origin || !(ts.isFunctionLike(origin) && 'body' in origin) || !origin.body) return origin;
    const body = origin.body as ts.Node;
    if (!ts.isBlock(body)) return body;
    const last = body.statements[body.statements.length - 1];
    return last ?? origin;
  }

  mapped<T extends ts.Node>(node: T, origin: ts.Node | undefined): T {
    const { ts } = this;
    if (!origin || origin.pos < 0) return node;
    const file = origin.getSourceFile();
    const start = origin.getStart(file);
    if (file === this.context.file) return ts.setSourceMapRange(node, { pos: start, end: origin.end });
    let source = this.sources.get(file);
    if (!source) this.sources.set(file, (source = ts.createSourceMapSource(file.fileName, file.text)));
    return ts.setSourceMapRange(node, { pos: start, end: origin.end, source });
  }

  // ---- statements ------------------------------------------------------------------------

  private block(block: Block): ts.Statement[] {
    return block.flatMap((stmt) => this.stmt(stmt));
  }

  private stmt(stmt: Stmt): ts.Statement[] {
    const { factory } = this;
    switch (stmt.kind) {
      case 'let':
        return this.inlined.has(stmt.name) ? [] : [this.mapped(this.declare(stmt.name, this.expression(stmt.expr), true), stmt.origin)];
      case 'effect':
        return this.effect(stmt).map((statement) => this.mapped(statement, stmt.origin));
      case 'if':
        return this.ifStatement(stmt);
      case 'loop':
        return this.loop(stmt);
      case 'reverseLoop':
        return [this.reverseLoop(stmt)];
      case 'accumulate': {
        const value = this.operand(stmt.value);
        const growing = stmt.mode === 'add' && typeof stmt.at === 'object' && this.func.growable?.includes(stmt.name);
        const statement =
          stmt.mode === 'declare'
            ? this.declare(stmt.name, value, false)
            : growing
              ? this.assign(
                  this.accumulator(stmt.name, stmt.at),
                  factory.createBinaryExpression(this.orZero(this.accumulator(stmt.name, stmt.at)), this.ts.SyntaxKind.PlusToken, value),
                )
              : factory.createExpressionStatement(
                  factory.createBinaryExpression(
                    this.accumulator(stmt.name, stmt.at),
                    stmt.mode === 'add' ? this.ts.SyntaxKind.PlusEqualsToken : this.ts.SyntaxKind.EqualsToken,
                    value,
                  ),
                );
        return [this.mapped(statement, stmt.origin)];
      }
    }
  }

  /** `(entry ?? 0)`: an entry of a grown gradient that nothing was added to yet is a hole. */
  private orZero(entry: ts.Expression): ts.Expression {
    const { factory, ts } = this;
    return factory.createParenthesizedExpression(factory.createBinaryExpression(entry, ts.SyntaxKind.QuestionQuestionToken, this.number(0)));
  }

  /** `name`, `name[index]` or `name.field`. */
  private accumulator(name: string, at: Operand | string | undefined): ts.Expression {
    const { factory } = this;
    const target = factory.createIdentifier(name);
    if (at === undefined) return target;
    return typeof at === 'string' ? factory.createPropertyAccessExpression(target, at) : factory.createElementAccessExpression(target, this.operand(at));
  }

  private ifStatement(stmt: If): ts.Statement[] {
    const { factory } = this;
    const elseIsEmpty = stmt.else.length === 0;
    // With nothing to compute on the else side, a phi starts as its else value.
    const declarations = stmt.phis.map((phi) => this.declare(phi.name, elseIsEmpty && !isUnset(phi.else) ? this.operand(phi.else) : undefined, false));
    const assignments = (pick: (phi: If['phis'][number]) => Operand) =>
      stmt.phis.filter((phi) => !isUnset(pick(phi))).map((phi) => this.assign(phi.name, this.operand(pick(phi))));
    const then = factory.createBlock([...this.block(stmt.then), ...assignments((phi) => phi.then)], true);
    const otherwise = elseIsEmpty ? [] : [...this.block(stmt.else), ...assignments((phi) => phi.else)];
    const statement = factory.createIfStatement(this.operand(stmt.cond), then, otherwise.length > 0 ? factory.createBlock(otherwise, true) : undefined);
    return [...declarations, this.mapped(statement, stmt.origin)];
  }

  /**
   * A loop in `while` form (`loopGuard`): `let s = init; while (test) { record; then; s = next; }`,
   * or, where the test takes statements, `while (true) { test; if (!c) break; record; … }`;
   * any other loop `while (true) { record; body; s = next; if (!cond) break; }`. After it,
   * each carried variable's exit value. A loop in `while` form records only the passes that
   * run its body (the reverse sweep skips the last, which only tests).
   */
  private loop(stmt: Loop): ts.Statement[] {
    const { factory, ts } = this;
    const before: ts.Statement[] = stmt.carried.map((c) => this.declare(c.name, isUnset(c.init) ? undefined : this.operand(c.init), false));
    const recording: ts.Statement[] = [];
    if (stmt.record) {
      const { count, array } = stmt.record;
      const { positions, undefinedFlags, stride, cursorSlot, dataPositions, dataStride } = this.layout(stmt.record);
      before.push(this.assign(count, this.number(0)));
      if (stride > 0 && stmt.passes)
        before.push(...this.grow(array, factory.createBinaryExpression(this.operand(stmt.passes), ts.SyntaxKind.AsteriskToken, this.number(stride)), 'fresh'));
      if (stride > 0) recording.push(...this.growRecord(stmt.record));
      for (const c of stmt.carried) {
        const position = positions.get(c.name);
        if (position !== undefined) recording.push(this.assign(this.slot(array, count, stride, position), factory.createIdentifier(c.name)));
        const flag = undefinedFlags.get(c.name);
        if (flag !== undefined) recording.push(this.assign(this.slot(array, count, stride, flag), this.isUndefined(factory.createIdentifier(c.name))));
        const kept = dataPositions.get(c.name);
        if (kept !== undefined) recording.push(this.assign(this.slot(stmt.record.data!, count, dataStride, kept), factory.createIdentifier(c.name)));
      }
      if (stmt.record.cursor) {
        recording.push(
          this.assign(
            this.slot(array, count, stride, cursorSlot),
            factory.createIdentifier(stmt.record.cursor === 'record' ? this.stream.count : this.stream.cursor),
          ),
        );
      }
    }
    // Where every pass appends to the load stream, it is extended once before the loop.
    const stream = this.func.stream;
    const appended = stream && stmt.passes ? appendedEveryPass(stmt) : 0;
    if (stream && stmt.passes && appended > 0) {
      const passes = factory.createBinaryExpression(this.operand(stmt.passes), ts.SyntaxKind.AsteriskToken, this.number(appended));
      before.push(
        ...this.grow(stream.array, factory.createBinaryExpression(factory.createIdentifier(stream.count), ts.SyntaxKind.PlusToken, passes), 'extend'),
      );
    }
    const counting = stmt.record ? [factory.createExpressionStatement(factory.createPostfixIncrement(factory.createIdentifier(stmt.record.count)))] : [];
    // Values recorded at the end of the pass, into the slots of the pass (counted already, or not yet).
    const valuesRecorded = (counted: boolean) =>
      (stmt.record?.values ?? []).flatMap(({ value, restored }) => {
        const position = stmt.record && this.layout(stmt.record).positions.get(restored);
        if (position === undefined || !stmt.record) return [];
        const count = factory.createIdentifier(stmt.record.count);
        const pass = counted ? factory.createParenthesizedExpression(factory.createBinaryExpression(count, ts.SyntaxKind.MinusToken, this.number(1))) : count;
        return [this.assign(this.slot(stmt.record.array, pass, this.layout(stmt.record).stride, position), this.operand(value))];
      });
    const exit = () =>
      factory.createIfStatement(
        factory.createPrefixUnaryExpression(ts.SyntaxKind.ExclamationToken, this.parenthesized(this.operand(stmt.cond))),
        factory.createBreakStatement(),
      );
    // A recorded loop takes this form only where its reverse sweep skips the last pass.
    const form = !stmt.record || stmt.record.guarded ? loopGuard(stmt) : undefined;
    let test: ts.Expression = factory.createTrue();
    let body: ts.Statement[];
    if (form) {
      const pre = this.block(form.pre);
      const condition = form.pre.find((s): s is Let => s.kind === 'let' && stmt.cond.kind === 'var' && s.name === stmt.cond.name);
      // A test computed by one statement read by nothing else is the loop's own test.
      const alone = condition && pre.length === 1 && this.uses.get(condition.name) === 2 && opInfo(condition.expr.op).pure;
      if (alone) test = this.expression(condition.expr);
      body = [
        ...(alone ? [] : [...pre, exit()]),
        ...recording,
        ...counting,
        ...this.block(form.guard.then),
        ...valuesRecorded(true),
        ...this.updates(stmt.carried, form.nexts),
      ];
    } else if (stmt.record?.guarded) {
      // Recorded as a `while` loop but simplified out of that form: a pass counts when another follows.
      body = [
        ...recording,
        ...this.block(stmt.body),
        ...valuesRecorded(false),
        ...this.updates(
          stmt.carried,
          stmt.carried.map((c) => c.next),
        ),
        exit(),
        ...counting,
      ];
    } else {
      body = [
        ...recording,
        ...counting,
        ...this.block(stmt.body),
        ...valuesRecorded(true),
        ...this.updates(
          stmt.carried,
          stmt.carried.map((c) => c.next),
        ),
        exit(),
      ];
    }
    const loop = this.mapped(factory.createWhileStatement(test, factory.createBlock(body, true)), stmt.origin);
    const exits = stmt.carried.filter((c) => this.read.has(c.exit)).map((c) => this.declare(c.exit, factory.createIdentifier(c.name), true));
    return [...before, loop, ...exits];
  }

  /**
   * The carried variables take their next values together: where one next value reads
   * another carried variable, all are computed first.
   */
  private updates(carried: Loop['carried'], nexts: readonly Operand[]): ts.Statement[] {
    const { factory } = this;
    const names = new Set(carried.map((c) => c.name));
    const updates = carried.map((c, i) => ({ c, next: nexts[i] })).filter(({ c, next }) => !(next.kind === 'var' && next.name === c.name));
    const crossed = updates.some(({ next }) => next.kind === 'var' && names.has(next.name));
    if (!crossed) return updates.map(({ c, next }) => this.assign(c.name, this.operand(next)));
    const staged = updates.map(({ c, next }) => ({ c, next, temp: factory.createUniqueName(`${c.name}_next`) }));
    return [...staged.map(({ next, temp }) => this.declare(temp, this.operand(next), true)), ...staged.map(({ c, temp }) => this.assign(c.name, temp))];
  }

  private reverseLoop(stmt: ReverseLoop): ts.Statement {
    const { factory, ts } = this;
    const { count, array } = stmt.record;
    const { positions, undefinedFlags, stride, cursorSlot, dataPositions, dataStride } = this.layout(stmt.record);
    const index = factory.createIdentifier(stmt.index);
    const restore: ts.Statement[] = [...stmt.record.pairs, ...(stmt.record.values ?? [])].flatMap(({ restored }) => {
      const kept = dataPositions.get(restored);
      if (kept !== undefined) return [this.declare(restored, this.slot(stmt.record.data!, stmt.index, dataStride, kept), true)];
      const position = positions.get(restored);
      if (position === undefined) return [];
      const value = this.slot(array, stmt.index, stride, position);
      const flag = undefinedFlags.get(restored);
      // `record[flag] ? undefined : record[value]`: a value that may be undefined comes back as it was.
      const restoredValue =
        flag === undefined
          ? value
          : factory.createConditionalExpression(this.slot(array, stmt.index, stride, flag), undefined, factory.createIdentifier('undefined'), undefined, value);
      return [this.declare(restored, restoredValue, true)];
    });
    if (stmt.record.cursor) restore.unshift(this.assign(this.stream.cursor, this.slot(array, stmt.index, stride, cursorSlot)));
    const first = stmt.ascending ? this.number(0) : factory.createBinaryExpression(factory.createIdentifier(count), ts.SyntaxKind.MinusToken, this.number(1));
    const initial = factory.createVariableDeclarationList([factory.createVariableDeclaration(stmt.index, undefined, undefined, first)], ts.NodeFlags.Let);
    const bound = stmt.test
      ? this.expression(stmt.test)
      : stmt.ascending
        ? factory.createBinaryExpression(index, ts.SyntaxKind.LessThanToken, factory.createIdentifier(count))
        : factory.createBinaryExpression(index, ts.SyntaxKind.GreaterThanEqualsToken, this.number(0));
    const loop = factory.createForStatement(
      initial,
      bound,
      stmt.ascending ? factory.createPostfixIncrement(index) : factory.createPostfixDecrement(index),
      factory.createBlock([...restore, ...this.block(stmt.body)], true),
    );
    return this.mapped(loop, stmt.origin);
  }

  private recordDeclarations(record: LoopRecord, fresh: (array: string, length: number) => ts.Expression): ts.Statement[] {
    const { stride, dataStride } = this.layout(record);
    const count = this.declare(record.count, this.number(0), false);
    // Strings and booleans in a plain array, which grows as it is written.
    const data = dataStride > 0 ? [this.declare(record.data!, this.factory.createArrayLiteralExpression([]), true)] : [];
    if (stride === 0) return [count, ...data];
    return [count, this.declare(record.array, fresh(record.array, INITIAL_PASSES * stride), false), ...data];
  }

  /** `if (record.length < (count + 1) * stride) { double it, keeping what it holds }` */
  private growRecord(record: LoopRecord): ts.Statement[] {
    const { factory, ts } = this;
    const needed = factory.createBinaryExpression(
      factory.createParenthesizedExpression(factory.createBinaryExpression(factory.createIdentifier(record.count), ts.SyntaxKind.PlusToken, this.number(1))),
      ts.SyntaxKind.AsteriskToken,
      this.number(this.layout(record).stride),
    );
    return this.grow(record.array, needed);
  }

  /** A statement operation: a write into a local array, a recorded load, a rewound stream. */
  private effect(stmt: Effect): ts.Statement[] {
    const { factory, ts } = this;
    const args = stmt.expr.args.map((arg) => this.operand(arg));
    switch (stmt.expr.op) {
      case 'store':
      case 'rewrite':
        return [this.assign(factory.createElementAccessExpression(args[0], args[1]), args[2])];
      case 'sideEffect':
        return [factory.createExpressionStatement(this.source(stmt.expr))];
      case 'throw':
        return [factory.createThrowStatement(this.source(stmt.expr))];
      case 'recordLoad': {
        const stream = this.stream;
        const needed = factory.createBinaryExpression(factory.createIdentifier(stream.count), ts.SyntaxKind.PlusToken, this.number(1));
        const slot = factory.createElementAccessExpression(
          factory.createIdentifier(stream.array),
          factory.createPostfixIncrement(factory.createIdentifier(stream.count)),
        );
        return [...this.grow(stream.array, needed), this.assign(slot, args[0])];
      }
      default:
        return [this.assign(this.stream.cursor, args[0])];
    }
  }

  // ---- expressions -----------------------------------------------------------------------

  private result(result: Result): ts.Expression {
    if (isResultList(result)) return this.factory.createArrayLiteralExpression(result.map((item) => this.result(item)));
    return this.operand(result);
  }

  private operand(operand: Operand): ts.Expression {
    const { factory, ts } = this;
    switch (operand.kind) {
      case 'var': {
        const stmt = this.inlined.get(operand.name);
        return stmt ? this.expression(stmt.expr) : factory.createIdentifier(operand.name);
      }
      case 'num':
        return operand.text ? path(factory, operand.text.split('.')) : this.number(operand.value);
      case 'ref': {
        const expression = path(factory, operand.path);
        return operand.origin ? ts.setOriginalNode(expression, operand.origin) : expression;
      }
      case 'str':
        return factory.createStringLiteral(operand.value, true);
    }
  }

  private expression(expr: Expr): ts.Expression {
    const { factory, ts } = this;
    const info = opInfo(expr.op);
    const args = expr.args.map((arg) => this.operand(arg));
    switch (info.shape) {
      case 'copy':
        return args[0];
      case 'prefix':
        return factory.createPrefixUnaryExpression(prefixToken(ts, expr.op), args[0]);
      case 'infix': {
        // TypeScript's printer treats * as associative and would print a * (b * c) as
        // a * b * c, which rounds differently: keep the IR's order explicit.
        const right =
          ts.isBinaryExpression(args[1]) && expr.op === '*' && args[1].operatorToken.kind === ts.SyntaxKind.AsteriskToken
            ? factory.createParenthesizedExpression(args[1])
            : args[1];
        // `-x ** 2` is a syntax error: a negated base of ** needs its parentheses.
        const left = expr.op === '**' && ts.isPrefixUnaryExpression(args[0]) ? factory.createParenthesizedExpression(args[0]) : args[0];
        return factory.createBinaryExpression(left, infixToken(ts, expr.op), right);
      }
      case 'select':
        return factory.createConditionalExpression(args[0], undefined, args[1], undefined, args[2]);
      case 'call': {
        if (expr.callee?.method)
          return factory.createCallExpression(factory.createPropertyAccessExpression(args[0], expr.callee.method), undefined, args.slice(1));
        const callee = expr.callee ? this.operand(expr.callee.ref) : path(factory, info.print.split('.'));
        return factory.createCallExpression(callee, undefined, args);
      }
      case 'element': {
        const entry = factory.createElementAccessExpression(args[0], args[1]);
        const container = expr.args[0];
        const grown = container.kind === 'var' && this.func.growable?.includes(container.name);
        return grown || expr.op === 'entryOrZero' ? this.orZero(entry) : entry;
      }
      case 'field':
        return factory.createPropertyAccessExpression(args[0], required(expr.field, 'field'));
      case 'length':
        return factory.createPropertyAccessExpression(args[0], 'length');
      case 'zeros':
        return zeros(this, required(expr.shape, 'shape'), args[0]);
      case 'newArray': {
        const shape = expr.shape as Extract<Shape, { kind: 'array' }>;
        const array = factory.createNewExpression(factory.createIdentifier(shape.container), undefined, [args[0]]);
        // A typed array starts as zeros; `new Float64Array(k).fill(Infinity)` fills it.
        const filled = shape.container === 'Array' || (expr.args.length > 1 && !isNum(expr.args[1], 0));
        return filled ? factory.createCallExpression(factory.createPropertyAccessExpression(array, 'fill'), undefined, [args[1]]) : array;
      }
      case 'missing':
        return factory.createBinaryExpression(
          factory.createElementAccessExpression(args[0], args[1]),
          ts.SyntaxKind.EqualsEqualsEqualsToken,
          factory.createIdentifier('undefined'),
        );
      case 'sortOrder':
        return sortOrder(this, args[0], expr.field as 'ascending' | 'descending' | 'numeric');
      case 'arrayOf':
        return factory.createArrayLiteralExpression(args);
      case 'objectOf': {
        const fields = required(expr.fields, 'fields');
        return factory.createObjectLiteralExpression(
          fields.map((field, k) => factory.createPropertyAssignment(field, args[k])),
          fields.length > 2,
        );
      }
      case 'replay': {
        const stream = this.stream;
        return factory.createElementAccessExpression(
          factory.createIdentifier(stream.array),
          factory.createPostfixIncrement(factory.createIdentifier(stream.cursor)),
        );
      }
      case 'position':
        return factory.createIdentifier(expr.field === 'record' ? this.stream.count : this.stream.cursor);
      case 'source':
        return this.source(expr);
      case 'store':
      case 'recordLoad':
      case 'setCursor':
        throw new Error(`tapeless: ${expr.op} is a statement`);
    }
  }

  /** The user's expression as written, with the variables it reads replaced by their values here. */
  private source(expr: Expr): ts.Expression {
    const { ts } = this;
    const { node, holes } = required(expr.source, 'source');
    const values = new Map(holes.map((hole, k) => [hole as ts.Node, this.operand(expr.args[k])]));
    // The source may be another file's (a function imported from it): the copy is made of new nodes.
    return detachedCopy(ts, this.factory, node, (inner) => {
      // `{ x }` reading a hole becomes `{ x: value }`.
      const shorthand = ts.isShorthandPropertyAssignment(inner) ? values.get(inner.name) : undefined;
      if (shorthand && ts.isShorthandPropertyAssignment(inner)) return this.factory.createPropertyAssignment(inner.name.text, shorthand);
      return values.get(inner);
    }) as ts.Expression;
  }
}
