// What the type parameters of a generic helper (or generic class) stand for where lowering
// inlines its code: `sumBy<T>(items: readonly T[], fn: (t: T) => number)` called with
// `number[][]` reads `items[i]` as a `number[]` to differentiate, not as a `T` (which has no
// shape: data, whose gradient would be zero). Lowering reads every type through
// `Lowering.resolveType`, which looks up the frames pushed here.
import type * as ts from 'typescript';
import { Code, fail } from '../../driver/diagnostics';
import type { Lowering } from './lowering';

/**
 * Lowers `lower` (the body of `fn`, called `name`, inlined at `site`) with `fn`'s type
 * parameters, and those of the class it belongs to, standing for what `site` gives them.
 */
export function withTypeArguments<T>(lx: Lowering, fn: ts.SignatureDeclaration, name: string, site: ts.Node, lower: () => T): T {
  return withGiven(lx, [...signatureTypeArguments(lx, fn, name, site), ...classTypeArguments(lx, fn, site)], lower);
}

/** Lowers `lower` with each type parameter of `given` standing for its type argument. */
export function withGiven<T>(lx: Lowering, given: readonly [ts.Type, ts.Type][], lower: () => T): T {
  if (given.length === 0) return lower();
  const frames = lx.typeArguments as Map<ts.Type, ts.Type>[];
  frames.push(new Map(given));
  try {
    return lower();
  } finally {
    frames.pop();
  }
}

/**
 * `fn`'s own type parameters, as the call `site` instantiates them (TypeScript inferred or
 * was told them). Where the site is not a call of `fn` (a generic function passed by name,
 * `xs.map(first)`), a type parameter without a constraint is a diagnostic: what it stands
 * for is not known when compiling.
 */
function signatureTypeArguments(lx: Lowering, fn: ts.SignatureDeclaration, name: string, site: ts.Node): [ts.Type, ts.Type][] {
  const { ts } = lx;
  const checker = lx.env.checker;
  if (!checker || ts.isConstructorDeclaration(fn)) return [];
  const parameters = checker.getSignatureFromDeclaration(fn)?.typeParameters ?? [];
  if (parameters.length === 0) return [];
  const call = ts.isCallExpression(site) || ts.isNewExpression(site) ? site : undefined;
  const signature = call && checker.getResolvedSignature(call);
  const ofFn = signature?.declaration === fn;
  const typeArguments = ofFn ? instantiation(checker, signature) : undefined;
  if (typeArguments?.length === parameters.length) return pairs(parameters, typeArguments);
  const unknown = parameters.find((parameter) => !parameter.getConstraint());
  if (unknown && ofFn) {
    fail(
      site,
      Code.Unsupported,
      `'${name}' is generic, and TypeScript ${ts.version} does not tell what its type parameter '${unknown.symbol.getName()}' stands for at this call: use a newer TypeScript, or write '${name}' for the types it is called with.`,
    );
  }
  if (unknown) {
    fail(
      site,
      Code.Unsupported,
      `'${name}' is generic, and here what its type parameter '${unknown.symbol.getName()}' stands for is not known when compiling: call it in an arrow written where it is passed ('(…) => ${name}(…)'), where TypeScript infers it.`,
    );
  }
  return [];
}

/**
 * A class's type parameters, read in its methods and getters, as the type of the instance
 * they are called on gives them (`box` in `box.get()` or `box.value`, a `Box<number[]>`); in
 * its constructor, as the type of `new Box(…)` does.
 */
function classTypeArguments(lx: Lowering, fn: ts.SignatureDeclaration, site: ts.Node): [ts.Type, ts.Type][] {
  const { ts } = lx;
  const owner = fn.parent;
  if (!lx.env.checker || !ts.isClassLike(owner) || !owner.typeParameters?.length) return [];
  const callee = ts.isCallExpression(site) ? site.expression : site;
  const instance = ts.isConstructorDeclaration(fn) ? site : ts.isPropertyAccessExpression(callee) ? callee.expression : undefined;
  return instance ? instanceTypeArguments(lx, owner, instance) : [];
}

/** The type arguments the type of `instance` (an instance of the generic class `owner`, or `new C(…)`) gives `owner`'s type parameters. */
export function instanceTypeArguments(lx: Lowering, owner: ts.ClassLikeDeclaration, instance: ts.Node): [ts.Type, ts.Type][] {
  const checker = lx.env.checker!;
  const symbol = owner.name && checker.getSymbolAtLocation(owner.name);
  const declared = symbol && (checker.getDeclaredTypeOfSymbol(symbol) as ts.InterfaceType);
  const parameters = declared?.typeParameters ?? [];
  const type = lx.typeAt(instance);
  // `this` inside the class is a type parameter constrained to the class: its frame already gives them.
  const reference = type.flags & lx.ts.TypeFlags.TypeParameter ? undefined : (type as ts.TypeReference);
  if (parameters.length === 0 || !reference || reference.target !== declared) return [];
  return pairs(parameters, checker.getTypeArguments(reference));
}

/** What a resolved signature gives its type parameters (TypeScript 5.x's checker says, where it has the method). */
function instantiation(checker: ts.TypeChecker, signature: ts.Signature): readonly ts.Type[] | undefined {
  const api = checker as ts.TypeChecker & { getTypeArgumentsForResolvedSignature?: (signature: ts.Signature) => readonly ts.Type[] | undefined };
  return api.getTypeArgumentsForResolvedSignature?.(signature);
}

/** Each type parameter with its argument, leaving out those given themselves (a method of the class calling another with `this`). */
function pairs(parameters: readonly ts.Type[], typeArguments: readonly ts.Type[]): [ts.Type, ts.Type][] {
  return parameters.flatMap((parameter, k) =>
    typeArguments[k] && typeArguments[k] !== parameter ? [[parameter, typeArguments[k]] as [ts.Type, ts.Type]] : [],
  );
}
