// The IR's marker of a path that leaves a variable unassigned (UNSET: generated code assigns
// nothing there) and the value undefined (UNDEFINED: generated code assigns it) print alike,
// but are different operands to every pass, which compare and index operands by their keys:
// a copy of the marker is still the marker, and a pass that rebuilds `undefined` never makes one.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { UNDEFINED, UNSET, isUnset, num, operandKey, sameOperand } = require('../dist/transformer/ir/ir.js') as typeof import('../dist/transformer/ir/ir.js');

describe('UNSET and UNDEFINED', () => {
  it('have keys of their own, apart from each other and from NaN', () => {
    const keys = [UNSET, UNDEFINED, num(NaN)].map(operandKey);
    expect(new Set(keys).size).toBe(3);
    expect(sameOperand(UNSET, UNDEFINED)).toBe(false);
    expect(sameOperand(num(NaN, 'undefined'), UNDEFINED)).toBe(true);
  });

  it('the marker is told by its key, not its identity', () => {
    expect(isUnset({ ...UNSET })).toBe(true);
    expect(isUnset(UNDEFINED)).toBe(false);
    expect(isUnset(num(NaN, 'undefined'))).toBe(false);
    expect(isUnset(num(NaN))).toBe(false);
  });
});
