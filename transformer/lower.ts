import type * as ts from 'typescript';
import { Code, fail } from './diagnostics';
import { type Func, type Operand, type Param, type Result, type Role, type Stmt, num, variable } from './ir';
import type { NameAllocator } from './names';
import { ARITHMETIC_OPERATORS, type ArithmeticOperator, COMPARISON_OPERATORS, type ComparisonOperator, MATH_CONSTANTS, MATH_FUNCTIONS, type MathFunction, type OpName, VARIADIC_MATH_FUNCTIONS } from './ops';

/** What lowering needs to know about the world outside the function. */
export interface LowerEnv {
  readonly ts: typeof ts;
  /** Absent when lowering the derivative rules, which are parsed without a program. */
  readonly checker?: ts.TypeChecker;
  readonly names: NameAllocator;
  /** A value read from outside the function: a constant, or a diagnostic. */
  readonly outer: (identifier: ts.Identifier) => Operand;
  /** The tapeless API function that a callee names, if it names one. */
  readonly apiName: (callee: ts.Expression) => string | undefined;
  /** Rules may use `?:` (both branches are evaluated) and return an array of partials. */
  readonly rule?: boolean;
}

export type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration;

interface Binding {
  value: Operand | undefined;
  readonly mutable: boolean;
  readonly name: string;
}

const COMPOUND_ASSIGNMENTS: Partial<Record<string, ArithmeticOperator>> = {
  '+=': '+', '-=': '-', '*=': '*', '/=': '/', '%=': '%', '**=': '**',
};

/** Lowers a function of numbers to the IR, or throws a located TapelessError. */
export function lowerFunction(fn: FunctionNode, env: LowerEnv, name: string): Func {
  return new Lowerer(env).lower(fn, name);
}

class Lowerer {
  private readonly ts: typeof ts;
  private readonly body: Stmt[] = [];
  private readonly scopes: Map<string, Binding>[] = [new Map()];

  constructor(private readonly env: LowerEnv) {
    this.ts = env.ts;
  }

  lower(fn: FunctionNode, name: string): Func {
    const { ts } = this;
    if (!fn.body) fail(fn, Code.BadTarget, 'the function has no body to differentiate.');
    if (fn.asteriskToken) fail(fn, Code.Unsupported, 'generator functions cannot be differentiated.');
    if (ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Async) fail(fn, Code.Unsupported, 'async functions cannot be differentiated.');
    const params = fn.parameters.map((param) => this.lowerParam(param));
    let result: Result;
    if (ts.isBlock(fn.body)) {
      const statements = fn.body.statements;
      statements.forEach((statement, index) => {
        if (ts.isReturnStatement(statement) && index !== statements.length - 1) {
          fail(statement, Code.Unsupported, "a 'return' before the end of the function is control flow, which is not supported yet.");
        }
      });
      const last = statements[statements.length - 1];
      if (!last || !ts.isReturnStatement(last)) fail(fn, Code.BadTarget, "the function must end with 'return <number>'.");
      for (const statement of statements.slice(0, -1)) this.statement(statement);
      if (!last.expression) fail(last, Code.BadTarget, "the function must return a number, but this 'return' has no value.");
      result = this.result(last.expression);
    } else {
      result = this.result(fn.body);
    }
    return { name, params, body: this.body, result, origin: fn };
  }

  private lowerParam(param: ts.ParameterDeclaration): Param {
    const { ts } = this;
    if (!ts.isIdentifier(param.name)) fail(param, Code.Unsupported, 'destructured parameters are not supported yet.');
    if (param.dotDotDotToken) fail(param, Code.Unsupported, 'rest parameters are not supported yet.');
    if (param.initializer) fail(param.initializer, Code.Unsupported, 'default parameter values are not supported yet.');
    const name = this.env.names.own(param.name.text);
    this.declare(param.name.text, variable(name), true);
    return { name, origin: param };
  }

  private result(expression: ts.Expression): Result {
    const { ts } = this;
    const inner = skipParentheses(ts, expression);
    if (this.env.rule && ts.isArrayLiteralExpression(inner)) return inner.elements.map((element) => this.expression(element));
    this.requireNumber(expression, 'the function must return a number');
    return this.expression(expression);
  }

  // ---- statements ------------------------------------------------------------------------

  private statement(statement: ts.Statement): void {
    const { ts } = this;
    if (ts.isVariableStatement(statement)) return this.variables(statement.declarationList);
    if (ts.isExpressionStatement(statement)) {
      this.expression(statement.expression);
      return;
    }
    if (ts.isBlock(statement)) {
      this.scopes.push(new Map());
      statement.statements.forEach((inner) => this.statement(inner));
      this.scopes.pop();
      return;
    }
    if (ts.isEmptyStatement(statement)) return;
    if (ts.isReturnStatement(statement)) {
      fail(statement, Code.Unsupported, "a 'return' inside a block is control flow, which is not supported yet.");
    }
    if (ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement)) return;
    fail(statement, Code.Unsupported, `${describeStatement(ts, statement)} cannot be differentiated yet: tapeless supports straight-line code (see README, "Supported constructs").`);
  }

  private variables(list: ts.VariableDeclarationList): void {
    const { ts } = this;
    const mutable = (list.flags & ts.NodeFlags.Let) !== 0;
    if (!mutable && (list.flags & ts.NodeFlags.Const) === 0) fail(list, Code.Unsupported, "'var' declarations are not supported: use 'let' or 'const'.");
    for (const declaration of list.declarations) {
      if (!ts.isIdentifier(declaration.name)) fail(declaration.name, Code.Unsupported, 'destructuring is not supported yet.');
      const value = declaration.initializer ? this.named(declaration.initializer, declaration.name.text, declaration) : undefined;
      this.declare(declaration.name.text, value, mutable);
    }
  }

  // ---- expressions -----------------------------------------------------------------------

  /** Lowers `expression` so that the value gets the user's variable name where it is new. */
  private named(expression: ts.Expression, userName: string, origin: ts.Node): Operand {
    const start = this.body.length;
    const value = this.expression(expression);
    const last = this.body[this.body.length - 1];
    if (this.body.length > start && value.kind === 'var' && last.name === value.name && last.role === 'temp') {
      const name = this.env.names.own(userName);
      this.body[this.body.length - 1] = { ...last, name, role: 'user', origin };
      return variable(name);
    }
    return value;
  }

  private emit(op: OpName, args: readonly Operand[], origin: ts.Node, role: Role = 'temp'): Operand {
    const name = this.env.names.fresh('t');
    this.body.push({ name, expr: { op, args }, role, origin });
    return variable(name);
  }

  private expression(node: ts.Expression): Operand {
    const { ts } = this;
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isTypeAssertionExpression(node) || ts.isNonNullExpression(node) || ts.isSatisfiesExpression(node)) {
      return this.expression(node.expression);
    }
    if (ts.isNumericLiteral(node)) return num(Number(node.text.replace(/_/g, '')));
    if (ts.isIdentifier(node)) return this.read(node);
    if (ts.isPropertyAccessExpression(node)) return this.property(node);
    if (ts.isCallExpression(node)) return this.call(node);
    if (ts.isPrefixUnaryExpression(node)) return this.prefix(node);
    if (ts.isPostfixUnaryExpression(node)) return this.step(node, node.operand, node.operator === ts.SyntaxKind.PlusPlusToken ? '+' : '-', false);
    if (ts.isBinaryExpression(node)) return this.binary(node);
    if (ts.isConditionalExpression(node) && this.env.rule) {
      const condition = this.expression(node.condition);
      return this.emit('select', [condition, this.expression(node.whenTrue), this.expression(node.whenFalse)], node);
    }
    return fail(node, Code.Unsupported, `${describeExpression(ts, node)} cannot be differentiated yet (see README, "Supported constructs").`);
  }

  private read(identifier: ts.Identifier): Operand {
    const binding = this.lookup(identifier.text);
    if (binding) return this.current(binding, identifier);
    if (this.isGlobal(identifier, 'NaN')) return num(NaN);
    if (this.isGlobal(identifier, 'Infinity')) return num(Infinity);
    return this.env.outer(identifier);
  }

  private property(node: ts.PropertyAccessExpression): Operand {
    const { ts } = this;
    if (ts.isIdentifier(node.expression) && this.isGlobal(node.expression, 'Math') && (MATH_CONSTANTS as readonly string[]).includes(node.name.text)) {
      return num(Math[node.name.text as (typeof MATH_CONSTANTS)[number]], `Math.${node.name.text}`);
    }
    return fail(node, Code.Unsupported, `the property access '${node.getText()}' cannot be differentiated yet: only Math constants are supported.`);
  }

  private call(node: ts.CallExpression): Operand {
    const { ts } = this;
    const callee = node.expression;
    for (const arg of node.arguments) if (ts.isSpreadElement(arg)) fail(arg, Code.Unsupported, 'spread arguments are not supported yet.');
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && this.isGlobal(callee.expression, 'Math')) {
      return this.mathCall(node, callee.name.text);
    }
    const api = this.env.apiName(callee);
    const calledApi = ts.isCallExpression(callee) ? this.env.apiName(callee.expression) : undefined;
    if (calledApi) fail(node, Code.Unsupported, `${calledApi}() inside a differentiated function is not supported yet.`);
    if (api === 'stopGradient') {
      if (node.arguments.length !== 1) fail(node, Code.Unsupported, 'stopGradient takes exactly one argument.');
      return this.emit('stopGradient', [this.expression(node.arguments[0])], node);
    }
    if (api) fail(node, Code.Unsupported, `${api}() inside a differentiated function is not supported yet.`);
    const name = ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee) ? callee.getText() : 'this function';
    return fail(node, Code.Unsupported, `cannot differentiate the call to '${name}': calls to other functions are not supported yet. Wrap a value that should be treated as a constant in stopGradient(...).`);
  }

  private mathCall(node: ts.CallExpression, fn: string): Operand {
    const args = node.arguments.map((arg) => {
      this.requireNumber(arg, `Math.${fn} needs number arguments`);
      return this.expression(arg);
    });
    if (fn === 'random') return this.emit('random', [], node);
    if ((VARIADIC_MATH_FUNCTIONS as readonly string[]).includes(fn)) return args.length === 0 ? num(0) : this.emit(fn as OpName, args, node);
    if (fn === 'max' || fn === 'min') {
      // Nested pairs give exactly Math.max's value, and the first of tied arguments wins.
      if (args.length === 0) return num(fn === 'max' ? -Infinity : Infinity);
      return args.reduce((left, right) => this.emit(fn, [left, right], node));
    }
    if (!(MATH_FUNCTIONS as readonly string[]).includes(fn)) {
      return fail(node.expression, Code.Unsupported, `Math.${fn} is not a differentiable Math function.`);
    }
    const arity = fn === 'atan2' || fn === 'pow' ? 2 : 1;
    if (args.length !== arity) fail(node, Code.Unsupported, `Math.${fn} takes ${arity} argument${arity > 1 ? 's' : ''} here, not ${args.length}.`);
    return this.emit(fn as MathFunction, args, node);
  }

  private prefix(node: ts.PrefixUnaryExpression): Operand {
    const { ts } = this;
    switch (node.operator) {
      case ts.SyntaxKind.MinusToken:
        this.requireNumber(node.operand, "unary '-' needs a number");
        return this.emit('negate', [this.expression(node.operand)], node);
      case ts.SyntaxKind.PlusToken:
        this.requireNumber(node.operand, "unary '+' is supported on numbers only");
        return this.expression(node.operand);
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
    const binding = this.assignable(target);
    const old = this.current(binding, target);
    const updated = this.emit(op, [old, num(1)], node);
    const stored = this.assign(binding, updated, node);
    return prefix ? stored : old;
  }

  private binary(node: ts.BinaryExpression): Operand {
    const { ts } = this;
    const operator = ts.tokenToString(node.operatorToken.kind) ?? '';
    if (node.operatorToken.kind === ts.SyntaxKind.CommaToken) {
      this.expression(node.left);
      return this.expression(node.right);
    }
    if (node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const binding = this.assignable(node.left);
      return this.assign(binding, this.named(node.right, binding.name, node), node);
    }
    const compound = COMPOUND_ASSIGNMENTS[operator];
    if (compound) {
      const binding = this.assignable(node.left);
      this.requireNumber(node.right, `'${operator}' needs a number on the right`);
      const old = this.current(binding, node.left);
      const right = this.expression(node.right);
      return this.assign(binding, this.emit(compound, [old, right], node), node);
    }
    const isArithmetic = (ARITHMETIC_OPERATORS as readonly string[]).includes(operator);
    const isComparison = this.env.rule && (COMPARISON_OPERATORS as readonly string[]).includes(operator);
    if (!isArithmetic && !isComparison) {
      return fail(node.operatorToken, Code.Unsupported, `the operator '${operator}' cannot be differentiated yet (comparisons and logical operators come with control flow).`);
    }
    this.requireNumber(node.left, `'${operator}' is differentiable on numbers only`);
    this.requireNumber(node.right, `'${operator}' is differentiable on numbers only`);
    const left = this.expression(node.left);
    const right = this.expression(node.right);
    return this.emit(operator as ArithmeticOperator | ComparisonOperator, [left, right], node);
  }

  // ---- bindings --------------------------------------------------------------------------

  private declare(name: string, value: Operand | undefined, mutable: boolean): void {
    this.scopes[this.scopes.length - 1].set(name, { value, mutable, name });
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
    const inner = skipParentheses(ts, target);
    if (!ts.isIdentifier(inner)) fail(target, Code.Unsupported, `assigning to '${target.getText()}' is not supported yet: only local variables can be assigned.`);
    const binding = this.lookup(inner.text);
    if (!binding) fail(target, Code.OuterWrite, `'${inner.text}' is declared outside the differentiated function, which must not write to outer variables. Copy it into a local variable first.`);
    if (!binding.mutable) fail(target, Code.Unsupported, `'${inner.text}' is a constant.`);
    return binding;
  }

  private current(binding: Binding, node: ts.Node): Operand {
    return binding.value ?? fail(node, Code.Unsupported, `'${binding.name}' is read before it is assigned a value.`);
  }

  /** Stores a new value in a variable and returns it (the value of the assignment). */
  private assign(binding: Binding, value: Operand, origin: ts.Node): Operand {
    // A new SSA version keeps the user's name (s, s_1, s_2 ...) where the value is new.
    const last = this.body[this.body.length - 1];
    if (value.kind === 'var' && last?.name === value.name && last.role === 'temp') {
      const name = this.env.names.own(binding.name);
      this.body[this.body.length - 1] = { ...last, name, role: 'user', origin };
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
    return symbol?.declarations?.every((declaration) => declaration.getSourceFile().hasNoDefaultLib) ?? false;
  }

  private requireNumber(node: ts.Expression, what: string): void {
    const checker = this.env.checker;
    if (!checker) return;
    const type = checker.getTypeAtLocation(node);
    if (!isNumberType(this.ts, type)) {
      fail(node, Code.BadType, `${what}, but this has type '${checker.typeToString(type)}'.`);
    }
  }
}

export function isNumberType(tsApi: typeof ts, type: ts.Type): boolean {
  if (type.isUnion()) return type.types.every((member) => isNumberType(tsApi, member));
  return (type.flags & tsApi.TypeFlags.NumberLike) !== 0;
}

function skipParentheses(tsApi: typeof ts, node: ts.Expression): ts.Expression {
  while (tsApi.isParenthesizedExpression(node)) node = node.expression;
  return node;
}

function describeStatement(tsApi: typeof ts, statement: ts.Statement): string {
  const names: Partial<Record<ts.SyntaxKind, string>> = {
    [tsApi.SyntaxKind.IfStatement]: "an 'if' statement",
    [tsApi.SyntaxKind.ForStatement]: "a 'for' loop",
    [tsApi.SyntaxKind.ForOfStatement]: "a 'for…of' loop",
    [tsApi.SyntaxKind.ForInStatement]: "a 'for…in' loop",
    [tsApi.SyntaxKind.WhileStatement]: "a 'while' loop",
    [tsApi.SyntaxKind.DoStatement]: "a 'do…while' loop",
    [tsApi.SyntaxKind.SwitchStatement]: "a 'switch' statement",
    [tsApi.SyntaxKind.TryStatement]: "a 'try' statement",
    [tsApi.SyntaxKind.ThrowStatement]: "a 'throw' statement",
    [tsApi.SyntaxKind.LabeledStatement]: 'a labelled statement',
    [tsApi.SyntaxKind.BreakStatement]: "a 'break' statement",
    [tsApi.SyntaxKind.ContinueStatement]: "a 'continue' statement",
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
    [k.ConditionalExpression]: "a conditional expression ('?:')",
    [k.StringLiteral]: 'a string',
    [k.NoSubstitutionTemplateLiteral]: 'a template string',
    [k.TemplateExpression]: 'a template string',
    [k.ArrayLiteralExpression]: 'an array literal',
    [k.ObjectLiteralExpression]: 'an object literal',
    [k.ElementAccessExpression]: "an element access ('a[i]')",
    [k.ArrowFunction]: 'a nested function',
    [k.FunctionExpression]: 'a nested function',
    [k.NewExpression]: "a 'new' expression",
    [k.BigIntLiteral]: 'a bigint',
    [k.TrueKeyword]: 'a boolean',
    [k.FalseKeyword]: 'a boolean',
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
