// Hosts without a file system (the browser playground) give the transform the text of
// runtime/rules.js and runtime/drivers.js (TransformOptions.runtimeSources): the same text
// gives byte-identical code to the Node hosts' default (the files in dist), and the text
// given is the one used.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT, TMP, compilerOptions } from './support/compile.js';

const require = createRequire(import.meta.url);
const { createTransformer } = require('../dist/transformer/transform.js') as typeof import('../dist/transformer/transform.js');

const SOURCE = `import { grad, hessian, hessianInto } from 'tapeless';
export function f(x: number, y: number): number {
  return Math.sin(x) * y;
}
export const g = grad(f);
export const h = hessian(f);
export const hInto = hessianInto(f);
`;
const dist = (name: string) => readFileSync(path.join(ROOT, 'dist/runtime', name), 'utf8');
const RULES = dist('rules.js');
const DRIVERS = dist('drivers.js');

/** The file's emitted JavaScript, transformed with the given runtime sources (or none). */
function emit(runtimeSources?: { rules: string; drivers: string }): string {
  const dir = path.join(TMP, 'runtime-sources');
  mkdirSync(dir, { recursive: true });
  const fileName = path.join(dir, 'main.ts');
  writeFileSync(fileName, SOURCE);
  const program = ts.createProgram([fileName], { ...compilerOptions, sourceMap: false });
  const diagnostics: ts.Diagnostic[] = [];
  let js = '';
  program.emit(program.getSourceFile(fileName), (_name, text) => (js = text), undefined, false, {
    before: [createTransformer(ts, program, { report: (diagnostic) => diagnostics.push(diagnostic), runtimeSources })],
  });
  expect(diagnostics.map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))).toEqual([]);
  return js;
}

describe('runtime sources given as text', () => {
  const fromDisk = emit();

  it('the text of the files in dist gives byte-identical code', () => {
    expect(fromDisk).toMatch(/jacobianOfColumns/); // hessianInto copies a driver into the file
    expect(emit({ rules: RULES, drivers: DRIVERS })).toBe(fromDisk);
  });

  it('the rules and drivers given are the ones used', () => {
    const rules = RULES.replace('sin: withDerivative(Math.sin, (x, y) => [Math.cos(x)])', 'sin: withDerivative(Math.sin, (x, y) => [Math.cosh(x)])');
    const drivers = DRIVERS.replace(
      'export function jacobianOfColumns(columns, out) {',
      'export function jacobianOfColumns(columns, out) {\n    const given = true;',
    );
    expect(rules).not.toBe(RULES);
    expect(drivers).not.toBe(DRIVERS);
    const js = emit({ rules, drivers });
    expect(fromDisk).not.toMatch(/Math\.cosh|const given = true/);
    expect(js).toMatch(/Math\.cosh\(x\)/);
    expect(js).toMatch(/const given = true/);
  });
});
