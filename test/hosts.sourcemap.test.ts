// Source maps of generated code: the fixture project compiled with sourceMap (through the
// in-process transform every host runs), its main.js.map decoded, and each generated
// gradient's statements followed back to the user's function they differentiate — in the
// importing file for a local function, in model.ts for the imported one.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './support/compile.js';
import { FIXTURE, type Mapping, type RawSourceMap, decodeMappings, expectMappedInto } from './support/hosts.js';

const source = (file: string) => readFileSync(path.join(FIXTURE, 'src', file), 'utf8');

let dir: string;
let js: string[];
let mappings: Mapping[];

beforeAll(() => {
  const out = compile({ 'model.ts': source('model.ts'), 'main.ts': source('main.ts') }, { sourceMap: true });
  expect(out.messages).toEqual([]);
  dir = out.dir;
  js = out.js['main.ts'].split('\n');
  const map = JSON.parse(readFileSync(path.join(dir, 'main.js.map'), 'utf8')) as RawSourceMap;
  expect(map.sources).toEqual(expect.arrayContaining(['main.ts', 'model.ts']));
  mappings = decodeMappings(map);
});

/** 1-based line of the first line of a source file that contains `text`. */
function lineOf(file: string, text: string): number {
  const line = source(file)
    .split('\n')
    .findIndex((candidate) => candidate.includes(text));
  if (line < 0) throw new Error(`${text} is not in ${file}`);
  return line + 1;
}

/** The lines (0-based) of the statements of a generated function declaration, one per line. */
function statementLines(generated: string): number[] {
  const start = js.findIndex((line) => line.startsWith(`function ${generated}(`));
  expect(start, `function ${generated} in main.js`).toBeGreaterThanOrEqual(0);
  const end = js.indexOf('}', start);
  return Array.from({ length: end - start - 1 }, (_, i) => start + 1 + i);
}

/** Where the statement on a generated line maps: its first mapping, as `file:line` (1-based). */
function origin(generatedLine: number): string | undefined {
  const first = mappings.find((m) => m.generatedLine === generatedLine);
  return first && `${first.source}:${first.originalLine + 1}`;
}

/** The generated line that defines `name` in a generated function. */
function definition(generated: string, name: string): number {
  const line = statementLines(generated).find((candidate) => js[candidate].trimStart().startsWith(`const ${name} = `));
  expect(line, `const ${name} in ${generated}`).toBeDefined();
  return line!;
}

const GENERATED = [
  ['loss_grad', 'model.ts', 'export function loss('],
  ['loss_grad_wrt_y', 'model.ts', 'export function loss('],
  ['loss_grad_wrt_x', 'model.ts', 'export function loss('],
  ['loss_valueAndGrad', 'model.ts', 'export function loss('],
  ['energy_valueAndGrad_wrt_y_x', 'model.ts', 'export function energy('],
  ['g_grad', 'main.ts', 'export const g = '],
  ['g_valueAndGrad_wrt_b', 'main.ts', 'export const g = '],
] as const;

describe('source maps of generated gradients', () => {
  it.each(GENERATED)("%s maps only into the user's function in %s", (generated, file, userFunction) => {
    expectMappedInto(path.join(dir, 'main.js'), generated, path.join(dir, file), userFunction);
  });

  it('maps the gradient of the inline arrow into the line of the arrow', () => {
    const start = js.findIndex((line) => line.startsWith('export const dCubic = ('));
    const end = js.findIndex((line, i) => i > start && line.startsWith('})'));
    const inside = mappings.filter((m) => m.generatedLine > start && m.generatedLine < end);
    expect(inside.length).toBeGreaterThan(0);
    for (const m of inside) expect(`${m.source}:${m.originalLine + 1}`).toBe(`main.ts:${lineOf('main.ts', 'export const dCubic = grad(')}`);
  });

  it("maps the primal statements of user variables to the user's statement that computes them", () => {
    expect(origin(definition('energy_valueAndGrad_wrt_y_x', 'r2'))).toBe(`model.ts:${lineOf('model.ts', 'const r2 = ')}`);
    expect(origin(definition('energy_valueAndGrad_wrt_y_x', 'damped'))).toBe(`model.ts:${lineOf('model.ts', 'const damped = ')}`);
    expect(origin(definition('g_valueAndGrad_wrt_b', 't'))).toBe(`main.ts:${lineOf('main.ts', 'const t = a * b;')}`);
    expect(origin(definition('g_valueAndGrad_wrt_b', 's'))).toBe(`main.ts:${lineOf('main.ts', 'let s = Math.log(')}`);
  });

  it('maps the adjoint of a user variable to that variable', () => {
    expect(origin(definition('energy_valueAndGrad_wrt_y_x', 'r2_bar'))).toBe(`model.ts:${lineOf('model.ts', 'const r2 = ')}`);
  });

  // emit.ts: "Every statement maps (source maps) to the user code it comes from".
  it('maps every statement of the generated gradients, returns included', () => {
    const unmapped = GENERATED.flatMap(([generated]) =>
      statementLines(generated)
        .filter((line) => origin(line) === undefined)
        .map((line) => `${generated}: ${js[line].trim()}`),
    );
    expect(unmapped, 'statements without a source mapping').toEqual([]);
  });
});
