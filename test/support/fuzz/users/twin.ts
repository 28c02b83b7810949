// The plain-JavaScript twin of a user program: its TypeScript transpiled by TypeScript alone
// (no tapeless), with every comparison and every non-smooth operation routed through a
// recorder that notes the outcome and its margin to the nearest boundary or kink. Finite
// differences are taken only where every point of their stencil follows the same path.
import ts from 'typescript';

export interface Decision {
  readonly outcome: unknown;
  /** Distance to the boundary where the outcome would change. */
  readonly margin: number;
  /** The size of the values compared: margins count relative to it. */
  readonly scale: number;
}

/** Thrown by the twin where a derivative taken inside it cannot be trusted (its stencil straddles a kink). */
export class Unusable extends Error {}

export interface Twin {
  readonly exports: Record<string, any>;
  /** The decisions taken since the last `reset`. */
  readonly trace: Decision[];
  /**
   * The values of `stopGradient(…)`: recorded at a point (`record`), then replayed at the
   * points of its stencils (`replay`), where a constant keeps the value it had.
   */
  readonly stops: { mode: 'record' | 'replay'; values: number[]; next: number };
  /**
   * How deeply derivatives by differences nested (set to 0 before a call): 0 none, 1 a
   * `grad(h)(x)` inside f, 2 where h itself takes one. A derivative by differences multiplies
   * the errors of the values it differences by about 7/step (7e3 here): the rounding of an inner
   * one (~1e-12) becomes ~1e-8 in the outer one, and so in f's value.
   */
  readonly nesting: { deepest: number };
}

const COMPARISONS = new Map<ts.SyntaxKind, string>([
  [ts.SyntaxKind.LessThanToken, '<'],
  [ts.SyntaxKind.GreaterThanToken, '>'],
  [ts.SyntaxKind.LessThanEqualsToken, '<='],
  [ts.SyntaxKind.GreaterThanEqualsToken, '>='],
  [ts.SyntaxKind.EqualsEqualsEqualsToken, '==='],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken, '!=='],
]);
/** Math functions with jumps or kinks, each replaced by the recorder `__<name>`. */
const RECORDED = new Set(['abs', 'max', 'min', 'floor', 'ceil', 'round', 'trunc', 'sign', 'atan2']);

function recorders(trace: Decision[], nesting: Twin['nesting']) {
  // A decision on integers alone (counters, their floors and remainders) cannot change when an
  // input moves: it is not recorded, so that a tie such as Math.max(i, 1) at i = 1 is no boundary.
  const note = <T>(outcome: T, margin: number, ...values: number[]): T => {
    if (!values.every(Number.isInteger)) trace.push({ outcome, margin, scale: Math.max(1, ...values.map(Math.abs)) });
    return outcome;
  };
  const compare = (a: number, op: string, b: number): boolean => {
    const result = op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : op === '>=' ? a >= b : op === '===' ? a === b : a !== b;
    return note(result, op === '===' || op === '!==' ? (a === b ? Infinity : Math.abs(a - b)) : a - b, a, b);
  };
  /** The winner of a max or min, with its lead over the runner-up. */
  const extreme =
    (sign: 1 | -1) =>
    (...xs: number[]): number => {
      const order = xs.map((x, i) => [sign * x, i] as const).sort((p, q) => q[0] - p[0]);
      note(order[0]?.[1], order.length > 1 ? order[0][0] - order[1][0] : Infinity, ...xs);
      return sign === 1 ? Math.max(...xs) : Math.min(...xs);
    };
  const step =
    (f: 'floor' | 'ceil' | 'round' | 'trunc' | 'sign') =>
    (a: number): number => {
      const edge = f === 'round' ? Math.floor(a) + 0.5 : f === 'sign' ? 0 : Math.round(a);
      return note(Math[f](a), a - edge, a);
    };
  /** Derivatives being taken, each inside the one before. */
  let open = 0;
  /**
   * `derivative(h)` (and `grad(h)`) of a helper of one number, used inside a program: central
   * differences with two Richardson steps (error far below the tolerance; where h takes one
   * itself, that one's rounding multiplied: see Twin['nesting']), on a stencil that takes
   * the decisions the point takes.
   */
  const derivative =
    (h: (x: number) => number) =>
    (x: number): number => {
      nesting.deepest = Math.max(nesting.deepest, ++open);
      try {
        const mark = trace.length;
        const path = () => JSON.stringify(trace.slice(mark).map((d) => d.outcome));
        h(x);
        const taken = path();
        if (trace.slice(mark).some((d) => Math.abs(d.margin) < 1e-4 * d.scale)) throw new Unusable();
        const at = (delta: number) => {
          trace.length = mark;
          const v = h(x + delta);
          if (path() !== taken) throw new Unusable();
          return v;
        };
        const step = 1e-3 * Math.max(1, Math.abs(x));
        const central = (s: number) => (at(s) - at(-s)) / (2 * s);
        const [c1, c2, c3] = [central(step), central(step / 2), central(step / 4)];
        const [r1, r2] = [(4 * c2 - c1) / 3, (4 * c3 - c2) / 3];
        trace.length = mark;
        h(x);
        return (16 * r2 - r1) / 15;
      } finally {
        open--;
      }
    };
  /** `grad(h)` of a helper of several numbers: the tuple of its partial derivatives. */
  const gradient =
    (h: (...xs: number[]) => number) =>
    (...xs: number[]): number | number[] =>
      xs.length === 1 ? derivative(h)(xs[0]) : xs.map((x, i) => derivative((t: number) => h(...xs.map((y, j) => (j === i ? t : y))))(x));
  return {
    grad: gradient,
    derivative,
    __c: compare,
    __abs: (a: number) => (note(a >= 0, a, a) ? a : -a),
    __max: extreme(1),
    __min: extreme(-1),
    __floor: step('floor'),
    __ceil: step('ceil'),
    __round: step('round'),
    __trunc: step('trunc'),
    __sign: step('sign'),
    // The branch cut of atan2 is the negative x axis.
    __atan2: (y: number, x: number) => (note(x < 0 ? y >= 0 : 0, x < 0 ? y : Infinity, y, x), Math.atan2(y, x)),
    // A comparator's difference (`(a, b) => a - b` given to sort): the order changes where it crosses 0.
    __order: (d: number) => (note(Math.sign(d), d, d), d),
    // A number's truth (`k || 1`, `k && …`) jumps where it crosses 0: its distance to 0 is the margin.
    __truth: <T>(v: T): T => (typeof v === 'number' && note(v !== 0, Math.abs(v), v), v),
    // % jumps where a crosses a multiple of b.
    __mod: (a: number, b: number) => {
      const r = a % b;
      note(Math.trunc(a / b), Math.min(Math.abs(r), Math.abs(b) - Math.abs(r)), a, b);
      return r;
    },
  };
}

/** Routes comparisons, `%`, the left operands of `||` and `&&`, sort comparators and the Math functions of RECORDED through the recorders. */
const instrument: ts.TransformerFactory<ts.SourceFile> = (context) => {
  const f = context.factory;
  const call = (name: string, args: readonly ts.Expression[]) => f.createCallExpression(f.createIdentifier(name), undefined, args);
  const visit = (node: ts.Node): ts.Node => {
    const visited = ts.visitEachChild(node, visit, context);
    if (ts.isBinaryExpression(visited)) {
      const op = COMPARISONS.get(visited.operatorToken.kind);
      if (op) return call('__c', [visited.left, f.createStringLiteral(op), visited.right]);
      if (visited.operatorToken.kind === ts.SyntaxKind.PercentToken) return call('__mod', [visited.left, visited.right]);
      if (visited.operatorToken.kind === ts.SyntaxKind.BarBarToken || visited.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken)
        return f.updateBinaryExpression(visited, call('__truth', [visited.left]), visited.operatorToken, visited.right);
    }
    // The comparator of a sort: its result recorded, so that no stencil straddles a change of order.
    if (
      ts.isCallExpression(visited) &&
      ts.isPropertyAccessExpression(visited.expression) &&
      visited.expression.name.text === 'sort' &&
      visited.arguments.length === 1 &&
      ts.isArrowFunction(visited.arguments[0]) &&
      !ts.isBlock(visited.arguments[0].body)
    ) {
      const compare = visited.arguments[0];
      const recorded = f.updateArrowFunction(
        compare,
        compare.modifiers,
        compare.typeParameters,
        compare.parameters,
        compare.type,
        compare.equalsGreaterThanToken,
        call('__order', [compare.body as ts.Expression]),
      );
      return f.updateCallExpression(visited, visited.expression, visited.typeArguments, [recorded]);
    }
    if (
      ts.isCallExpression(visited) &&
      ts.isPropertyAccessExpression(visited.expression) &&
      ts.isIdentifier(visited.expression.expression) &&
      visited.expression.expression.text === 'Math' &&
      RECORDED.has(visited.expression.name.text)
    ) {
      return call(`__${visited.expression.name.text}`, visited.arguments);
    }
    return visited;
  };
  return (file) => visit(file) as ts.SourceFile;
};

/** Loads the twin of `source` (a module of user code, no tapeless). */
export function loadTwin(source: string): Twin {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true },
    transformers: { before: [instrument] },
  });
  const trace: Decision[] = [];
  const exports: Record<string, any> = {};
  const stops: Twin['stops'] = { mode: 'record', values: [], next: 0 };
  const nesting: Twin['nesting'] = { deepest: 0 };
  const api = {
    ...recorders(trace, nesting),
    withDerivative: <F>(f: F) => f,
    stopGradient: (x: number) => {
      if (stops.mode === 'record') stops.values.push(x);
      else if (stops.next >= stops.values.length) throw new Unusable();
      return stops.mode === 'record' ? x : stops.values[stops.next++];
    },
  };
  new Function('exports', ...Object.keys(api), `"use strict";\n${outputText}`)(exports, ...Object.values(api));
  return { exports, trace, stops, nesting };
}
