import { type Block, type Expr, type Func, type Operand, resultOperands, unhandled } from '../ir/ir';
import { opInfo } from '../ops/registry';
import { letsWithin, ownOperands, statementsWithin } from '../ir/traverse';

/**
 * Activity analysis: a variable is active when it depends on a selected input (it varies)
 * and the result depends on it (it is useful), through differentiable operations. Only
 * active variables get adjoints, so data parameters, constants, conditions and dead code
 * cost nothing in the derivative. Loops are iterated to a fixed point.
 */
export function activeVariables(func: Func, selected: ReadonlySet<string>): Set<string> {
  const varies = variedVariables(func, selected);
  const read = entriesRead(func);
  /** Whether the entry `key` of `aggregate` may be read: a number put in another is not useful. */
  const isRead = (aggregate: string, key: string) => read.get(aggregate)?.has(key) !== false;

  const useful = new Set(resultOperands(func.result).flatMap((operand) => (operand.kind === 'var' ? [operand.name] : [])));
  const use = (operand: Operand) => {
    if (operand.kind === 'var') useful.add(operand.name);
  };
  const backward = (block: Block): void => {
    for (let i = block.length - 1; i >= 0; i--) {
      const stmt = block[i];
      switch (stmt.kind) {
        case 'let': {
          if (!useful.has(stmt.name) || opInfo(stmt.expr.op).derivative.kind === 'zero') break;
          const { op, args, fields } = stmt.expr;
          if (op === 'objectOf' || op === 'arrayOf') args.forEach((arg, k) => isRead(stmt.name, fields ? fieldKey(fields[k]) : indexKey(k)) && use(arg));
          else args.forEach(use);
          break;
        }
        case 'effect':
          if (stmt.expr.op === 'store') {
            const [array, index, value] = stmt.expr.args;
            if (array.kind === 'var' && useful.has(array.name) && (index.kind !== 'num' || isRead(array.name, indexKey(index.value)))) use(value);
          }
          break;
        case 'if':
          for (const phi of stmt.phis) {
            if (!useful.has(phi.name)) continue;
            use(phi.then);
            use(phi.else);
          }
          backward(stmt.then);
          backward(stmt.else);
          break;
        case 'loop':
          fixpoint(useful, () => {
            for (const c of stmt.carried) {
              if (useful.has(c.exit) || useful.has(c.name)) {
                useful.add(c.name);
                use(c.init);
                use(c.next);
              }
            }
            backward(stmt.body);
          });
          break;
        case 'accumulate':
        case 'reverseLoop':
          // Reverse mode's own statements: a primal has none.
          break;
        default:
          unhandled(stmt);
      }
    }
  };
  fixpoint(useful, () => backward(func.body));
  return new Set([...varies].filter((name) => useful.has(name)));
}

const fieldKey = (field: string) => `.${field}`;
const indexKey = (index: number) => `[${index}]`;

/**
 * The entries read of each array or object the function makes (`{ mean, spread }`,
 * `new Float64Array(3)`) that nothing reads but entry by entry at indices known at compile
 * time (`s.mean`, `out[2]`): the numbers in its other entries (a helper's results the caller
 * does not take) are not useful, even where the aggregate is, and get no adjoint, which would
 * be 0 and, multiplied by an infinite partial (`Math.sqrt(0)`), NaN. An aggregate read whole
 * or at a run-time index (given to a call, returned, carried, `a[i]`) has no entry here.
 */
function entriesRead(func: Func): Map<string, Set<string>> {
  const read = new Map<string, Set<string>>();
  for (const stmt of letsWithin(func.body, 'skip')) if (MADE.has(stmt.expr.op)) read.set(stmt.name, new Set());
  const escape = (operand: Operand) => operand.kind === 'var' && read.delete(operand.name);
  resultOperands(func.result).forEach(escape);
  for (const stmt of statementsWithin(func.body, 'skip')) {
    const expr: Expr | undefined = stmt.kind === 'let' || stmt.kind === 'effect' ? stmt.expr : undefined;
    const [aggregate, at] = expr?.args ?? [];
    const entries = aggregate?.kind === 'var' ? read.get(aggregate.name) : undefined;
    if (entries && expr?.op === 'field') entries.add(fieldKey(expr.field!));
    else if (entries && ELEMENT.has(expr!.op) && at.kind === 'num') entries.add(indexKey(at.value));
    else if (entries && (expr?.op === 'length' || expr?.op === 'store')) {
      // A write is not a read; the value written may be another aggregate, put inside this one.
      if (expr.op === 'store') escape(expr.args[2]);
    } else ownOperands(stmt).forEach(escape);
  }
  return read;
}

/** Operations that make a new array or object. */
const MADE = new Set(['objectOf', 'arrayOf', 'newArray']);
/** Reads of an array's entry. */
const ELEMENT = new Set(['element', 'localElement', 'directElement']);

function fixpoint(set: Set<string>, step: () => void): void {
  let size: number;
  do {
    size = set.size;
    step();
  } while (set.size !== size);
}

/**
 * The variables that depend on a selected input through differentiable operations: those
 * that have tangents in forward mode. Besides the primal's statements it reads what reverse
 * mode generates (accumulators, reverse sweeps, pullbacks adding into gradients), so that
 * forward mode can differentiate a gradient again. Loops are iterated to a fixed point.
 */
export function variedVariables(func: Func, selected: ReadonlySet<string>): Set<string> {
  const varies = new Set(selected);
  const aggregates = aggregateNames(func);
  const isVarying = (operand: Operand) => operand.kind === 'var' && varies.has(operand.name);
  const vary = (operand: Operand) => {
    if (operand.kind === 'var') varies.add(operand.name);
  };
  const forward = (block: Block): void => {
    for (const stmt of block) {
      switch (stmt.kind) {
        case 'let': {
          const { op, args } = stmt.expr;
          if (op === 'newArray') {
            if (args.length > 1 && isVarying(args[1])) varies.add(stmt.name);
          } else if (op === 'callInto') {
            // A pullback adds into the gradients passed to it (its arguments at `into`).
            if (args.some(isVarying)) {
              varies.add(stmt.name);
              (stmt.expr.callee?.into ?? []).forEach((index) => vary(args[index]));
            }
          } else if (op === 'replayExit' || op === 'replay') {
            // What a recomputation replays was recorded by the forward code, maybe under other names.
            if (varies.has(STREAM) || args.some(isVarying)) varies.add(stmt.name);
          } else if (opInfo(op).derivative.kind !== 'zero' && args.some(isVarying)) varies.add(stmt.name);
          // An array or object read from another is a view of it: what varies in it varies in both.
          if (stmt.shape && varies.has(stmt.name)) args.filter((arg) => arg.kind === 'var' && aggregates.has(arg.name)).forEach(vary);
          break;
        }
        case 'effect': {
          const { op, args } = stmt.expr;
          // A write makes the local array it writes vary (the array is defined earlier: hence the fixed point below).
          if ((op === 'store' || op === 'rewrite') && isVarying(args[2])) vary(args[0]);
          if (op === 'recordLoad' && isVarying(args[0])) varies.add(STREAM);
          break;
        }
        case 'accumulate':
          if (isVarying(stmt.value)) varies.add(stmt.name);
          break;
        case 'if':
          forward(stmt.then);
          forward(stmt.else);
          for (const phi of stmt.phis) if (isVarying(phi.then) || isVarying(phi.else)) varies.add(phi.name);
          break;
        case 'loop':
          for (const c of stmt.carried) if (isVarying(c.init)) varies.add(c.name);
          fixpoint(varies, () => {
            forward(stmt.body);
            for (const c of stmt.carried) if (isVarying(c.next)) varies.add(c.name);
          });
          for (const c of stmt.carried) if (varies.has(c.name)) varies.add(c.exit);
          for (const pair of stmt.record?.pairs ?? []) if (varies.has(pair.carried)) varies.add(pair.restored);
          for (const { value, restored } of stmt.record?.values ?? []) if (isVarying(value)) varies.add(restored);
          break;
        case 'reverseLoop':
          fixpoint(varies, () => forward(stmt.body));
          break;
        default:
          unhandled(stmt);
      }
    }
  };
  fixpoint(varies, () => forward(func.body));
  return varies;
}

/** Stands for the load stream among the varied variables: a varied value is recorded in it. */
const STREAM = '#stream';

/** The names of arrays and objects: parameters and values with a shape, and zero gradients. */
function aggregateNames(func: Func): Set<string> {
  const names = new Set(func.params.filter((param) => param.shape).map((param) => param.name));
  for (const stmt of letsWithin(func.body, 'enter')) if (stmt.shape || stmt.expr.op === 'zeros') names.add(stmt.name);
  return names;
}
