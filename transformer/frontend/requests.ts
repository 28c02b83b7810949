import type * as ts from 'typescript';
import { Code, fail } from '../driver/diagnostics';
import type { FunctionNode } from './lower/lower';
import { walk } from './walk';
import { skipTypeSyntax } from './type-syntax';

/** The API functions the transformer rewrites (the runtime tags each with `@tapeless <name>`). */
export type ApiName = DifferentiatingApi | 'stopGradient' | 'withDerivative';
const DIFFERENTIATING_APIS = ['grad', 'valueAndGrad', 'derivative', 'jvp', 'vjp', 'jacobian', 'jacobianInto', 'hessian', 'hessianInto', 'hvp'] as const;
export type DifferentiatingApi = (typeof DIFFERENTIATING_APIS)[number];
/** The API calls whose result is again a function tapeless can differentiate (higher orders). */
const COMPOSABLE_APIS: readonly ApiName[] = ['grad', 'derivative'];
export const API_NAMES: readonly ApiName[] = [...DIFFERENTIATING_APIS, 'stopGradient', 'withDerivative'];

/** The function a request differentiates, and where its code can be generated. */
export interface Target {
  readonly node: FunctionNode;
  readonly name: string;
  /**
   * `module`: a top-level function, generated once per file as a hoisted declaration.
   * `inline`: an inline or nested function, generated in place of the call (its captured
   * variables are only in scope there).
   */
  readonly placement: 'module' | 'inline';
  /** Set where the function is itself generated (`derivative(grad(g))`): the request making it. */
  readonly derived?: Request;
}

/** One call such as `grad(f, { wrt: 'x' })`, resolved. */
export interface Request {
  readonly call: ts.CallExpression;
  readonly api: DifferentiatingApi;
  readonly target: Target;
  readonly wrt: readonly number[];
  /** `wrt` was a list (or defaulted to several parameters): the gradient is a tuple. */
  readonly tuple: boolean;
  /** Identifies the generated function: equal keys share one function per file. */
  readonly key: string;
}

const API_TAG = /@tapeless\s+(\w+)/;

function isApiName(name: string): name is ApiName {
  return API_NAMES.some((api) => api === name);
}

/**
 * The API function that `callee` refers to, following imports and aliases: a declaration
 * whose doc comment has the tag `@tapeless <name>`. The comment is read as text, since
 * tsc (5.3+) does not parse doc comments unless asked.
 */
export function apiNameOf(tsApi: typeof ts, checker: ts.TypeChecker, callee: ts.Expression): ApiName | undefined {
  let symbol = checker.getSymbolAtLocation(callee);
  if (symbol && symbol.flags & tsApi.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  for (const declaration of symbol?.declarations ?? []) {
    // The runtime declares `function grad` tagged `@tapeless grad`: a tag naming another
    // function, or none of the API, is a user's comment.
    if (!tsApi.isFunctionDeclaration(declaration) || !declaration.name || !isApiName(declaration.name.text)) continue;
    const text = declaration.getSourceFile().text;
    for (const range of tsApi.getLeadingCommentRanges(text, declaration.pos) ?? []) {
      const tag = API_TAG.exec(text.slice(range.pos, range.end));
      if (tag && tag[1] === declaration.name.text) return declaration.name.text;
    }
  }
  return undefined;
}

export interface ApiCall {
  readonly call: ts.CallExpression;
  readonly api: ApiName;
}

/**
 * Every call of an API function in a file, in source order. Other references to an API
 * function (through a cast, a variable, `new`, as an argument) are passed to `misuse`: the
 * transformer cannot see such calls, and they would fail at run time.
 */
export function findApiCalls(
  tsApi: typeof ts,
  checker: ts.TypeChecker,
  file: ts.SourceFile,
  misuse: (node: ts.Node, api: ApiName) => void = () => {},
): ApiCall[] {
  const calls: ApiCall[] = [];
  // Names that may refer to an API function: its own names and their local aliases.
  const names = new Set<string>(API_NAMES);
  for (const statement of file.statements) {
    const bindings = tsApi.isImportDeclaration(statement) ? statement.importClause?.namedBindings : undefined;
    if (bindings && tsApi.isNamedImports(bindings)) for (const element of bindings.elements) names.add(element.name.text);
  }
  walk(tsApi, file, (node) => {
    if (tsApi.isCallExpression(node)) {
      const api = apiNameOf(tsApi, checker, node.expression);
      if (api) calls.push({ call: node, api });
    } else if (tsApi.isIdentifier(node) && names.has(node.text)) {
      const parent = node.parent;
      const reference: ts.Node = tsApi.isPropertyAccessExpression(parent) && parent.name === node ? parent : node;
      const direct = tsApi.isCallExpression(reference.parent) && reference.parent.expression === reference;
      const declaration =
        tsApi.isImportSpecifier(parent) ||
        tsApi.isExportSpecifier(parent) ||
        tsApi.isTypeQueryNode(parent) ||
        tsApi.isExportAssignment(parent) ||
        (tsApi.isPropertyAccessExpression(parent) && parent.expression === node);
      if (!direct && !declaration && (reference === node || tsApi.isPropertyAccessExpression(reference))) {
        const api = apiNameOf(tsApi, checker, reference as ts.Expression);
        if (api) misuse(reference, api);
      }
    }
  });
  return calls;
}

export function isDifferentiatingCall(call: ApiCall): call is { call: ts.CallExpression; api: DifferentiatingApi } {
  return DIFFERENTIATING_APIS.some((api) => api === call.api);
}

export function resolveRequest(tsApi: typeof ts, checker: ts.TypeChecker, call: ts.CallExpression, api: DifferentiatingApi): Request {
  const [fnArg, optionsArg, ...extra] = call.arguments;
  if (!fnArg) fail(call, Code.BadTarget, `${api}() needs the function to differentiate as its first argument.`);
  if (api === 'jvp' && optionsArg) fail(optionsArg, Code.BadOptions, 'jvp() takes only the function: tangents are given for every parameter.');
  if (extra.length > 0) fail(extra[0], Code.BadOptions, `${api}() takes a function and an options object, nothing more.`);
  const target = resolveTarget(tsApi, checker, fnArg);
  const params = target.node.parameters.map((param) => (tsApi.isIdentifier(param.name) ? param.name.text : undefined));
  if (params.length === 0) fail(fnArg, Code.BadTarget, 'the function has no parameters to differentiate with respect to.');
  // derivative() differentiates with respect to one input: the first unless wrt says.
  const { wrt, tuple } = api === 'derivative' && !optionsArg ? { wrt: [0], tuple: false } : resolveWrt(tsApi, optionsArg, params);
  if (api === 'derivative' && tuple)
    fail(optionsArg!, Code.BadOptions, 'derivative() differentiates with respect to one parameter: wrt must be one name or index (use jacobian for several).');
  return { call, api, target, wrt, tuple, key: requestKey(api, target, wrt, tuple) };
}

function requestKey(api: DifferentiatingApi, target: Target, wrt: readonly number[], tuple: boolean): string {
  const declaration = target.node;
  const derived = target.derived ? `${target.derived.key}>` : '';
  return `${api}|${derived}${declaration.getSourceFile().fileName}|${declaration.pos}|${tuple ? 'tuple' : 'single'}|${wrt.join(',')}`;
}

/**
 * The gradient of one parameter that `request` (a tuple of gradients, or valueAndGrad's)
 * selects at `index` of its wrt: what `grad(f, { wrt: 'x' })` would generate.
 */
export function gradientAt(request: Request, index: number): Request {
  const wrt = [request.wrt[index]];
  return { ...request, api: 'grad', wrt, tuple: false, key: requestKey('grad', request.target, wrt, false) };
}

/**
 * The differentiating API call a name stands for: `delta` where `const delta = grad(price, { wrt: 'spot' })`
 * (a const, so it holds that generated function wherever it is read).
 */
export function apiCallNamed(tsApi: typeof ts, checker: ts.TypeChecker, expression: ts.Expression): ts.CallExpression | undefined {
  if (!tsApi.isIdentifier(expression) && !tsApi.isPropertyAccessExpression(expression)) return undefined;
  let symbol = checker.getSymbolAtLocation(expression);
  if (symbol && symbol.flags & tsApi.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol?.valueDeclaration;
  if (
    !declaration ||
    !tsApi.isVariableDeclaration(declaration) ||
    !declaration.initializer ||
    !(tsApi.getCombinedNodeFlags(declaration) & tsApi.NodeFlags.Const)
  )
    return undefined;
  const initializer = skipTypeSyntax(tsApi, declaration.initializer);
  const api = tsApi.isCallExpression(initializer) ? apiNameOf(tsApi, checker, initializer.expression) : undefined;
  return api && DIFFERENTIATING_APIS.some((differentiating) => differentiating === api) ? (initializer as ts.CallExpression) : undefined;
}

/** A function only declared (a library's, from a .d.ts): its result can come in as data, or a rule differentiate it. */
function failWithoutSource(fnArg: ts.Expression, text: string): never {
  return fail(
    fnArg,
    Code.BadTarget,
    `'${text}' is a function without source (only declared, e.g. in a .d.ts), which tapeless cannot read: call it outside the differentiated function and pass its result in as a parameter (left out of 'wrt'), or give it a custom derivative (withDerivative).`,
  );
}

/** The function that `fnArg` names or is, with source to differentiate, or a located error. */
export function resolveTarget(tsApi: typeof ts, checker: ts.TypeChecker, fnArg: ts.Expression): Target {
  const written = skipTypeSyntax(tsApi, fnArg);
  const expression = apiCallNamed(tsApi, checker, written) ?? written;
  if (tsApi.isCallExpression(expression)) {
    const api = apiNameOf(tsApi, checker, expression.expression);
    if (api && COMPOSABLE_APIS.includes(api)) {
      const inner = resolveRequest(tsApi, checker, expression, api as DifferentiatingApi);
      return { node: inner.target.node, name: `${inner.target.name}_${api}`, placement: inner.target.placement, derived: inner };
    }
    if (api)
      fail(fnArg, Code.BadTarget, `the result of ${api}() cannot be differentiated again: only grad() of a function of numbers and derivative() compose.`);
  }
  if (tsApi.isArrowFunction(expression) || tsApi.isFunctionExpression(expression)) {
    return { node: expression, name: expression.name?.text ?? 'f', placement: 'inline' };
  }
  if (!tsApi.isIdentifier(expression) && !tsApi.isPropertyAccessExpression(expression)) {
    fail(fnArg, Code.BadTarget, 'the function to differentiate must be a function name, or an arrow or function expression written in place.');
  }
  let symbol = checker.getSymbolAtLocation(expression);
  if (symbol && symbol.flags & tsApi.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declarations = symbol?.declarations ?? [];
  const text = expression.getText();
  if (declarations.length === 0) fail(fnArg, Code.BadTarget, `cannot find the declaration of '${text}'.`);
  const functions = declarations.filter(tsApi.isFunctionDeclaration);
  // A library's overloads (readFileSync) have no source at all: that is what to say first.
  if (functions.length > 1 && functions.every((fn) => !fn.body)) failWithoutSource(fnArg, text);
  if (functions.length > 1) fail(fnArg, Code.BadTarget, `'${text}' is overloaded: tapeless differentiates functions with one signature.`);
  const declaration = declarations[0];
  let node: FunctionNode | undefined;
  let placementNode: ts.Node = declaration;
  if (tsApi.isFunctionDeclaration(declaration)) {
    node = declaration;
  } else if (tsApi.isVariableDeclaration(declaration) && declaration.initializer) {
    const initializer = declaration.initializer;
    if ((tsApi.isArrowFunction(initializer) || tsApi.isFunctionExpression(initializer)) && tsApi.getCombinedNodeFlags(declaration) & tsApi.NodeFlags.Const)
      node = initializer;
    placementNode = declaration.parent.parent;
  }
  if (!node && tsApi.isMethodDeclaration(declaration)) {
    // A method reads `this`, which the generated function would not have: an arrow written in place binds it.
    const names = declaration.parameters.map((parameter, i) => (tsApi.isIdentifier(parameter.name) ? parameter.name.text : `p${i}`)).join(', ');
    fail(fnArg, Code.BadTarget, `'${text}' is a method: differentiate an arrow written in place that calls it, such as (${names}) => ${text}(${names}).`);
  }
  if (!node && tsApi.isMethodSignature(declaration) && !tsApi.isSourceFile(declaration.parent)) {
    // `grad(Math.sin)`: a library's method has no source, but calling it from an arrow does.
    const parameters = declaration.parameters.map((parameter) => `${parameter.dotDotDotToken ? '...' : ''}${parameter.name.getText()}`);
    const typed = declaration.parameters.map((parameter) => `${parameter.getText()}`).join(', ');
    fail(
      fnArg,
      Code.BadTarget,
      `'${text}' is a library function tapeless reads no source of: differentiate an arrow written in place that calls it, (${typed}) => ${text}(${parameters.join(', ')}).`,
    );
  }
  const made = tsApi.isVariableDeclaration(declaration) && declaration.initializer && skipTypeSyntax(tsApi, declaration.initializer);
  if (!node && made && tsApi.isCallExpression(made)) {
    // A factory's closure (`const lineLoss = makeLoss(DATA)`): which function it is, the call decides when the code runs.
    const params =
      checker
        .getTypeAtLocation(fnArg)
        .getCallSignatures()[0]
        ?.parameters.map((param) => param.name) ?? [];
    const passed = [...params, ...made.arguments.map((arg) => arg.getText())].join(', ');
    fail(
      fnArg,
      Code.BadTarget,
      `'${text}' is the function that '${made.getText()}' returns, which tapeless cannot read: it differentiates functions whose source it sees. Declare the function '${made.expression.getText()}' returns at the top level of a module, taking what it closes over as parameters, and differentiate an arrow that passes them, '(${params.join(', ')}) => …(${passed})'.`,
    );
  }
  if (!node) {
    fail(
      fnArg,
      Code.BadTarget,
      `'${text}' must be a function declaration, or a const initialised with an arrow or function expression, whose source tapeless can read.`,
    );
  }
  if (!node.body) failWithoutSource(fnArg, text);
  const topLevel = tsApi.isSourceFile(placementNode.parent);
  const name = tsApi.isFunctionDeclaration(declaration) ? (declaration.name?.text ?? 'f') : (declaration as ts.VariableDeclaration).name.getText();
  if (node.getSourceFile() !== fnArg.getSourceFile() && !topLevel) fail(fnArg, Code.BadTarget, `'${text}' is not declared at the top level of its module.`);
  return { node, name, placement: topLevel ? 'module' : 'inline' };
}

/** Reads `options.wrt`: which parameters, by name or index, and whether the result is a tuple. */
function resolveWrt(tsApi: typeof ts, optionsArg: ts.Expression | undefined, params: readonly (string | undefined)[]): { wrt: number[]; tuple: boolean } {
  const all = () => ({ wrt: params.map((_, i) => i), tuple: params.length !== 1 });
  if (!optionsArg) return all();
  const options = skipTypeSyntax(tsApi, optionsArg);
  if (!tsApi.isObjectLiteralExpression(options))
    fail(optionsArg, Code.BadOptions, 'options must be an object literal written in place, such as { wrt: "x" }, so it is known at compile time.');
  let wrtNode: ts.Expression | undefined;
  for (const property of options.properties) {
    if (!tsApi.isPropertyAssignment(property) || property.name.getText() !== 'wrt') {
      fail(property, Code.BadOptions, `unknown option '${property.name?.getText() ?? property.getText()}': the only option is 'wrt'.`);
    }
    wrtNode = skipTypeSyntax(tsApi, property.initializer);
  }
  if (!wrtNode) return all();
  const select = (node: ts.Expression): number => {
    if (tsApi.isStringLiteral(node) || tsApi.isNoSubstitutionTemplateLiteral(node)) {
      const index = params.indexOf(node.text);
      if (index < 0)
        fail(
          node,
          Code.BadOptions,
          `wrt names '${node.text}', which is not a parameter; the parameters are ${params.map((p) => `'${p ?? '(destructured)'}'`).join(', ')}.`,
        );
      return index;
    }
    if (tsApi.isNumericLiteral(node)) {
      const index = Number(node.text);
      if (!Number.isInteger(index) || index >= params.length)
        fail(node, Code.BadOptions, `wrt index ${node.text} is out of range: the function has ${params.length} parameter${params.length === 1 ? '' : 's'}.`);
      return index;
    }
    return fail(node, Code.BadOptions, 'each wrt entry must be a parameter name (a string literal) or index (a number literal).');
  };
  if (tsApi.isArrayLiteralExpression(wrtNode)) {
    if (wrtNode.elements.length === 0) fail(wrtNode, Code.BadOptions, 'wrt must select at least one parameter.');
    const wrt: number[] = [];
    for (const element of wrtNode.elements) {
      const index = select(skipTypeSyntax(tsApi, element));
      if (wrt.includes(index)) fail(element, Code.BadOptions, `wrt selects the parameter '${params[index]}' twice.`);
      wrt.push(index);
    }
    return { wrt, tuple: true };
  }
  return { wrt: [select(wrtNode)], tuple: false };
}
