// How differentiated code reaches the rest of the program: the functions it calls (declared
// in a module, methods of classes, functions given rules with withDerivative, generated ones
// such as grad(g)), the values it reads from outside (constants, through their module where
// the generated code lives in another file), and the names a generated function may use.
// Lowering calls back into it through its LowerEnv.
import * as path from 'path';
import type * as ts from 'typescript';
import { Code, TapelessError, fail } from './diagnostics';
import { type DirectEffects, calledFunction, isInside, isObservable, mayDraw, mayWriteArguments } from '../frontend/effects';
import { type LowerEnv, isNumberType, lowerFunction, takesThis } from '../frontend/lower/lower';
import { type Request, type Target, apiCallNamed, apiNameOf, gradientAt, resolveRequest, resolveTarget } from '../frontend/requests';
import { walk } from '../frontend/walk';
import { type InstancePlan, instancesOf } from '../backend/instances';
import { fieldsNamed } from '../frontend/quoting';
import { type Callee, type Func, type Operand, type Ref, num, str } from '../ir/ir';
import { NameAllocator } from '../ir/names';
import { PARAMETER, isDataProperty, isDataType, shapeOf } from '../ir/shapes';
import { type Derived, generatedName } from './pipelines';
import { skipTypeSyntax } from '../frontend/type-syntax';

/** What resolution needs of the file it generates into, and of the pipelines. */
export interface ResolutionSite {
  readonly ts: typeof ts;
  readonly program: ts.Program;
  readonly file: ts.SourceFile;
  /** The IR of custom rules (and generated functions), by key. */
  readonly derived: Map<string, Derived>;
  /** A namespace import of a module in the file, for values read through it (by `specifier` where given). */
  readonly namespaceFor: (module: ts.SourceFile, specifier?: string) => string;
  /** A call of generated code (`grad(g)(x)`); `called`: code calls it for its value. */
  readonly derivedCallee: (target: Target, called?: boolean) => Callee;
}

/** The function whose code names something from outside: only its file and its name are read. */
type Caller = { readonly node: ts.Node; readonly name: string };

/** The caller a name is read in: the inlined helper (or class) `within`, else the function lowered. */
function callerOf(within: Callee | undefined, target: Target): Caller {
  return (within?.target as Target | undefined) ?? within?.home ?? target;
}

/** The reference of a function whose calls are inlined as no module exports it: never emitted. */
const UNREACHABLE: Ref = { kind: 'ref', path: [] };

export class Resolver {
  private readonly ts: typeof ts;
  private readonly checker: ts.TypeChecker;
  private readonly program: ts.Program;
  private readonly file: ts.SourceFile;
  /** What each function called from differentiated code writes (see frontend/effects.ts). */
  private readonly effects = new Map<ts.Node, DirectEffects>();
  /**
   * The IR of each target lowered for this file, by what lowering reads of the request (a file
   * asks grad, hessian and jacobian of one function): lowered once, with the names it gave out.
   * Nothing after lowering changes a Func.
   */
  private readonly lowered = new Map<ts.Node, Map<string, { primal: Func; names: NameAllocator }>>();
  /** The classes declared at the top level of the program's files (overridingClass). */
  private classes?: ts.ClassDeclaration[];

  constructor(private readonly site: ResolutionSite) {
    this.ts = site.ts;
    this.program = site.program;
    this.checker = site.program.getTypeChecker();
    this.file = site.file;
  }

  /**
   * What to write where jvp meets a parameter that is not numbers: jvp takes a tangent for every
   * parameter, so the function it differentiates takes only the numbers, and the rest come from
   * outside (`jvp((x: number) => f(x, mode))`).
   */
  private jvpOfNumbers(target: Target, jvpCall: ts.CallExpression): string {
    const { ts, checker } = this;
    const parameters = target.node.parameters;
    const numeric = parameters.filter(
      (param) => shapeOf(ts, checker, checker.getTypeAtLocation(param)) && !this.hasUnfixedLength(checker.getTypeAtLocation(param)),
    );
    const quoted = parameters.filter((param) => !numeric.includes(param)).map((param) => `'${param.name.getText()}'`);
    const passed = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}` : quoted[0];
    const fn = skipTypeSyntax(ts, jvpCall.arguments[0]);
    if (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))
      return `jvp takes a tangent for every parameter: let the function take only numbers and arrays or objects of numbers, and read ${passed} from outside it`;
    const declared = numeric.map((param) => {
      const type = param.type?.getText() ?? checker.typeToString(checker.getTypeAtLocation(param));
      return `${param.dotDotDotToken ? '...' : ''}${param.name.getText()}${param.questionToken ? '?' : ''}: ${type}`;
    });
    const args = parameters.map((param) => `${param.dotDotDotToken ? '...' : ''}${param.name.getText()}`);
    return `jvp takes a tangent for every parameter: differentiate an arrow that takes only the numbers, '${jvpCall.expression.getText()}((${declared.join(', ')}) => ${fn.getText()}(${args.join(', ')}))' with ${passed} the ${quoted.length > 1 ? 'values' : 'value'} to hold fixed`;
  }

  /**
   * The diagnostics of a parameter differentiated with respect to that is optional (`opts?: {…}`:
   * it may be undefined) or a Record (`Record<string, number>`: its keys are known only at run
   * time), each saying what type to write: the fields f reads, named.
   */
  private requireGivenNamedFields(param: ts.ParameterDeclaration, type: ts.Type, others: string): void {
    const { ts, checker } = this;
    const name = param.name.getText();
    const given = checker.getNonNullableType(type);
    // An optional number (`bias?: number`): its type once given is the whole advice.
    if (given !== type && isNumberType(ts, given)) {
      fail(
        param,
        Code.BadType,
        `cannot differentiate with respect to '${name}': it may be undefined (an optional parameter), and tapeless differentiates with respect to values the caller gives: make it required ('${name}: number'), or ${others}.`,
      );
    }
    if (given !== type && !shapeOf(ts, checker, type, PARAMETER) && given.flags & ts.TypeFlags.Object && given.getProperties().length > 0) {
      const fields = given.getProperties().map((property) => `${property.name}: number`);
      fail(
        param,
        Code.BadType,
        `cannot differentiate with respect to '${name}': it may be undefined (an optional parameter), and tapeless differentiates with respect to values the caller gives: make it required, its fields numbers the caller gives ('${name}: { ${fields.join('; ')} }'), or ${others}.`,
      );
    }
    if (given.flags & ts.TypeFlags.Object && checker.getIndexInfosOfType(given).length > 0 && !checker.isArrayLikeType(given)) {
      const fields = ts.isIdentifier(param.name) ? fieldsNamed(ts, param.parent, name).map((key) => `${key}: number`) : [];
      fail(
        param,
        Code.BadType,
        `cannot differentiate with respect to '${name}' of type '${checker.typeToString(type)}': its keys are known only at run time, and tapeless differentiates with respect to objects whose fields their type names: give it such a type ('${name}: { ${fields.length > 0 ? fields.join('; ') : '…'} }', or an interface), or ${others}.`,
      );
    }
  }

  /** A tuple type with optional or rest elements (`[number, number?]`). */
  private hasUnfixedLength(type: ts.Type): boolean {
    if (!this.checker.isTupleType(type)) return false;
    const { elementFlags } = (type as ts.TupleTypeReference).target;
    return elementFlags.some((flags) => (flags & this.ts.ElementFlags.Variable) !== 0 || (flags & this.ts.ElementFlags.Optional) !== 0);
  }

  /**
   * The IR of `target`; `site` is where its code is generated in place (an inline target), whose
   * names it reads; `jvpCall` the jvp(…) call differentiating it (along every parameter: no `wrt`).
   */
  lowerTarget(
    target: Target,
    wrt: readonly number[],
    arrayResult = false,
    site?: ts.Node,
    jvpCall?: ts.CallExpression,
  ): { primal: Func; names: NameAllocator } {
    // A method's IR function takes `this` first.
    const self = takesThis(this.ts, target.node) ? 1 : 0;
    for (const index of wrt) {
      if (index < self) continue;
      const param = target.node.parameters[index - self];
      const type = this.checker.getTypeAtLocation(param);
      if (!shapeOf(this.ts, this.checker, type, PARAMETER)) {
        const others = jvpCall ? this.jvpOfNumbers(target, jvpCall) : "select other parameters with 'wrt'";
        this.requireGivenNamedFields(param, type, others);
        const field = this.fieldWithoutShape(type, param.name.getText());
        if (field) {
          fail(
            param,
            Code.BadType,
            `cannot differentiate with respect to '${param.name.getText()}': its field '${field.path}' has type '${this.checker.typeToString(field.type)}', and tapeless differentiates with respect to numbers and arrays and objects of numbers (make the field required and a number, or ${others}).`,
          );
        }
        if (this.hasUnfixedLength(type)) {
          fail(
            param,
            Code.BadType,
            `cannot differentiate with respect to '${param.name.getText()}' of type '${this.checker.typeToString(type)}': a tuple with optional or rest elements has no fixed length; write number[] (an entry past the end reads a default with '${param.name.getText()}[1] ?? …'), or ${others}.`,
          );
        }
        fail(
          param,
          Code.BadType,
          `cannot differentiate with respect to '${param.name.getText()}' of type '${this.checker.typeToString(type)}': tapeless differentiates with respect to numbers (${others}).`,
        );
      }
    }
    // Code generated in place of a call (site) is lowered for that call alone.
    const kept = site ? undefined : this.loweredOf(target.node);
    const key = `${target.name}|${wrt.join(',')}|${arrayResult}`;
    const known = kept?.get(key);
    if (known) return { primal: known.primal, names: known.names.copy() };
    const names = this.functionNames(target);
    const env: LowerEnv = {
      ts: this.ts,
      checker: this.checker,
      names,
      outer: (identifier, within) => this.outer(identifier, callerOf(within, target), site),
      apiName: (callee) => apiNameOf(this.ts, this.checker, callee),
      isLibrary: (file) => this.program.isSourceFileDefaultLibrary(file),
      callee: (call, within) => this.callee(call, callerOf(within, target), site),
      functionValue: (identifier, within) => this.functionValue(identifier, callerOf(within, target), site),
      classFrame: (declaration) => ({
        key: `class|${declaration.getSourceFile().fileName}|${declaration.pos}`,
        name: declaration.name?.text ?? 'class',
        ref: { kind: 'ref', path: [] },
        home: { node: declaration, name: declaration.name?.text ?? 'class' },
      }),
      definesClassFields: this.definesClassFields(),
      arrayResult,
      differentiated: new Set(wrt.flatMap((index) => (index < self ? [] : [target.node.parameters[index - self]]))),
    };
    const primal = lowerFunction(target.node, env, target.name);
    kept?.set(key, { primal, names: names.copy() });
    return { primal, names };
  }

  /** The IR this file lowered of `target`, by request (see `lowered`). */
  private loweredOf(target: ts.Node): Map<string, { primal: Func; names: NameAllocator }> {
    let kept = this.lowered.get(target);
    if (!kept) this.lowered.set(target, (kept = new Map()));
    return kept;
  }

  /**
   * Whether the program's classes define their fields before their constructors run
   * (`useDefineForClassFields`; by default from ES2022 on, and the default target depends on
   * TypeScript's version and `module`: TypeScript's own computation where it has one).
   */
  private definesClassFields(): boolean {
    const options = this.program.getCompilerOptions();
    const computed = (this.ts as unknown as { getUseDefineForClassFields?: (options: ts.CompilerOptions) => boolean }).getUseDefineForClassFields;
    return computed ? computed(options) : (options.useDefineForClassFields ?? (options.target ?? this.ts.ScriptTarget.ES5) >= this.ts.ScriptTarget.ES2022);
  }

  /** Where an object type cannot be differentiated: its first field (nested: `a.b.c`) without a shape, and that field's type. */
  private fieldWithoutShape(type: ts.Type, path: string): { path: string; type: ts.Type } | undefined {
    const { ts, checker } = this;
    if (
      !(type.flags & ts.TypeFlags.Object) ||
      type.isUnion() ||
      checker.isArrayType(type) ||
      checker.isTupleType(type) ||
      checker.getSignaturesOfType(type, ts.SignatureKind.Call).length > 0
    )
      return undefined;
    for (const property of checker.getPropertiesOfType(type)) {
      const declaration = property.valueDeclaration;
      if (!declaration || !isDataProperty(ts, declaration)) continue;
      const fieldType = checker.getTypeOfSymbolAtLocation(property, declaration);
      if (isDataType(ts, fieldType) || shapeOf(ts, checker, fieldType, PARAMETER)) continue;
      return this.fieldWithoutShape(fieldType, `${path}.${property.name}`) ?? { path: `${path}.${property.name}`, type: fieldType };
    }
    return undefined;
  }

  /** A call of a function of the program from differentiated code. */
  private callee(call: ts.CallExpression, caller: Caller, site?: ts.Node): Callee | undefined {
    const { ts } = this;
    const expression = call.expression;
    const generated = ts.isCallExpression(expression) ? expression : apiCallNamed(ts, this.checker, expression);
    if (generated) return this.generatedCallee(call, generated, caller, site);
    const ruled = this.ruledCallee(call, caller, site);
    if (ruled) return ruled;
    const namespaced = ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.expression) && this.isModule(expression.expression);
    if (ts.isPropertyAccessExpression(expression) && !namespaced) return this.method(call, expression, caller, site);
    if (!ts.isIdentifier(expression) && !namespaced) return undefined;
    const symbol = this.checker.getSymbolAtLocation(expression);
    const resolved = symbol && symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol;
    const declaration = resolved?.valueDeclaration;
    if (!declaration || !(ts.isFunctionDeclaration(declaration) || ts.isVariableDeclaration(declaration))) return undefined;
    return this.functionCallee(expression, caller, site);
  }

  /** Whether `identifier` names a module (`import * as lib from './lib.js'`), not a class or value it imports. */
  private isModule(identifier: ts.Identifier): boolean {
    const { ts, checker } = this;
    const symbol = checker.getSymbolAtLocation(identifier);
    if (!symbol || !(symbol.flags & ts.SymbolFlags.Alias)) return false;
    return (checker.getAliasedSymbol(symbol).flags & ts.SymbolFlags.Module) !== 0;
  }

  /**
   * The function of the program that `expression` (a name, or a namespace import's member)
   * refers to. One declared inside another function is `nested`: its calls are inlined.
   */
  private functionCallee(expression: ts.Identifier | ts.PropertyAccessExpression, caller: Caller, site?: ts.Node): Callee {
    const { ts } = this;
    const target = resolveTarget(ts, this.checker, expression);
    const nested = target.placement !== 'module';
    let ref: Ref | undefined;
    if (ts.isIdentifier(expression)) ref = nested ? { kind: 'ref', path: [expression.text] } : this.reach(expression, caller, site);
    else if (caller.node.getSourceFile() === this.file) ref = { kind: 'ref', path: [expression.expression.getText(), expression.name.text] };
    else ref = this.reach(expression.name as ts.Identifier, caller, site);
    const key = `${target.node.getSourceFile().fileName}|${target.node.pos}`;
    // Exported by no module this file can import: its code is at hand, and its calls are inlined.
    if (!ref) return { key, name: target.name, ref: UNREACHABLE, target, unexported: true };
    return { key, name: target.name, ref, target, ...this.effectsOf(target.node), ...(nested ? { nested } : {}) };
  }

  /** A function of the program named as a value (`xs.map(sigmoid)`, `integrate(f, 0, 1)`). */
  private functionValue(identifier: ts.Identifier, caller: Caller, site?: ts.Node): Callee | undefined {
    const { ts } = this;
    let symbol = this.checker.getSymbolAtLocation(identifier);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const declaration = symbol?.valueDeclaration;
    const isFunction =
      declaration &&
      (ts.isFunctionDeclaration(declaration) ||
        (ts.isVariableDeclaration(declaration) &&
          declaration.initializer &&
          (ts.isArrowFunction(declaration.initializer) || ts.isFunctionExpression(declaration.initializer))));
    return isFunction ? this.functionCallee(identifier, caller, site) : undefined;
  }

  /**
   * A call of a function given a rule with `withDerivative` (`const f = withDerivative(g,
   * rule)`): the call runs f, and every mode differentiates it with the rule.
   */
  private ruledCallee(call: ts.CallExpression, caller: Caller, site?: ts.Node): Callee | undefined {
    const { ts } = this;
    if (!ts.isIdentifier(call.expression)) return undefined;
    let symbol = this.checker.getSymbolAtLocation(call.expression);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const declaration = symbol?.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
    const definition = skipTypeSyntax(ts, declaration.initializer);
    if (!ts.isCallExpression(definition) || apiNameOf(ts, this.checker, definition.expression) !== 'withDerivative') return undefined;
    const arity = this.ruleArity(definition);
    if (call.arguments.length !== arity)
      fail(
        call,
        Code.Unsupported,
        `'${call.expression.text}' takes ${arity} argument${arity === 1 ? '' : 's'}, one for each partial derivative of its rule: pass exactly ${arity}.`,
      );
    return {
      key: `rule|${declaration.getSourceFile().fileName}|${declaration.pos}`,
      name: call.expression.text,
      ref: this.reference(call.expression, caller, site),
      rule: () => this.customRule(definition),
      site: call,
    };
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
    const rule = skipTypeSyntax(ts, definition.arguments[1]) as ts.ArrowFunction | ts.FunctionExpression;
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
    if (lowered.body.some((stmt) => stmt.kind !== 'let'))
      fail(rule.body, Code.BadRule, 'the rule must be one expression per partial derivative, without && or || (use ?: for a choice).');
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
  private opaqueCallee(call: ts.CallExpression, caller: Caller): Callee | undefined {
    if (!this.ts.isIdentifier(call.expression)) return undefined;
    return { key: `opaque|${call.expression.text}`, name: call.expression.text, ref: this.reference(call.expression, caller), site: call };
  }

  /** A function without source, met where its derivative is needed. */
  withoutSource(callee: Callee): never {
    return fail(
      callee.site!,
      Code.BadTarget,
      `'${callee.name}' has no source to differentiate: a higher derivative differentiates this rule, so give '${callee.name}' a rule of its own with withDerivative.`,
    );
  }

  /** Checks `withDerivative(f, rule)`: f takes and returns numbers, the rule gives one partial per argument. */
  private ruleArity(definition: ts.CallExpression): number {
    const { ts } = this;
    const [fnArg, ruleArg] = definition.arguments;
    if (!fnArg || !ruleArg || definition.arguments.length !== 2)
      fail(definition, Code.BadRule, 'withDerivative takes the function and its rule: withDerivative(f, (x, y, result) => [df_dx, df_dy]).');
    const signature = this.checker.getSignaturesOfType(this.checker.getTypeAtLocation(fnArg), ts.SignatureKind.Call)[0];
    if (!signature) fail(fnArg, Code.BadRule, 'withDerivative needs a function as its first argument.');
    const arity = signature.parameters.length;
    for (const param of signature.parameters) {
      if (!isNumberType(ts, this.checker.getTypeOfSymbolAtLocation(param, fnArg)))
        fail(fnArg, Code.BadRule, `withDerivative gives rules to functions of numbers; the parameter '${param.name}' is not a number.`);
    }
    if (!isNumberType(ts, signature.getReturnType())) fail(fnArg, Code.BadRule, 'withDerivative gives rules to functions that return a number.');
    const rule = skipTypeSyntax(ts, ruleArg);
    if (!ts.isArrowFunction(rule) && !ts.isFunctionExpression(rule))
      fail(ruleArg, Code.BadRule, 'the rule must be an arrow function written in place: (x, result) => [partial].');
    if (rule.parameters.length > arity + 1)
      fail(
        rule.parameters[arity + 1],
        Code.BadRule,
        `the rule takes the function's ${arity} argument${arity === 1 ? '' : 's'} and its result: ${arity + 1} parameters at most, not ${rule.parameters.length}.`,
      );
    if (ts.isBlock(rule.body))
      fail(
        rule.body,
        Code.BadRule,
        'the rule must be one expression per partial derivative, an arrow returning an array literal: (x, y) => [partial] (no statements, branches or loops; use ?: for a choice).',
      );
    const partials = skipTypeSyntax(ts, rule.body);
    if (!ts.isArrayLiteralExpression(partials)) {
      // The rule written with the function's own parameter names: (x, result) => [d_dx].
      const names = signature.parameters.map((param) => param.name);
      fail(
        rule.body,
        Code.BadRule,
        `the rule must return an array literal of partial derivatives, one per argument of the function: (${[...names, 'result'].join(', ')}) => [${names.map((name) => `d_d${name}`).join(', ')}].`,
      );
    }
    if (partials.elements.length !== arity)
      fail(
        partials,
        Code.BadRule,
        `the rule returns ${partials.elements.length} partial derivative${partials.elements.length === 1 ? '' : 's'}, but the function takes ${arity} argument${arity === 1 ? '' : 's'}: one partial per argument.`,
      );
    return arity;
  }

  /** `grad(g)(x)` in differentiated code: a call of generated code, differentiated from its IR. */
  private generatedCallee(call: ts.CallExpression, expression: ts.CallExpression, caller: Caller, site?: ts.Node): Callee | undefined {
    const { ts, checker } = this;
    const api = apiNameOf(ts, checker, expression.expression);
    if (!api) return undefined;
    if (api === 'valueAndGrad') return this.valueAndGradient(call, resolveRequest(ts, checker, expression, api), site);
    const target = resolveTarget(ts, checker, expression);
    const inner = target.derived!;
    this.checkComposable(call, inner);
    // Each gradient of a tuple is the gradient of one parameter, generated as grad(g, { wrt: 'x' }) would be.
    if (inner.api === 'grad' && inner.tuple) return this.elementsCallee(call, inner.wrt.length, (index) => this.generatedElement(gradientAt(inner, index)));
    // Where its value is needed, the generated function is called as the program names it
    // (`delta`, a const holding `grad(price)`), else as this file generates it.
    const named = ts.isIdentifier(call.expression) ? this.reach(call.expression, caller, site) : undefined;
    const callee = this.site.derivedCallee(target, !named);
    return { ...callee, ...(named ? { ref: named } : {}), generatedFrom: { node: target.node, name: inner.target.name }, site: call };
  }

  /** A call of generated code returning several numbers, which lowering makes an array of their calls (`Callee.elements`). */
  private elementsCallee(call: ts.CallExpression, length: number, at: (index: number) => Callee): Callee {
    return { key: `elements|${call.pos}`, name: call.expression.getText(), ref: UNREACHABLE, elements: { length, at } };
  }

  /** The generated function of `request` (one number), called for its value. */
  private generatedElement(request: Request): Callee {
    const target: Target = { node: request.target.node, name: generatedName(this.ts, request), placement: request.target.placement, derived: request };
    return { ...this.site.derivedCallee(target, true), generatedFrom: { node: request.target.node, name: request.target.name } };
  }

  /**
   * `valueAndGrad(g, { wrt: 'x' })(…)` in differentiated code: `[value, gradient]`, the value a
   * call of g and the gradient grad(g, { wrt: 'x' })'s.
   */
  private valueAndGradient(call: ts.CallExpression, request: Request, site?: ts.Node): Callee {
    const { ts } = this;
    const fnArg = skipTypeSyntax(ts, request.call.arguments[0]);
    const text = call.expression.getText();
    if (request.tuple)
      fail(
        call,
        Code.Unsupported,
        `'${text}' returns its value and several gradients, and inside differentiated code valueAndGrad(…)(…) is differentiated where it returns its value and one gradient: call '${request.target.name}' for the value and a gradient of one parameter for each you need (grad(${request.target.name}, { wrt: '${request.target.node.parameters[request.wrt[0]].name.getText()}' })(…)).`,
      );
    this.checkComposable(call, request);
    // The value: g called, its name read where valueAndGrad names it.
    const value = (): Callee =>
      request.target.derived
        ? this.generatedElement(request.target.derived)
        : this.functionCallee(fnArg as ts.Identifier | ts.PropertyAccessExpression, { node: request.call, name: request.target.name }, site);
    return this.elementsCallee(call, 2, (index) => (index === 0 ? value() : this.generatedElement(gradientAt(request, 0))));
  }

  /**
   * A generated function called in differentiated code is differentiated number by number
   * (a pushforward per selected number, then the adjoint of its one result): only gradients
   * with respect to numbers and derivative() of a function returning a number compose that way.
   */
  private checkComposable(call: ts.CallExpression, inner: Request): void {
    const { ts, checker } = this;
    const { node } = inner.target;
    if (inner.target.placement !== 'module')
      fail(inner.call, Code.Unsupported, `the function given to ${inner.api}() inside differentiated code must be declared at the top level of a module.`);
    // Arguments left out take their default values at the call (lowering completes it).
    if (node.parameters.some((param) => param.dotDotDotToken)) {
      fail(
        call,
        Code.Unsupported,
        `'${call.expression.getText()}' is generated from '${inner.target.name}', which has a rest parameter: inside differentiated code, call generated functions of functions whose parameters are listed one by one (take the numbers as one array, 'xs: number[]').`,
      );
    }
    if (inner.api === 'grad' || inner.api === 'valueAndGrad') {
      const index = inner.wrt.find((i) => !isNumberType(ts, checker.getTypeAtLocation(node.parameters[i])));
      if (index !== undefined) {
        const name = node.parameters[index].name.getText();
        fail(
          call,
          Code.BadType,
          `${inner.api}(…)(…) inside differentiated code is differentiated with respect to numbers only, and '${name}' is not a number: select number parameters with wrt, or compute this gradient outside the differentiated function.`,
        );
      }
    }
    const signature = checker.getSignatureFromDeclaration(node);
    const returned = signature && checker.getReturnTypeOfSignature(signature);
    if (inner.api === 'derivative' && returned && !isNumberType(ts, returned)) {
      fail(
        call,
        Code.BadType,
        `derivative(…)(…) inside differentiated code is differentiated where the function returns a number, and '${inner.target.name}' returns '${checker.typeToString(returned)}': differentiate a function that returns one number of it.`,
      );
    }
  }

  /**
   * `obj.m(…)` where m is a method of a class (declared at the top level of a module): the
   * receiver is the method's first argument (`this`), and its pullback differentiates
   * through the fields the method reads.
   */
  private method(call: ts.CallExpression, expression: ts.PropertyAccessExpression, caller: Caller, site?: ts.Node): Callee | undefined {
    const { ts } = this;
    const declaration = this.checker.getSymbolAtLocation(expression)?.valueDeclaration;
    if (!declaration || !ts.isMethodDeclaration(declaration) || !declaration.body) return undefined;
    const owner = declaration.parent;
    const text = expression.getText();
    if (!ts.isClassDeclaration(owner) || !owner.name || !ts.isSourceFile(owner.parent) || declaration.asteriskToken) {
      fail(call, Code.Unsupported, `cannot differentiate the call to '${text}': only methods of classes declared at the top level of a module can be called.`);
    }
    const name = `${owner.name.text}_${expression.name.text}`;
    const target: Target = { node: declaration, name, placement: 'module' };
    const key = `${declaration.getSourceFile().fileName}|${declaration.pos}`;
    if (ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Static) {
      // A function of the class: called through it (`Complex.polar(r, t)`), without a receiver.
      if (!ts.isIdentifier(expression.expression))
        fail(
          call,
          Code.Unsupported,
          `call the static method '${expression.name.text}' through its class's name ('${owner.name.text}.${expression.name.text}(…)').`,
        );
      const owning = this.reach(expression.expression, caller, site);
      if (!owning) return { key, name, ref: UNREACHABLE, target, unexported: true };
      return { key, name, ref: { ...owning, path: [...owning.path, expression.name.text] }, target, ...this.effectsOf(declaration) };
    }
    const overriding = this.overridingClass(owner, expression.name.text);
    if (overriding)
      fail(
        call,
        Code.Unsupported,
        `'${text}' calls the method '${expression.name.text}' of '${owner.name.text}', which '${overriding}' overrides: which of them runs is known only when the code runs. Call it on an instance whose declared class no subclass overrides it in, or write one method that chooses by a field of the instance.`,
      );
    return { key, name, ref: { kind: 'ref', path: [expression.name.text] }, method: expression.name.text, target, ...this.effectsOf(declaration) };
  }

  /**
   * A class of the program that extends `owner` (at any depth) and declares its own `member`:
   * a call resolved by its declared type to `owner`'s method may run that one instead (also
   * `this.term(x)` in a method of `owner` called on such an instance), so the code inlined
   * would be the wrong method's.
   */
  private overridingClass(owner: ts.ClassDeclaration, member: string): string | undefined {
    const { ts, checker } = this;
    this.classes ??= this.program
      .getSourceFiles()
      .filter((file) => !file.isDeclarationFile)
      .flatMap((file) => file.statements.filter((statement): statement is ts.ClassDeclaration => ts.isClassDeclaration(statement)));
    const baseOf = (cls: ts.ClassDeclaration): ts.ClassDeclaration | undefined => {
      const extended = cls.heritageClauses?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
      let symbol = extended && checker.getSymbolAtLocation(extended);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const declaration = symbol?.valueDeclaration;
      return declaration && ts.isClassDeclaration(declaration) ? declaration : undefined;
    };
    const declares = (cls: ts.ClassDeclaration) => cls.members.some((m) => m.name !== undefined && ts.isIdentifier(m.name) && m.name.text === member);
    for (const cls of this.classes) {
      let declared = false;
      for (let at: ts.ClassDeclaration | undefined = cls; at; at = baseOf(at)) {
        if (at === owner) {
          if (declared) return cls.name?.text;
          break;
        }
        declared ||= declares(at);
      }
    }
    return undefined;
  }

  /**
   * `{ writes: true }` for a function that may write into what it is given, `{ draws: true }`
   * for one that may call Math.random() (their calls are inlined), `{ observable: true }` for
   * one that may throw or log (its calls run even where nothing reads their value).
   */
  private effectsOf(fn: ts.FunctionLikeDeclaration): { writes?: true; draws?: true; observable?: true } {
    if (mayWriteArguments(this.ts, this.checker, fn, this.effects)) return { writes: true };
    if (mayDraw(this.ts, this.checker, fn, this.effects)) return { draws: true };
    return isObservable(this.ts, this.checker, fn, this.effects) ? { observable: true } : {};
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
  private outer(identifier: ts.Identifier, target: Caller, site?: ts.Node): Operand | { readonly written: ts.Expression } {
    const { ts, checker } = this;
    const type = checker.getTypeAtLocation(identifier);
    // Strings and booleans are data: conditions read them.
    if (
      !isNumberType(ts, type) &&
      !isDataType(ts, type) &&
      !shapeOf(ts, checker, type) &&
      !(type.flags & ts.TypeFlags.Object && checker.getSignaturesOfType(type, ts.SignatureKind.Call).length === 0)
    ) {
      fail(
        identifier,
        Code.BadType,
        `'${identifier.text}' is read from outside the differentiated function and has type '${checker.typeToString(type)}': only numbers, strings, booleans, arrays and objects can be read from outside (as constants).`,
      );
    }
    // A constant its module does not export, whose type is its value (`const K = 4`): that value.
    const reached = this.reach(identifier, target, site);
    if (!reached && type.isNumberLiteral()) return num(type.value);
    if (!reached && type.isStringLiteral()) return str(type.value);
    // One written as a literal (`const WEIGHTS = [0.5, 1.5, 2]`): computed where it is read, as its module's unexported helpers are inlined.
    const written = reached ? undefined : this.literalOf(identifier);
    if (written) return { written };
    return reached ?? this.reference(identifier, target, site);
  }

  /** The literal a `const` is written as, where it is data written out (numbers, strings, booleans, arrays and objects of them). */
  private literalOf(identifier: ts.Identifier): ts.Expression | undefined {
    const { ts } = this;
    const declaration = this.declarationOf(identifier);
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer || !(ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const))
      return undefined;
    const isLiteral = (node: ts.Expression): boolean => {
      const inner = skipTypeSyntax(ts, node);
      if (ts.isParenthesizedExpression(inner)) return isLiteral(inner.expression);
      if (ts.isNumericLiteral(inner) || ts.isStringLiteral(inner) || ts.isNoSubstitutionTemplateLiteral(inner)) return true;
      if (inner.kind === ts.SyntaxKind.TrueKeyword || inner.kind === ts.SyntaxKind.FalseKeyword) return true;
      if (ts.isPrefixUnaryExpression(inner)) return inner.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(inner.operand);
      if (ts.isArrayLiteralExpression(inner))
        return inner.elements.every((element) => !ts.isSpreadElement(element) && !ts.isOmittedExpression(element) && isLiteral(element));
      if (ts.isObjectLiteralExpression(inner))
        return inner.properties.every((property) => ts.isPropertyAssignment(property) && ts.isIdentifier(property.name) && isLiteral(property.initializer));
      return false;
    };
    return isLiteral(declaration.initializer) ? declaration.initializer : undefined;
  }

  /** Whether `identifier` (naming `symbol`) names the same at `site`, where the generated code reads it. */
  private namesSameAt(identifier: ts.Identifier, symbol: ts.Symbol, site: ts.Node): boolean {
    const { ts, checker } = this;
    const resolveName = (
      checker as ts.TypeChecker & { resolveName?: (name: string, location: ts.Node, meaning: ts.SymbolFlags, excludeGlobals: boolean) => ts.Symbol | undefined }
    ).resolveName;
    if (!resolveName) return true;
    const there = resolveName.call(checker, identifier.text, site, ts.SymbolFlags.Value | ts.SymbolFlags.Alias, false);
    return !there || there === symbol;
  }

  /** `identifier` (naming `symbol`) names the same at `site`, where the generated code reads it; else a diagnostic. */
  private requireSameAt(identifier: ts.Identifier, symbol: ts.Symbol, site: ts.Node): void {
    if (this.namesSameAt(identifier, symbol, site)) return;
    const line = site.getSourceFile().getLineAndCharacterOfPosition(site.getStart()).line + 1;
    fail(
      identifier,
      Code.BadTarget,
      `'${identifier.text}' is read here, but the derivative is generated in place of the call on line ${line}, where '${identifier.text}' names another variable: rename one of them, or pass '${identifier.text}' as a parameter.`,
    );
  }

  /**
   * How generated code in this file reads `identifier`, a name from outside `target`. Where
   * the code is generated in place of a call (`site`), the name must mean the same there.
   */
  private reference(identifier: ts.Identifier, target: Caller, site?: ts.Node): Ref {
    const reached = this.reach(identifier, target, site);
    if (reached) return reached;
    const declaration = this.declarationOf(identifier);
    const where = declaration ? path.basename(declaration.getSourceFile().fileName) : 'its module';
    return fail(
      identifier,
      Code.BadTarget,
      `'${identifier.text}' is not exported by ${where}, so the gradient generated in ${path.basename(this.file.fileName)} (the file that calls the API) cannot read it. Export it from ${where}, or pass it as a parameter.`,
    );
  }

  /** The declaration `identifier` names, through imports. */
  private declarationOf(identifier: ts.Identifier): ts.Declaration | undefined {
    const symbol = this.checker.getSymbolAtLocation(identifier);
    const resolved = symbol && symbol.flags & this.ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol;
    return resolved?.valueDeclaration ?? resolved?.declarations?.[0];
  }

  /**
   * `reference`, or undefined where this file cannot reach the value: it is declared in
   * another module, which does not export it, nor does the module that reads it.
   */
  private reach(identifier: ts.Identifier, target: Caller, site?: ts.Node): Ref | undefined {
    const { ts, checker } = this;
    const symbol = checker.getSymbolAtLocation(identifier);
    if (!symbol) fail(identifier, Code.BadTarget, `cannot resolve '${identifier.text}'.`);
    const home = target.node.getSourceFile();
    const isGlobal = symbol.declarations?.every((declaration) => this.program.isSourceFileDefaultLibrary(declaration.getSourceFile())) ?? false;
    if (isGlobal) return { kind: 'ref', path: [identifier.text] };
    if (home === this.file) {
      if (site) this.requireSameAt(identifier, symbol, site);
      return { kind: 'ref', path: [identifier.text], origin: identifier };
    }
    // The generated code lives in another file than the function: reach the value through a
    // module that exports it — the function's own, else the one declaring it (a helper the
    // function imports), imported by the specifier the function's module imports it by.
    const resolved = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const declaration = resolved.valueDeclaration ?? resolved.declarations?.[0];
    // A namespace import (`import * as lib`) in the function's module: one of this file.
    if (declaration && ts.isSourceFile(declaration)) return { kind: 'ref', path: [this.site.namespaceFor(declaration, this.importedBy(symbol, declaration))] };
    const declaring = declaration?.getSourceFile();
    const modules = [{ module: home }, ...(declaring && declaring !== home ? [{ module: declaring, specifier: this.importedBy(symbol, declaring) }] : [])];
    for (const { module, specifier } of modules) {
      if (module === this.file) {
        // Declared in this very file (which the function's module imports it from): by its own name.
        const name = (resolved.valueDeclaration as ts.NamedDeclaration | undefined)?.name;
        if (!name || !ts.isIdentifier(name)) continue;
        if (site) this.requireSameAt(name, resolved, site);
        return { kind: 'ref', path: [name.text] };
        continue;
      }
      const exported = this.exportOf(module, resolved);
      if (exported) return { kind: 'ref', path: [this.site.namespaceFor(module, specifier), exported.name] };
    }
    return undefined;
  }

  /**
   * Where the value of `target` (for vjp and jvp) holds instances of classes, as its declared
   * type says, and how the generated code reads each class: see backend/instances.ts.
   */
  instancesOfResult(target: Target, site?: ts.Node): InstancePlan | undefined {
    const signature = this.checker.getSignatureFromDeclaration(target.node);
    return signature && instancesOf(this.ts, this.checker, signature.getReturnType(), (declaration) => this.classReference(declaration, site));
  }

  /**
   * How the generated code reads a class: by its name where this file declares it (and that
   * name means it at `site`, for code generated in place of a call), else through the module
   * declaring it, where that module exports it; undefined otherwise.
   */
  private classReference(declaration: ts.ClassDeclaration, site: ts.Node | undefined): Ref | undefined {
    const { name } = declaration;
    const symbol = name && this.checker.getSymbolAtLocation(name);
    if (!name || !symbol) return undefined;
    const declaring = declaration.getSourceFile();
    if (declaring === this.file) return !site || this.namesSameAt(name, symbol, site) ? { kind: 'ref', path: [name.text] } : undefined;
    const exported = this.exportOf(declaring, symbol);
    return exported ? { kind: 'ref', path: [this.site.namespaceFor(declaring), exported.name] } : undefined;
  }

  /** The name `module` exports `symbol` under, if it exports it. */
  private exportOf(module: ts.SourceFile, symbol: ts.Symbol): ts.Symbol | undefined {
    const { ts, checker } = this;
    const moduleSymbol = (module as unknown as { symbol?: ts.Symbol }).symbol;
    return (
      moduleSymbol &&
      checker
        .getExportsOfModule(moduleSymbol)
        .find((candidate) => (candidate.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(candidate) : candidate) === symbol)
    );
  }

  /**
   * The package name a module is imported by where `symbol` (an import) names it that way
   * (`import { sq } from 'mathlib'`): a path relative to this file would not reach it.
   */
  private importedBy(symbol: ts.Symbol, module: ts.SourceFile): string | undefined {
    const { ts } = this;
    let node: ts.Node | undefined = symbol.declarations?.[0];
    while (node && !ts.isImportDeclaration(node)) node = node.parent;
    const specifier = node && ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : undefined;
    return specifier &&
      !specifier.startsWith('.') &&
      !specifier.startsWith('/') &&
      (module.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(module))
      ? specifier
      : undefined;
  }
}
