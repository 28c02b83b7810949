import type * as ts from 'typescript';
import type { OpName } from '../ops/registry';

/**
 * The pieces of TypeScript syntax emit builds its statements from: numbers, declarations,
 * assignments, slots of a record, and arrays grown when full.
 */
export class Syntax {
  readonly factory: ts.NodeFactory;
  readonly ts: typeof ts;

  constructor(context: { readonly ts: typeof ts; readonly factory: ts.NodeFactory }) {
    this.factory = context.factory;
    this.ts = context.ts;
  }

  /**
   * `if (array.length < needed) { array = a copy twice as long }`; `fresh`: exactly as long as
   * needed, not a copy (a loop's record, sized before the loop, holds nothing yet); `extend`:
   * a copy at least as long as needed (the load stream, before a loop that appends to it).
   */
  grow(arrayName: string, needed: ts.Expression, size: 'double' | 'fresh' | 'extend' = 'double'): ts.Statement[] {
    const { factory, ts } = this;
    const array = () => factory.createIdentifier(arrayName);
    const doubled = () =>
      factory.createBinaryExpression(this.number(2), ts.SyntaxKind.AsteriskToken, factory.createPropertyAccessExpression(array(), 'length'));
    const length =
      size === 'double'
        ? doubled()
        : size === 'fresh'
          ? needed
          : factory.createCallExpression(factory.createPropertyAccessExpression(factory.createIdentifier('Math'), 'max'), undefined, [doubled(), needed]);
    const full = factory.createBinaryExpression(factory.createPropertyAccessExpression(array(), 'length'), ts.SyntaxKind.LessThanToken, needed);
    const grown = factory.createUniqueName('grown');
    const grow = factory.createBlock(
      [
        this.declare(grown, factory.createNewExpression(factory.createIdentifier('Float64Array'), undefined, [length]), true),
        ...(size === 'fresh'
          ? []
          : [factory.createExpressionStatement(factory.createCallExpression(factory.createPropertyAccessExpression(grown, 'set'), undefined, [array()]))]),
        this.assign(arrayName, grown),
      ],
      true,
    );
    return [factory.createIfStatement(full, grow)];
  }

  slot(array: string, index: string | ts.Expression, stride: number, j: number): ts.Expression {
    const { factory, ts } = this;
    const pass = typeof index === 'string' ? factory.createIdentifier(index) : index;
    const base = stride === 1 ? pass : factory.createBinaryExpression(pass, ts.SyntaxKind.AsteriskToken, this.number(stride));
    const position = j === 0 ? base : factory.createBinaryExpression(base, ts.SyntaxKind.PlusToken, this.number(j));
    return factory.createElementAccessExpression(factory.createIdentifier(array), position);
  }

  /** `value === undefined ? 1 : 0`: the number a record keeps for whether a value was undefined. */
  isUndefined(value: ts.Expression): ts.Expression {
    const { factory, ts } = this;
    const test = factory.createBinaryExpression(value, ts.SyntaxKind.EqualsEqualsEqualsToken, factory.createIdentifier('undefined'));
    return factory.createConditionalExpression(test, undefined, this.number(1), undefined, this.number(0));
  }

  declare(name: string | ts.Identifier, value: ts.Expression | undefined, constant: boolean): ts.VariableStatement {
    const { factory, ts } = this;
    return factory.createVariableStatement(
      undefined,
      factory.createVariableDeclarationList(
        [factory.createVariableDeclaration(name, undefined, undefined, value)],
        constant ? ts.NodeFlags.Const : ts.NodeFlags.Let,
      ),
    );
  }

  assign(target: string | ts.Expression, value: ts.Expression): ts.ExpressionStatement {
    const { factory } = this;
    return factory.createExpressionStatement(factory.createAssignment(typeof target === 'string' ? factory.createIdentifier(target) : target, value));
  }

  number(value: number): ts.Expression {
    const { factory, ts } = this;
    if (Number.isNaN(value)) return factory.createIdentifier('NaN');
    const magnitude = Math.abs(value) === Infinity ? factory.createIdentifier('Infinity') : factory.createNumericLiteral(Math.abs(value));
    return value < 0 || Object.is(value, -0) ? factory.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, magnitude) : magnitude;
  }

  parenthesized(expression: ts.Expression): ts.Expression {
    return this.ts.isBinaryExpression(expression) || this.ts.isConditionalExpression(expression)
      ? this.factory.createParenthesizedExpression(expression)
      : expression;
  }
}

/** A new node for a literal or a name, which the printer would otherwise read from the text of the file it prints. */
function freshLeaf(tsApi: typeof ts, factory: ts.NodeFactory, node: ts.Node): ts.Node | undefined {
  if (tsApi.isIdentifier(node)) return factory.createIdentifier(node.text);
  if (tsApi.isNumericLiteral(node)) return factory.createNumericLiteral(node.text);
  if (tsApi.isBigIntLiteral(node)) return factory.createBigIntLiteral(node.text);
  // Quoted as the user quoted it.
  if (tsApi.isStringLiteral(node)) return factory.createStringLiteral(node.text, node.pos < 0 || !node.parent || node.getText().startsWith("'"));
  if (tsApi.isRegularExpressionLiteral(node)) return factory.createRegularExpressionLiteral(node.text);
  if (tsApi.isNoSubstitutionTemplateLiteral(node)) return factory.createNoSubstitutionTemplateLiteral(node.text, node.rawText);
  if (tsApi.isTemplateHead(node)) return factory.createTemplateHead(node.text, node.rawText);
  if (tsApi.isTemplateMiddle(node)) return factory.createTemplateMiddle(node.text, node.rawText);
  if (tsApi.isTemplateTail(node)) return factory.createTemplateTail(node.text, node.rawText);
  return undefined;
}

/**
 * A copy of `node` made of new nodes, without positions or comments: code copied from the
 * user's source into generated code may come from another file than the one printed, whose
 * text the printer would read its literals and comments from. `replace` gives a node's copy
 * first, where it is not a plain copy (`copy` copies its children).
 */
export function detachedCopy(
  tsApi: typeof ts,
  factory: ts.NodeFactory,
  node: ts.Node,
  replace: (node: ts.Node, copy: (inner: ts.Node) => ts.Node) => ts.Node | undefined = () => undefined,
): ts.Node {
  const copy = (inner: ts.Node): ts.Node => {
    const copied = replace(inner, copy) ?? freshLeaf(tsApi, factory, inner) ?? tsApi.visitEachChild(inner, copy, undefined);
    tsApi.setTextRange(copied, { pos: -1, end: -1 });
    return tsApi.setEmitFlags(copied, tsApi.EmitFlags.NoComments);
  };
  return copy(node);
}

export function path(factory: ts.NodeFactory, names: readonly string[]): ts.Expression {
  return names.slice(1).reduce<ts.Expression>((object, name) => factory.createPropertyAccessExpression(object, name), factory.createIdentifier(names[0]));
}

export function infixToken(tsApi: typeof ts, op: OpName): ts.BinaryOperator {
  const k = tsApi.SyntaxKind;
  const tokens: Partial<Record<OpName, ts.BinaryOperator>> = {
    '+': k.PlusToken,
    '-': k.MinusToken,
    '*': k.AsteriskToken,
    '/': k.SlashToken,
    '%': k.PercentToken,
    '**': k.AsteriskAsteriskToken,
    '<<': k.LessThanLessThanToken,
    '>>': k.GreaterThanGreaterThanToken,
    '>>>': k.GreaterThanGreaterThanGreaterThanToken,
    '&': k.AmpersandToken,
    '|': k.BarToken,
    '^': k.CaretToken,
    '<': k.LessThanToken,
    '<=': k.LessThanEqualsToken,
    '>': k.GreaterThanToken,
    '>=': k.GreaterThanEqualsToken,
    '===': k.EqualsEqualsEqualsToken,
    '!==': k.ExclamationEqualsEqualsToken,
    '==': k.EqualsEqualsToken,
    or: k.BarBarToken,
    and: k.AmpersandAmpersandToken,
  };
  const token = tokens[op];
  if (token === undefined) throw new Error(`tapeless: no infix token for ${op}`);
  return token;
}

export function prefixToken(tsApi: typeof ts, op: OpName): ts.PrefixUnaryOperator {
  const k = tsApi.SyntaxKind;
  const tokens: Partial<Record<OpName, ts.PrefixUnaryOperator>> = { negate: k.MinusToken, not: k.ExclamationToken, bitNot: k.TildeToken };
  const token = tokens[op];
  if (token === undefined) throw new Error(`tapeless: no prefix token for ${op}`);
  return token;
}
