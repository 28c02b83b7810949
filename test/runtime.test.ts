// Without the transform, every API function throws an error that says what is missing.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/compile.js';

// The runtime loaded by its path, as a value: the transformer sees no call of the API here
// (a call through a cast or a variable is a diagnostic), as in a file compiled without it.
const api = (await import(pathToFileURL(path.join(ROOT, 'dist/runtime/index.js')).href)) as Record<string, (...args: any[]) => unknown>;
const untransformed = {
  grad: api.grad,
  valueAndGrad: api.valueAndGrad,
  stopGradient: api.stopGradient,
  derivative: api.derivative,
  jvp: api.jvp,
  vjp: api.vjp,
  jacobian: api.jacobian,
  jacobianInto: api.jacobianInto,
  hessian: api.hessian,
  hessianInto: api.hessianInto,
  hvp: api.hvp,
};

describe('API without the transformer', () => {
  for (const [name, fn] of Object.entries(untransformed)) {
    it(`${name}() throws and points to the setup`, () => {
      expect(() => fn((x: number) => x)).toThrowError(
        new RegExp(`^tapeless: ${name}\\(\\) ran without the tapeless transformer.*Setup section of tapeless's README`),
      );
    });
  }

  it('names every host entry point, each a subpath the package exports, and a README section that exists', () => {
    let message = '';
    try {
      api.grad((x: number) => x);
    } catch (error) {
      message = (error as Error).message;
    }
    const entries = [...message.matchAll(/\btapeless\/[\w-]+/g)].map(([entry]) => entry);
    expect(entries).toEqual([
      'tapeless/transformer',
      'tapeless/rollup',
      'tapeless/vite',
      'tapeless/esbuild',
      'tapeless/webpack',
      'tapeless/ts-jest',
      'tapeless/ts-node',
      'tapeless/register',
    ]);
    const { exports } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    for (const entry of entries) expect(Object.keys(exports), entry).toContain(`./${entry.slice('tapeless/'.length)}`);
    expect(message).toContain('"transformProgram": true');
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toMatch(/^## Setup$/m);
  });

  it('throws the same error from the CommonJS build (require)', () => {
    const cjs = createRequire(import.meta.url)(path.join(ROOT, 'dist/runtime/cjs/index.js')) as typeof api;
    expect(() => cjs.grad((x: number) => x)).toThrowError(
      new RegExp(`^tapeless: grad\\(\\) ran without the tapeless transformer.*Setup section of tapeless's README`),
    );
  });

  it('withDerivative() returns the function itself (its rule matters only to the transformer)', () => {
    const f = (x: number) => 2 * x;
    expect(api.withDerivative(f, () => [2])).toBe(f);
  });
});
