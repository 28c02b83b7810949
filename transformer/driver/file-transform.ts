// The transform of one file: every API call rewritten into the code generated for it (or,
// where that failed, into code that throws the diagnostic), the generated functions and the
// namespace imports they need appended, and the API imports no longer used removed.
import * as path from 'path';
import type * as ts from 'typescript';
import { Drivers } from '../backend/drivers';
import { emitArrowFunction, emitFunctionDeclaration, emitParameters } from '../backend/emit';
import { type ApiCall, type Request, apiNameOf, findApiCalls, isDifferentiatingCall, resolveRequest } from '../frontend/requests';
import { walk } from '../frontend/walk';
import { sourceText } from '../frontend/quoting';
import { NameAllocator } from '../ir/names';
import type { RuleSet } from '../ops/rules';
import type { TransformOptions } from '../transform';
import { derivedFrom } from './derived-from';
import { Code, TapelessError, fail, toDiagnostic } from './diagnostics';
import { type Derived, type Generated, type Plan, Pipelines, generatedName, pipelineOf } from './pipelines';
import { Resolver } from './resolve';

export class FileTransform {
  private readonly factory: ts.NodeFactory;
  private readonly checker: ts.TypeChecker;
  private readonly replacements = new Map<ts.Node, ts.Expression>();
  /** The functions generated for this file, by key: requests and companions with equal keys share one. */
  private readonly generated = new Map<string, Generated>();
  /** The IR of generated functions that other generated code calls (pullbacks, inner gradients), and of custom rules. */
  private readonly derived = new Map<string, Derived>();
  private readonly namespaceImports = new Map<ts.SourceFile, { name: string; specifier: string }>();
  private fileNames: NameAllocator | undefined;
  /** The generated functions announced for each request key, for onRewritten. */
  private readonly announced = new Map<string, ts.Node[]>();
  /** The file's diagnostics, by place and message, reported once every call is processed (one diagnostic names every call that reached it). */
  private readonly diagnostics = new Map<string, ts.Diagnostic>();
  private readonly drivers: Drivers;
  private readonly resolver: Resolver;
  private readonly pipelines: Pipelines;

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly program: ts.Program,
    context: ts.TransformationContext,
    private readonly file: ts.SourceFile,
    rules: () => RuleSet,
    drivers: () => ts.SourceFile,
    private readonly options: TransformOptions,
  ) {
    this.factory = context.factory;
    this.checker = program.getTypeChecker();
    this.drivers = new Drivers(ts, this.factory, () => this.names(), drivers);
    const derived = this.derived;
    this.resolver = new Resolver({
      ts,
      program,
      file,
      derived,
      namespaceFor: (module, specifier) => this.namespaceFor(module, specifier),
      derivedCallee: (target, called) => this.pipelines.derivedCallee(target, called),
    });
    this.pipelines = new Pipelines({
      ts,
      factory: this.factory,
      file,
      rules,
      resolver: this.resolver,
      generated: this.generated,
      derived,
      names: () => this.names(),
      onGenerated: (target, api, node) => this.options.onGenerated?.({ target, api, node, file }),
      driverName: (driver) => this.drivers.nameOf(driver),
    });
  }

  /**
   * Keeps a diagnostic to report: once per place and message. Reached again by another call, it
   * names that call too (a line and a related location more), unless it lies in the call that
   * raised it (a custom rule that withDerivative reads and grad differentiates).
   */
  private report(diagnostic: ts.Diagnostic): void {
    const head = (d: ts.Diagnostic) => (typeof d.messageText === 'string' ? d.messageText : d.messageText.messageText);
    const key = `${diagnostic.file?.fileName}|${diagnostic.start}|${diagnostic.code}|${head(diagnostic)}`;
    const seen = this.diagnostics.get(key);
    if (seen && typeof diagnostic.messageText !== 'string' && typeof seen.messageText !== 'string') {
      const [chain, more] = [seen.messageText, diagnostic.messageText.next ?? []];
      const added = more.filter((line) => !chain.next?.some((known) => known.messageText === line.messageText));
      const messageText = { ...chain, next: [...(chain.next ?? []), ...added] };
      if (added.length > 0)
        this.diagnostics.set(key, { ...seen, messageText, relatedInformation: [...(seen.relatedInformation ?? []), ...(diagnostic.relatedInformation ?? [])] });
    } else if (!seen || typeof diagnostic.messageText === 'string') this.diagnostics.set(key, diagnostic);
  }

  run(): ts.SourceFile {
    const { ts, factory } = this;
    const calls = findApiCalls(ts, this.checker, this.file, (node, api) =>
      this.report(
        toDiagnostic(
          ts,
          node,
          Code.Unsupported,
          `${api} must be called directly, as in ${api}(f): tapeless rewrites calls it can see at compile time, not calls through a cast, a variable, a property or 'new'.`,
        ),
      ),
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
          this.resolver.customRule(call);
          identities.add(call);
        } else if (call.arguments.length === 1) identities.add(call);
        else fail(call, Code.Unsupported, `${apiCall.api} takes exactly one argument.`);
      } catch (error) {
        const diagnostic =
          error instanceof TapelessError
            ? this.namingCall(toDiagnostic(ts, error.node, error.code, error.message), call)
            : toDiagnostic(ts, call, Code.Internal, `internal error while differentiating this call: ${(error as Error).message}. Please report it.`);
        this.report(diagnostic);
        this.replacements.set(call, this.failedCall(diagnostic));
      }
    }
    for (const diagnostic of this.diagnostics.values()) this.options.report(diagnostic);
    if (calls.length > 0)
      this.options.onDerivedFrom?.(
        this.file,
        derivedFrom(
          ts,
          this.program,
          calls.map(({ call }) => call),
        ),
      );
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
      if (identities.has(node))
        return factory.createParenthesizedExpression(ts.visitNode((node as ts.CallExpression).arguments[0], visit, ts.isExpression) as ts.Expression);
      return this.replacements.get(node) ?? ts.visitEachChild(node, visit, undefined);
    };
    const visited = ts.visitEachChild(this.file, visit, undefined);
    const imports = [...this.namespaceImports.values()].map(({ name, specifier }) =>
      this.factory.createImportDeclaration(
        undefined,
        this.factory.createImportClause(false, undefined, this.factory.createNamespaceImport(this.factory.createIdentifier(name))),
        this.factory.createStringLiteral(specifier),
      ),
    );
    const declarations = this.calledDeclarations(visited).concat(this.drivers.declarations());
    return this.factory.updateSourceFile(visited, [...imports, ...visited.statements, ...declarations]);
  }

  /**
   * The generated functions to emit: all, but the pullbacks no code calls any more, which a
   * gradient calls as `h_valueAndPullback` instead (see passes/fused-pullbacks.ts), and no
   * other emitted code calls.
   */
  private calledDeclarations(visited: ts.SourceFile): ts.FunctionDeclaration[] {
    const { ts } = this;
    const entries = [...this.generated.entries()].flatMap(([key, { name, declaration }]) => (declaration ? [{ key, name, declaration }] : []));
    if (!entries.some(({ key }) => key.startsWith('valueAndPullback|'))) return entries.map(({ declaration }) => declaration);
    const called = new Set<string>();
    const note = (node: ts.Node) =>
      walk(ts, node, (child) => {
        if (ts.isIdentifier(child)) called.add(child.text);
      });
    const prunable = (key: string) => key.startsWith('pullback|');
    const kept = new Set(entries.filter(({ key }) => !prunable(key)));
    note(visited);
    kept.forEach(({ declaration }) => note(declaration));
    for (let grew = true; grew;) {
      grew = false;
      for (const entry of entries) {
        if (kept.has(entry) || !called.has(entry.name)) continue;
        kept.add(entry);
        note(entry.declaration);
        grew = true;
      }
    }
    return entries.filter((entry) => kept.has(entry)).map(({ declaration }) => declaration);
  }

  /**
   * A diagnostic outside the API call that reached it (in a function the call differentiates,
   * maybe in another file) names the call, as users with several calls need to know which one:
   * a second line of the message, `while differentiating 'f' for grad(f), at src/main.ts:12:15`,
   * which every host prints (tsc prints message chains, and related information only with
   * --pretty), and related information at the call, which editors link to.
   */
  private namingCall(diagnostic: ts.Diagnostic, call: ts.CallExpression): ts.Diagnostic {
    const { ts } = this;
    const file = call.getSourceFile();
    const start = call.getStart(file);
    if (diagnostic.file === file && diagnostic.start! >= start && diagnostic.start! < call.getEnd()) return diagnostic;
    const target = call.arguments[0];
    const what = target && ts.isIdentifier(target) ? `'${target.text}' for` : 'the function given to';
    const message = (text: string): ts.DiagnosticMessageChain => ({ messageText: text, category: ts.DiagnosticCategory.Message, code: diagnostic.code });
    return {
      ...diagnostic,
      messageText: {
        ...message(diagnostic.messageText as string),
        category: diagnostic.category,
        next: [message(`while differentiating ${what} ${sourceText(call)}, at ${this.where(file, start)}`)],
      },
      relatedInformation: [{ ...message(`the call that differentiates it`), file, start, length: call.getEnd() - start }],
    };
  }

  /** `src/model.ts:12:3`: a place in a file, relative to the project, 1-based, as the errors that failed calls throw say it. */
  private where(file: ts.SourceFile, position: number): string {
    const { line, character } = file.getLineAndCharacterOfPosition(position);
    return `${path.relative(this.program.getCurrentDirectory(), file.fileName).replace(/\\/g, '/')}:${line + 1}:${character + 1}`;
  }

  /**
   * What a call whose compile failed becomes, where a host still writes the file (tspc
   * without noEmitOnError): `(() => { throw new Error("src/f.ts:3:5 - error TS91001:
   * tapeless: …"); })()`, so that running it says what failed and where, instead of the
   * run-time stub's claim that the transformer did not run.
   */
  private failedCall(diagnostic: ts.Diagnostic): ts.Expression {
    const { ts, factory } = this;
    const message = `${this.where(diagnostic.file!, diagnostic.start!)} - error TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
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
    const announce = (node: ts.Node) => {
      this.announced.set(request.key, [...(this.announced.get(request.key) ?? []), node]);
      this.options.onGenerated?.({ target: request.target.name, api: request.api, node, file: this.file });
    };
    const pipeline = pipelineOf(request, this.options.gradients);
    if (pipeline.kind === 'driver') return this.laidOut(request, pipeline.plan(this.pipelines, request), announce);
    const func = this.pipelines.emitted(request, pipeline.generate(this.pipelines, request));
    const context = { ts, factory, file: this.file };
    if (request.target.placement === 'inline') {
      const arrow = emitArrowFunction(func, context, true);
      announce(arrow);
      return factory.createParenthesizedExpression(arrow);
    }
    const name = this.names().fresh(generatedName(ts, request));
    const declaration = emitFunctionDeclaration(func, name, context, true);
    announce(declaration);
    this.generated.set(request.key, { name, declaration });
    return factory.createIdentifier(name);
  }

  /**
   * `jacobian` and `hessian` (and gradients by forward mode): a driver calls generated
   * derivatives once per pass of columns (a vector pushforward, a lane per unit tangent) or
   * once per row (a vector-Jacobian product), and lays the results out (see the plans in
   * ./pipelines.ts); or the generated code returns the matrix itself.
   */
  private laidOut(request: Request, plan: Plan, announce: (node: ts.Node) => void): ts.Expression {
    const { factory } = this;
    const context = { ts: this.ts, factory, file: this.file };
    const base = generatedName(this.ts, request);
    const names = plan.helpers.map(({ suffix }) => this.names().fresh(`${base}_${suffix}`));
    const inline = request.target.placement === 'inline';
    const code = plan.helpers.map(({ func }, i) => (inline ? emitArrowFunction(func, context) : emitFunctionDeclaration(func, names[i], context)));
    code.forEach(announce);
    const primalParams = plan.helpers[0].func.params.slice(
      0,
      request.target.node.parameters.length + (this.ts.isMethodDeclaration(request.target.node) ? 1 : 0),
    );
    const params = primalParams.map((param) => param.name);
    const selected = request.wrt.map((index) => ({ name: params[index], shape: primalParams[index].shape }));
    const call = plan.call(this.drivers, names, params, selected);
    // The function users call keeps the differentiated function's rest parameter and default values (after `out`, for jacobianInto and hessianInto).
    const parameters = () => [
      ...(plan.out ? [factory.createParameterDeclaration(undefined, undefined, plan.out)] : []),
      ...emitParameters(primalParams, context),
    ];
    if (inline)
      return factory.createParenthesizedExpression(
        this.drivers.arrow(
          parameters(),
          code.map((arrow, i) => this.drivers.constant(names[i], arrow as ts.ArrowFunction)),
          call,
        ),
      );
    const name = this.names().fresh(base);
    code.forEach((declaration, i) =>
      this.generated.set(`${request.key}|${plan.helpers[i].suffix}`, { name: names[i], declaration: declaration as ts.FunctionDeclaration }),
    );
    this.generated.set(request.key, { name, declaration: this.drivers.declaration(name, parameters(), call) });
    return factory.createIdentifier(name);
  }

  /**
   * A namespace import of `module` in this file: the user's own specifier where one imports
   * it, else `specifier` (a package's name), else a relative path.
   */
  private namespaceFor(module: ts.SourceFile, specifier?: string): string {
    let entry = this.namespaceImports.get(module);
    if (!entry) {
      const { ts } = this;
      const existing = this.file.statements.find(
        (statement): statement is ts.ImportDeclaration =>
          ts.isImportDeclaration(statement) && this.checker.getSymbolAtLocation(statement.moduleSpecifier)?.valueDeclaration === module,
      );
      specifier = existing && ts.isStringLiteral(existing.moduleSpecifier) ? existing.moduleSpecifier.text : specifier;
      if (!specifier) {
        const relative = path
          .relative(path.dirname(this.file.fileName), module.fileName)
          .replace(/\\/g, '/')
          .replace(/(\.d)?\.([cm]?)tsx?$/, '.$2js');
        specifier = relative.startsWith('.') ? relative : `./${relative}`;
      }
      const base =
        path
          .basename(module.fileName)
          .replace(/\.[cm]?[jt]sx?$/, '')
          .replace(/[^A-Za-z0-9_$]/g, '_') || 'module';
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
