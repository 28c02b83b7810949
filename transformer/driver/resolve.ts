// How differentiated code reaches the rest of the program: the functions it calls (declared
// in a module, methods of classes, functions given rules with withDerivative, generated ones
// such as grad(g)), the values it reads from outside (constants, through their module where
// the generated code lives in another file), and the names a generated function may use.
// Lowering calls back into it through its LowerEnv.
import type * as ts from 'typescript';
import { Code, TapelessError, fail } from './diagnostics';
import { type DirectEffects, calledFunction, isInside, mayWriteArguments } from '../frontend/effects';
import { type LowerEnv, isNumberType, lowerFunction } from '../frontend/lower/lower';
import { type Target, apiNameOf, resolveTarget, skipConstAssertion } from '../frontend/requests';
import { walk } from '../frontend/walk';
import type { Callee, Func, Operand, Ref } from '../ir/ir';
import { NameAllocator } from '../ir/names';
import { shapeOf } from '../ir/shapes';
import type { Derived } from './pipelines';

/** What resolution needs of the file it generates into, and of the pipelines. */
export interface ResolutionSite {
  readonly ts: typeof ts;
  readonly program: ts.Program;
  readonly file: ts.SourceFile;
  /** The IR of custom rules (and generated functions), by key. */
  readonly derived: Map<string, Derived>;
  /** A namespace import of a module in the file, for values read through it. */
  readonly namespaceFor: (module: ts.SourceFile) => string;
  /** A call of generated code (`grad(g)(x)`). */
  readonly derivedCallee: (target: Target) => Callee;
}

export class Resolver {
  private readonly ts: typeof ts;
  private readonly checker: ts.TypeChecker;
  private readonly program: ts.Program;
  private readonly file: ts.SourceFile;
  /** What each function called from differentiated code writes (see frontend/effects.ts). */
  private readonly effects = new Map<ts.Node, DirectEffects>();

  constructor(private readonly site: ResolutionSite) {
    this.ts = site.ts;
    this.program = site.program;
    this.checker = site.program.getTypeChecker();
    this.file = site.file;
  }

  lowerTarget(target: Target, wrt: readonly number[], arrayResult = false): { primal: Func; names: NameAllocator } {
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
  customRule(definition: ts.CallExpression): Func {
    const { ts } = this;
    const key = `rule|${definition.getSourceFile().fileName}|${definition.pos}`;
    const known = this.site.derived.get(key);
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
    this.site.derived.set(key, { func, names });
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
  withoutSource(callee: Callee): never {
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
    return this.site.derivedCallee(target);
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
    // Strings and booleans are data: conditions read them.
    const data = ts.TypeFlags.StringLike | ts.TypeFlags.BooleanLike;
    const isData = (type.flags & data) !== 0 || (type.isUnion() && type.types.every((member) => member.flags & data));
    if (!isNumberType(ts, type) && !isData && !shapeOf(ts, checker, type) && !(type.flags & ts.TypeFlags.Object && checker.getSignaturesOfType(type, ts.SignatureKind.Call).length === 0)) {
      fail(identifier, Code.BadType, `'${identifier.text}' is read from outside the differentiated function and has type '${checker.typeToString(type)}': only numbers, strings, booleans, arrays and objects can be read from outside (as constants).`);
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
    return { kind: 'ref', path: [this.site.namespaceFor(home), exported.name] };
  }
}
