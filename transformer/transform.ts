import * as path from 'path';
import type * as ts from 'typescript';
import { Code, TapelessError, fail, toDiagnostic } from './driver/diagnostics';
import { derivedFrom } from './driver/derived-from';
import { type DirectEffects, calledFunction, isInside, mayWriteArguments } from './frontend/effects';
import { emitArrowFunction, emitFunctionDeclaration } from './backend/emit';
import { Builder } from './ir/builder';
import { Drivers, loadDrivers } from './backend/drivers';
import { forward } from './modes/forward';
import { type Callee, type Func, type Let, type Operand, type Ref, num, shapeOfValue, variable } from './ir/ir';
import { type LowerEnv, isNumberType, lowerFunction } from './frontend/lower/lower';
import { NameAllocator } from './ir/names';
import { type ApiCall, type Request, type Target, apiNameOf, findApiCalls, isDifferentiatingCall, resolveRequest, resolveTarget, skipConstAssertion } from './frontend/requests';
import { reverse } from './modes/reverse/reverse';
import { type RuleSet, loadRules } from './ops/rules';
import { shapeOf } from './ir/shapes';
import { simplify } from './passes/simplify';
import { walk } from './frontend/walk';

export interface TransformOptions {
  /** Receives every diagnostic: hosts turn them into build errors. */
  readonly report: (diagnostic: ts.Diagnostic) => void;
  /**
   * How `grad` and `valueAndGrad` are computed: by reverse mode (the default), or by forward
   * mode, one pushforward per input number — the test suite's oracle for reverse mode.
   */
  readonly gradients?: 'reverse' | 'forward';
  /** Sees each generated function (the CLI prints them). */
  readonly onGenerated?: (generated: { readonly target: string; readonly api: string; readonly node: ts.Node; readonly file: ts.SourceFile }) => void;
  /**
   * Sees each API call rewritten, with the functions generated for it (also where an earlier
   * call generated them): the language service shows them on hover.
   */
  readonly onRewritten?: (rewritten: { readonly call: ts.CallExpression; readonly generated: readonly ts.Node[] }) => void;
  /**
   * Receives, for each file with API calls, the source files its generated code is derived
   * from (see derived-from.ts): hosts rebuild the file when one of them changes.
   */
  readonly onDerivedFrom?: (file: ts.SourceFile, sources: readonly ts.SourceFile[]) => void;
}

/**
 * The tapeless transform of one program, as a TypeScript `before` transformer: every
 * `grad(f)` / `valueAndGrad(f)` call becomes generated gradient code. Host-independent:
 * the hosts in ./hosts only adapt it.
 */
export function createTransformer(tsApi: typeof ts, program: ts.Program, options: TransformOptions): ts.TransformerFactory<ts.SourceFile> {
  let rules: RuleSet | undefined;
  const getRules = () => (rules ??= loadRules(tsApi));
  let drivers: ts.SourceFile | undefined;
  const getDrivers = () => (drivers ??= loadDrivers(tsApi));
  return (context) => (file) => {
    try {
      return new FileTransform(tsApi, program, context, file, getRules, getDrivers, options).run();
    } catch (error) {
      options.report(toDiagnostic(tsApi, file, Code.Internal, `internal error while transforming this file: ${(error as Error).message}. Please report it.`));
      return file;
    }
  };
}

/** A generated function's IR, with the names it uses, for modes that differentiate it again. */
interface Derived {
  readonly func: Func;
  readonly names: NameAllocator;
}

/** A function generated for this file, shared by every request with the same key. */
interface Generated {
  readonly name: string;
  /** Absent for code generated in place; set late for a pullback (which may call itself). */
  declaration?: ts.FunctionDeclaration;
}

class FileTransform {
  private readonly factory: ts.NodeFactory;
  private readonly replacements = new Map<ts.Node, ts.Expression>();
  private readonly generated = new Map<string, Generated>();
  private readonly namespaceImports = new Map<ts.SourceFile, { name: string; specifier: string }>();
  private fileNames: NameAllocator | undefined;
  /** The IR of generated functions that other generated code calls (pullbacks, inner gradients). */
  private readonly derived = new Map<string, Derived>();
  /** The generated functions announced for each request key, for onRewritten. */
  private readonly announced = new Map<string, ts.Node[]>();
  private readonly drivers: Drivers;

  private readonly checker: ts.TypeChecker;
  /** Diagnostics reported already: a function that several requests differentiate reports once. */
  private readonly reported = new Set<string>();
  /** What each function called from differentiated code writes (see effects.ts). */
  private readonly effects = new Map<ts.Node, DirectEffects>();

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly program: ts.Program,
    context: ts.TransformationContext,
    private readonly file: ts.SourceFile,
    private readonly rules: () => RuleSet,
    drivers: () => ts.SourceFile,
    private readonly options: TransformOptions,
  ) {
    this.factory = context.factory;
    this.checker = program.getTypeChecker();
    this.drivers = new Drivers(ts, this.factory, () => this.names(), drivers);
  }

  private report(diagnostic: ts.Diagnostic): void {
    const key = `${diagnostic.file?.fileName}|${diagnostic.start}|${diagnostic.code}|${diagnostic.messageText}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.options.report(diagnostic);
  }

  run(): ts.SourceFile {
    const { ts, factory } = this;
    const calls = findApiCalls(ts, this.checker, this.file, (node, api) =>
      this.report(toDiagnostic(ts, node, Code.Unsupported, `${api} must be called directly, as in ${api}(f): tapeless rewrites calls it can see at compile time, not calls through a cast, a variable, a property or 'new'.`)),
    );
    // stopGradient(x) outside generated code is the identity (f itself may run as primal).
    const identities = new Set<ts.Node>();
    for (const apiCall of calls) {
      const { call } = apiCall;
      try {
        if (isDifferentiatingCall(apiCall)) {
          const request = resolveRequest(ts, this.checker, call, apiCall.api);
          this.replacements.set(call, this.generate(request));
          this.options.onRewritten?.({ call, generated: this.announced.get(request.key) ?? [] });
        } else if (apiCall.api === 'withDerivative') {
          this.customRule(call);
          identities.add(call);
        } else if (call.arguments.length === 1) identities.add(call);
        else fail(call, Code.Unsupported, `${apiCall.api} takes exactly one argument.`);
      } catch (error) {
        const diagnostic =
          error instanceof TapelessError ? toDiagnostic(ts, error.node, error.code, error.message) : toDiagnostic(ts, call, Code.Internal, `internal error while differentiating this call: ${(error as Error).message}. Please report it.`);
        this.report(diagnostic);
        this.replacements.set(call, this.failedCall(diagnostic));
      }
    }
    if (calls.length > 0) this.options.onDerivedFrom?.(this.file, derivedFrom(ts, this.program, calls.map(({ call }) => call)));
    if (this.replacements.size === 0 && identities.size === 0) return this.file;
    const removedImports = this.unusedApiImports(calls, identities);
    // Only the paths down to what changes are visited: a long expression elsewhere in the
    // file would exhaust the stack of a walk through every node.
    const onPath = new Set<ts.Node>();
    for (const target of [...removedImports, ...identities, ...this.replacements.keys()]) {
      for (let node: ts.Node | undefined = target; node && !onPath.has(node); node = node.parent) onPath.add(node);
    }
    const visit = (node: ts.Node): ts.Node | undefined => {
      if (!onPath.has(node)) return node;
      if (removedImports.has(node)) return undefined;
      if (identities.has(node)) return factory.createParenthesizedExpression(ts.visitNode((node as ts.CallExpression).arguments[0], visit, ts.isExpression) as ts.Expression);
      return this.replacements.get(node) ?? ts.visitEachChild(node, visit, undefined);
    };
    const visited = ts.visitEachChild(this.file, visit, undefined);
    const imports = [...this.namespaceImports.values()].map(({ name, specifier }) =>
      this.factory.createImportDeclaration(undefined, this.factory.createImportClause(false, undefined, this.factory.createNamespaceImport(this.factory.createIdentifier(name))), this.factory.createStringLiteral(specifier)),
    );
    const declarations = [...this.generated.values()].flatMap((generated) => (generated.declaration ? [generated.declaration] : [])).concat(this.drivers.declarations());
    return this.factory.updateSourceFile(visited, [...imports, ...visited.statements, ...declarations]);
  }

  /**
   * What a call whose compile failed becomes, where a host still writes the file (tspc
   * without noEmitOnError): `(() => { throw new Error("src/f.ts:3:5 - error TS91001:
   * tapeless: …"); })()`, so that running it says what failed and where, instead of the
   * run-time stub's claim that the transformer did not run.
   */
  private failedCall(diagnostic: ts.Diagnostic): ts.Expression {
    const { ts, factory } = this;
    const file = diagnostic.file!;
    const { line, character } = file.getLineAndCharacterOfPosition(diagnostic.start!);
    const where = `${path.relative(this.program.getCurrentDirectory(), file.fileName).replace(/\\/g, '/')}:${line + 1}:${character + 1}`;
    const message = `${where} - error TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    const error = factory.createNewExpression(factory.createIdentifier('Error'), undefined, [factory.createStringLiteral(message)]);
    const thrower = factory.createArrowFunction(undefined, undefined, [], undefined, undefined, factory.createBlock([factory.createThrowStatement(error)]));
    return factory.createCallExpression(factory.createParenthesizedExpression(thrower), undefined, []);
  }

  /**
   * Imports of API functions whose every use was just rewritten: removing them leaves the
   * output free of any run-time dependency on tapeless. Returns the specifiers to drop, and
   * the import declarations left with nothing to import.
   */
  private unusedApiImports(calls: readonly ApiCall[], identities: ReadonlySet<ts.Node>): Set<ts.Node> {
    const { ts, checker } = this;
    const rewritten = new Set(calls.filter(({ call }) => this.replacements.has(call) || identities.has(call)).map(({ call }) => call.expression));
    const specifiers = new Map<ts.Symbol, ts.ImportSpecifier>();
    for (const statement of this.file.statements) {
      const bindings = ts.isImportDeclaration(statement) ? statement.importClause?.namedBindings : undefined;
      if (!bindings || !ts.isNamedImports(bindings)) continue;
      for (const specifier of bindings.elements) {
        const symbol = checker.getSymbolAtLocation(specifier.name);
        if (symbol && !specifier.isTypeOnly && apiNameOf(ts, checker, specifier.name)) specifiers.set(symbol, specifier);
      }
    }
    walk(ts, this.file, (node) => {
      if (ts.isIdentifier(node) && !ts.isImportSpecifier(node.parent)) {
        const symbol = checker.getSymbolAtLocation(node);
        if (symbol && specifiers.has(symbol) && !rewritten.has(node)) specifiers.delete(symbol);
      }
    });
    const removed = new Set<ts.Node>(specifiers.values());
    for (const specifier of specifiers.values()) {
      const declaration = specifier.parent.parent.parent;
      const clause = declaration.importClause!;
      const keeps = (clause.namedBindings as ts.NamedImports).elements.some((element) => !removed.has(element) && !element.isTypeOnly);
      if (!clause.name && !keeps && !clause.isTypeOnly) removed.add(declaration);
    }
    return removed;
  }

  private generate(request: Request): ts.Expression {
    const { ts, factory } = this;
    const existing = this.generated.get(request.key);
    if (existing) return factory.createIdentifier(existing.name);
    const context = { ts, factory, file: this.file };
    const announce = (node: ts.Node) => {
      this.announced.set(request.key, [...(this.announced.get(request.key) ?? []), node]);
      this.options.onGenerated?.({ target: request.target.name, api: request.api, node, file: this.file });
    };
    const byForward = this.options.gradients === 'forward' && (request.api === 'grad' || request.api === 'valueAndGrad') && !request.target.derived;
    if (request.api === 'hessian' || request.api === 'jacobian' || byForward) return this.matrix(request, announce);
    const { func } = this.differentiate(request);
    if (request.target.placement === 'inline') {
      const arrow = emitArrowFunction(func, context);
      announce(arrow);
      return factory.createParenthesizedExpression(arrow);
    }
    const name = this.names().fresh(generatedName(this.ts, request));
    const declaration = emitFunctionDeclaration(func, name, context);
    announce(declaration);
    this.generated.set(request.key, { name, declaration });
    return factory.createIdentifier(name);
  }

  /**
   * `jacobian` and `hessian`: a driver calls generated derivatives once per column (a
   * pushforward along each unit tangent) or once per row (a vector-Jacobian product), and
   * lays the results out. A Hessian's columns are pushforwards of the gradient (forward over
   * reverse); a Jacobian takes whichever of columns or rows are fewer.
   */
  private matrix(request: Request, announce: (node: ts.Node) => void): ts.Expression {
    const { factory } = this;
    const context = { ts: this.ts, factory, file: this.file };
    const helpers = this.matrixHelpers(request);
    const base = generatedName(this.ts, request);
    const names = helpers.map(({ suffix }) => this.names().fresh(`${base}_${suffix}`));
    const inline = request.target.placement === 'inline';
    const code = helpers.map(({ func }, i) => (inline ? emitArrowFunction(func, context) : emitFunctionDeclaration(func, names[i], context)));
    code.forEach(announce);
    const params = helpers[0].func.params.slice(0, request.target.node.parameters.length + (this.ts.isMethodDeclaration(request.target.node) ? 1 : 0)).map((param) => param.name);
    const selected = request.wrt.map((index) => params[index]);
    const kinds = helpers.map(({ suffix }) => suffix);
    const call =
      request.api === 'grad' || request.api === 'valueAndGrad'
        ? this.drivers.forwardGradient(names[0], names[1], params, selected, request.tuple)
        : kinds[0] === 'gradient'
          ? this.drivers.gradientRow(names[0], params)
          : kinds.length === 1
            ? this.drivers.columns(names[0], params, selected)
            : this.drivers.columnsOrRows(names[0], names[1], names[2], params, selected);
    if (inline) return factory.createParenthesizedExpression(this.drivers.arrow(params, code.map((arrow, i) => this.drivers.constant(names[i], arrow as ts.ArrowFunction)), call));
    const name = this.names().fresh(base);
    code.forEach((declaration, i) => this.generated.set(`${request.key}|${kinds[i]}`, { name: names[i], declaration: declaration as ts.FunctionDeclaration }));
    this.generated.set(request.key, { name, declaration: this.drivers.declaration(name, params, call) });
    return factory.createIdentifier(name);
  }

  /** The generated functions a Jacobian or Hessian driver calls, named by their suffix. */
  private matrixHelpers(request: Request): { suffix: string; func: Func }[] {
    if (request.api === 'hessian') return [{ suffix: 'tangent', func: this.tangentOfGradient(request).func }];
    const gradient = request.api === 'grad' || request.api === 'valueAndGrad';
    // One lowering serves every helper: the modes read the IR and never change it.
    const { primal, names } = this.primalOf(request.target, request.wrt, !gradient);
    const { wrt } = request;
    const tangent = () => ({ suffix: 'tangent', func: simplify(forward(primal, { wrt, withValue: false }, this.rules(), names, this.pushforwards), names) });
    const value = () => ({ suffix: 'value', func: simplify(primal, names) });
    if (gradient) return request.api === 'grad' ? [tangent()] : [tangent(), value()];
    if (request.target.derived) return [tangent()];
    const result = primal.result as Operand;
    const seed = Array.isArray(primal.result) || result.kind !== 'var' || !shapeOfValue(primal, result.name) ? undefined : names.fresh('dy');
    const vjp = simplify(reverse(primal, { wrt, tuple: true, withValue: false, ...(seed ? { seed } : {}) }, this.rules(), names, this.pullbacks), names);
    // A number result: its gradient is the one row. An array result: columns or rows.
    return seed ? [tangent(), { suffix: 'vjp', func: vjp }, value()] : [{ suffix: 'gradient', func: vjp }];
  }

  /** The pipeline: lower -> (analyse +) differentiate -> simplify. */
  private differentiate(request: Request): Derived {
    const { primal, names } = this.primalOf(request.target, request.wrt, request.api === 'derivative' || request.api === 'jvp');
    const self = request.target.derived ? undefined : request.target.node;
    switch (request.api) {
      case 'grad':
      case 'valueAndGrad': {
        if (request.target.derived) return { func: simplify(this.forwardGradient(primal, names, this.derivedCallee(request.target), request.wrt, { tuple: request.tuple, withValue: request.api === 'valueAndGrad' }, request.call), names), names };
        const gradient = reverse(primal, { wrt: request.wrt, tuple: request.tuple, withValue: request.api === 'valueAndGrad' }, this.rules(), names, this.pullbacks);
        return { func: simplify(gradient, names), names };
      }
      case 'derivative': {
        const index = request.wrt[0];
        if (primal.params[index].shape) fail(self?.parameters[index] ?? request.call, Code.BadType, 'derivative() differentiates with respect to one number; for an array or object use jvp() or jacobian().');
        return { func: simplify(forward(primal, { wrt: request.wrt, seeds: new Map([[index, num(1)]]), withValue: false }, this.rules(), names, this.pushforwards), names), names };
      }
      case 'jvp':
        return { func: simplify(jvpOf(forward(primal, { wrt: primal.params.map((_, i) => i), withValue: true }, this.rules(), names, this.pushforwards), names), names), names };
      default:
        throw new Error(`tapeless: ${request.api} is generated by a driver`);
    }
  }

  /** The pushforward of the gradient (forward over reverse): a Hessian's columns. */
  private tangentOfGradient(request: Request): Derived {
    if (request.target.derived) fail(request.call, Code.Unsupported, `${request.api}() of a function that is itself generated is not supported: apply it to the original function.`);
    const { func, names } = this.differentiate({ ...request, api: 'grad' });
    return { func: simplify(forward(func, { wrt: request.wrt, withValue: false }, this.rules(), names, this.pushforwards), names), names };
  }

  /**
   * The gradient of a generated function (`grad(grad(g))`, or the pullback of a call such as
   * `grad(g)(x)`): reverse mode does not differentiate reverse sweeps again, so each selected
   * number gets a pushforward seeded with 1 (times `seed`, the adjoint of a pullback).
   */
  private forwardGradient(primal: Func, names: NameAllocator, callee: Callee, wrt: readonly number[], result: { tuple: boolean; withValue: boolean; seed?: string }, at: ts.Node): Func {
    if (Array.isArray(primal.result)) fail(at, Code.BadTarget, 'the generated function returns several numbers (a tuple of gradients): select one parameter with wrt in the inner call, or use hessian().');
    if (wrt.length === 1 && !result.seed && !primal.params[wrt[0]].shape) return forward(primal, { wrt, seeds: new Map([[wrt[0], num(1)]]), withValue: result.withValue }, this.rules(), names, this.pushforwards);
    const out = new Builder(names);
    const args = primal.params.map((param) => variable(param.name));
    const pairs = wrt.map((index) => {
      if (primal.params[index].shape) fail(at, Code.BadType, 'the gradient of a generated function is taken with respect to numbers only; for arrays use hessian() of the original function.');
      const name = this.pushforwards(callee, [index]);
      return out.op('call', [...args, num(1)], { role: 'temp' }, { key: `pushforward:${name}`, name, ref: { kind: 'ref', path: [name] } });
    });
    const gradients = pairs.map((pair) => {
      const tangent = out.op('element', [pair, num(1)], { role: 'temp' });
      return result.seed ? out.op('*', [tangent, variable(result.seed)], { role: 'temp' }) : tangent;
    });
    const gradient = result.tuple ? gradients : gradients[0];
    return {
      name: primal.name,
      params: [...primal.params, ...(result.seed ? [{ name: result.seed }] : [])],
      body: out.stmts,
      result: result.withValue ? [out.op('element', [pairs[0], num(0)], { role: 'temp' }), gradient] : gradient,
      origin: primal.origin,
    };
  }

  /** The IR of the function a request differentiates: lowered from source, or generated. */
  private primalOf(target: Target, wrt: readonly number[], arrayResult = false): { primal: Func; names: NameAllocator } {
    if (!target.derived) return this.lowerTarget(target, wrt, arrayResult);
    const { func, names } = this.derivedFunction(target.derived);
    return { primal: func, names };
  }

  /** A generated function that is differentiated again: generated once per file. */
  private derivedFunction(request: Request): Derived {
    const key = `derived:${request.key}`;
    let derived = this.derived.get(key);
    if (!derived) this.derived.set(key, (derived = this.differentiate(request)));
    return derived;
  }

  /** A call of a generated function (`grad(g)(x)` or the target of `grad(grad(g))`): its IR is known by key. */
  private derivedCallee(target: Target): Callee {
    this.derivedFunction(target.derived!);
    return { key: `derived:${target.derived!.key}`, name: target.name, ref: { kind: 'ref', path: [target.name] } };
  }

  private lowerTarget(target: Target, wrt: readonly number[], arrayResult = false): { primal: Func; names: NameAllocator } {
    // A method's IR function takes `this` first.
    const self = this.ts.isMethodDeclaration(target.node) ? 1 : 0;
    for (const index of wrt) {
      if (index < self) continue;
      const param = target.node.parameters[index - self];
      const type = this.checker.getTypeAtLocation(param);
      if (!shapeOf(this.ts, this.checker, type)) {
        fail(param, Code.BadType, `cannot differentiate with respect to '${param.name.getText()}' of type '${this.checker.typeToString(type)}': tapeless differentiates with respect to numbers (select other parameters with 'wrt').`);
      }
    }
    const names = this.functionNames(target);
    const env: LowerEnv = {
      ts: this.ts,
      checker: this.checker,
      names,
      outer: (identifier, within) => this.outer(identifier, (within?.target as Target | undefined) ?? target),
      apiName: (callee) => apiNameOf(this.ts, this.checker, callee),
      isLibrary: (file) => this.program.isSourceFileDefaultLibrary(file),
      callee: (call, within) => this.callee(call, (within?.target as Target | undefined) ?? target),
      arrayResult,
    };
    return { primal: lowerFunction(target.node, env, target.name), names };
  }

  /**
   * The pullback of a function that differentiated code calls: `h_pullback(…args, dy)`
   * returns the adjoints of the selected arguments. A recursive function's pullback calls
   * itself. Generated code (an inner gradient) has no reverse sweep of its own: its pullback
   * is made of pushforwards.
   */
  private readonly pullbacks = (callee: Callee, wrt: readonly number[]): string =>
    this.companion('pullback', callee, wrt, (primal, names, generated) => {
      const result = { tuple: wrt.length > 1, withValue: false, seed: names.fresh('dy') };
      return generated
        ? this.forwardGradient(primal, names, callee, wrt, result, primal.origin!)
        : reverse(primal, { wrt, ...result, gradientsInto: true }, this.rules(), names, this.pullbacks);
    });

  /**
   * The pushforward of a function that differentiated code calls: `h_pushforward(…args,
   * …tangents)` returns `[value, tangent]`.
   */
  private readonly pushforwards = (callee: Callee, wrt: readonly number[]): string =>
    this.companion('pushforward', callee, wrt, (primal, names) => forward(primal, { wrt, withValue: true }, this.rules(), names, this.pushforwards));

  /**
   * A pullback or pushforward of a called function, generated once per file and selection,
   * from the function's source or, for generated code (a pullback, an inner gradient), from
   * its IR; `differentiate` makes it from the IR. Its IR is kept, for higher orders.
   */
  private companion(kind: 'pullback' | 'pushforward', callee: Callee, wrt: readonly number[], differentiate: (primal: Func, names: NameAllocator, generated: boolean) => Func): string {
    const key = `${kind}|${callee.key}|${wrt.join(',')}`;
    const existing = this.generated.get(key);
    if (existing) return existing.name;
    const derived = this.derived.get(callee.key);
    if (!callee.target && !derived) this.withoutSource(callee);
    const target = callee.target as Target;
    const params = derived ? derived.func.params.map((param) => param.name) : [...(callee.method ? ['this'] : []), ...target.node.parameters.map((param, index) => parameterLabel(this.ts, param, index))];
    const all = wrt.length === params.length;
    const name = this.names().fresh(`${callee.name}_${kind}${all ? '' : `_wrt_${wrt.map((i) => params[i]).join('_')}`}`);
    // Registered before it is made: a recursive function's companion calls itself.
    const generated: Generated = { name };
    this.generated.set(key, generated);
    let func: Func;
    try {
      const { primal, names } = derived ? { primal: derived.func, names: derived.names } : this.lowerTarget(target, wrt);
      func = simplify(differentiate(primal, names, derived !== undefined), names);
      this.derived.set(`${kind}:${name}`, { func, names });
      generated.declaration = emitFunctionDeclaration(func, name, { ts: this.ts, factory: this.factory, file: this.file });
    } catch (error) {
      // Another request that needs it must fail the same way, not call a function never emitted.
      this.generated.delete(key);
      throw error;
    }
    this.options.onGenerated?.({ target: callee.name, api: kind, node: generated.declaration, file: this.file });
    return name;
  }

  /** A call of a function of the program from differentiated code. */
  private callee(call: ts.CallExpression, caller: Target): Callee | undefined {
    const { ts } = this;
    const expression = call.expression;
    if (ts.isCallExpression(expression)) return this.generatedCallee(call, expression);
    const ruled = this.ruledCallee(call, caller);
    if (ruled) return ruled;
    const namespaced = ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.expression) && (this.checker.getSymbolAtLocation(expression.expression)?.flags ?? 0) & ts.SymbolFlags.Alias;
    if (ts.isPropertyAccessExpression(expression) && !namespaced) return this.method(call, expression);
    if (!ts.isIdentifier(expression) && !namespaced) return undefined;
    const symbol = this.checker.getSymbolAtLocation(expression);
    const resolved = symbol && symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol;
    const declaration = resolved?.valueDeclaration;
    if (!declaration || !(ts.isFunctionDeclaration(declaration) || ts.isVariableDeclaration(declaration))) return undefined;
    const target = resolveTarget(ts, this.checker, expression);
    const text = expression.getText();
    if (target.placement !== 'module') {
      fail(call, Code.Unsupported, `cannot differentiate the call to '${text}': only functions declared at the top level of a module can be called from differentiated code.`);
    }
    if (call.arguments.length !== target.node.parameters.length) {
      fail(call, Code.Unsupported, `'${text}' takes ${target.node.parameters.length} arguments; calls with fewer or more are not supported.`);
    }
    let ref: Ref;
    if (ts.isIdentifier(expression)) ref = this.reference(expression, caller);
    else if (caller.node.getSourceFile() === this.file) ref = { kind: 'ref', path: [(expression as ts.PropertyAccessExpression).expression.getText(), (expression as ts.PropertyAccessExpression).name.text] };
    else ref = this.reference((expression as ts.PropertyAccessExpression).name as ts.Identifier, caller);
    return { key: `${target.node.getSourceFile().fileName}|${target.node.pos}`, name: target.name, ref, target, ...this.writes(target.node) };
  }

  /**
   * A call of a function given a rule with `withDerivative` (`const f = withDerivative(g,
   * rule)`): the call runs f, and every mode differentiates it with the rule.
   */
  private ruledCallee(call: ts.CallExpression, caller: Target): Callee | undefined {
    const { ts } = this;
    if (!ts.isIdentifier(call.expression)) return undefined;
    let symbol = this.checker.getSymbolAtLocation(call.expression);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const declaration = symbol?.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
    const definition = skipConstAssertion(ts, declaration.initializer);
    if (!ts.isCallExpression(definition) || apiNameOf(ts, this.checker, definition.expression) !== 'withDerivative') return undefined;
    const arity = this.ruleArity(definition);
    if (call.arguments.length !== arity) fail(call, Code.Unsupported, `'${call.expression.text}' takes ${arity} arguments; calls with fewer or more are not supported.`);
    return { key: `rule|${declaration.getSourceFile().fileName}|${declaration.pos}`, name: call.expression.text, ref: this.reference(call.expression, caller), rule: () => this.customRule(definition), site: call };
  }

  /**
   * The rule of `withDerivative(f, (…args, result) => [partials])`, lowered like the built-in
   * rules of runtime/rules.ts (one expression per partial), with its arity and types checked.
   */
  private customRule(definition: ts.CallExpression): Func {
    const { ts } = this;
    const key = `rule|${definition.getSourceFile().fileName}|${definition.pos}`;
    const known = this.derived.get(key);
    if (known) return known.func;
    const arity = this.ruleArity(definition);
    const rule = skipConstAssertion(ts, definition.arguments[1]) as ts.ArrowFunction | ts.FunctionExpression;
    const target: Target = { node: rule, name: 'rule', placement: 'module' };
    const names = this.functionNames(target);
    const env: LowerEnv = {
      ts,
      checker: this.checker,
      names,
      rule: true,
      outer: (identifier) => this.outer(identifier, target),
      apiName: (callee) => apiNameOf(ts, this.checker, callee),
      isLibrary: (file) => this.program.isSourceFileDefaultLibrary(file),
      callee: (call) => {
        try {
          return this.callee(call, target) ?? this.opaqueCallee(call, target);
        } catch (error) {
          if (error instanceof TapelessError && error.code === Code.BadTarget) return this.opaqueCallee(call, target);
          throw error;
        }
      },
    };
    const lowered = lowerFunction(rule, env, 'rule');
    if (lowered.body.some((stmt) => stmt.kind !== 'let')) fail(rule.body, Code.BadRule, 'the rule must be one expression per partial derivative, without && or || (use ?: for a choice).');
    // A rule may omit trailing parameters it does not read: the arguments and result bind in order.
    const params = [...lowered.params, ...Array.from({ length: arity + 1 - lowered.params.length }, () => ({ name: names.fresh('unused') }))];
    const func = { ...lowered, params };
    this.derived.set(key, { func, names });
    return func;
  }

  /**
   * A rule may call functions without source (a library's): only a higher order, which
   * differentiates the rule, needs their derivatives.
   */
  private opaqueCallee(call: ts.CallExpression, caller: Target): Callee | undefined {
    if (!this.ts.isIdentifier(call.expression)) return undefined;
    return { key: `opaque|${call.expression.text}`, name: call.expression.text, ref: this.reference(call.expression, caller), site: call };
  }

  /** A function without source, met where its derivative is needed. */
  private withoutSource(callee: Callee): never {
    return fail(callee.site!, Code.BadTarget, `'${callee.name}' has no source to differentiate: a higher derivative differentiates this rule, so give '${callee.name}' a rule of its own with withDerivative.`);
  }

  /** Checks `withDerivative(f, rule)`: f takes and returns numbers, the rule gives one partial per argument. */
  private ruleArity(definition: ts.CallExpression): number {
    const { ts } = this;
    const [fnArg, ruleArg] = definition.arguments;
    if (!fnArg || !ruleArg || definition.arguments.length !== 2) fail(definition, Code.BadRule, 'withDerivative takes the function and its rule: withDerivative(f, (x, y, result) => [df_dx, df_dy]).');
    const signature = this.checker.getSignaturesOfType(this.checker.getTypeAtLocation(fnArg), ts.SignatureKind.Call)[0];
    if (!signature) fail(fnArg, Code.BadRule, 'withDerivative needs a function as its first argument.');
    const arity = signature.parameters.length;
    for (const param of signature.parameters) {
      if (!isNumberType(ts, this.checker.getTypeOfSymbolAtLocation(param, fnArg))) fail(fnArg, Code.BadRule, `withDerivative gives rules to functions of numbers; the parameter '${param.name}' is not a number.`);
    }
    if (!isNumberType(ts, signature.getReturnType())) fail(fnArg, Code.BadRule, 'withDerivative gives rules to functions that return a number.');
    const rule = skipConstAssertion(ts, ruleArg);
    if (!ts.isArrowFunction(rule) && !ts.isFunctionExpression(rule)) fail(ruleArg, Code.BadRule, 'the rule must be an arrow function written in place: (x, result) => [partial].');
    if (rule.parameters.length > arity + 1) fail(rule.parameters[arity + 1], Code.BadRule, `the rule takes the function's ${arity} argument${arity === 1 ? '' : 's'} and its result: ${arity + 1} parameters at most, not ${rule.parameters.length}.`);
    if (ts.isBlock(rule.body)) fail(rule.body, Code.BadRule, 'the rule must be one expression per partial derivative, an arrow returning an array literal: (x, y) => [partial] (no statements, branches or loops; use ?: for a choice).');
    const partials = skipConstAssertion(ts, rule.body);
    if (!ts.isArrayLiteralExpression(partials)) fail(rule.body, Code.BadRule, 'the rule must return an array literal of partial derivatives, one per argument: [d_dx, d_dy].');
    if (partials.elements.length !== arity) fail(partials, Code.BadRule, `the rule returns ${partials.elements.length} partial derivative${partials.elements.length === 1 ? '' : 's'}, but the function takes ${arity} argument${arity === 1 ? '' : 's'}: one partial per argument.`);
    return arity;
  }

  /** `grad(g)(x)` in differentiated code: a call of generated code, differentiated from its IR. */
  private generatedCallee(call: ts.CallExpression, expression: ts.CallExpression): Callee | undefined {
    if (!apiNameOf(this.ts, this.checker, expression.expression)) return undefined;
    const target = resolveTarget(this.ts, this.checker, expression);
    if (target.placement !== 'module') fail(expression, Code.Unsupported, `the function given to ${target.derived!.api}() inside differentiated code must be declared at the top level of a module.`);
    if (call.arguments.length !== target.node.parameters.length) fail(call, Code.Unsupported, `'${expression.getText()}' takes ${target.node.parameters.length} arguments; calls with fewer or more are not supported.`);
    return this.derivedCallee(target);
  }

  /**
   * `obj.m(…)` where m is a method of a class (declared at the top level of a module): the
   * receiver is the method's first argument (`this`), and its pullback differentiates
   * through the fields the method reads.
   */
  private method(call: ts.CallExpression, expression: ts.PropertyAccessExpression): Callee | undefined {
    const { ts } = this;
    const declaration = this.checker.getSymbolAtLocation(expression)?.valueDeclaration;
    if (!declaration || !ts.isMethodDeclaration(declaration) || !declaration.body) return undefined;
    const owner = declaration.parent;
    const text = expression.getText();
    if (!ts.isClassDeclaration(owner) || !owner.name || !ts.isSourceFile(owner.parent) || declaration.asteriskToken) {
      fail(call, Code.Unsupported, `cannot differentiate the call to '${text}': only methods of classes declared at the top level of a module can be called.`);
    }
    if (ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Static) fail(call, Code.Unsupported, `static methods such as '${text}' are not supported yet.`);
    if (call.arguments.length !== declaration.parameters.length) {
      fail(call, Code.Unsupported, `'${text}' takes ${declaration.parameters.length} arguments; calls with fewer or more are not supported.`);
    }
    const name = `${owner.name.text}_${expression.name.text}`;
    const target: Target = { node: declaration, name, placement: 'module' };
    return { key: `${declaration.getSourceFile().fileName}|${declaration.pos}`, name, ref: { kind: 'ref', path: [expression.name.text] }, method: expression.name.text, target, ...this.writes(declaration) };
  }

  /** `{ writes: true }` for a function that may write into what it is given (its calls are inlined). */
  private writes(fn: ts.FunctionLikeDeclaration): { writes?: true } {
    return mayWriteArguments(this.ts, this.checker, fn, this.effects) ? { writes: true } : {};
  }

  /**
   * Names inside one generated function: the user's own, kept apart from what it reads
   * outside — and from what the functions it calls read outside, as lowering may inline them.
   */
  private functionNames(target: Target): NameAllocator {
    const { ts, checker } = this;
    const used = new Set<string>();
    const outer = new Set<string>();
    const seen = new Set<ts.Node>();
    const visitFunction = (fn: ts.Node, own: boolean): void => {
      if (seen.has(fn)) return;
      seen.add(fn);
      walk(ts, fn, (node) => {
        if (ts.isIdentifier(node) && (own || !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node))) {
          if (own) used.add(node.text);
          const declared = checker.getSymbolAtLocation(node)?.declarations?.[0];
          if (declared && !isInside(declared, fn)) outer.add(node.text);
        }
        if (ts.isCallExpression(node)) {
          const called = calledFunction(ts, checker, node.expression);
          if (called) visitFunction(called, false);
        }
      });
    };
    visitFunction(target.node, true);
    return new NameAllocator(used, outer);
  }

  /** A value `identifier` reads from outside the differentiated function: a constant. */
  private outer(identifier: ts.Identifier, target: Target): Operand {
    const { ts, checker } = this;
    const type = checker.getTypeAtLocation(identifier);
    if (!isNumberType(ts, type) && !shapeOf(ts, checker, type) && !(type.flags & ts.TypeFlags.Object && checker.getSignaturesOfType(type, ts.SignatureKind.Call).length === 0)) {
      fail(identifier, Code.BadType, `'${identifier.text}' is read from outside the differentiated function and has type '${checker.typeToString(type)}': only numbers, arrays and objects can be read from outside (as constants).`);
    }
    return this.reference(identifier, target);
  }

  /** How generated code in this file reads `identifier`, a name from outside `target`. */
  private reference(identifier: ts.Identifier, target: Target): Ref {
    const { ts, checker } = this;
    const symbol = checker.getSymbolAtLocation(identifier);
    if (!symbol) fail(identifier, Code.BadTarget, `cannot resolve '${identifier.text}'.`);
    const home = target.node.getSourceFile();
    const isGlobal = symbol.declarations?.every((declaration) => this.program.isSourceFileDefaultLibrary(declaration.getSourceFile())) ?? false;
    if (isGlobal) return { kind: 'ref', path: [identifier.text] };
    if (home === this.file) return { kind: 'ref', path: [identifier.text], origin: identifier };
    // The generated code lives in another file than the function: reach the value through its module.
    const resolved = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const moduleSymbol = (home as unknown as { symbol?: ts.Symbol }).symbol;
    const exported = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((candidate) => (candidate.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(candidate) : candidate) === resolved);
    if (!exported) {
      fail(identifier, Code.BadTarget, `'${identifier.text}' is not exported by the module of '${target.name}', so the gradient generated in the importing file cannot read it. Export it, or pass it as a parameter.`);
    }
    return { kind: 'ref', path: [this.namespaceFor(home), exported.name] };
  }

  /** A namespace import of `module` in this file: the user's own specifier where one imports it. */
  private namespaceFor(module: ts.SourceFile): string {
    let entry = this.namespaceImports.get(module);
    if (!entry) {
      const { ts } = this;
      const existing = this.file.statements.find((statement): statement is ts.ImportDeclaration => ts.isImportDeclaration(statement) && this.checker.getSymbolAtLocation(statement.moduleSpecifier)?.valueDeclaration === module);
      let specifier = existing && ts.isStringLiteral(existing.moduleSpecifier) ? existing.moduleSpecifier.text : undefined;
      if (!specifier) {
        const relative = path.relative(path.dirname(this.file.fileName), module.fileName).replace(/\\/g, '/').replace(/\.([cm]?)tsx?$/, '.$1js');
        specifier = relative.startsWith('.') ? relative : `./${relative}`;
      }
      const base = path.basename(module.fileName).replace(/\.[cm]?[jt]sx?$/, '').replace(/[^A-Za-z0-9_$]/g, '_') || 'module';
      entry = { name: this.names().fresh(`${base}_module`), specifier };
      this.namespaceImports.set(module, entry);
    }
    return entry.name;
  }

  /** Names at the top level of the file, for generated declarations and imports. */
  private names(): NameAllocator {
    if (!this.fileNames) {
      const used = new Set<string>();
      walk(this.ts, this.file, (node) => void (this.ts.isIdentifier(node) && used.add(node.text)));
      this.fileNames = new NameAllocator(used, []);
    }
    return this.fileNames;
  }
}

function generatedName(tsApi: typeof ts, request: Request): string {
  const params = request.target.node.parameters;
  const all = request.wrt.length === params.length && request.wrt.every((index, i) => index === i);
  const wrt = all ? '' : `_wrt_${request.wrt.map((index) => parameterLabel(tsApi, params[index], index)).join('_')}`;
  return `${request.target.name}_${request.api}${wrt}`;
}

/** A parameter in a generated name: its own name, or its position where it is destructured (`{ cx, cy }`). */
function parameterLabel(tsApi: typeof ts, param: ts.ParameterDeclaration, index: number): string {
  return tsApi.isIdentifier(param.name) ? param.name.text : String(index);
}


/** `jvp`'s calling convention: `(primals, tangents)`, one entry per parameter in each. */
function jvpOf(pushforward: Func, names: NameAllocator): Func {
  const count = pushforward.params.length / 2;
  const primals = names.fresh('primals');
  const tangents = names.fresh('tangents');
  const unpack: Let[] = pushforward.params.map((param, i) => ({
    kind: 'let',
    name: param.name,
    expr: { op: 'element', args: [variable(i < count ? primals : tangents), num(i % count)] },
    role: 'user',
    ...(param.origin ? { origin: param.origin } : {}),
    ...(param.shape ? { shape: param.shape } : {}),
  }));
  return { ...pushforward, params: [{ name: primals }, { name: tangents }], body: [...unpack, ...pushforward.body] };
}
