import type * as ts from 'typescript';
import type { NameAllocator } from '../ir/names';
import { type RuntimeSources, readRuntimeSource } from '../driver/runtime-source';
import { walk } from '../frontend/walk';
import { Syntax, detachedCopy } from './syntax';
import { zeros } from './builtins';
import type { Shape } from '../ir/shapes';

/** A parameter differentiated with respect to: its name, and its declared shape. */
export interface Selected {
  readonly name: string;
  readonly shape?: Shape;
}

export type DriverName =
  'jacobianByStarts' | 'seededByDriver' | 'jacobianOfColumns' | 'jacobianOfRow' | 'jacobian' | 'gradientByColumns' | 'snapshot' | 'instances';

/**
 * How a Jacobian's (or a Hessian's) tangent function computes columns: `lanes` per pass, the
 * lanes seeded with unit tangents in the generated code, as `constants` (one pass computes
 * every column) or from the index of the pass's first column (`start`, its last parameter),
 * or given as tangent parameters by the driver (`driver`).
 */
export interface VectorColumns {
  readonly lanes: number;
  readonly seeding: 'constants' | 'start' | 'driver';
}

/**
 * The code around a generated derivative that lays out `jacobian` and `hessian` results
 * and makes `vjp`'s pullback:
 * calls of the drivers of `runtime/drivers.ts`, whose source (as compiled JavaScript) is
 * copied into the file that uses them, renamed where their names are taken.
 */
export class Drivers {
  private readonly used = new Map<string, string>();

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly factory: ts.NodeFactory,
    private readonly names: () => NameAllocator,
    /** runtime/drivers.js, parsed (once per program: see loadDrivers). */
    private readonly load: () => ts.SourceFile,
  ) {}

  /**
   * The columns of a Jacobian from vector pushforwards: where the lanes are seeded with
   * constants (lane j with 1 in the j-th selected number), one call, `jacobianOfColumns(tangent(…params))`;
   * otherwise passes from column 0 on, `jacobianByStarts(passes, [selected…], lanes)` (see `passes`).
   * Into `out` where it is given (`jacobianInto`, `hessianInto`), as each driver's last argument.
   */
  columns(tangentName: string, params: readonly string[], selected: readonly Selected[], columns: VectorColumns, out: string | undefined): ts.Expression {
    const { factory } = this;
    if (columns.seeding === 'constants') {
      const call = this.call(tangentName, this.list(params).elements);
      return factory.createCallExpression(this.use('jacobianOfColumns'), undefined, [
        columns.lanes === 1 ? factory.createArrayLiteralExpression([call]) : call,
        ...this.out(out),
      ]);
    }
    return factory.createCallExpression(this.use('jacobianByStarts'), undefined, [
      this.passes(tangentName, params, selected, columns),
      this.inputs(selected),
      factory.createNumericLiteral(columns.lanes),
      ...this.out(out),
    ]);
  }

  /**
   * `jacobian((start) => …, (dy) => vjp(…params, dy), [selected…], () => value(…params), lanes)`:
   * one pass of columns, or else columns or rows, whichever are fewer.
   */
  columnsOrRows(
    tangentName: string,
    vjpName: string,
    valueName: string,
    params: readonly string[],
    selected: readonly Selected[],
    columns: VectorColumns,
    out: string | undefined,
  ): ts.Expression {
    const { factory } = this;
    const cotangent = factory.createUniqueName('dy');
    const gradientOf = factory.createArrowFunction(
      undefined,
      undefined,
      [factory.createParameterDeclaration(undefined, undefined, cotangent)],
      undefined,
      undefined,
      this.call(vjpName, [...this.list(params).elements, cotangent]),
    );
    const output = factory.createArrowFunction(undefined, undefined, [], undefined, undefined, this.call(valueName, this.list(params).elements));
    return factory.createCallExpression(this.use('jacobian'), undefined, [
      this.passes(tangentName, params, selected, columns),
      gradientOf,
      this.inputs(selected),
      output,
      factory.createNumericLiteral(columns.lanes),
      ...this.out(out),
    ]);
  }

  /**
   * The pass of the lanes from column `start` on: `(start) => tangent(…params, start)` where
   * the generated code seeds them, else
   * `seededByDriver((seeds) => tangent(…params, seeds[0][0], …, seeds[1][0], …), [selected…], lanes)`.
   */
  private passes(tangentName: string, params: readonly string[], selected: readonly Selected[], columns: VectorColumns): ts.Expression {
    if (columns.seeding === 'start') return this.fromStart(tangentName, params, columns.lanes);
    return this.factory.createCallExpression(this.use('seededByDriver'), undefined, [
      this.seedsOf(tangentName, params, selected, columns.lanes),
      this.inputs(selected),
      this.factory.createNumericLiteral(columns.lanes),
    ]);
  }

  /** `(start) => tangent(…params, start)`: the lanes from column `start` on. */
  private fromStart(tangentName: string, params: readonly string[], lanes: number): ts.ArrowFunction {
    const { factory } = this;
    const start = factory.createUniqueName('start');
    const call = this.call(tangentName, [...this.list(params).elements, start]);
    return factory.createArrowFunction(
      undefined,
      undefined,
      [factory.createParameterDeclaration(undefined, undefined, start)],
      undefined,
      undefined,
      lanes === 1 ? factory.createArrayLiteralExpression([call]) : call,
    );
  }

  /** `(seeds) => tangent(…params, seeds[0][0], seeds[0][1], …, seeds[1][0], …)`: the tangents lane by lane. */
  private seedsOf(tangentName: string, params: readonly string[], selected: readonly Selected[], lanes: number): ts.ArrowFunction {
    const { factory } = this;
    const seeds = factory.createUniqueName('seeds');
    const tangents = Array.from({ length: lanes }, (_, lane) =>
      selected.map((_, i) => factory.createElementAccessExpression(factory.createElementAccessExpression(seeds, lane), i)),
    ).flat();
    const call = this.call(tangentName, [...this.list(params).elements, ...tangents]);
    // One lane's pushforward returns its tangent, not a list of lanes.
    const columns = lanes === 1 ? factory.createArrayLiteralExpression([call]) : call;
    return factory.createArrowFunction(undefined, undefined, [factory.createParameterDeclaration(undefined, undefined, seeds)], undefined, undefined, columns);
  }

  /**
   * A gradient by forward mode: `gradientByColumns(tangentOf, [selected…])`, then its only
   * entry (`[0]`) or the tuple, after the value (`[value(…params), …]`) for valueAndGrad.
   */
  forwardGradient(tangentName: string, valueName: string | undefined, params: readonly string[], selected: readonly Selected[], tuple: boolean): ts.Expression {
    const { factory } = this;
    const gradients = factory.createCallExpression(this.use('gradientByColumns'), undefined, [
      this.tangentOf(tangentName, params, selected),
      this.inputs(selected),
    ]);
    const gradient = tuple ? gradients : factory.createElementAccessExpression(gradients, 0);
    return valueName ? factory.createArrayLiteralExpression([this.call(valueName, this.list(params).elements), gradient]) : gradient;
  }

  /**
   * `[value(…params), (dy) => pullback(…params, dy)]`, where the parameters that may hold
   * arrays or objects (`copied`) are copies taken now: `((x) => (dy) => pullback(x, k, dy))(snapshot(x))`.
   */
  valueAndPullback(valueName: string, pullbackName: string, params: readonly string[], copied: readonly string[]): ts.Expression {
    const { factory } = this;
    const cotangent = factory.createUniqueName('dy');
    const pullback = factory.createArrowFunction(
      undefined,
      undefined,
      [factory.createParameterDeclaration(undefined, undefined, cotangent)],
      undefined,
      undefined,
      this.call(pullbackName, [...this.list(params).elements, cotangent]),
    );
    const kept =
      copied.length === 0
        ? pullback
        : factory.createCallExpression(
            factory.createParenthesizedExpression(factory.createArrowFunction(undefined, undefined, this.parameters(copied), undefined, undefined, pullback)),
            undefined,
            copied.map((name) => factory.createCallExpression(this.use('snapshot'), undefined, [factory.createIdentifier(name)])),
          );
    return factory.createArrayLiteralExpression([this.call(valueName, this.list(params).elements), kept]);
  }

  /** `(tangents) => tangent(…params, tangents[0], …)` */
  private tangentOf(tangentName: string, params: readonly string[], selected: readonly Selected[]): ts.ArrowFunction {
    const { factory } = this;
    const tangents = factory.createUniqueName('tangents');
    const call = this.call(tangentName, [...this.list(params).elements, ...selected.map((_, i) => factory.createElementAccessExpression(tangents, i))]);
    return factory.createArrowFunction(undefined, undefined, [factory.createParameterDeclaration(undefined, undefined, tangents)], undefined, undefined, call);
  }

  private call(name: string, args: readonly ts.Expression[]): ts.CallExpression {
    return this.factory.createCallExpression(this.factory.createIdentifier(name), undefined, args);
  }

  /**
   * `[selected…]` as the drivers flatten them: an object (or an array of them) as a zero of its
   * declared shape, whose fields are those the derivatives have. The argument itself may hold
   * more (a subclass's instance, a literal with other fields), which would be columns of their
   * own; numbers and arrays of numbers as they are.
   */
  private inputs(selected: readonly Selected[]): ts.ArrayLiteralExpression {
    const syntax = new Syntax({ ts: this.ts, factory: this.factory });
    return this.factory.createArrayLiteralExpression(
      selected.map(({ name, shape }) => {
        const value = this.factory.createIdentifier(name);
        return shape && holdsObject(shape) ? zeros(syntax, shape, value) : value;
      }),
    );
  }

  private list(names: readonly string[]): ts.ArrayLiteralExpression {
    return this.factory.createArrayLiteralExpression(names.map((name) => this.factory.createIdentifier(name)));
  }

  /** `jacobianOfRow(gradient(…params), out?)`: the one row of the Jacobian of a function returning a number. */
  gradientRow(gradientName: string, params: readonly string[], out: string | undefined): ts.Expression {
    const { factory } = this;
    return factory.createCallExpression(this.use('jacobianOfRow'), undefined, [this.call(gradientName, this.list(params).elements), ...this.out(out)]);
  }

  /** `name(…params)`: generated code that lays out its result itself. */
  direct(name: string, params: readonly string[]): ts.Expression {
    return this.call(name, this.list(params).elements);
  }

  /** The matrix `jacobianInto` and `hessianInto` write into, as the drivers' last argument. */
  private out(out: string | undefined): ts.Expression[] {
    return out ? [this.factory.createIdentifier(out)] : [];
  }

  /** `const name = value;` */
  constant(name: string, value: ts.Expression): ts.Statement {
    const { factory } = this;
    return factory.createVariableStatement(
      undefined,
      factory.createVariableDeclarationList([factory.createVariableDeclaration(name, undefined, undefined, value)], this.ts.NodeFlags.Const),
    );
  }

  /** `(…params) => { …statements; return result; }` */
  arrow(params: readonly ts.ParameterDeclaration[], statements: readonly ts.Statement[], result: ts.Expression): ts.ArrowFunction {
    const { factory } = this;
    return factory.createArrowFunction(
      undefined,
      undefined,
      params,
      undefined,
      undefined,
      factory.createBlock([...statements, factory.createReturnStatement(result)], true),
    );
  }

  /** `function name(…params) { return result; }` */
  declaration(name: string, params: readonly ts.ParameterDeclaration[], result: ts.Expression): ts.FunctionDeclaration {
    const { factory } = this;
    return factory.createFunctionDeclaration(
      undefined,
      undefined,
      name,
      undefined,
      params,
      undefined,
      factory.createBlock([factory.createReturnStatement(result)], true),
    );
  }

  /** The copies of the drivers this file calls, and of the drivers they call. */
  declarations(): ts.FunctionDeclaration[] {
    const { ts, factory } = this;
    if (this.used.size === 0) return [];
    const source = this.load();
    // An arrow's `=>` is a token of the drivers' file too: its position would take a comment of this file.
    const arrow = (copied: ts.ArrowFunction) =>
      factory.updateArrowFunction(
        copied,
        copied.modifiers,
        copied.typeParameters,
        copied.parameters,
        copied.type,
        factory.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
        copied.body,
      );
    // A copy made of new nodes (the originals' positions are in another file's text), calling the drivers by this file's names.
    const copy = (node: ts.Node): ts.Node =>
      detachedCopy(ts, factory, node, (inner, copyChildren) =>
        ts.isArrowFunction(inner)
          ? arrow(ts.visitEachChild(inner, copyChildren, undefined))
          : ts.isIdentifier(inner)
            ? factory.createIdentifier(this.used.get(inner.text) ?? inner.text)
            : undefined,
      );
    return source.statements.flatMap((statement) => {
      if (!ts.isFunctionDeclaration(statement) || !statement.name || !this.used.has(statement.name.text)) return [];
      const copied = copy(statement) as ts.FunctionDeclaration;
      return [factory.updateFunctionDeclaration(copied, undefined, copied.asteriskToken, copied.name, undefined, copied.parameters, undefined, copied.body)];
    });
  }

  /** A parameter declaration per name. */
  private parameters(params: readonly string[]): ts.ParameterDeclaration[] {
    return params.map((param) => this.factory.createParameterDeclaration(undefined, undefined, param));
  }

  /** The name this file calls a driver by, for generated code that calls it itself (see backend/instances.ts). */
  nameOf(driver: DriverName): string {
    return this.use(driver).text;
  }

  /** The name this file calls a driver by, with every driver it calls taken along. */
  private use(driver: DriverName): ts.Identifier {
    this.include(driver);
    return this.factory.createIdentifier(this.used.get(driver)!);
  }

  private include(name: string): void {
    if (this.used.has(name)) return;
    this.used.set(name, this.names().fresh(name));
    const { ts } = this;
    const declaration = this.load().statements.find(
      (statement): statement is ts.FunctionDeclaration => ts.isFunctionDeclaration(statement) && statement.name?.text === name,
    );
    if (!declaration) throw new Error(`tapeless: no driver '${name}' in runtime/drivers.js`);
    walk(ts, declaration.body!, (node) => {
      if (ts.isIdentifier(node) && this.isDriver(node.text) && node.text !== name && !ts.isFunctionDeclaration(node.parent)) this.include(node.text);
    });
  }

  private isDriver(name: string): boolean {
    return this.load().statements.some((statement) => this.ts.isFunctionDeclaration(statement) && statement.name?.text === name);
  }
}

/** The source of the drivers, runtime/drivers.js as compiled, parsed as JavaScript. */
export function loadDrivers(tsApi: typeof ts, given?: RuntimeSources): ts.SourceFile {
  const { fileName, text } = readRuntimeSource('drivers', given);
  return tsApi.createSourceFile(fileName, text, tsApi.ScriptTarget.Latest, true, tsApi.ScriptKind.JS);
}

/** Whether a shape holds an object anywhere (where a value may have fields its type does not name). */
function holdsObject(shape: Shape): boolean {
  return shape.kind === 'object' || (shape.kind === 'array' && holdsObject(shape.element));
}
