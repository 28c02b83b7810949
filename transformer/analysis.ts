import { type Block, type Func, type Operand, resultOperands } from './ir';
import { opInfo } from './ops';

/**
 * Activity analysis: a variable is active when it depends on a selected input (it varies)
 * and the result depends on it (it is useful), through differentiable operations. Only
 * active variables get adjoints, so data parameters, constants, conditions and dead code
 * cost nothing in the derivative. Loops are iterated to a fixed point.
 */
export function activeVariables(func: Func, selected: ReadonlySet<string>): Set<string> {
  const varies = new Set(selected);
  const isVarying = (operand: Operand) => operand.kind === 'var' && varies.has(operand.name);
  const forward = (block: Block): void => {
    for (const stmt of block) {
      switch (stmt.kind) {
        case 'let':
          // A write makes the local array it writes vary (the array is defined earlier: hence the fixed point below).
          if (stmt.expr.op === 'store') {
            const [array, , value] = stmt.expr.args;
            if (isVarying(value) && array.kind === 'var') varies.add(array.name);
          } else if (opInfo(stmt.expr.op).derivative.kind !== 'zero' && stmt.expr.args.some(isVarying)) varies.add(stmt.name);
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
          break;
        default:
          break;
      }
    }
  };
  fixpoint(varies, () => forward(func.body));

  const useful = new Set(resultOperands(func.result).flatMap((operand) => (operand.kind === 'var' ? [operand.name] : [])));
  const use = (operand: Operand) => {
    if (operand.kind === 'var') useful.add(operand.name);
  };
  const backward = (block: Block): void => {
    for (let i = block.length - 1; i >= 0; i--) {
      const stmt = block[i];
      switch (stmt.kind) {
        case 'let':
          if (stmt.expr.op === 'store') {
            const [array, , value] = stmt.expr.args;
            if (array.kind === 'var' && useful.has(array.name)) use(value);
          } else if (useful.has(stmt.name) && opInfo(stmt.expr.op).derivative.kind !== 'zero') stmt.expr.args.forEach(use);
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
        default:
          break;
      }
    }
  };
  fixpoint(useful, () => backward(func.body));
  return new Set([...varies].filter((name) => useful.has(name)));
}

function fixpoint(set: Set<string>, step: () => void): void {
  let size: number;
  do {
    size = set.size;
    step();
  } while (set.size !== size);
}
