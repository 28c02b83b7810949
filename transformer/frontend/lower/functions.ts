// Lowering of calls whose callee's body is lowered in place: helpers of the program that a
// pullback cannot stand for (calls.ts decides which), functions declared inside the function
// being lowered, and callbacks; and how their parameters are bound (defaults, rest parameters,
// functions passed as arguments).
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import { type Callee, type Operand, UNDEFINED, UNSET, num } from '../../ir/ir';
import { isMathFunction, mathArity } from '../../ops/registry';
import { type Binding, type LocalFunction, type Lowering, FALSE } from './lowering';
import { type ArrayPart, arrayOperand, concatenation, load, newArray } from './arrays';
import { expression } from './expressions';
import { requireBody } from './lower';
import { destructure, statements } from './statements';
import { skipTypeSyntax } from '../type-syntax';
import { branch } from './control';
import { listResultAt } from './lists';
import { mayMiss } from './definedness';
import { withTypeArguments } from './type-arguments';

/**
 * What a call passes: a value, a function (inlined where the callee calls it), or an array
 * spread into the callee's rest parameter (`sum(...xs)`).
 */
export type Argument = Operand | LocalFunction | Spread;
export type Spread = Extract<ArrayPart, { spread: Operand }>;

export function isFunction(arg: Argument): arg is LocalFunction {
  return 'scopes' in arg;
}

export function isSpread(arg: Argument): arg is Spread {
  return 'spread' in arg;
}

/**
 * The function an expression names or writes, where a call may take it as an argument: an
 * arrow or function expression written in place, a variable holding a local function, or a
 * function of the program named directly (`sigmoid`). Otherwise undefined.
 */
export function functionValue(lx: Lowering, node: ts.Expression): LocalFunction | undefined {
  const { ts } = lx;
  const inner = skipTypeSyntax(ts, node);
  if (ts.isArrowFunction(inner) || ts.isFunctionExpression(inner))
    return { node: inner, name: inner.name?.text ?? 'callback', scopes: lx.scopes.slice(), within: lx.within(), reference: node };
  if (ts.isPropertyAccessExpression(inner) && ts.isIdentifier(inner.expression) && lx.isGlobal(inner.expression, 'Math') && isMathFunction(inner.name.text)) {
    // Called with the arguments its caller gives (map gives the index too): only a function of one argument ignores the others.
    const math = inner.name.text;
    if (mathArity(math) !== 1)
      fail(
        node,
        Code.Unsupported,
        `only Math functions of one argument can be passed as functions: write the call of Math.${inner.name.text} in place, as in '(a, b) => Math.${inner.name.text}(a, b)'.`,
      );
    return { name: `Math.${inner.name.text}`, scopes: [], within: undefined, math, reference: node };
  }
  if (!ts.isIdentifier(inner)) return undefined;
  const binding = lx.lookup(inner.text);
  if (binding) return binding.fn;
  const callee = lx.env.functionValue?.(inner, lx.within());
  const fn = callee?.target?.node;
  if (!callee || !fn || !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) || ts.isFunctionDeclaration(fn))) return undefined;
  return { node: fn, name: callee.name, scopes: [], within: callee, callee, reference: node };
}

/** How many parameters a function takes (a Math function passed by name: one). */
export function parameterCount(fn: LocalFunction): number {
  return fn.node?.parameters.length ?? 1;
}

/** The arguments of a call: the functions they pass, the arrays they spread, or their values. */
export function callArguments(lx: Lowering, nodes: readonly ts.Expression[]): Argument[] {
  return nodes.flatMap((node) => (lx.ts.isSpreadElement(node) ? spreadArguments(lx, node) : [argument(lx, node)]));
}

/** An argument: the function it passes, or its value. */
export function argument(lx: Lowering, node: ts.Expression): Argument {
  return functionValue(lx, node) ?? expression(lx, node);
}

/** `...p`: the entries of a tuple (its length is known), or an array for a rest parameter. */
function spreadArguments(lx: Lowering, node: ts.SpreadElement): Argument[] {
  const array = arrayOperand(lx, node.expression, 'spreading');
  const length = lx.tupleLengthAt(node.expression);
  if (length === undefined) return [{ spread: array, node: node.expression }];
  const shape = lx.shapeAt(node.expression, true);
  return Array.from({ length }, (_, k) => load(lx, array, num(k), shape, node));
}

/**
 * A call of a local function (or of a callback): its body lowered in place, in the scopes
 * around its declaration, so that it reads the variables it captures as they are now —
 * including values assigned after it was declared — and its assignments to them are the
 * function's own. Recursion among local functions is a diagnostic.
 */
export function callLocal(lx: Lowering, site: ts.Node, fn: LocalFunction, args: readonly Argument[], call: (callee: Callee) => Operand): Operand {
  if (fn.callee) return call(fn.callee);
  if (fn.math) {
    const [value] = args;
    if (!value || isFunction(value) || isSpread(value)) return fail(site, Code.Unsupported, `Math.${fn.math} is called here without a number.`);
    return lx.op(fn.math, [value], site);
  }
  const node = fn.node!;
  if (lx.expanding.some((active) => active.node === node)) {
    fail(
      site,
      Code.Unsupported,
      `'${fn.name}' calls itself, directly or through other functions: functions declared inside the differentiated function are inlined at each call, which recursion does not allow. Write the recursion as a loop, or declare '${fn.name}' at the top level of the module (passing what it reads as parameters).`,
    );
  }
  // Names from outside resolve where the function was declared; the frame carries its name for messages.
  const frame: Callee = {
    key: fn.within?.key ?? '#local',
    name: fn.name,
    ref: fn.within?.ref ?? { kind: 'ref', path: [fn.name] },
    ...(fn.within?.target ? { target: fn.within.target } : {}),
    ...(fn.within?.home ? { home: fn.within.home } : {}),
  };
  lx.expanding.push(fn);
  const value = inlineBody(lx, node, frame, fn.scopes, args, site);
  lx.expanding.pop();
  return value;
}

/**
 * Lowers `fn`'s body in place: in `scopes` (where it was declared; none for a function of
 * the program) plus a scope of its own holding its parameters, bound to `args` (then
 * `bound` runs: a constructor's parameter properties). `frame` is what names from outside
 * resolve against; `self` is a method's receiver. Returns the value of its `return` (UNSET
 * where it has none).
 */
export function inlineBody(
  lx: Lowering,
  fn: ts.SignatureDeclaration,
  frame: Callee,
  scopes: readonly Map<string, Binding>[],
  args: readonly Argument[],
  site: ts.Node,
  self?: Operand,
  bound?: (values: readonly Operand[]) => void,
): Operand {
  const { ts } = lx;
  requireBody(lx, fn as Parameters<typeof requireBody>[1]);
  const body = (fn as ts.FunctionLikeDeclaration).body!;
  // fn may be inlined inside itself (through a function it is given): whether its result is a list is its innermost call's.
  const asList = lx.listReturning.get(fn) ?? [];
  lx.listReturning.set(fn, asList);
  asList.push(listResultAt(lx, site));
  try {
    // The frame keeps the call, which a diagnostic in the body names (a write into what the caller passed).
    return withTypeArguments(lx, fn, frame.name, site, () =>
      inFrame(lx, { ...frame, site }, scopes, self, () => {
        const values = bindParameters(lx, fn, frame.name, args, site);
        bound?.(values);
        if (!ts.isBlock(body)) return expression(lx, body);
        statements(lx, body.statements);
        return lx.result.value;
      }),
    );
  } finally {
    asList.pop();
  }
}

/**
 * Runs `lower` as the code of a function inlined in the current one: it sees `scopes` and
 * a scope of its own (holding `self` as `this`), not the caller's variables, and its
 * `return` is its own. The caller's variables stay as they are, but a branch or loop in
 * the body may still change those that a function passed in assigns: they are merged and
 * carried like the body's own. Objects the body makes stay known to the caller.
 */
export function inFrame(
  lx: Lowering,
  frame: Callee,
  scopes: readonly Map<string, Binding>[],
  self: Operand | undefined,
  lower: () => Operand | undefined,
): Operand {
  const outer = {
    scopes: lx.scopes.splice(0),
    targets: lx.targets.splice(0),
    returned: lx.returned,
    result: lx.result,
    base: lx.frameBase,
    arraysBefore: lx.arraysBeforeFrame,
  };
  lx.arraysBeforeFrame = lx.arraysMade;
  // What lowering tracks of the caller's arrays and objects stays in scope (under keys no identifier has): the body may write them.
  const own = new Map(outer.scopes.flatMap((scope) => [...scope].filter(([key]) => TRACKED.some((prefix) => key.startsWith(prefix)))));
  if (self) own.set('#this', { value: self, mutable: false, name: 'self' });
  lx.scopes.push(...scopes, own);
  lx.frameBase = scopes.length;
  lx.suspended.push(outer.scopes);
  lx.returned = lx.hidden('returned', FALSE, true);
  lx.result = lx.hidden('result', undefined);
  lx.inlining.push(frame);
  const value = lower();
  lx.inlining.pop();
  lx.suspended.pop();
  // What the body made and tracks (the fields of an instance its constructor made, the length of an array it grows by push) stays tracked in the caller.
  const made = [...own].filter(([key]) => TRACKED.some((prefix) => key.startsWith(prefix)) && !outer.scopes.some((scope) => scope.has(key)));
  lx.scopes.splice(0, lx.scopes.length, ...outer.scopes);
  lx.frameBase = outer.base;
  lx.arraysBeforeFrame = outer.arraysBefore;
  for (const [key, binding] of made) lx.scopes[lx.frameBase].set(key, binding);
  lx.targets.push(...outer.targets);
  lx.returned = outer.returned;
  lx.result = outer.result;
  return value ?? UNSET;
}

/** Scope keys under which lowering tracks arrays and objects: lengths of arrays grown by push, written fields. */
const TRACKED = ['#length ', '#field '];

/**
 * Binds `fn`'s parameters in the current scope: each to its argument, a missing one to its
 * default value (lowered here, so it sees the parameters before it), a rest parameter to a
 * new array of the remaining arguments, and a function argument to a local function.
 * Returns the values bound, one per parameter.
 */
export function bindParameters(lx: Lowering, fn: ts.SignatureDeclaration, name: string, args: readonly Argument[], site: ts.Node): Operand[] {
  const { ts } = lx;
  requireDefinedForDefaults(lx, fn, name, site);
  // Arguments beyond the parameters are ignored, as in JavaScript (a callback given the index too).
  return fn.parameters.map((param, k) => {
    const label = param.name.getText();
    if (param.dotDotDotToken) {
      const parts = args.slice(k).map((arg): ArrayPart | undefined => (isFunction(arg) ? undefined : isSpread(arg) ? arg : { value: arg }));
      const shape = lx.shapeAt(param, false);
      if (shape?.kind !== 'array' || shape.element.kind !== 'number' || parts.some((part) => !part)) {
        fail(
          param,
          Code.Unsupported,
          `the rest parameter '${label}' of '${name}' must hold numbers ('...${label}: number[]'): pass other values as parameters of their own (arrays of arrays as one array).`,
        );
      }
      const values = parts as ArrayPart[];
      const array = values.every((part) => 'value' in part)
        ? newArray(lx, site as ts.Expression, { op: 'arrayOf', args: values.map((part) => (part as { value: Operand }).value) }, 'Array')
        : concatenation(lx, values, site as ts.Expression);
      destructure(lx, param.name, array, true);
      return array;
    }
    let value = args[k];
    if (!value && param.questionToken && !param.initializer) value = UNDEFINED;
    // An entry that may be past the end (`h(xs[i + 1])`): the default where it is undefined.
    const written = ts.isCallExpression(site) && lx.env.checker?.getResolvedSignature(site)?.declaration === fn ? site.arguments[k] : undefined;
    const initializer = param.initializer;
    if (
      value &&
      initializer &&
      written &&
      !ts.isSpreadElement(written) &&
      !isFunction(value) &&
      !isSpread(value) &&
      lx.isNumber(lx.typeAt(written)) &&
      mayMiss(lx, written)
    ) {
      const given = value as Operand;
      value = branch(
        lx,
        lx.op('===', [given, UNDEFINED], written),
        written,
        () => expression(lx, initializer),
        () => given,
      )!;
    }
    if (!value) {
      if (!param.initializer)
        fail(
          site,
          Code.Unsupported,
          `'${name}' is called without its parameter '${label}', which has no default value: pass it, or give the parameter a default value ('${label} = …').`,
        );
      value = argument(lx, param.initializer);
    }
    if (isSpread(value))
      return fail(
        value.node,
        Code.Unsupported,
        `this spread argument would fill the parameter '${label}' of '${name}': only a rest parameter ('...${label}: number[]') takes a spread; pass '${label}' by itself.`,
      );
    if (isFunction(value)) {
      if (!ts.isIdentifier(param.name)) fail(param, Code.Unsupported, `the parameter '${label}' of '${name}' receives a function, so it must be a plain name.`);
      lx.declareFunction(param.name.text, value);
      return UNSET;
    }
    destructure(lx, param.name, value, true);
    return value;
  });
}

/**
 * JavaScript gives a parameter its default value where the argument is undefined at run
 * time; lowering chooses the default only where the argument is left out. An argument that
 * may be undefined (an optional field, `cfg.dt`) given to a parameter with a default is
 * refused at the argument, rather than differentiated as the undefined it may be.
 */
export function requireDefinedForDefaults(lx: Lowering, fn: ts.SignatureDeclaration, name: string, site: ts.Node, generated = false): void {
  const { ts } = lx;
  const checker = lx.env.checker;
  // Only where the call written is the call of `fn`, or of code generated from it (a callback's parameters get no arguments written).
  if (!checker || !ts.isCallExpression(site) || (!generated && checker.getResolvedSignature(site)?.declaration !== fn)) return;
  site.arguments.forEach((arg, k) => {
    const param = fn.parameters[k];
    if (!param?.initializer || ts.isSpreadElement(arg)) return;
    const type = lx.typeAt(arg);
    const undefinedMember = (member: ts.Type) => (member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
    if (undefinedMember(type) || (type.isUnion() && type.types.some(undefinedMember))) {
      const label = param.name.getText();
      fail(
        arg,
        Code.Unsupported,
        `this argument may be undefined, where '${name}' gives its parameter '${label}' its default value: write the choice here ('${arg.getText()} ?? …'), or leave the argument out.`,
      );
    }
  });
}
