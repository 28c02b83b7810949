import type * as ts from 'typescript';
import type { Expr, Func, Operand, Result, Stmt } from './ir';
import { type OpName, opInfo } from './ops';

export interface EmitContext {
  readonly ts: typeof ts;
  readonly factory: ts.NodeFactory;
  /** The file the generated code goes into: source map ranges in other files name their source. */
  readonly file: ts.SourceFile;
}

/**
 * IR -> TypeScript AST. Temporaries read once are inlined back into expressions, so the
 * output reads like the hand derivation: one `const` per user variable and per adjoint.
 * Every statement maps (source maps) to the user code it comes from.
 */
export function emitFunctionDeclaration(func: Func, name: string, context: EmitContext): ts.FunctionDeclaration {
  const { factory } = context;
  const emitter = new Emitter(func, context);
  const declaration = factory.createFunctionDeclaration(undefined, undefined, name, undefined, emitter.parameters(), undefined, emitter.block());
  return emitter.mapped(declaration, func.origin);
}

export function emitArrowFunction(func: Func, context: EmitContext): ts.ArrowFunction {
  const { factory, ts } = context;
  const emitter = new Emitter(func, context);
  const arrow = factory.createArrowFunction(undefined, undefined, emitter.parameters(), undefined, factory.createToken(ts.SyntaxKind.EqualsGreaterThanToken), emitter.block());
  return emitter.mapped(arrow, func.origin);
}

class Emitter {
  private readonly inlined = new Map<string, Stmt>();
  private readonly sources = new Map<ts.SourceFile, ts.SourceMapSource>();

  constructor(
    private readonly func: Func,
    private readonly context: EmitContext,
  ) {
    const uses = new Map<string, number>();
    const count = (operand: Operand) => {
      if (operand.kind === 'var') uses.set(operand.name, (uses.get(operand.name) ?? 0) + 1);
    };
    for (const stmt of func.body) stmt.expr.args.forEach(count);
    forEachOperand(func.result, count);
    for (const stmt of func.body) {
      const info = opInfo(stmt.expr.op);
      if (info.pure && (info.shape === 'copy' || (stmt.role === 'temp' && uses.get(stmt.name) === 1))) this.inlined.set(stmt.name, stmt);
    }
  }

  parameters(): ts.ParameterDeclaration[] {
    const { factory } = this.context;
    return this.func.params.map((param) => this.mapped(factory.createParameterDeclaration(undefined, undefined, param.name), param.origin));
  }

  block(): ts.Block {
    const { factory, ts } = this.context;
    const statements: ts.Statement[] = [];
    for (const stmt of this.func.body) {
      if (this.inlined.has(stmt.name)) continue;
      const declaration = factory.createVariableDeclaration(stmt.name, undefined, undefined, this.expression(stmt.expr));
      statements.push(this.mapped(factory.createVariableStatement(undefined, factory.createVariableDeclarationList([declaration], ts.NodeFlags.Const)), stmt.origin));
    }
    statements.push(factory.createReturnStatement(this.result(this.func.result)));
    return factory.createBlock(statements, true);
  }

  mapped<T extends ts.Node>(node: T, origin: ts.Node | undefined): T {
    const { ts } = this.context;
    if (!origin || origin.pos < 0) return node;
    const file = origin.getSourceFile();
    const start = origin.getStart(file);
    if (file === this.context.file) return ts.setSourceMapRange(node, { pos: start, end: origin.end });
    let source = this.sources.get(file);
    if (!source) this.sources.set(file, (source = ts.createSourceMapSource(file.fileName, file.text)));
    return ts.setSourceMapRange(node, { pos: start, end: origin.end, source });
  }

  private result(result: Result): ts.Expression {
    if (Array.isArray(result)) return this.context.factory.createArrayLiteralExpression((result as readonly Result[]).map((item) => this.result(item)));
    return this.operand(result as Operand);
  }

  private operand(operand: Operand): ts.Expression {
    const { factory, ts } = this.context;
    switch (operand.kind) {
      case 'var': {
        const stmt = this.inlined.get(operand.name);
        return stmt ? this.expression(stmt.expr) : factory.createIdentifier(operand.name);
      }
      case 'num':
        return operand.text ? path(factory, operand.text.split('.')) : numberLiteral(ts, factory, operand.value);
      case 'ref': {
        const expression = path(factory, operand.path);
        return operand.origin ? ts.setOriginalNode(expression, operand.origin) : expression;
      }
    }
  }

  private expression(expr: Expr): ts.Expression {
    const { factory, ts } = this.context;
    const info = opInfo(expr.op);
    const args = expr.args.map((arg) => this.operand(arg));
    switch (info.shape) {
      case 'copy':
        return args[0];
      case 'prefix':
        return factory.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, args[0]);
      case 'infix': {
        // TypeScript's printer treats * as associative and would print a * (b * c) as
        // a * b * c, which rounds differently: keep the IR's order explicit.
        const right = ts.isBinaryExpression(args[1]) && expr.op === '*' && args[1].operatorToken.kind === ts.SyntaxKind.AsteriskToken ? factory.createParenthesizedExpression(args[1]) : args[1];
        return factory.createBinaryExpression(args[0], infixToken(ts, expr.op), right);
      }
      case 'select':
        return factory.createConditionalExpression(args[0], undefined, args[1], undefined, args[2]);
      case 'call':
        return factory.createCallExpression(path(factory, info.print.split('.')), undefined, args);
    }
  }
}

function forEachOperand(result: Result, visit: (operand: Operand) => void): void {
  if (Array.isArray(result)) (result as readonly Result[]).forEach((item) => forEachOperand(item, visit));
  else visit(result as Operand);
}

function path(factory: ts.NodeFactory, names: readonly string[]): ts.Expression {
  return names.slice(1).reduce<ts.Expression>((object, name) => factory.createPropertyAccessExpression(object, name), factory.createIdentifier(names[0]));
}

function numberLiteral(tsApi: typeof ts, factory: ts.NodeFactory, value: number): ts.Expression {
  if (Number.isNaN(value)) return factory.createIdentifier('NaN');
  const magnitude = Math.abs(value) === Infinity ? factory.createIdentifier('Infinity') : factory.createNumericLiteral(Math.abs(value));
  return value < 0 || Object.is(value, -0) ? factory.createPrefixUnaryExpression(tsApi.SyntaxKind.MinusToken, magnitude) : magnitude;
}

function infixToken(tsApi: typeof ts, op: OpName): ts.BinaryOperator {
  const k = tsApi.SyntaxKind;
  const tokens: Partial<Record<OpName, ts.BinaryOperator>> = {
    '+': k.PlusToken, '-': k.MinusToken, '*': k.AsteriskToken, '/': k.SlashToken, '%': k.PercentToken,
    '**': k.AsteriskAsteriskToken, '<': k.LessThanToken, '<=': k.LessThanEqualsToken, '>': k.GreaterThanToken,
    '>=': k.GreaterThanEqualsToken, '===': k.EqualsEqualsEqualsToken, '!==': k.ExclamationEqualsEqualsToken,
  };
  const token = tokens[op];
  if (token === undefined) throw new Error(`tapeless: no infix token for ${op}`);
  return token;
}
