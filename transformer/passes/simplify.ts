import { localAccumulators } from './accumulators';
import { eliminateDeadCode } from './dead-code';
import { Propagation, expressionKey } from './propagation';
import { type Block, type Func, operandKey } from '../ir/ir';
import type { NameAllocator } from '../ir/names';

const MAX_ROUNDS = 8;

/**
 * Cleans a generated function: folding and copy propagation, common subexpressions
 * computed once, dead code removed, branches on constants resolved. Only exact rewrites:
 * the simplified function returns bit-for-bit what the unsimplified one returns (up to
 * the sign of a zero sum).
 */
export function simplify(func: Func, names: NameAllocator): Func {
  let current = func;
  // Each round's fingerprint is the next round's 'before': computed once.
  let printed = fingerprint(current.body);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = eliminateDeadCode(new Propagation().func(current));
    const nextPrinted = fingerprint(next.body);
    if (nextPrinted === printed) return localAccumulators(next, names);
    current = next;
    printed = nextPrinted;
  }
  return localAccumulators(current, names);
}

/** What a round of simplification compares to know it changed nothing more. */
function fingerprint(block: Block): string {
  return block
    .map((stmt) => {
      switch (stmt.kind) {
        case 'let':
          return `${stmt.name}=${expressionKey(stmt.expr)}`;
        case 'effect':
          return `!${expressionKey(stmt.expr)}`;
        case 'if':
          return `if(${operandKey(stmt.cond)}){${fingerprint(stmt.then)}}{${fingerprint(stmt.else)}}${stmt.phis.map((p) => p.name).join()}`;
        case 'loop':
          return `loop{${fingerprint(stmt.body)}}${stmt.carried.map((c) => c.name).join()}`;
        case 'accumulate':
          return `${stmt.name}${typeof stmt.at === 'object' ? `[${operandKey(stmt.at)}]` : (stmt.at ?? '')}${stmt.mode}${operandKey(stmt.value)}`;
        case 'reverseLoop':
          return `rev{${fingerprint(stmt.body)}}`;
      }
    })
    .join(';');
}
