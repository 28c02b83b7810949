// Without the transform, every API function throws an error that says what is missing.
import { describe, expect, it } from 'vitest';
import * as api from 'tapeless';

// Called through plain values, the calls are invisible to the transformer, as they would
// be in a file compiled without it.
const untransformed: Record<string, (...args: any[]) => unknown> = { grad: api.grad, valueAndGrad: api.valueAndGrad, stopGradient: api.stopGradient };

describe('API without the transformer', () => {
  for (const [name, fn] of Object.entries(untransformed)) {
    it(`${name}() throws and points to the setup`, () => {
      expect(() => fn((x: number) => x)).toThrowError(new RegExp(`^tapeless: ${name}\\(\\) ran without the tapeless transformer.*Setup section of tapeless's README`));
    });
  }
});
