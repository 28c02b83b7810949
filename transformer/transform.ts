import * as path from 'path';
import type * as ts from 'typescript';
import { Code, TapelessError, fail, toDiagnostic } from './diagnostics';
import { emitArrowFunction, emitFunctionDeclaration } from './emit';
import type { Callee, Func, Operand, Ref } from './ir';
import { type LowerEnv, isNumberType, lowerFunction } from './lower';
import { NameAllocator } from './names';
import { type ApiCall, type Request, type Target, apiNameOf, findApiCalls, isDifferentiatingCall, resolveRequest, resolveTarget } from './requests';
import { reverse } from './reverse';
import { type RuleSet, loadRules } from './rules';
import { shapeOf } from './shapes';
import { simplify } from './simplify';

export interface TransformOptions {
  /** Receives every diagnostic: hosts turn them into build errors. */
  readonly report: (diagnostic: ts.Diagnostic) => void;
  /** Sees each generated function (the CLI prints them). */
  readonly onGenerated?: (generated: { readonly target: string; readonly api: string; readonly node: ts.Node; readonly file: ts.SourceFile }) => void;
}

/**
 * The tapeless transform of one program, as a TypeScript `before` transformer: every
 * `grad(f)` / `valueAndGrad(f)` call becomes generated gradient code. Host-independent:
 * the hosts in ./hosts only adapt it.
 */
export function createTransformer(tsApi: typeof ts, program: ts.Program, options: TransformOptions): ts.TransformerFactory<ts.SourceFile> {
  let rules: RuleSet | undefined;
  const getRules = () => (rules ??= loadRules(tsApi));
  return (context) => (file) => {
    try {
      return new FileTransform(tsApi, program, context, file, getRules, options).run();
    } catch (error) {
      options.report(toDiagnostic(tsApi, file, Code.Internal, `internal error while transforming this file: ${(error as Error).message}. Please report it.`));
      return file;
    }
  };
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

  private readonly checker: ts.TypeChecker;
  /** Diagnostics reported already: a function that several requests differentiate reports once. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly ts: typeof import('typescript'),
    private readonly program: ts.Program,
    context: ts.TransformationContext,
    private readonly file: ts.SourceFile,
    private readonly rules: () => RuleSet,
    private readonly options: TransformOptions,
  ) {
    this.factory = context.factory;
    this.checker = program.getTypeChecker();
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
        if (isDifferentiatingCall(apiCall)) this.replacements.set(call, this.generate(resolveRequest(ts, this.checker, call, apiCall.api)));
        else if (call.arguments.length === 1) identities.add(call);
        else fail(call, Code.Unsupported, `${apiCall.api} takes exactly one argument.`);
      } catch (error) {
        if (error instanceof TapelessError) this.report(toDiagnostic(ts, error.node, error.code, error.message));
        else this.report(toDiagnostic(ts, call, Code.Internal, `internal error while differentiating this call: ${(error as Error).message}. Please report it.`));
      }
    }
    if (this.replacements.size === 0 && identities.size === 0) return this.file;
    const removedImports = this.unusedApiImports(calls, identities);
    const visit = (node: ts.Node): ts.Node | undefined => {
      if (removedImports.has(node)) return undefined;
      if (identities.has(node)) return factory.createParenthesizedExpression(ts.visitNode((node as ts.CallExpression).arguments[0], visit, ts.isExpression) as ts.Expression);
      return this.replacements.get(node) ?? ts.visitEachChild(node, visit, undefined);
    };
    const visited = ts.visitEachChild(this.file, visit, undefined);
    const imports = [...this.namespaceImports.values()].map(({ name, specifier }) =>
      this.factory.createImportDeclaration(undefined, this.factory.createImportClause(false, undefined, this.factory.createNamespaceImport(this.factory.createIdentifier(name))), this.factory.createStringLiteral(specifier)),
    );
    const declarations = [...this.generated.values()].flatMap((generated) => (generated.declaration ? [generated.declaration] : []));
    return this.factory.updateSourceFile(visited, [...imports, ...visited.statements, ...declarations]);
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
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && !ts.isImportSpecifier(node.parent)) {
        const symbol = checker.getSymbolAtLocation(node);
        if (symbol && specifiers.has(symbol) && !rewritten.has(node)) specifiers.delete(symbol);
      }
      ts.forEachChild(node, visit);
    };
    visit(this.file);
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
    const func = this.differentiate(request);
    const context = { ts, factory, file: this.file };
    const announce = (node: ts.Node) => this.options.onGenerated?.({ target: request.target.name, api: request.api, node, file: this.file });
    if (request.target.placement === 'inline') {
      const arrow = emitArrowFunction(func, context);
      announce(arrow);
      return factory.createParenthesizedExpression(arrow);
    }
    const name = this.names().fresh(generatedName(request));
    const declaration = emitFunctionDeclaration(func, name, context);
    announce(declaration);
    this.generated.set(request.key, { name, declaration });
    return factory.createIdentifier(name);
  }

  /** The pipeline: lower -> (analyse +) differentiate -> simplify. */
  private differentiate(request: Request): Func {
    const { primal, names } = this.lowerTarget(request.target, request.wrt);
    const gradient = reverse(primal, { wrt: request.wrt, tuple: request.tuple, withValue: request.api === 'valueAndGrad' }, this.rules(), names, this.pullbacks);
    return simplify(gradient);
  }

  private lowerTarget(target: Target, wrt: readonly number[]): { primal: Func; names: NameAllocator } {
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
      outer: (identifier) => this.outer(identifier, target),
      apiName: (callee) => apiNameOf(this.ts, this.checker, callee),
      isLibrary: (file) => this.program.isSourceFileDefaultLibrary(file),
      callee: (call) => this.callee(call, target),
    };
    return { primal: lowerFunction(target.node, env, target.name), names };
  }

  /**
   * The pullback of a function that differentiated code calls: `h_pullback(…args, dy)`
   * returns the adjoints of the selected arguments. Generated once per file and selection;
   * a recursive function's pullback calls itself.
   */
  private readonly pullbacks = (callee: Callee, wrt: readonly number[]): string => {
    const key = `pullback|${callee.key}|${wrt.join(',')}`;
    const existing = this.generated.get(key);
    if (existing) return existing.name;
    const target = callee.target as Target;
    const params = [...(callee.method ? ['this'] : []), ...target.node.parameters.map((param) => param.name.getText())];
    const all = wrt.length === params.length;
    const name = this.names().fresh(`${target.name}_pullback${all ? '' : `_wrt_${wrt.map((i) => params[i]).join('_')}`}`);
    const generated: { name: string; declaration?: ts.FunctionDeclaration } = { name };
    this.generated.set(key, generated);
    const { primal, names } = this.lowerTarget(target, wrt);
    const func = simplify(reverse(primal, { wrt, tuple: wrt.length > 1, withValue: false, seed: names.fresh('dy'), gradientsInto: true }, this.rules(), names, this.pullbacks));
    generated.declaration = emitFunctionDeclaration(func, name, { ts: this.ts, factory: this.factory, file: this.file });
    this.options.onGenerated?.({ target: target.name, api: 'pullback', node: generated.declaration, file: this.file });
    return name;
  };

  /** A call of a function of the program from differentiated code. */
  private callee(call: ts.CallExpression, caller: Target): Callee | undefined {
    const { ts } = this;
    const expression = call.expression;
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
    return { key: `${target.node.getSourceFile().fileName}|${target.node.pos}`, name: target.name, ref, target };
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
    return { key: `${declaration.getSourceFile().fileName}|${declaration.pos}`, name, ref: { kind: 'ref', path: [expression.name.text] }, method: expression.name.text, target };
  }

  /** Names inside one generated function: the user's own, kept apart from what it reads outside. */
  private functionNames(target: Target): NameAllocator {
    const { ts } = this;
    const used = new Set<string>();
    const outer = new Set<string>();
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) {
        used.add(node.text);
        const symbol = this.checker.getSymbolAtLocation(node);
        const declared = symbol?.declarations?.[0];
        if (declared && !isInside(declared, target.node)) outer.add(node.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(target.node);
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
      const visit = (node: ts.Node): void => {
        if (this.ts.isIdentifier(node)) used.add(node.text);
        this.ts.forEachChild(node, visit);
      };
      visit(this.file);
      this.fileNames = new NameAllocator(used, []);
    }
    return this.fileNames;
  }
}

function generatedName(request: Request): string {
  const params = request.target.node.parameters;
  const all = request.wrt.length === params.length && request.wrt.every((index, i) => index === i);
  const wrt = all ? '' : `_wrt_${request.wrt.map((index) => params[index].name.getText()).join('_')}`;
  return `${request.target.name}_${request.api}${wrt}`;
}

function isInside(node: ts.Node, container: ts.Node): boolean {
  for (let current: ts.Node | undefined = node; current; current = current.parent) if (current === container) return true;
  return false;
}
